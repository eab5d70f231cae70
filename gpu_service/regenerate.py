"""Run one regeneration job: the artifact's previous version and a prompt in, its next version out.

`generate` is one generation, shared with repairs (repair.py): claimed first (claims.py), so of two
deliveries of one job at once one generates (and pays) and the other waits for its version. The
output is stored under a name made of the job id and a per-delivery suffix, then written as the
next version together with a marker named after the job (or the repair's attempt:
common/checkpoints.add_version): should two deliveries still both generate (a claim taken over from
a delivery presumed dead), only one version is written and the loser's object is removed.
"""

from __future__ import annotations

import mimetypes
from dataclasses import asdict, dataclass
from typing import Any

from common.checkpoints import checkpoints, media
from common.checkpoints.models import Artifact, ArtifactType, ArtifactVersion, RepairMark, VersionReference
from common.checkpoints.regeneration import ARTIFACT_OF
from common.continuity import checks as continuity
from common.gcp import storage
from common.ids import new_id
from common.jobs.models import RegenerationJob
from common.projects import projects, references, scene_references
from common.projects.models import Scene
from common.projects.reference_models import PackTarget
from common.records import utcnow
from gpu_service.config import worker_settings
from gpu_service.generate.generated import GenerationFailed, ReferenceImage
from gpu_service.generate.generators import generator
from gpu_service.jobs import claims

DEFAULT_PROMPT = "the same shot, generated again"
CLAIM_MARGIN_S = 60  # a claim outlives the longest generation (a Veo clip) by this much


@dataclass(frozen=True)
class Order:
    """One generation: of which artifact, from which version, with what words."""

    checkpoint_id: str
    artifact_type: ArtifactType
    artifact_key: str
    base: ArtifactVersion  # the version it starts from
    asked: str  # the prompt before its handles are spelled out
    job_id: str
    marker: str  # names the version's write: the job, or a repair's job and attempt
    model_override: str | None = None
    focus: tuple[str, ...] = ()  # a repair's handles to put first in the pack
    setback: tuple[str, ...] = ()  # a repair's images to put behind their subject's others
    repair: RepairMark | None = None
    check_here: bool = False  # the caller checks the version's continuity itself (a repair)


def run_regeneration(job: RegenerationJob) -> int:
    """Returns the artifact's version that holds this job's output."""
    artifact_type = ARTIFACT_OF[job.kind]
    current = checkpoints.get_artifact(job.checkpoint_id, artifact_type, job.artifact_key)
    order = Order(
        checkpoint_id=job.checkpoint_id,
        artifact_type=artifact_type,
        artifact_key=job.artifact_key,
        base=current,
        asked=job.prompt_override or current.prompt or DEFAULT_PROMPT,
        job_id=job.id,
        marker=job.id,
        model_override=job.model_override,
    )
    return generate(order)


def generate(order: Order) -> int:
    """The version that holds the order's output (written now, or by an earlier delivery)."""
    applied = checkpoints.applied_version(order.checkpoint_id, order.marker)
    if applied is None:
        applied = _claimed(order)
    if not order.check_here:  # again for a redelivery: its check may not be queued yet
        continuity.queue_version(order.checkpoint_id, order.artifact_type, order.artifact_key, applied)
    return applied


def _claimed(order: Order) -> int:
    if not order.base.media_path:
        raise GenerationFailed("the artifact has no media to start from")
    claim, holder = claims.key("regenerate", order.marker), new_id()
    ttl = worker_settings().video_timeout_s + CLAIM_MARGIN_S
    if not claims.take(claim, holder, ttl) and not claims.wait_for([claim], holder, ttl):
        applied = checkpoints.applied_version(order.checkpoint_id, order.marker)  # the other delivery's
        if applied is None:
            raise GenerationFailed("another delivery of this job could not generate it")
        return applied
    try:
        version = _generate(order)
    except GenerationFailed:
        claims.finish([claim])  # final: the other delivery reports the same failure
        raise
    except BaseException:
        claims.release([claim])  # a retry may try again at once
        raise
    claims.finish([claim])
    return version


def _generate(order: Order) -> int:
    previous = media.load(order.base.media_path or "")
    checkpoint = checkpoints.get(order.checkpoint_id)
    target: PackTarget = "image" if order.artifact_type == ArtifactType.BEAT_IMAGE else "video"
    prompt, chosen = _with_references(checkpoint.project_id, order, target)
    images = [
        ReferenceImage(storage.download(r.image_path), _mime(r.image_path), r.handle, r.role) for r in chosen
    ]
    make = generator()
    if order.artifact_type == ArtifactType.BEAT_IMAGE:
        out = make.beat(previous, prompt, images)
    else:
        out = make.chunk(previous, prompt, order.model_override, images)
    stored = media.Media(out.data, out.mime_type, out.extension)
    # Each delivery stores under its own name: the losing one removes only its own object.
    path = media.object_path(
        order.checkpoint_id,
        order.artifact_type,
        order.artifact_key,
        f"job-{order.marker}-{new_id()[:12]}",
        out.extension,
    )
    media.store(path, stored)

    def version(_current: Artifact) -> dict[str, Any]:
        return {
            "generator": out.generator,
            "media_path": path,
            "mime_type": stored.mime_type,
            "digest": stored.digest,
            "prompt": prompt,
            "references": [VersionReference.model_validate(asdict(r)).model_dump() for r in chosen],
            "repair": order.repair.model_dump() if order.repair else None,
            "cost": out.cost,
        }

    written, created = checkpoints.add_version(
        checkpoint,
        order.artifact_type,
        order.artifact_key,
        version,
        job_id=order.job_id,
        marker=order.marker,
        checked=continuity.checked(checkpoint, order.artifact_type),
    )
    if not created:
        media.discard(path)  # the other delivery's output is the version
        return checkpoints.applied_version(order.checkpoint_id, order.marker) or written.version
    return written.version


def _with_references(
    project_id: str, order: Order, target: PackTarget
) -> tuple[str, list[references.Reference]]:
    """The prompt with each handle spelled out, and the scene's pack (beat or chunk n is scene n):
    none for a project without a snapshot, or a key that is no scene's."""
    project = projects.get(project_id)
    key, asked = order.artifact_key, order.asked
    if project.snapshot_id is None or not key.isdigit():
        return asked, []
    found = projects.scene_ref(project_id, int(key)).get()
    scene = Scene.model_validate(found.to_dict() or {"index": int(key), "updated_at": utcnow()})
    chosen = scene_references.pack_for(
        project.snapshot_id, scene, target, prompt=asked, focus=order.focus, setback=order.setback
    )
    if chosen is None:
        return asked, []
    return chosen.prompt, chosen.references


def _mime(path: str) -> str:
    return mimetypes.guess_type(path)[0] or "image/jpeg"
