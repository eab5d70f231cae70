"""Starting a repair and settling what it cost against the project's repair budget.

A repair regenerates one beat image or chunk clip with its scene's reference pack, checks each
attempt's continuity in the same job, and stops at the first that holds (gpu_service/repair.py).
Starting one is a transaction: an artifact has at most one repair at a time (the lock
`checkpoints/{id}/repairs/{artifact}` names it: asking again while it runs answers that job, queued
again in case its task was lost), and the repair's quote (max_attempts times what one generation
costs at most, prices.py) must fit in what is left of the project's `repair_budget`; it is held on
`repair_spent` while the job runs, so two repairs started at once cannot pass the budget together.
When the job ends (done or failed), `settle` replaces the quote with what its generations cost,
once; the checks' GPU seconds are on the versions and the checkpoint like any check's.

Requests that race: a repair asked for while one runs on the same artifact (or that loses the race
for its lock) answers that job, 202 with its `task_id`, as the first did; a quote over what is left
is 422 with the figures; the transaction is retried with backoff while others hold the project
(`db.run_transaction`), and contention that outlasts the request's budget is 503 with Retry-After.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from google.cloud import firestore

from common.checkpoints import checkpoints as ops
from common.checkpoints import prices
from common.checkpoints.jobs import RepairJob
from common.checkpoints.models import (
    ARTIFACT_OF_PHASE,
    PHASE_OF,
    Artifact,
    ArtifactVersion,
    Checkpoint,
    CheckpointStatus,
    RepairRequest,
)
from common.checkpoints.report import AUTO_REPAIRABLE, HOLDS, REPAIRABLE, ContinuityStatus
from common.errors import ApiError, Conflict, NotFound, ValidationFailed
from common.gcp import db
from common.ids import new_id
from common.jobs import lifecycle
from common.jobs.models import JobStatus
from common.projects import projects
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference

log = logging.getLogger(__name__)

# Settling runs on the GPU service when a job ends (and in a request whose job could not be queued):
# it may wait longer than a request for its turn on the project (a delivery that gives up retries).
SETTLE_BUDGET_S = 30.0


def start(
    checkpoint: Checkpoint, request: RepairRequest, *, auto: bool = False, in_run: bool = False
) -> RepairJob:
    """Check the request, hold its quote on the project's budget and queue the job (or answer the
    repair already running on the artifact). `in_run`: a film's scene repairs what it made before
    its checkpoint is ready, and runs the job itself (nothing is queued)."""
    artifact_type = ARTIFACT_OF_PHASE.get(checkpoint.phase)
    if artifact_type is None:
        raise Conflict("repairs make beat images (phase 2) and chunk clips (phase 3); this is phase 1 (spec)")
    if not in_run:
        ops.require_editable(checkpoint, PHASE_OF[artifact_type], "repairing")
    try:
        artifact = ops.get_artifact(checkpoint.id, artifact_type, request.artifact_key)
    except NotFound as exc:
        raise ValidationFailed(
            f"this checkpoint has no {artifact_type.value} {request.artifact_key}",
            [{"loc": ["artifact_key"], "msg": "no such artifact on this checkpoint"}],
        ) from exc
    project = projects.get(checkpoint.project_id)
    if project.snapshot_id is None:
        raise Conflict("the project has no manifest snapshot: there is no cast to repair towards")
    running = _running(checkpoint.id, artifact)
    if running is not None:
        return _queued(running)
    _require_repairable(artifact)
    job = RepairJob(
        id=new_id(),
        owner_id=checkpoint.owner_id,
        project_id=checkpoint.project_id,
        checkpoint_id=checkpoint.id,
        artifact_type=artifact_type,
        artifact_key=artifact.artifact_key,
        from_version=artifact.version,
        max_attempts=request.max_attempts,
        reserved=round(request.max_attempts * prices.per_call(artifact_type), 6),
        auto=auto,
        created_at=utcnow(),
    )
    running = _reserve(job, _lock(checkpoint.id, artifact))
    if running is not None:  # another request started one meanwhile
        return running if in_run else _queued(running)
    if in_run:
        return job
    try:
        lifecycle.enqueue(job)
    except lifecycle.QueueUnavailable:
        settle(job.id, spent=0.0)
        raise
    return job


def start_auto(checkpoint: Checkpoint, artifact: Artifact) -> RepairJob | None:
    """A project with `auto_repair` repairs a pipeline version whose report came back missing,
    unknown or drift, while its checkpoint waits for approval (called when its check is written, and
    for the reports already in when the checkpoint becomes ready). A repair the budget cannot cover,
    or that cannot start, is logged, not started: the owner can still ask for one."""
    if not checkpoint.ready or checkpoint.status != CheckpointStatus.PENDING:
        return None
    return _auto(checkpoint, artifact, in_run=False)


def start_in_run(checkpoint: Checkpoint, artifact: ArtifactVersion) -> RepairJob | None:
    """The same for a film's scene before its phase ends (the caller runs the job); a repair a
    delivery that died left running is resumed."""
    return _running(checkpoint.id, artifact) or _auto(checkpoint, artifact, in_run=True)


def _auto(checkpoint: Checkpoint, artifact: ArtifactVersion, *, in_run: bool) -> RepairJob | None:
    """Start the automatic repair of the pipeline's version whose report fails, if the project
    repairs by itself; logged, not started, when the budget cannot cover it or it cannot start."""
    report = artifact.continuity
    if (
        artifact.generator != "pipeline"
        or report is None
        or report.status not in AUTO_REPAIRABLE
        or not projects.get(checkpoint.project_id).auto_repair
    ):
        return None
    try:
        request = RepairRequest(artifact_key=artifact.artifact_key)
        return start(checkpoint, request, auto=True, in_run=in_run)
    except ApiError as exc:
        log.warning(
            "automatic repair not started",
            extra={
                "checkpoint_id": checkpoint.id,
                "artifact_key": artifact.artifact_key,
                "reason": exc.message,
            },
        )
        return None


def _lock(checkpoint_id: str, artifact: ArtifactVersion) -> DocumentReference:
    name = ops.artifact_id(artifact.artifact_type, artifact.artifact_key)
    return ops.checkpoint_ref(checkpoint_id).collection(db.REPAIRS).document(name)


def _running(checkpoint_id: str, artifact: ArtifactVersion) -> RepairJob | None:
    """The repair the lock names, while it has not finished."""
    held = _lock(checkpoint_id, artifact).get()
    job = lifecycle.read_job((held.to_dict() or {}).get("job_id", ""), RepairJob) if held.exists else None
    return job if job is not None and not lifecycle.finished(job) else None


def _queued(job: RepairJob) -> RepairJob:
    """A running repair asked for again: queued again while it waits (its task may have been lost
    between its making and its queueing; the task is named after the job, so this is one task)."""
    if job.status == JobStatus.QUEUED:
        lifecycle.enqueue(job)
    return job


def _require_repairable(artifact: Artifact) -> None:
    report = artifact.continuity
    name = f"version {artifact.version} of {artifact.artifact_type.value} {artifact.artifact_key}"
    if report is None:
        raise Conflict(f"{name} has no continuity report to repair towards")
    if report.status == ContinuityStatus.PENDING:
        raise Conflict(f"{name} is still being checked; repair it once its report is in")
    if report.status == ContinuityStatus.ERROR:
        raise Conflict(f"{name} could not be checked ({report.error}); check it again first")
    if report.status in HOLDS or report.status not in REPAIRABLE:
        raise Conflict(f"{name} already holds ({report.status.value}): there is nothing to repair")


def _reserve(job: RepairJob, lock: DocumentReference) -> RepairJob | None:
    """Take the artifact's lock, create the job and hold its quote on the budget, in one
    transaction; or the repair that took the lock first (nothing held again)."""
    project_ref = projects.project_ref(job.project_id)
    job_ref = lifecycle.job_ref(job.id)

    def hold(transaction: firestore.Transaction) -> RepairJob | None:
        held = lock.get(transaction=transaction)
        holder_id = (held.to_dict() or {}).get("job_id") if held.exists else None
        if holder_id:
            found = lifecycle.job_ref(holder_id).get(transaction=transaction)
            holder = (
                RepairJob.model_validate({**(found.to_dict() or {}), "id": holder_id})
                if found.exists
                else None
            )
            if holder is not None and not lifecycle.finished(holder):
                return holder
        current = projects.read_project(project_ref.get(transaction=transaction))
        left = round(current.repair_budget - current.repair_spent, 6)
        if job.reserved > left + 1e-9:
            raise _over_budget(job, current.repair_budget, current.repair_spent, left)
        transaction.update(
            project_ref, {"repair_spent": firestore.Increment(job.reserved), "updated_at": utcnow()}
        )
        transaction.create(job_ref, lifecycle.job_doc(job))
        transaction.set(lock, {"job_id": job.id, "at": utcnow()})
        return None

    return db.run_transaction(hold, serial_on=project_ref)


def _money(dollars: float) -> str:
    """An amount as a creator reads it: "$0.12"; a few tenths of a cent, "under $0.01"."""
    return "under $0.01" if 0 < dollars < 0.005 else f"${dollars:.2f}"


def _over_budget(job: RepairJob, budget: float, spent: float, left: float) -> ValidationFailed:
    per_call = job.reserved / job.max_attempts
    return ValidationFailed(
        f"this repair may cost up to {_money(job.reserved)} ({job.max_attempts} attempts at up to "
        f"{_money(per_call)} each), more than the {_money(max(left, 0))} left of this project's repair "
        f"budget of {_money(budget)}: raise the repair budget (the project's repair_budget), or ask "
        "for fewer attempts",
        {
            "quote": job.reserved,
            "max_attempts": job.max_attempts,
            "price_per_call": round(per_call, 6),
            "repair_budget": budget,
            "repair_spent": spent,
            "left": max(left, 0.0),
        },
    )


def settle(job_id: str, spent: float) -> None:
    """Replace the job's held quote with what its generations cost, once (a repeated call changes
    nothing)."""
    job_ref = lifecycle.job_ref(job_id)

    def put(transaction: firestore.Transaction) -> None:
        found = job_ref.get(transaction=transaction)
        if not found.exists:
            return
        job = RepairJob.model_validate({**(found.to_dict() or {}), "id": found.id})
        if job.settled:
            return
        change = round(spent - job.reserved, 6)
        transaction.update(
            projects.project_ref(job.project_id), {"repair_spent": firestore.Increment(change)}
        )
        transaction.update(job_ref, {"settled": True, "spent": round(spent, 6)})

    db.run_transaction(put, budget_s=SETTLE_BUDGET_S)  # the project is found inside: no turns
