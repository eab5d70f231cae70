"""One scene of a film's phase (common/projects/film.py): its keyframe (phase 2) or its clip
(phase 3), generated with the scene's reference pack, judged by the continuity check in memory, and
recorded as version 1 of its artifact on the phase's checkpoint, with its report, in one commit.

- The keyframe: the image model's first frame from the pack and the scene's keyframe prompt
  (generator.first_beat: no image before it).
- The clip: Veo at the scene's length, with the pack as asset references, or from the scene's
  keyframe (its latest version: an edit or a repair counts) as the first frame when the pack is
  empty (generator.clip: Veo takes one or the other).

Delivered at least once, paid once: one delivery at a time holds the scene (its lease renewed while
it works), its quote is held on the project's budget before it pays (a run that would pass
it stops), what it paid for is kept on its job before it is judged (a later delivery records that
one), and a delivery that finds the artifact recorded generates nothing. Its writes go behind
its fence (the scene's job and its phase's), so a stop or a delete leaves nothing written after it.
With `auto_repair`, a first version whose report fails is repaired in the same task, before the
phase ends (gpu_service/repair.py, within the project's repair budget). The scene that finishes last
queues the phase's fan-in.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Literal

from google.cloud.firestore import Increment

from common.checkpoints import checkpoints, media, prices
from common.checkpoints import repair as repairs
from common.checkpoints.models import Artifact, ArtifactType, ArtifactVersion, VersionReference, pack_target
from common.checkpoints.report import ContinuityReport
from common.gcp import storage
from common.gcp.config import settings
from common.ids import new_id
from common.jobs import lifecycle, shards
from common.jobs.lease import Busy, Fence, Superseded
from common.projects import covers, film, projects, scene_references
from common.projects.film import KEYFRAMES, SceneJob
from common.projects.models import Project, Scene
from common.projects.references import Reference
from common.projects.storyboard import VEO_SECONDS
from common.records import utcnow
from gpu_service import repair
from gpu_service.continuity import check
from gpu_service.film.phase import queue_fan_in
from gpu_service.generate.generated import Generated, GenerationFailed, ReferenceImage
from gpu_service.generate.generators import generator
from gpu_service.jobs.heartbeat import beating

if TYPE_CHECKING:
    from google.cloud import firestore

log = logging.getLogger(__name__)
GENERATOR: Literal["pipeline"] = (
    "pipeline"  # a run's first version of an artifact, as the pipeline endpoints record it
)


def run_scene(job: SceneJob) -> dict[str, Any]:
    delivery, lease_s = new_id(), settings().processing_lease_s
    counted = film.tally(job.run_id)
    try:
        shards.take(job.id, counted, delivery, lease_s)
    except shards.ShardDone:
        settled(job)
        return {}
    kind = ArtifactType.BEAT_IMAGE if job.phase == KEYFRAMES else ArtifactType.CHUNK_CLIP
    fence = Fence(job.id, delivery, job.run_id)
    # The lease is kept alive while the delivery works (a Veo clip takes minutes): one that dies
    # leaves it to lapse within a lease, and the queue's next retry takes the scene over.
    renew = functools.partial(shards.extend, job.id, delivery, lease_s)
    with shards.released_on_failure(job.id, delivery), beating(lease_s / 4, renew, "scene-lease"):
        made: ArtifactVersion | None = _recorded(job.checkpoint_id, kind, str(job.index))
        if made is None:
            made = (
                _inherit(job, kind, fence, job.inherit_from) if job.inherit_from else _make(job, kind, fence)
            )
        _repaired(job, made, fence)
    if shards.done(job.id, counted, delivery, {"cost": Increment(made.cost)}):
        queue_fan_in(job)
    return {"version": made.version, "cost": made.cost}


def settled(job: SceneJob) -> None:
    """A delivery of a finished scene: should the fan-in not have been queued (the delivery that
    finished the last scene died first), it is queued now."""
    if shards.all_finished(film.tally(job.run_id)):
        queue_fan_in(job)


def failed(job: SceneJob, message: str) -> None:
    """The scene cannot be made (its last delivery failed, or the model refused it): it is done,
    failed with the reason, and the phase's fan-in comes once every scene is done."""
    if film.scene_failed(job, message):
        queue_fan_in(job)


def _repaired(job: SceneJob, made: ArtifactVersion, fence: Fence) -> None:
    """With `auto_repair`, a first version whose report fails is repaired before the phase ends,
    within the project's repair budget (a redelivery finds the repair done, or resumes it). A
    repair that cannot be made leaves the version as it is: the scene is made, the report says so."""
    fence.check()  # a stopped run starts no repair
    started = repairs.start_in_run(checkpoints.get(job.checkpoint_id), made)
    if started is None or lifecycle.finished(started):
        return
    lifecycle.mark_running(started)
    try:
        result = repair.run_repair(started)
    except (Busy, Superseded):
        raise  # another delivery runs it; or the run was stopped
    except Exception as exc:
        log.warning("the scene's repair failed", extra={"job_id": started.id, "error": str(exc)})
        repair.abandon(started)
        lifecycle.mark_failed(started, f"repair failed: {exc.__class__.__name__}: {exc}"[:1000])
        return
    lifecycle.mark_done(started, {"result": result.model_dump(mode="python")})


def _inherit(job: SceneJob, kind: ArtifactType, fence: Fence, source_id: str) -> ArtifactVersion:
    """A fork's inherited scene: its parent's latest version of the artifact, as version 1 here
    (the same stored object, its report and references; nothing made, nothing paid)."""
    source = _recorded(source_id, kind, str(job.index))
    if source is None or not source.media_path:
        raise GenerationFailed(f"the parent has no {kind.value.replace('_', ' ')} for scene {job.index + 1}")
    version = ArtifactVersion.model_validate(
        {
            **source.model_dump(include=set(ArtifactVersion.model_fields)),
            "version": 1,
            "generator": GENERATOR,
            "cost": 0.0,
            "job_id": job.id,
            "created_at": utcnow(),
        }
    )
    return _commit(job, kind, fence, version)


def _recorded(checkpoint_id: str, kind: ArtifactType, key: str) -> Artifact | None:
    found = checkpoints.artifact_ref(checkpoint_id, kind, key).get()
    return checkpoints.read_artifact(found) if found.exists else None


def _make(job: SceneJob, kind: ArtifactType, fence: Fence) -> ArtifactVersion:
    project = projects.get(job.project_id)
    scene = projects.scene_at(project.id, job.index) or Scene(index=job.index, updated_at=utcnow())
    doc = lifecycle.read_doc(job.id) or {}
    if doc.get("output"):  # paid for by an earlier delivery: judged and recorded now
        version = ArtifactVersion.model_validate(doc["output"])
        if doc.get("held"):
            film.settle(project.id, job.id, version.cost)  # that delivery died before it settled
    else:
        version = _paid(job, kind, fence, project, scene)
    data = media.load(version.media_path or "")
    report = _judged(job, kind, project, scene, data)
    return _commit(job, kind, fence, version.model_copy(update={"continuity": report}))


def _paid(job: SceneJob, kind: ArtifactType, fence: Fence, project: Project, scene: Scene) -> ArtifactVersion:
    """Generate the scene's output (its quote held on the budget first) and keep it: stored, and
    named on the scene's job before anything else can fail, so a delivery after this one judges and
    records it instead of paying for it again."""
    seconds = scene.duration_s or max(VEO_SECONDS)
    what = f"scene {job.index + 1}'s {'keyframe' if kind == ArtifactType.BEAT_IMAGE else 'clip'}"
    fence.check()
    film.hold(project.id, job.id, prices.per_call(kind, seconds), what)
    try:
        prompt, pack = _prompt_and_pack(project, scene, kind)
        images = [
            ReferenceImage(storage.download(r.image_path), _mime(r.image_path), r.handle, r.role)
            for r in pack
        ]
        out = _generate(job, kind, prompt, images, seconds)
    except BaseException:
        film.settle(project.id, job.id, 0.0)
        raise
    stored = media.Media(out.data, out.mime_type, out.extension)
    path = media.object_path(job.checkpoint_id, kind, str(job.index), f"scene-{new_id()[:12]}", out.extension)
    media.store(path, stored)
    version = ArtifactVersion(
        artifact_type=kind,
        artifact_key=str(job.index),
        version=1,
        generator=GENERATOR,
        prompt=prompt,
        media_path=path,
        mime_type=stored.mime_type,
        digest=stored.digest,
        references=[VersionReference.model_validate(asdict(r)) for r in pack],
        cost=round(out.cost, 6),
        job_id=job.id,
        created_at=utcnow(),
    )
    lifecycle.job_ref(job.id).update({"output": version.model_dump(mode="python")})
    film.settle(project.id, job.id, out.cost)  # should this fail, the next delivery settles it
    return version


def _prompt_and_pack(project: Project, scene: Scene, kind: ArtifactType) -> tuple[str, list[Reference]]:
    target = pack_target(kind)
    asked = scene.prompt_for(target) or project.prompt
    if project.snapshot_id is None:
        return asked, []
    pack = scene_references.pack_for(project.snapshot_id, scene, target, prompt=asked)
    return (pack.prompt, pack.references) if pack is not None else (asked, [])


def _generate(
    job: SceneJob, kind: ArtifactType, prompt: str, images: list[ReferenceImage], seconds: int
) -> Generated:
    make = generator()
    if kind == ArtifactType.BEAT_IMAGE:
        return make.first_beat(prompt, images)
    beat = _recorded(job.from_checkpoint_id, ArtifactType.BEAT_IMAGE, str(job.index))
    if beat is None or not beat.media_path:
        raise GenerationFailed(f"scene {job.index + 1} has no keyframe to start its clip from")
    return make.clip(media.load(beat.media_path), prompt, seconds, images)


def _judged(
    job: SceneJob, kind: ArtifactType, project: Project, scene: Scene, data: bytes
) -> ContinuityReport | None:
    """The continuity report on the output (None for a project without a manifest: no cast)."""
    if project.manifest_id is None:
        return None
    expected = check.expectation(project, scene)
    return check.assess(kind, data, expected, check.Pending(job.id, utcnow()))


def _commit(job: SceneJob, kind: ArtifactType, fence: Fence, version: ArtifactVersion) -> ArtifactVersion:
    """Version 1 of the scene's artifact and (a keyframe) the project's cover, in one commit behind
    the scene's fence; the version already there if another delivery wrote it first."""
    key, path = str(job.index), version.media_path or ""
    artifact = Artifact(
        **version.model_dump(), checkpoint_id=job.checkpoint_id, updated_at=version.created_at
    )

    def write(transaction: firestore.Transaction) -> ArtifactVersion:
        ref = checkpoints.artifact_ref(job.checkpoint_id, kind, key)
        found = ref.get(transaction=transaction)
        if found.exists:
            return checkpoints.read_artifact(found)
        if kind == ArtifactType.BEAT_IMAGE:  # reads the project: before the writes
            covers.stage_in(transaction, job.project_id, job.index, path)
        transaction.create(ref, artifact.model_dump(mode="python"))
        transaction.create(
            checkpoints.version_ref(job.checkpoint_id, kind, key, 1), version.model_dump(mode="python")
        )
        return version

    # The phase's scenes commit beside each other and each reads the phase's job (its fence): the
    # deliveries in one process take turns on it rather than lock each other out.
    return fence.commit(write, serial_on=film.tally(job.run_id).ref)


def _mime(path: str) -> str:
    return mimetypes.guess_type(path)[0] or "image/jpeg"
