"""The lease a manifest run holds on its manifest (`processing`), and which delivery holds it.

Starting a run takes the lease for its job (lifecycle.start_run). Cloud Tasks delivers at least
once: each delivery takes the lease for itself (`acquire`, one transaction) and a second delivery
while the first is alive does nothing (Busy: the GPU service answers 503, and the task is delivered
again later); a delivery of a run that has ended does nothing at any moment (RunOver). Every progress
write renews the lease after checking, in a transaction, that this delivery still holds it; the
image pass checks before each image (`still_holds`), so a delete or a newer run stops it within
one image.

What a delivery writes into the manifest goes through its `Fence`: each commit reads the job's
document in its own transaction and lands only while the job runs and names this delivery. Whatever
ends a run (a delete, a newer run, another delivery taking over a lapsed lease) writes the job's
document in the same commit, so it lands wholly before the delivery's write (which then writes
nothing) or after it: nothing is written for a run after it ended. The job's document, not the
manifest's, is the gate because a run writes the manifest's progress every second: gated on it,
every image's commit would wait behind those writes.

A lapsed lease is over (the manifest says ERROR, once), so a dead worker never leaves a manifest
PROCESSING forever, and should it come back it finds itself superseded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from google.cloud import firestore

from common.gcp import db
from common.gcp.config import settings
from common.jobs.models import JobStatus
from common.library import manifests as manifest_ops
from common.library.models import Manifest, ManifestStatus
from common.library.progress_models import ProcessingCost, ProcessingLease
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, DocumentSnapshot

T = TypeVar("T")

EXPIRED = "processing stopped responding (its lease expired); start it again"
ENDED = (JobStatus.DONE.value, JobStatus.ERROR.value)
SHARDS = "shards"  # the lease's holder while a big run's shards work (common/jobs/shards.py)
SHARDS_GRACE = timedelta(minutes=15)
FENCED_AT_ONCE = 2
# The GPU service's lease writes may wait longer for a contended manifest than a request does.
WORKER_BUDGET_S = 30.0


class Superseded(Exception):
    """Another job owns the manifest now (or it was deleted, or its lease was ended): stop."""


class TakenOver(Superseded):
    """Another delivery of this same job took it over (this one's lease lapsed): this delivery
    stops, and the job goes on with the other (it is not failed)."""


class Busy(Exception):
    """Another delivery of this job holds it: this one does nothing and is delivered again later
    (the GPU service answers 503, and Cloud Tasks retries with backoff)."""


class Sharded(Exception):
    """The run's shards hold it (common/jobs/shards.py): a delivery of the run's own job before the
    last of them is done does nothing (but queue those not done)."""

    def __init__(self, shards: int) -> None:
        super().__init__(f"the run's {shards} shards hold it")
        self.shards = shards


class RunOver(Exception):
    """This job's run has ended: a delivery of it does nothing but say how it ended."""

    def __init__(self, status: ManifestStatus, error: str | None) -> None:
        super().__init__(f"the run has ended: {status.value}")
        self.status = status
        self.error = error


def lease_held(manifest: Manifest, now: datetime) -> bool:
    """A run holds the manifest: its lease is alive (a sharded run's, within SHARDS_GRACE: its
    shards may wait in the queue between them)."""
    lease = manifest.processing
    if manifest.status != ManifestStatus.PROCESSING or lease is None or lease.finished_at is not None:
        return False
    grace = SHARDS_GRACE if lease.delivery_id == SHARDS else timedelta(0)
    return lease.lease_expires_at + grace > now


def acquire(manifest_id: str, job_id: str, delivery_id: str) -> Manifest:
    """Take the run's lease for this delivery of its job; returns the manifest as it was taken.
    Superseded when another job owns the manifest (or it was deleted); RunOver when this job's run
    has ended (a delivery of a finished job does nothing, between READY and the job's DONE too);
    Busy while another delivery of the job holds a live lease; Sharded while its shards hold it
    (once the last is done, the delivery that takes it is the fan-in). A lapsed lease (its delivery
    died) is taken over."""
    ref = manifest_ops.manifest_ref(manifest_id)

    def take(transaction: firestore.Transaction) -> Manifest:
        manifest, lease = owned(ref.get(transaction=transaction), job_id)
        now = utcnow()
        if lease.finished_at is not None and manifest.error != EXPIRED:
            raise RunOver(manifest.status, manifest.error)
        if lease.delivery_id == SHARDS and lease.shards_done < lease.shards and lease.finished_at is None:
            raise Sharded(lease.shards)
        alive = lease.finished_at is None and lease.lease_expires_at > now
        if alive and lease.delivery_id not in (None, delivery_id, SHARDS):
            raise Busy(
                f"another delivery of this run holds its lease until {lease.lease_expires_at:%H:%M:%S}"
            )
        transaction.update(
            ref,
            {
                "status": ManifestStatus.PROCESSING.value,
                "error": None,
                "processing.delivery_id": delivery_id,
                "processing.finished_at": None,
                "processing.lease_expires_at": now + timedelta(seconds=settings().processing_lease_s),
                "updated_at": now,
            },
        )
        # The gate of this delivery's writes: a delivery it took over from writes nothing more.
        transaction.update(_job(job_id), {"delivery_id": delivery_id})
        return manifest

    return db.run_transaction(take, budget_s=WORKER_BUDGET_S)


def renew(
    manifest_id: str,
    job_id: str,
    delivery_id: str,
    changes: dict[str, Any],
    *,
    spent: ProcessingCost | None = None,
    attempts: int = db.TRANSACTION_ATTEMPTS,
) -> None:
    """Write a run's progress and extend its lease, if this delivery of `job_id` still holds it
    (else Superseded: the run stops at its next write instead of fighting the one that owns it)."""
    ref = manifest_ops.manifest_ref(manifest_id)

    def write(transaction: firestore.Transaction) -> None:
        held(ref.get(transaction=transaction), job_id, delivery_id)
        now = utcnow()
        update = {
            **changes,
            "processing.lease_expires_at": now + timedelta(seconds=settings().processing_lease_s),
            "updated_at": now,
        }
        if spent is not None:
            update.update(manifest_ops.cost_increments(spent))
        transaction.update(ref, update)

    db.run_transaction(write, attempts=attempts, budget_s=WORKER_BUDGET_S)


def still_holds(manifest_id: str, job_id: str, delivery_id: str) -> None:
    """Superseded unless this delivery still holds the run (one read: checked before each image
    and each image's writes, so a delete or a newer run stops it within one image)."""
    held(manifest_ops.manifest_ref(manifest_id).get(), job_id, delivery_id)


def held(snapshot: DocumentSnapshot, job_id: str, delivery_id: str) -> None:
    """Superseded unless `job_id`'s run owns the manifest, runs, and this delivery holds it."""
    manifest, lease = owned(snapshot, job_id)
    if lease.delivery_id != delivery_id:
        raise TakenOver("another delivery of this run took it over")
    if manifest.status != ManifestStatus.PROCESSING:
        raise Superseded("the run was ended (its lease expired, or it was stopped)")


def end_run(manifest_id: str, job_id: str, status: ManifestStatus, error: str | None) -> None:
    """The job's run ends for good (its last delivery failed): recorded whichever delivery held it."""
    ref = manifest_ops.manifest_ref(manifest_id)

    def end(transaction: firestore.Transaction) -> None:
        manifest, lease = owned(ref.get(transaction=transaction), job_id)
        if lease.finished_at is not None and manifest.status != ManifestStatus.PROCESSING:
            return
        now = utcnow()
        fields = {"status": status.value, "error": error, "processing.finished_at": now, "updated_at": now}
        transaction.update(ref, fields)

    db.run_transaction(end, budget_s=WORKER_BUDGET_S)


def owned(snapshot: DocumentSnapshot, job_id: str) -> tuple[Manifest, ProcessingLease]:
    """The manifest and its lease, if `job_id`'s run owns it (else Superseded)."""
    if not snapshot.exists:
        raise Superseded("the manifest is gone")
    manifest = manifest_ops.read_manifest(snapshot)
    lease = manifest.processing
    if manifest.deleted_at is not None:
        raise Superseded("the manifest was deleted")
    if lease is None or lease.job_id != job_id:
        raise Superseded("another run owns this manifest now")
    return manifest, lease


def stop(
    transaction: firestore.Transaction, manifest: Manifest, reason: str, now: datetime
) -> dict[str, Any]:
    """A run ends from outside (its manifest deleted, a newer run started): its job says why, in
    the transaction that ends it (its delivery's fenced writes land before it or not at all).
    Returns what the manifest's document writes for it (nothing when no run holds it)."""
    lease = manifest.processing
    if lease is None:
        return {}
    job = _job(lease.job_id)
    found = job.get(transaction=transaction)
    # Whatever the lease says: a run that expired may still have deliveries (shards) at work.
    if found.exists and found.get("status") not in ENDED:
        stopped = {"status": JobStatus.ERROR.value, "error": f"superseded: {reason}", "finished_at": now}
        transaction.update(job, stopped)
    if lease.finished_at is not None:
        return {}
    fields: dict[str, Any] = {"processing.finished_at": now}
    if manifest.status == ManifestStatus.PROCESSING:
        fields.update({"status": ManifestStatus.ERROR.value, "error": reason})
    return fields


@dataclass(frozen=True)
class Fence:
    """Where one delivery of a job may write: `commit` runs `write` in a transaction that first
    reads the job's document (`gate`), so it lands only while the job runs and this delivery holds
    it (else Superseded, nothing written). `parent`: a shard's run, which must be running too."""

    job_id: str
    delivery_id: str
    parent_id: str | None = None
    # A delivery's fenced commits go through a few at a time: each holds a read lock on the job's
    # document until it commits, and readers that never pause would keep out the commit that ends
    # the run (a delete): on the emulator, eight I/O threads' commits held it off until the pass
    # was over.
    turns: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(FENCED_AT_ONCE), compare=False, repr=False
    )

    def gate(self, transaction: firestore.Transaction) -> None:
        self._open(transaction.get_all(self._refs()))

    def check(self) -> None:
        """Superseded unless the fence is open now (one read: a check before work, not a write)."""
        self._open(db.client().get_all(self._refs()))

    def _refs(self) -> list[DocumentReference]:
        return [_job(self.job_id)] + ([_job(self.parent_id)] if self.parent_id else [])

    def _open(self, snapshots: Iterable[DocumentSnapshot]) -> None:
        docs = {s.id: s.to_dict() for s in snapshots if s.exists}
        own = docs.get(self.job_id)
        if own is None or own.get("status") in ENDED:
            raise Superseded(str((own or {}).get("error") or "the job has ended"))
        if own.get("delivery_id") != self.delivery_id:
            raise TakenOver("another delivery of this run took it over")
        if self.parent_id is not None and (docs.get(self.parent_id) or {}).get("status", ENDED[0]) in ENDED:
            raise Superseded("its run has ended")

    def commit(
        self,
        write: Callable[[firestore.Transaction], T],
        *,
        attempts: int = db.TRANSACTION_ATTEMPTS,
        serial_on: DocumentReference | None = None,
    ) -> T:
        """`serial_on`: a document the commit writes that its siblings write too (db.run_transaction)."""

        def fenced(transaction: firestore.Transaction) -> T:
            self.gate(transaction)
            return write(transaction)

        with self.turns:
            return db.run_transaction(
                fenced, attempts=attempts, budget_s=WORKER_BUDGET_S, serial_on=serial_on
            )


def commit(fence: Fence | None, write: Callable[[firestore.Transaction], T]) -> T:
    """`write` in a transaction, behind `fence` when there is one (work outside a run, a reprocess
    of one asset, has none)."""
    if fence is not None:
        return fence.commit(write)
    return db.run_transaction(write, budget_s=WORKER_BUDGET_S)


def _job(job_id: str) -> DocumentReference:
    return db.jobs().document(job_id)


def stuck(manifest: Manifest, now: datetime) -> bool:
    """A run whose lease lapsed more than one lease ago: its delivery died, and the queue's retry
    had a whole lease to take it over (a retry that does shows PROCESSING throughout, never a
    passing ERROR). A run held by its shards has SHARDS_GRACE: its lease is renewed by the shards
    that work, and between two of them a shard may wait in the queue for a free instance or for its
    retry's backoff (up to 300 s)."""
    lease = manifest.processing
    grace = timedelta(seconds=settings().processing_lease_s)
    if lease is not None and lease.delivery_id == SHARDS:
        grace = SHARDS_GRACE
    return (
        manifest.status == ManifestStatus.PROCESSING
        and lease is not None
        and lease.finished_at is None
        and lease.lease_expires_at + grace <= now
    )


def current(manifest: Manifest) -> Manifest:
    """The manifest as a reader should see it: a run that is stuck is over, recorded as an error
    (once) instead of PROCESSING forever."""
    if not stuck(manifest, utcnow()):
        return manifest
    ref = manifest_ops.manifest_ref(manifest.id)

    def expire(transaction: firestore.Transaction) -> None:
        latest = manifest_ops.read_manifest(ref.get(transaction=transaction))
        now = utcnow()
        if not stuck(latest, now):
            return
        transaction.update(
            ref,
            {
                "status": ManifestStatus.ERROR.value,
                "error": EXPIRED,
                "processing.finished_at": now,
                "updated_at": now,
            },
        )

    db.run_transaction(expire)
    return manifest_ops.read_manifest(ref.get())
