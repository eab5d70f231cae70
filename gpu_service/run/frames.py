"""Frames promoted from a clip: the asset exists; its image is the clip's frame at `frame_s`, cut
here because decoding video needs OpenCV (the functions never import it)."""

from __future__ import annotations

from collections.abc import Iterable

from common.checkpoints import checkpoints, media
from common.checkpoints.models import ArtifactType
from common.jobs.lease import Fence
from common.jobs.models import Step
from common.library import images, uploads
from common.library.models import Asset
from gpu_service.store import registry
from gpu_service.vision import clips, imaging


def cut_promoted(assets: Iterable[Asset], fence: Fence) -> None:
    """Give each asset promoted from a clip, and still without an image, its frame."""
    for asset in assets:
        lineage = asset.generated_from
        if asset.image_path or lineage is None or lineage.frame_s is None:
            continue
        history = checkpoints.versions_of(lineage.checkpoint_id)
        versions = history.get(checkpoints.artifact_id(ArtifactType.CHUNK_CLIP, lineage.artifact_key), [])
        version = next((v for v in versions if v.version == lineage.version), None)
        if version is None or not version.media_path:
            registry.record_failure(asset.id, Step.DETECTION, "the clip it was promoted from is gone", fence)
            continue
        clip = clips.read(media.load(version.media_path))
        if lineage.frame_s > clip.seconds:
            message = f"the clip lasts {clip.seconds:.2f} s; frame_s {lineage.frame_s:g} is past its end"
            registry.record_failure(asset.id, Step.DETECTION, message, fence)
            continue
        frame = clip.frames[min(int(lineage.frame_s * clip.fps), len(clip.frames) - 1)]
        image = images.validate(imaging.jpeg(frame, 95))
        path = uploads.object_path(
            asset.manifest_id, asset.id, f"frame-{lineage.artifact_key}", image.extension
        )
        uploads.store(asset.id, path, image)
