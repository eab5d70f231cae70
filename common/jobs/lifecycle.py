"""The life of an engine job: its document, its queueing, and the start of a manifest run.

A job: QUEUED (its document and its Cloud Task are made together) -> RUNNING (a delivery took it)
-> DONE | ERROR. A manifest run also holds the manifest's `processing` lease (lease.py): taking it
for a new run is one transaction with the job's creation, refused (409) while another run holds an
unexpired lease, so two requests never race into two runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, get_args

from google.api_core import exceptions
from google.cloud import firestore

from common import owned
from common.errors import ApiError, Conflict, NotFound
from common.gcp import db, tasks
from common.gcp.config import settings
from common.jobs import lease
from common.jobs.models import JobRecord, JobStatus, ManifestJob
from common.jobs.task_wire import TaskPayload
from common.library import manifests as manifest_ops
from common.library.models import Manifest, ManifestStatus
from common.library.progress_models import ProcessingLease
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference

Prepare = Callable[[firestore.Transaction, Manifest], ManifestJob]
J = TypeVar("J", bound=JobRecord)
NOT_QUEUED = "the job could not be queued; try again"


class QueueUnavailable(ApiError):
    status = 503
    code = "queue_unavailable"


# ---------------------------------------------------------------- job documents
def job_ref(job_id: str) -> DocumentReference:
    return db.jobs().document(job_id)


def read_doc(job_id: str) -> dict[str, Any] | None:
    """A job's stored fields and its id, whatever its kind (its domain's model reads them)."""
    snapshot = job_ref(job_id).get() if job_id else None
    if snapshot is None or not snapshot.exists:
        return None
    return {**(snapshot.to_dict() or {}), "id": snapshot.id}


def read_job(job_id: str, model: type[J]) -> J | None:
    """The job as its kind's model, or None when there is no such job of that kind."""
    doc = read_doc(job_id)
    return model.model_validate(doc) if doc is not None and doc.get("kind") in kinds_of(model) else None


def kinds_of(model: type[JobRecord]) -> set[str]:
    """The kinds a job model reads: its `kind` field's Literal values."""
    return {str(k) for k in get_args(model.model_fields["kind"].annotation)}


def get_owned_doc(owner_id: str, job_id: str) -> dict[str, Any]:
    doc = read_doc(job_id)
    if doc is None or doc.get("owner_id") != owner_id:
        raise NotFound("job not found")
    return doc


def job_doc(job: JobRecord) -> dict[str, Any]:
    return job.model_dump(exclude={"id"})


def mark(job_id: str, changes: dict[str, Any]) -> None:
    """Record a job's status change; a job deleted meanwhile is left alone."""
    with contextlib.suppress(exceptions.NotFound):
        job_ref(job_id).update(changes)


def mark_running(job: JobRecord) -> None:
    """A delivery takes the job; one that has ended stays ended (a delete, a finished shard: a
    late duplicate delivery must not bring it back to RUNNING and reopen its fence)."""
    ref = job_ref(job.id)

    def write(transaction: firestore.Transaction) -> None:
        found = ref.get(transaction=transaction)
        if not found.exists or found.get("status") in lease.ENDED:
            return
        started = {"status": JobStatus.RUNNING.value, "started_at": job.started_at or utcnow()}
        transaction.update(ref, {**started, "attempts": firestore.Increment(1)})

    # Duplicate deliveries in one process take turns on the job's document.
    db.run_transaction(write, budget_s=lease.WORKER_BUDGET_S, serial_on=ref)


def mark_done(job: JobRecord, result: dict[str, Any] | None = None) -> None:
    _end(job.id, {"status": JobStatus.DONE.value, "error": None, "finished_at": utcnow(), **(result or {})})


def mark_failed(job: JobRecord, message: str) -> None:
    _end(job.id, {"status": JobStatus.ERROR.value, "error": message, "finished_at": utcnow()})


def _end(job_id: str, changes: dict[str, Any]) -> None:
    """A job ends once: the first end written stands (a stop that ended it while a delivery was at
    work keeps its reason); a job deleted meanwhile is left alone."""
    ref = job_ref(job_id)

    def write(transaction: firestore.Transaction) -> None:
        found = ref.get(transaction=transaction)
        if found.exists and found.get("status") not in lease.ENDED:
            transaction.update(ref, changes)

    db.run_transaction(write, budget_s=lease.WORKER_BUDGET_S, serial_on=ref)


def finished(job: JobRecord) -> bool:
    return job.status in (JobStatus.DONE, JobStatus.ERROR)


# ---------------------------------------------------------------- queueing
def submit(job: JobRecord, *, repeatable: bool = False) -> None:
    """Record a job that needs no lease (one asset's reprocess, a regeneration, a check) and queue
    it. `repeatable`: the job's id is derived from its work, and submitting it again queues it again
    unless it has finished (the task is named after the job: Cloud Tasks keeps one)."""
    try:
        job_ref(job.id).create(job_doc(job))
    except exceptions.AlreadyExists:
        existing = read_job(job.id, type(job))
        if not repeatable or existing is None or finished(existing):
            raise
    enqueue(job)


def start_run(job: ManifestJob, prepare: Prepare | None = None) -> ManifestJob:
    """Take the manifest's lease for a run (409 while another holds it), record the job, queue it.

    `prepare` sees the manifest as the transaction read it (the one read of it) and returns the job
    to run, or raises to refuse; returns the job queued."""
    ref = manifest_ops.manifest_ref(job.manifest_id)
    now = utcnow()
    taken = ProcessingLease(
        job_id=job.id, started_at=now, lease_expires_at=now + timedelta(seconds=settings().processing_lease_s)
    )

    def claim(transaction: firestore.Transaction) -> None:
        nonlocal job
        manifest = owned.read(transaction, ref, manifest_ops.read_manifest, "manifest", job.owner_id)
        if prepare is not None:
            job = prepare(transaction, manifest)
        if lease.lease_held(manifest, now):
            raise Conflict("this manifest is being processed; wait for the run to finish")
        lease.stop(transaction, manifest, "a newer run of the manifest started", now)  # one that lapsed
        transaction.update(
            ref,
            {
                "status": ManifestStatus.PROCESSING.value,
                "current_step": "queued",
                "progress": {},
                "error": None,
                "processing": taken.model_dump(),
                "updated_at": now,
            },
        )
        transaction.create(job_ref(job.id), job_doc(job))

    db.run_transaction(claim)
    enqueue(job, manifest_ref=ref)
    return job


def enqueue(job: JobRecord, manifest_ref: DocumentReference | None = None) -> None:
    try:
        tasks.enqueue(job.id, TaskPayload.of(job).fields())
    except Exception as exc:
        # Nothing will run this job: say so where the client looks, and release the manifest.
        now = utcnow()
        job_ref(job.id).update({"status": JobStatus.ERROR.value, "error": NOT_QUEUED, "finished_at": now})
        if manifest_ref is not None:
            manifest_ref.update(
                {"status": ManifestStatus.ERROR.value, "error": NOT_QUEUED, "processing.finished_at": now}
            )
        raise QueueUnavailable(NOT_QUEUED) from exc
