"""Promoting a generated frame to a reference asset: a storyboard image (phase 2) at a version, or
one frame of a chunk's clip (phase 3), becomes a new asset of the project's manifest (or another of
the caller's manifests).

The asset is made at once under a new tag, `source="generated"`, with its lineage in
`generated_from`; a beat image is stored with it, a clip's frame is cut by the GPU service (which
decodes video) at the start of the run. Either way an incremental run processes that asset alone:
its face joins the identity it matches or starts one, nothing else is renumbered or described. The
project's snapshot does not change (snapshots are immutable); a fork of the project picks the asset
up only if it is added there (docs/checkpoints.md, "Promote").
"""

from __future__ import annotations

from google.cloud.firestore import Increment

from common.checkpoints import checkpoints as ops
from common.checkpoints import media
from common.checkpoints.models import ArtifactType, ArtifactVersion, Checkpoint, Phase, PromoteRequest
from common.errors import ApiError, Conflict, ValidationFailed
from common.ids import new_id
from common.jobs import lease, lifecycle
from common.jobs.models import ManifestJob
from common.library import assets as asset_ops
from common.library import images, uploads
from common.library import manifests as manifest_ops
from common.library.models import Asset, GeneratedFrom
from common.projects import projects as project_ops
from common.records import utcnow


def promote(owner_id: str, checkpoint: Checkpoint, request: PromoteRequest) -> Asset:
    artifact_type, version = _version(checkpoint, request)
    project = project_ops.get_owned(owner_id, checkpoint.project_id)
    manifest_id = request.manifest_id or project.manifest_id
    if manifest_id is None:
        raise ValidationFailed("this project was generated without a manifest: name one with manifest_id")
    manifest = manifest_ops.get_owned(owner_id, manifest_id)
    if lease.lease_held(manifest, utcnow()):
        raise Conflict("the manifest is being processed; promote the frame when the run is done")
    image = None
    if artifact_type == ArtifactType.BEAT_IMAGE:  # checked before anything is written
        try:
            image = images.validate(media.load(version.media_path or ""))
        except ApiError as exc:
            raise ValidationFailed(f"this beat image cannot be a reference: {exc.message}") from exc
    now = utcnow()
    lineage = GeneratedFrom(
        project_id=project.id,
        checkpoint_id=checkpoint.id,
        artifact_key=request.artifact_key,
        version=version.version,
        frame_s=request.frame_s,
    )
    asset = asset_ops.insert(
        Asset(
            id=new_id(),
            owner_id=owner_id,
            manifest_id=manifest.id,
            name=request.name,
            asset_type=request.asset_type,
            manifest_tag="",
            source="generated",
            generated_from=lineage,
            sort_order=manifest.asset_count,
            created_at=now,
            updated_at=now,
        ),
        {"asset_count": Increment(1), **manifest_ops.content_changed(now)},
    )
    if image is not None:
        path = uploads.object_path(
            manifest.id, asset.id, f"generated-{request.artifact_key}", image.extension
        )
        asset = uploads.store(asset.id, path, image)
    job = ManifestJob(
        id=new_id(),
        owner_id=owner_id,
        manifest_id=manifest.id,
        incremental=True,
        sources=[asset.id],
        created_at=utcnow(),
    )
    lifecycle.start_run(job)
    return asset


def _version(checkpoint: Checkpoint, request: PromoteRequest) -> tuple[ArtifactType, ArtifactVersion]:
    """The artifact version to promote; 422 when it is not an image or a clip, or does not exist."""
    if checkpoint.phase == Phase.STORYBOARD:
        artifact_type = ArtifactType.BEAT_IMAGE
        if request.frame_s is not None:
            raise ValidationFailed("frame_s picks a frame of a clip; a storyboard image is one frame already")
    elif checkpoint.phase == Phase.CHUNKS:
        artifact_type = ArtifactType.CHUNK_CLIP
        if request.frame_s is None:
            raise ValidationFailed("a clip is promoted one frame at a time: say which with frame_s (seconds)")
    else:
        raise ValidationFailed("a spec has no image to promote; promote a storyboard image or a clip's frame")
    ops.require_ready(checkpoint)
    history = ops.versions_of(checkpoint.id).get(ops.artifact_id(artifact_type, request.artifact_key))
    if not history:
        raise ValidationFailed(f"this checkpoint has no {artifact_type.value} {request.artifact_key}")
    if request.version is None:
        return artifact_type, history[-1]
    for version in history:
        if version.version == request.version:
            return artifact_type, version
    latest = history[-1].version
    raise ValidationFailed(
        f"{artifact_type.value} {request.artifact_key} has no version {request.version} (latest {latest})"
    )
