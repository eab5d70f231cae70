"""A film's keyframes or clips phase (common/projects/film.py): its fan-out, one scene job per
scene, and its fan-in, which makes the phase's checkpoint ready once the last scene is done.

The phase job's first delivery records the phase's checkpoint, counts the scenes it starts from
(the spec's beats for the keyframes, the beat images for the clips: every scene must have one, so a
film never has a hole) and hands the phase to its scenes in one commit (common/jobs/shards.py: the
scenes' job documents and the count). A fork's scenes below its `inherited_scenes` copy their
parent's artifact of this phase (gpu_service/film/scene.py) instead of being made again. A delivery
while scenes are still at work queues those not done and does nothing else; the one the last scene
queues (the fan-in) ends the phase: a phase with a failed scene stops at its checkpoint (the project
says which scene and why), else the checkpoint is ready and the run goes on as a continued
checkpoint does (common/checkpoints/continuation.py).
"""

from __future__ import annotations

from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from common.checkpoints import checkpoints, continuation
from common.checkpoints.models import SPEC_KEY, ArtifactType, CheckpointCreate, Phase
from common.gcp import db
from common.jobs import lifecycle, shards
from common.jobs.lease import SHARDS, WORKER_BUDGET_S, Superseded
from common.jobs.models import JobKind
from common.jobs.task_wire import TaskPayload
from common.projects import film, projects
from common.projects.film import CLIPS, KEYFRAMES, PHASE_NAMES, PhaseJob, SceneJob, tally
from common.projects.models import (
    TERMINAL_STATUSES,
    PipelineProjectUpdate,
    Project,
    ProjectStage,
    ProjectStatus,
)
from common.records import utcnow
from gpu_service.generate.generated import GenerationFailed

STAGE = {KEYFRAMES: ProjectStage.KEYFRAMING, 3: ProjectStage.VIDEO_GENERATION}


def run_phase(job: PhaseJob) -> dict[str, Any] | None:
    """None while the phase's scenes work; the job's result once the phase has ended."""
    project = projects.get(job.project_id)
    if project.status in TERMINAL_STATUSES:
        raise Superseded(f"the project is {project.status.value}")
    checkpoint, _ = checkpoints.record(
        project.id, CheckpointCreate(phase=Phase(job.phase), branch=job.branch)
    )
    current = lifecycle.read_job(job.id, PhaseJob) or job
    if current.shards == 0:
        count = _scenes(job)
        _fan_out(job, checkpoint.id, count, _inherited(project, job.phase))
        film.advance(project.id, PipelineProjectUpdate(stage=STAGE[job.phase], status=ProjectStatus.RUNNING))
        _queue(job, count)
        return None
    if current.shards_done < current.shards:
        _queue(job, current.shards)  # those not queued yet, should a delivery have died first
        return None
    return _fan_in(current, checkpoint.id)


def _scenes(job: PhaseJob) -> int:
    """How many scenes the phase makes: the spec's beats (keyframes) or the beat images (clips),
    each of which must be there."""
    if job.phase == KEYFRAMES:
        spec = checkpoints.get_artifact(job.from_checkpoint_id, ArtifactType.SPEC, SPEC_KEY)
        return len((spec.content or {}).get("beats") or [])
    beats = {a.artifact_key for a in checkpoints.artifacts_of(job.from_checkpoint_id)}
    count = len(beats)
    missing = [n + 1 for n in range(count) if str(n) not in beats]
    if not beats or missing:
        raise GenerationFailed(f"the keyframes checkpoint has no image for scene(s) {missing or [1]}")
    return count


def _inherited(project: Project, phase: int) -> tuple[int, str | None]:
    """How many scenes a fork inherits, and its parent's checkpoint of this phase to copy them
    from: the one its film was cut from (its cut's clips, and the keyframes those clips were made
    from); for a parent its own pipeline made, its latest ready one. (0, None) for a new film."""
    parent_id = project.parent_project_id
    if parent_id is None or project.inherited_scenes == 0:
        return 0, None
    cut = _latest(db.jobs(), parent_id, ("kind", JobKind.STITCH.value), ("status", "DONE"))
    if cut is not None:
        clips_at = str(cut["checkpoint_id"])
        if phase == CLIPS:
            return project.inherited_scenes, clips_at
        made_by = _latest(db.jobs(), parent_id, ("kind", JobKind.PHASE.value), ("phase", CLIPS))
        if made_by is not None and made_by.get("from_checkpoint_id"):
            return project.inherited_scenes, str(made_by["from_checkpoint_id"])
    latest = _latest(db.checkpoints(), parent_id, ("phase", phase), ("ready", True))
    return (project.inherited_scenes, str(latest["id"])) if latest is not None else (0, None)


def _latest(collection: Any, project_id: str, *equal: tuple[str, Any]) -> dict[str, Any] | None:
    """The newest document of the project's in `collection` with these fields, and its id."""
    query = collection.where(filter=FieldFilter("project_id", "==", project_id))
    for name, value in equal:
        query = query.where(filter=FieldFilter(name, "==", value))
    found = [{**(s.to_dict() or {}), "id": s.id} for s in query.stream()]
    return max(found, key=lambda d: d["created_at"], default=None)


def _fan_out(job: PhaseJob, checkpoint_id: str, count: int, inherited: tuple[int, str | None]) -> None:
    now = utcnow()
    below, source = inherited
    scenes = [
        SceneJob(
            id=shards.shard_id(job.id, index),
            owner_id=job.owner_id,
            project_id=job.project_id,
            run_id=job.id,
            phase=job.phase,
            index=index,
            checkpoint_id=checkpoint_id,
            from_checkpoint_id=job.from_checkpoint_id,
            inherit_from=source if index < below else None,
            created_at=now,
        )
        for index in range(count)
    ]
    counted = tally(job.id)

    def write(transaction: firestore.Transaction) -> None:
        own = counted.ref.get(transaction=transaction)
        counted.running(own)
        if counted.counts(own)[0]:
            return  # another delivery fanned it out
        shards.create(transaction, scenes)
        transaction.update(
            counted.ref, {"shards": count, "shards_done": 0, "delivery_id": SHARDS, "updated_at": now}
        )

    db.run_transaction(write, budget_s=WORKER_BUDGET_S, serial_on=counted.ref)


def _queue(job: PhaseJob, count: int) -> None:
    ids = [shards.shard_id(job.id, index) for index in range(count)]
    shards.queue(ids, lambda s: TaskPayload(job_id=s.id, kind=s.get("kind")))


def _fan_in(job: PhaseJob, checkpoint_id: str) -> dict[str, Any]:
    if job.failed:
        checkpoints.mark_ready(checkpoint_id)  # what was made can be seen
        first = min(job.failed, key=lambda f: f.index)
        reason = f"scene {first.index + 1} could not be made: {first.error}"
        if len(job.failed) > 1:
            reason += f" (and {len(job.failed) - 1} more)"
        film.ended(job.project_id, reason)
        return {"checkpoint_id": checkpoint_id, "failed": len(job.failed)}
    project = projects.get(job.project_id)
    waiting = not project.auto_continue and not checkpoints.get(checkpoint_id).continuations
    if waiting:  # for approval at the checkpoint (a retried fan-in after a continue does not say so)
        film.advance(job.project_id, PipelineProjectUpdate(status=ProjectStatus.PENDING))
    continuation.on_ready(checkpoint_id)
    return {"checkpoint_id": checkpoint_id}


def queue_fan_in(job: SceneJob) -> None:
    """The phase's own job, delivered again to end the phase."""
    shards.queue_fan_in(job.run_id, JobKind.PHASE)


def fail(job: PhaseJob, message: str) -> None:
    """The phase cannot go on (its last delivery failed): the project says why, unless it ended."""
    film.ended(job.project_id, f"the {PHASE_NAMES[job.phase]} failed: {message}")
