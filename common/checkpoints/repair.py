"""Starting a repair and settling what it cost against the project's repair budget.

A repair regenerates one beat image or chunk clip with its scene's reference pack, checks each
attempt's continuity in the same job, and stops at the first that holds (gpu_service/repair.py).
Starting one is a transaction on the project: the repair's quote (max_attempts times what one
regeneration costs at most, prices.py) must fit in what is left of `repair_budget`, and is held on
`repair_spent` while the job runs, so two repairs started at once cannot pass the budget together.
When the job ends (done or failed), `settle` replaces the quote with what its attempts cost, once.

The job's id is derived from the version it repairs: asking again while it runs gets the same job;
after a repair that failed, the next one gets the next id.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from google.cloud import firestore

from common.checkpoints import checkpoints as ops
from common.checkpoints import prices
from common.checkpoints.models import PHASE_OF, Artifact, ArtifactType, Checkpoint, Phase, RepairRequest
from common.continuity.report import ContinuityStatus
from common.errors import ApiError, Conflict, NotFound, ValidationFailed
from common.gcp import db
from common.ids import derived_id
from common.jobs import lifecycle
from common.jobs.models import JobStatus, RepairJob
from common.projects import projects
from common.records import utcnow

if TYPE_CHECKING:
    from common.projects.models import Project

log = logging.getLogger(__name__)
ARTIFACT_OF_PHASE = {Phase.STORYBOARD: ArtifactType.BEAT_IMAGE, Phase.CHUNKS: ArtifactType.CHUNK_CLIP}
HOLDS = (ContinuityStatus.OK, ContinuityStatus.NO_FACES)  # a report a repair stops at
# What an automatic repair starts on (a pipeline version's report); `unsure` waits for a person.
AUTO_ON = (ContinuityStatus.MISSING, ContinuityStatus.UNKNOWN, ContinuityStatus.DRIFT)
MAX_RESTARTS = 50  # repairs of one version that failed before this one


def start(checkpoint: Checkpoint, request: RepairRequest, *, auto: bool = False) -> RepairJob:
    """Check the request, hold its quote on the project's budget and queue the job (the running
    one for the same version, if there is one)."""
    artifact_type = ARTIFACT_OF_PHASE.get(checkpoint.phase)
    if artifact_type is None:
        raise Conflict("repairs make beat images (phase 2) and chunk clips (phase 3); this is phase 1 (spec)")
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
    _require_repairable(artifact)
    quote = round(request.max_attempts * prices.per_call(artifact_type), 6)
    for restart in range(MAX_RESTARTS):
        job = RepairJob(
            id=derived_id(
                "repair", checkpoint.id, artifact_type.value, artifact.artifact_key, artifact.version, restart
            ),
            owner_id=checkpoint.owner_id,
            project_id=checkpoint.project_id,
            checkpoint_id=checkpoint.id,
            artifact_type=artifact_type.value,  # type: ignore[arg-type]  # beat_image or chunk_clip
            artifact_key=artifact.artifact_key,
            from_version=artifact.version,
            max_attempts=request.max_attempts,
            reserved=quote,
            auto=auto,
            created_at=utcnow(),
        )
        existing = _reserve(project, job, request.max_attempts)
        if existing is None:
            break
        if existing.status != JobStatus.ERROR:
            return existing  # running (or done: its versions are the artifact's latest)
    else:
        raise Conflict("this version has failed to repair too often; regenerate it instead")
    try:
        lifecycle.enqueue(job)
    except lifecycle.QueueUnavailable:
        settle(job.id, spent=0.0)
        raise
    return job


def start_auto(checkpoint: Checkpoint, artifact: Artifact) -> RepairJob | None:
    """A project with `auto_repair` repairs a pipeline version whose report came back missing,
    unknown or drift, once the checkpoint is ready (called when its check is written, and for the
    reports already in when the checkpoint becomes ready). A repair the budget cannot cover is
    logged, not started."""
    report = artifact.continuity
    if (
        not checkpoint.ready
        or artifact.generator != "pipeline"
        or report is None
        or report.status not in AUTO_ON
        or not projects.get(checkpoint.project_id).auto_repair
    ):
        return None
    try:
        return start(checkpoint, RepairRequest(artifact_key=artifact.artifact_key), auto=True)
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


def _require_repairable(artifact: Artifact) -> None:
    report = artifact.continuity
    name = f"version {artifact.version} of {artifact.artifact_type.value} {artifact.artifact_key}"
    if report is None:
        raise Conflict(f"{name} has no continuity report to repair towards")
    if report.status == ContinuityStatus.PENDING:
        raise Conflict(f"{name} is still being checked; repair it once its report is in")
    if report.status == ContinuityStatus.ERROR:
        raise Conflict(f"{name} could not be checked ({report.error}); check it again first")
    if report.status in HOLDS:
        raise Conflict(f"{name} already holds ({report.status.value}): there is nothing to repair")


def _reserve(project: Project, job: RepairJob, attempts: int) -> RepairJob | None:
    """Create the job and hold its quote on the budget, in one transaction; or the job already
    made for this version (nothing held again)."""
    project_ref = projects.project_ref(project.id)
    job_ref = lifecycle.job_ref(job.id)

    @firestore.transactional
    def hold(transaction: firestore.Transaction) -> RepairJob | None:
        found = job_ref.get(transaction=transaction)
        if found.exists:
            return RepairJob.model_validate({**(found.to_dict() or {}), "id": found.id})
        current = projects.read_project(project_ref.get(transaction=transaction))
        left = round(current.repair_budget - current.repair_spent, 6)
        if job.reserved > left + 1e-9:
            per_call = job.reserved / attempts
            raise ValidationFailed(
                f"this repair may cost ${job.reserved:.4f} ({attempts} attempts at ${per_call:.4f} a "
                f"{job.artifact_type.replace('_', ' ')}), more than the ${max(left, 0):.4f} left of the "
                f"project's repair budget (${current.repair_budget:.2f}); raise repair_budget "
                "(PATCH /api/projects/{id}) or ask for fewer attempts",
                {
                    "quote": job.reserved,
                    "max_attempts": attempts,
                    "price_per_call": round(per_call, 6),
                    "repair_budget": current.repair_budget,
                    "repair_spent": current.repair_spent,
                    "left": max(left, 0.0),
                },
            )
        transaction.update(
            project_ref, {"repair_spent": firestore.Increment(job.reserved), "updated_at": utcnow()}
        )
        transaction.create(job_ref, lifecycle.job_doc(job))
        return None

    return hold(db.client().transaction())


def settle(job_id: str, spent: float) -> None:
    """Replace the job's held quote with what it spent, once (a repeated call changes nothing)."""
    job_ref = lifecycle.job_ref(job_id)

    @firestore.transactional
    def put(transaction: firestore.Transaction) -> None:
        found = job_ref.get(transaction=transaction)
        if not found.exists:
            return
        job = RepairJob.model_validate({**(found.to_dict() or {}), "id": found.id})
        if job.settled:
            return
        project_ref = projects.project_ref(job.project_id)
        change = round(spent - job.reserved, 6)
        transaction.update(project_ref, {"repair_spent": firestore.Increment(change)})
        transaction.update(job_ref, {"settled": True})

    put(db.client().transaction())
