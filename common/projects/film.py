"""A project's film run (docs/pipeline.md): its phase jobs, what it may spend, stopping it, and the
phases as a reader sees them.

A run is four jobs one after another, each named after the project, its branch and its phase (a
repeat names the same job): the storyboard (common/projects/storyboard.py), the keyframes and the
clips (`PhaseJob`: fanned out one `SceneJob` per scene through common/jobs/shards.py, counted on the
phase's own document) and the cut (`StitchJob`). What the run may spend is the project's `budget`:
each scene holds its quote on `spent` before it pays (`hold`, recorded on the scene's job so a
redelivery holds nothing more; refused past the budget: the run stops) and settles it with what it
paid (`settle`). A stop (the owner's, a delete's, the budget's)
ends the project's unfinished phase jobs in the commit that marks the project: a scene's fence
reads its phase's job, so none writes after it.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from google.cloud import firestore
from google.cloud.firestore import ArrayUnion, Increment
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import Field

from common import owned
from common.errors import Conflict, NotFound
from common.gcp import db
from common.ids import derived_id
from common.jobs import shards
from common.jobs.lease import ENDED, Superseded
from common.jobs.models import JobKind, JobRecord, JobStatus
from common.jobs.shards import Tally
from common.projects.models import (
    TERMINAL_STATUSES,
    PhaseOut,
    PipelineProjectUpdate,
    Project,
    ProjectStatus,
)
from common.projects.projects import project_ref, read_project
from common.records import Model, utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentSnapshot

KEYFRAMES: Literal[2] = 2  # the phases that fan out (their checkpoints' phase numbers)
CLIPS: Literal[3] = 3
CUT = 4
PhaseName = Literal["storyboard", "keyframes", "clips", "cut"]
PhaseStatus = Literal["pending", "queued", "running", "done", "failed", "stopped"]
PHASE_NAMES: dict[int, PhaseName] = {1: "storyboard", KEYFRAMES: "keyframes", CLIPS: "clips", CUT: "cut"}
RUN_KINDS = (JobKind.STORYBOARD, JobKind.PHASE, JobKind.STITCH)
STOPPED = "stopped"  # how a stopped job's error begins
SAID: dict[JobStatus, PhaseStatus] = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "running",
    JobStatus.DONE: "done",
    JobStatus.ERROR: "failed",
}


class SceneFailure(Model):
    index: int
    error: str


class PhaseJob(JobRecord):
    """Phase 2 (a keyframe per scene) or 3 (a clip per scene) of a project's run on a branch: its
    first delivery fans out one SceneJob per scene, the one after the last scene is done (the
    fan-in) makes the phase's checkpoint ready."""

    kind: Literal[JobKind.PHASE] = JobKind.PHASE
    project_id: str
    branch: str
    phase: Literal[2, 3]
    from_checkpoint_id: str  # the previous phase's checkpoint, whose artifacts this phase starts from
    delivery_id: str | None = None
    shards: int = 0  # its scenes, once fanned out
    shards_done: int = 0
    cost: float = 0.0  # what its scenes' generations cost
    failed: list[SceneFailure] = Field(default_factory=list)

    @staticmethod
    def id_for(project_id: str, branch: str, phase: int) -> str:
        return derived_id("phase", project_id, branch, phase)


class SceneJob(JobRecord):
    """One scene of a phase: its keyframe or its clip, generated with the scene's pack, checked."""

    kind: Literal[JobKind.SCENE] = JobKind.SCENE
    project_id: str
    run_id: str  # its PhaseJob
    phase: Literal[2, 3]
    index: int
    checkpoint_id: str  # where its artifact is recorded
    from_checkpoint_id: str
    # A fork's inherited scene: its parent's checkpoint of this phase, whose artifact it copies.
    inherit_from: str | None = None
    delivery_id: str | None = None
    lease_expires_at: datetime | None = None
    held: float = 0.0  # its quote, held on the project's budget until it is paid
    output: dict[str, Any] | None = None  # what it paid for, kept until its version is written


class StitchJob(JobRecord):
    """The cut: the clips of a phase-3 checkpoint joined into the project's film."""

    kind: Literal[JobKind.STITCH] = JobKind.STITCH
    project_id: str
    branch: str
    checkpoint_id: str

    @staticmethod
    def id_for(project_id: str, branch: str) -> str:
        return derived_id("stitch", project_id, branch)


def run_ended(project: Project) -> bool:
    """A built-in project whose run has ended (complete, failed, stopped): it does not go on."""
    return project.pipeline == "built_in" and project.status in TERMINAL_STATUSES


def tally(phase_job_id: str) -> Tally:
    """A phase counts its scenes on its own document; it runs until it ends (done, failed, stopped)."""

    def running(snapshot: DocumentSnapshot) -> None:
        if not snapshot.exists or snapshot.get("status") in ENDED:
            raise Superseded(str((snapshot.to_dict() or {}).get("error") or "the phase has ended"))

    return Tally(db.jobs().document(phase_job_id), "", running)


def scene_failed(job: SceneJob, message: str) -> bool:
    """A scene that cannot be made is done, failed (on its phase, with the reason); True when it was
    the phase's last scene (its fan-in is then queued by the caller)."""
    failure = SceneFailure(index=job.index, error=message[:500]).model_dump()
    return shards.done(
        job.id, tally(job.run_id), None, {"failed": ArrayUnion([failure])}, failed=message[:500]
    )


def advance(project_id: str, update: PipelineProjectUpdate) -> None:
    """Move the run's project on (its stage, status, error), unless it was stopped, finished or
    deleted meanwhile: then Superseded, nothing written (a stop is never undone by a late step)."""
    ref = project_ref(project_id)

    def write(transaction: firestore.Transaction) -> None:
        project = read_project(ref.get(transaction=transaction))
        if project.status in TERMINAL_STATUSES or project.deleted_at is not None:
            raise Superseded(f"the project is {'deleted' if project.deleted_at else project.status.value}")
        transaction.update(ref, {**update.changes(), "updated_at": utcnow()})

    db.run_transaction(write, serial_on=ref)


def ended(project_id: str, message: str) -> None:
    """The run cannot go on (a step failed for good): the project is failed with the reason, unless
    it had ended already."""
    with contextlib.suppress(Superseded, NotFound):
        advance(project_id, PipelineProjectUpdate(status=ProjectStatus.FAILED, error=message))


def fork_cast_failed(project_id: str, message: str) -> None:
    """A built-in fork's run starts once its new images are processed; when that run fails for
    good, the fork says so instead of running forever."""
    found = project_ref(project_id).get()
    if found.exists and read_project(found).pipeline == "built_in":
        ended(project_id, f"the fork's new images could not be processed: {message}")


# ---------------------------------------------------------------- money
def hold(project_id: str, holder: str, dollars: float, what: str) -> None:
    """Hold `dollars` of the project's budget for `what` before it is paid, recorded on the job
    `holder` in the same commit (a redelivery after a crash finds it held and holds nothing more);
    a run that would pass its budget stops instead (the project says why) and this step is
    Superseded."""
    ref, job = project_ref(project_id), db.jobs().document(holder)

    def take(transaction: firestore.Transaction) -> str | None:
        found = {s.reference.path: s for s in transaction.get_all([ref, job])}
        if float((found[job.path].to_dict() or {}).get("held") or 0.0) > 0:
            return None  # held by an earlier delivery, not settled yet
        project = read_project(found[ref.path])
        if project.status in TERMINAL_STATUSES or project.deleted_at is not None:
            return f"the project is {project.status.value}"
        if project.budget is not None and project.spent + dollars > project.budget + 1e-9:
            reason = (
                f"stopped before {what}: it would pass the budget (${project.spent:.2f} spent, "
                f"${dollars:.2f} more, budget ${project.budget:.2f})"
            )
            transaction.update(ref, stop_in(transaction, project, reason, utcnow()))
            return reason
        transaction.update(ref, {"spent": Increment(round(dollars, 6)), "updated_at": utcnow()})
        transaction.update(job, {"held": round(dollars, 6)})
        return None

    refused = db.run_transaction(take, serial_on=ref)
    if refused is not None:
        raise Superseded(refused)


def settle(project_id: str, holder: str, paid: float) -> None:
    """Replace what `holder` held with what was paid, once."""
    ref, job = project_ref(project_id), db.jobs().document(holder)

    def put(transaction: firestore.Transaction) -> None:
        held = float((job.get(transaction=transaction).to_dict() or {}).get("held") or 0.0)
        transaction.update(job, {"held": 0.0})
        if abs(paid - held) > 1e-9:
            transaction.update(ref, {"spent": Increment(round(paid - held, 6))})

    db.run_transaction(put, serial_on=ref)


# ---------------------------------------------------------------- stopping
def stop(owner_id: str, project_id: str) -> Project:
    """The owner stops the project's run: its unfinished phase jobs end in the same commit (409 once
    the project has finished or failed; a stopped one answers as it is)."""
    ref = project_ref(project_id)

    def end(transaction: firestore.Transaction) -> Project:
        project = owned.read(transaction, ref, read_project, "project", owner_id)
        if project.status == ProjectStatus.STOPPED:
            return project
        if project.status in TERMINAL_STATUSES:
            raise Conflict(f"the project is {project.status.value}: there is nothing to stop")
        changes = stop_in(transaction, project, "stopped by its owner", utcnow())
        transaction.update(ref, changes)
        return project.model_copy(update={**changes, "status": ProjectStatus.STOPPED})

    return db.run_transaction(end, serial_on=ref)


def stop_in(
    transaction: firestore.Transaction, project: Project, reason: str, now: datetime
) -> dict[str, Any]:
    """In `transaction` (after its reads of the project): the project's unfinished run jobs end
    (`stopped: reason`); returns what the project's document writes for it (the caller writes it,
    with its own changes: a document is written once a commit)."""
    # The jobs are found outside the transaction and read in it: a query in a transaction locks
    # what it ranges over (on the emulator, every stop and delete took turns across projects). A
    # job made after this read finds the project stopped at its first step and does nothing.
    refs = [s.reference for s in _run_jobs(project.id).stream()]
    for job in transaction.get_all(refs) if refs else []:
        if job.exists and job.get("status") not in ENDED:
            transaction.update(
                job.reference,
                {"status": JobStatus.ERROR.value, "error": f"{STOPPED}: {reason}", "finished_at": now},
            )
    if project.status in TERMINAL_STATUSES:
        return {"updated_at": now}
    return {"status": ProjectStatus.STOPPED.value, "error": reason, "updated_at": now}


def delete(owner_id: str, project_id: str) -> None:
    """Soft-delete the project (it releases its manifest); its run stops in the same commit."""
    ref = project_ref(project_id)
    changes: dict[str, Any] = {}

    def end_run(transaction: firestore.Transaction) -> None:
        project = read_project(ref.get(transaction=transaction))
        changes.update(stop_in(transaction, project, "the project was deleted", utcnow()))

    owned.soft_delete(ref, read_project, "project", owner_id, changes=lambda now: changes, refuse=end_run)


def _run_jobs(project_id: str) -> firestore.Query:
    """The project's storyboard, phase and cut jobs (its scenes end with their phase: their fence
    reads it; its repairs and checks are their own)."""
    return (
        db.jobs()
        .where(filter=FieldFilter("project_id", "==", project_id))
        .where(filter=FieldFilter("kind", "in", [k.value for k in RUN_KINDS]))
    )


# ---------------------------------------------------------------- the phases as read
def phases(project: Project) -> list[PhaseOut]:
    """Each phase of the project's run, from its latest job: status, scenes done of all, cost."""
    latest: dict[int, dict[str, Any]] = {}
    for snapshot in _run_jobs(project.id).stream():
        doc = snapshot.to_dict() or {}
        number = _phase_of(doc)
        if number is None:
            continue
        if number not in latest or doc["created_at"] > latest[number]["created_at"]:
            latest[number] = doc
    return [phase_view(number, latest.get(number)) for number in PHASE_NAMES]


def _phase_of(doc: dict[str, Any]) -> int | None:
    kind = doc.get("kind")
    if kind == JobKind.STORYBOARD:
        return 1
    if kind == JobKind.STITCH:
        return CUT
    return int(doc["phase"]) if kind == JobKind.PHASE else None


def phase_view(number: int, doc: dict[str, Any] | None) -> PhaseOut:
    name = PHASE_NAMES[number]
    if doc is None:
        return PhaseOut(phase=number, name=name, status="pending", done=0, total=0, cost=0.0)
    status = JobStatus(doc.get("status", JobStatus.QUEUED))
    error = str(doc.get("error") or "")
    said = SAID[status]
    if status == JobStatus.ERROR and error.startswith(STOPPED):
        said = "stopped"
    if number in (KEYFRAMES, CLIPS):
        total, done = int(doc.get("shards") or 0), int(doc.get("shards_done") or 0)
        if status == JobStatus.DONE and doc.get("failed"):
            said = "failed"
    else:
        total, done = 1, int(status == JobStatus.DONE)
    return PhaseOut(
        phase=number,
        name=name,
        status=said,
        done=done,
        total=total,
        cost=round(float(doc.get("cost") or 0.0), 6),
        error=error or None,
    )
