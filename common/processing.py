"""Engine jobs as the API sees them: start a manifest run or one asset's reprocess, read progress.

A run is a job document plus a lease on the manifest (`processing`). Starting is one transaction:
refused (409) while another run holds an unexpired lease, so two requests never race into two runs,
and a dead worker's lease simply lapses. Progress lives on the manifest document, where a client
can listen to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from google.cloud import firestore
from google.cloud.firestore import FieldFilter

from common import assets as asset_ops
from common import db, tasks
from common import manifests as manifest_ops
from common.config import settings
from common.errors import ApiError, Conflict, NotFound, ValidationFailed
from common.models import (
    Job,
    JobKind,
    JobStatus,
    Manifest,
    ManifestStatus,
    ProcessingLease,
    ProgressOut,
    new_id,
    utcnow,
)

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference


class QueueUnavailable(ApiError):
    status = 503
    code = "queue_unavailable"


def job_ref(job_id: str) -> DocumentReference:
    return db.collection(db.JOBS).document(job_id)


def read_job(job_id: str) -> Job | None:
    snapshot = job_ref(job_id).get()
    if not snapshot.exists:
        return None
    return Job.model_validate({**(snapshot.to_dict() or {}), "id": snapshot.id})


def get_owned_job(owner_id: str, job_id: str) -> Job:
    job = read_job(job_id)
    if job is None or job.owner_id != owner_id:
        raise NotFound("job not found")
    return job


def lease_held(manifest: Manifest, now: datetime) -> bool:
    lease = manifest.processing
    return (
        manifest.status == ManifestStatus.PROCESSING
        and lease is not None
        and lease.finished_at is None
        and lease.lease_expires_at > now
    )


def task_payload(job: Job) -> dict[str, Any]:
    payload = {"job_id": job.id, "kind": job.kind.value}
    return payload if job.manifest_id is None else {**payload, "manifest_id": job.manifest_id}


def start_manifest_run(owner_id: str, manifest_id: str) -> Job:
    """Mark the manifest PROCESSING under a fresh lease and queue the run."""
    manifest_ops.get_owned(owner_id, manifest_id)
    if not _has_image(manifest_id):
        raise ValidationFailed("no asset of this manifest has an image yet; upload one first")
    job = Job(id=new_id(), kind=JobKind.PROCESS_MANIFEST, owner_id=owner_id, manifest_id=manifest_id,
              created_at=utcnow())  # fmt: skip
    start_job(job)
    return job


def start_job(job: Job) -> None:
    """Take the manifest's lease for a manifest run (409 while another holds it), record the job
    and queue it."""
    ref = manifest_ops.manifest_ref(job.manifest_id)
    now = utcnow()
    lease = ProcessingLease(
        job_id=job.id, started_at=now, lease_expires_at=now + timedelta(seconds=settings().processing_lease_s)
    )

    @firestore.transactional
    def claim(transaction: firestore.Transaction) -> None:
        manifest = manifest_ops.read_manifest(ref.get(transaction=transaction))
        if manifest.deleted_at is not None:
            raise NotFound("manifest not found")
        if lease_held(manifest, now):
            raise Conflict("this manifest is being processed; wait for the run to finish")
        transaction.update(
            ref,
            {
                "status": ManifestStatus.PROCESSING.value,
                "current_step": "queued",
                "progress": {},
                "error": None,
                "processing": lease.model_dump(),
                "updated_at": now,
            },
        )
        transaction.create(job_ref(job.id), job.model_dump(exclude={"id"}))

    claim(db.client().transaction())
    enqueue_or_fail(job, manifest_ref=ref)


def start_asset_reprocess(owner_id: str, asset_id: str) -> Job:
    asset = asset_ops.get_owned(owner_id, asset_id)
    if not asset.image_path:
        raise ValidationFailed("the asset has no image to process; upload one first")
    manifest = manifest_ops.get_owned(owner_id, asset.manifest_id)
    if lease_held(manifest, utcnow()):
        raise Conflict("the manifest is being processed; reprocess the asset when the run is done")
    job = Job(id=new_id(), kind=JobKind.REPROCESS_ASSET, owner_id=owner_id, manifest_id=asset.manifest_id,
              asset_id=asset.id, created_at=utcnow())  # fmt: skip
    job_ref(job.id).create(job.model_dump(exclude={"id"}))
    enqueue_or_fail(job)
    return job


def enqueue_or_fail(job: Job, manifest_ref: DocumentReference | None = None) -> None:
    try:
        tasks.enqueue(job.id, task_payload(job))
    except Exception as exc:
        # Nothing will run this job: say so where the client looks, and release the manifest.
        message = "the job could not be queued; try again"
        now = utcnow()
        job_ref(job.id).update({"status": JobStatus.ERROR.value, "error": message, "finished_at": now})
        if manifest_ref is not None:
            manifest_ref.update(
                {"status": ManifestStatus.ERROR.value, "error": message, "processing.finished_at": now}
            )
        raise QueueUnavailable(message) from exc


def _has_image(manifest_id: str) -> bool:
    query = (
        db.collection(db.ASSETS)
        .where(filter=FieldFilter("manifest_id", "==", manifest_id))
        .select(["image_path"])
    )
    return any((s.to_dict() or {}).get("image_path") for s in query.stream())


def progress(owner_id: str, manifest_id: str) -> ProgressOut:
    manifest = manifest_ops.get_owned(owner_id, manifest_id)
    if manifest.status == ManifestStatus.PROCESSING and not lease_held(manifest, utcnow()):
        manifest = expire_lease(manifest)
    lease = manifest.processing
    return ProgressOut(
        manifest_id=manifest.id,
        status=manifest.status,
        current_step=manifest.current_step,
        progress=manifest.progress,
        error=manifest.error,
        task_id=lease.job_id if lease else None,
        started_at=lease.started_at if lease else None,
        finished_at=lease.finished_at if lease else None,
        lease_expires_at=lease.lease_expires_at if lease else None,
        total_processing_cost=manifest.total_processing_cost,
        updated_at=manifest.updated_at,
    )


def expire_lease(manifest: Manifest) -> Manifest:
    """A run whose lease lapsed is over: record it as an error (once) instead of PROCESSING forever.
    Should its worker come back, it finds the run no longer current and stops."""
    ref = manifest_ops.manifest_ref(manifest.id)

    @firestore.transactional
    def expire(transaction: firestore.Transaction) -> None:
        current = manifest_ops.read_manifest(ref.get(transaction=transaction))
        now = utcnow()
        if current.status != ManifestStatus.PROCESSING or lease_held(current, now):
            return
        transaction.update(
            ref,
            {
                "status": ManifestStatus.ERROR.value,
                "error": "processing stopped responding (its lease expired); start it again",
                "processing.finished_at": now,
                "updated_at": now,
            },
        )

    expire(db.client().transaction())
    return manifest_ops.read_manifest(ref.get())
