"""Generating an artifact's next version: a regeneration job, and the generations a repair makes.

A generation has three parts. `workbench` reads what every generation of one artifact needs, once:
its checkpoint, project and scene, the version it starts from (its bytes) and, as they are first
asked for, the reference images. `make` asks the generator for the new bytes with the scene's pack
(no writes). `write` stores the output under a name of its own and writes it as the next version in
one commit (common/checkpoints/versions.add_version) together with a marker named after the job (or the
repair's attempt), so a job delivered twice writes one version; a caller that judged the output
already (a repair) hands its final report and its own writes for that commit.

A regeneration job (`run_regeneration`) is claimed first (claims.py), so of two deliveries at once
one generates (and pays) and the other waits for its version; its version starts with a pending
continuity report whose check is queued.
"""

from __future__ import annotations

import mimetypes
from dataclasses import asdict, dataclass, field
from typing import Any

from common.checkpoints import checkpoints, media, versions
from common.checkpoints.jobs import RegenerationJob
from common.checkpoints.models import (
    Artifact,
    ArtifactType,
    ArtifactVersion,
    Checkpoint,
    VersionReference,
    pack_target,
)
from common.checkpoints.repair_models import RepairMark
from common.checkpoints.report import ContinuityReport
from common.continuity import checks as continuity
from common.gcp import storage
from common.ids import new_id
from common.projects import projects, references, scene_references
from common.projects.models import Project, Scene
from common.projects.reference_models import PackTarget
from common.records import utcnow
from gpu_service.config import worker_settings
from gpu_service.generate.generated import Generated, GenerationFailed, ReferenceImage
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


@dataclass
class Workbench:
    """What every generation of one artifact reads, read once."""

    checkpoint: Checkpoint
    project: Project
    scene: Scene | None  # None: the key is no scene's (or the project has no snapshot)
    previous: bytes  # the media of the version generations start from
    images: dict[str, bytes] = field(default_factory=dict)  # reference images by path, as fetched

    def image(self, path: str) -> bytes:
        if path not in self.images:
            self.images[path] = storage.download(path)
        return self.images[path]


@dataclass(frozen=True)
class Made:
    """A generation's output, before it is written."""

    output: Generated
    prompt: str  # as the model was given it, handles spelled out
    chosen: list[references.Reference]  # the pack the model was given, in order


def run_regeneration(job: RegenerationJob) -> int:
    """Returns the artifact's version that holds this job's output."""
    current = checkpoints.get_artifact(job.checkpoint_id, job.artifact_type, job.artifact_key)
    order = Order(
        checkpoint_id=job.checkpoint_id,
        artifact_type=job.artifact_type,
        artifact_key=job.artifact_key,
        base=current,
        asked=job.prompt_override or current.prompt or DEFAULT_PROMPT,
        job_id=job.id,
        marker=job.id,
        model_override=job.model_override,
    )
    applied = versions.applied_version(order.checkpoint_id, order.marker)
    if applied is None:
        applied = _claimed(order)
    # Again for a redelivery: its check may not be queued yet.
    continuity.queue_version(order.checkpoint_id, order.artifact_type, order.artifact_key, applied)
    return applied


def _claimed(order: Order) -> int:
    claim, holder = claims.key("regenerate", order.marker), new_id()
    ttl = worker_settings().video_timeout_s + CLAIM_MARGIN_S
    if not claims.take(claim, holder, ttl) and not claims.wait_for([claim], holder, ttl):
        applied = versions.applied_version(order.checkpoint_id, order.marker)  # the other delivery's
        if applied is None:
            raise GenerationFailed("another delivery of this job could not generate it")
        return applied
    try:
        bench = workbench(order.checkpoint_id, order.artifact_key, order.base)
        version = write(order, bench, make(order, bench))
    except GenerationFailed:
        claims.finish([claim])  # final: the other delivery reports the same failure
        raise
    except BaseException:
        claims.release([claim])  # a retry may try again at once
        raise
    claims.finish([claim])
    return version


def workbench(checkpoint_id: str, key: str, base: ArtifactVersion) -> Workbench:
    if not base.media_path:
        raise GenerationFailed("the artifact has no media to start from")
    checkpoint = checkpoints.get(checkpoint_id)
    project = projects.get(checkpoint.project_id)
    scene = None
    if project.snapshot_id is not None and key.isdigit():  # a scene not written yet packs from the prompt
        scene = projects.scene_at(project.id, int(key)) or Scene(index=int(key), updated_at=utcnow())
    return Workbench(checkpoint, project, scene, media.load(base.media_path))


def make(order: Order, bench: Workbench) -> Made:
    """The generator's output for the order, with the scene's pack (nothing written)."""
    prompt, chosen = _with_references(bench, order, pack_target(order.artifact_type))
    images = [
        ReferenceImage(bench.image(r.image_path), _mime(r.image_path), r.handle, r.role) for r in chosen
    ]
    make = generator()
    if order.artifact_type == ArtifactType.BEAT_IMAGE:
        out = make.beat(bench.previous, prompt, images)
    else:
        out = make.chunk(bench.previous, prompt, order.model_override, images)
    return Made(out, prompt, chosen)


def write(
    order: Order,
    bench: Workbench,
    made: Made,
    *,
    report: ContinuityReport | None = None,
    stage: versions.Stage | None = None,
) -> int:
    """Store the output and write it as the artifact's next version, in one commit with `stage`'s
    writes; `report`: its final continuity report (else it starts pending where checks apply).
    Returns the version that holds the order's output (another delivery's, should it have won)."""
    out = made.output
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
            "prompt": made.prompt,
            "references": [VersionReference.model_validate(asdict(r)).model_dump() for r in made.chosen],
            "repair": order.repair.model_dump() if order.repair else None,
            "cost": round(out.cost + (report.cost if report is not None else 0.0), 6),
        }

    written, created = versions.add_version(
        bench.checkpoint,
        order.artifact_type,
        order.artifact_key,
        version,
        job_id=order.job_id,
        marker=order.marker,
        checked=report is None and versions.checked(bench.project, order.artifact_type),
        report=report,
        stage=stage,
    )
    if not created:
        media.discard(path)  # the other delivery's output is the version
        return versions.applied_version(order.checkpoint_id, order.marker) or written.version
    return written.version


def _with_references(
    bench: Workbench, order: Order, target: PackTarget
) -> tuple[str, list[references.Reference]]:
    """The prompt with each handle spelled out, and the scene's pack (beat or chunk n is scene n):
    none for a project without a snapshot, or a key that is no scene's."""
    snapshot_id = bench.project.snapshot_id
    if snapshot_id is None or bench.scene is None:
        return order.asked, []
    chosen = scene_references.pack_for(
        snapshot_id, bench.scene, target, prompt=order.asked, focus=order.focus, setback=order.setback
    )
    if chosen is None:
        return order.asked, []
    return chosen.prompt, chosen.references


def _mime(path: str) -> str:
    return mimetypes.guess_type(path)[0] or "image/jpeg"
