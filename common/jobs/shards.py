"""A big manifest run's shards: its images split into tasks that run side by side, each under a
lease of its own, and the fan-in once the last one is done.

A run with more images to infer than the shard size hands itself to its shards (`fan_out`, one
commit): their job documents (ids derived from the run and the shard's number, so a repeated
fan-out makes the same ones), and the manifest's lease, held by SHARDS from then on. The shards keep
that lease alive and add what they did to the run's progress and costs (server-side increments:
they write side by side). Each shard is delivered like any job: one delivery at a time holds it
(`acquire`: Busy while another delivery's lease is alive, ShardDone once it finished, Superseded
once the run ended), and its writes go behind a fence that reads its document and the run's, so a
delete stops every shard within one image. The shard that finishes last (`finish`: one commit,
counted once) queues the fan-in: a delivery of the run's own job, which takes the lease back and
does the rest (faces, the descriptions left, tags, the sheet) as any redelivery resumes: every image
its shards stored carries its mark and is neither inferred nor described again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from google.cloud import firestore
from google.cloud.firestore import Increment

from common.gcp import db, tasks
from common.gcp.config import settings
from common.ids import derived_id
from common.jobs import lease
from common.jobs.lease import SHARDS, WORKER_BUDGET_S, Busy, Fence, Superseded, TakenOver
from common.jobs.models import JobKind, JobStatus, ManifestJob, ShardJob
from common.jobs.task_wire import TaskPayload
from common.library import manifests as manifest_ops
from common.library.models import ManifestStatus
from common.library.progress_models import ProcessingCost
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, DocumentSnapshot


class ShardDone(Exception):
    """This shard has finished: a delivery of it does nothing (but queue the fan-in, once all have)."""


def shard_id(run_id: str, index: int) -> str:
    return derived_id(run_id, "shard", index)


def split(sources: list[str], size: int) -> list[list[str]]:
    """The uploads to infer, in shards of at most `size` (in the order given: display order)."""
    return [sources[i : i + size] for i in range(0, len(sources), size)]


def fan_out(
    job: ManifestJob, delivery_id: str, groups: list[list[str]], changes: dict[str, Any]
) -> list[ShardJob]:
    """Hand the run to shards of `groups` (one commit, if this delivery still holds the run): their
    jobs, the lease held by SHARDS, and `changes` (the run's progress as the shards begin it)."""
    now = utcnow()
    shards = [
        ShardJob(
            id=shard_id(job.id, index),
            owner_id=job.owner_id,
            manifest_id=job.manifest_id,
            run_id=job.id,
            index=index,
            sources=group,
            created_at=now,
        )
        for index, group in enumerate(groups)
    ]
    manifest = manifest_ops.manifest_ref(job.manifest_id)

    def write(transaction: firestore.Transaction) -> None:
        lease.held(manifest.get(transaction=transaction), job.id, delivery_id)
        made = {s.id for s in transaction.get_all([_ref(s.id) for s in shards]) if s.exists}
        for shard in shards:
            if shard.id not in made:
                transaction.create(_ref(shard.id), shard.model_dump(exclude={"id"}))
        transaction.update(
            manifest,
            {
                **changes,
                "processing.delivery_id": SHARDS,
                "processing.shards": len(shards),
                "processing.shards_done": 0,
                "processing.lease_expires_at": now + timedelta(seconds=settings().processing_lease_s),
                "updated_at": now,
            },
        )
        transaction.update(_ref(job.id), {"delivery_id": SHARDS})  # the run's own delivery writes no more

    db.run_transaction(write, budget_s=WORKER_BUDGET_S)
    return shards


def enqueue_pending(job: ManifestJob, count: int) -> int:
    """Queue every shard of the run that has not finished (a repeated call queues nothing twice:
    each task is named after its shard); returns how many are pending."""
    refs = [_ref(shard_id(job.id, index)) for index in range(count)]
    pending = [s for s in db.client().get_all(refs) if s.exists and s.get("status") != JobStatus.DONE.value]
    for snapshot in pending:
        payload = TaskPayload(job_id=snapshot.id, kind=snapshot.get("kind"), manifest_id=job.manifest_id)
        tasks.enqueue(snapshot.id, payload.fields())
    return len(pending)


def enqueue_fan_in(shard: ShardJob) -> None:
    """Queue the delivery of the run's job that takes over from its finished shards."""
    payload = TaskPayload(job_id=shard.run_id, kind=JobKind.PROCESS_MANIFEST, manifest_id=shard.manifest_id)
    tasks.enqueue(f"{shard.run_id}-fan-in", payload.fields())


def acquire(shard: ShardJob, delivery_id: str) -> None:
    """Take the shard for this delivery: ShardDone when it has finished, Superseded when its run
    ended (a delete, say), Busy while another delivery's lease on it is alive."""
    ref, manifest = _ref(shard.id), manifest_ops.manifest_ref(shard.manifest_id)

    def take(transaction: firestore.Transaction) -> None:
        own, run = _both(transaction, ref, manifest)
        doc = own.to_dict() or {}
        if doc.get("status") == JobStatus.DONE.value:
            raise ShardDone
        _running(run, shard)
        now = utcnow()
        holder, until = doc.get("delivery_id"), doc.get("lease_expires_at")
        if holder not in (None, delivery_id) and until is not None and until > now:
            raise Busy(f"another delivery of this shard holds it until {until:%H:%M:%S}")
        lapse = now + timedelta(seconds=settings().processing_lease_s)
        transaction.update(ref, {"delivery_id": delivery_id, "lease_expires_at": lapse})

    db.run_transaction(take, budget_s=WORKER_BUDGET_S)


def renew(
    shard: ShardJob,
    fence: Fence,
    changes: dict[str, Any] | None = None,
    *,
    spent: ProcessingCost | None = None,
    attempts: int = db.TRANSACTION_ATTEMPTS,
) -> None:
    """Keep the shard's lease and its run's alive, adding `changes` (the shard's progress, as
    increments) and `spent` to the run's manifest, behind the shard's fence: the commit reads the
    shard's and the run's job documents, never the manifest, which the run's shards write side by
    side (read there too, their commits would lock each other out)."""
    now = utcnow()
    lapse = now + timedelta(seconds=settings().processing_lease_s)
    run = {
        **(changes or {}),
        **(manifest_ops.cost_increments(spent) if spent is not None else {}),
        "processing.lease_expires_at": lapse,
        "updated_at": now,
    }

    def write(transaction: firestore.Transaction) -> None:
        transaction.update(_ref(shard.id), {"lease_expires_at": lapse})
        transaction.update(manifest_ops.manifest_ref(shard.manifest_id), run)

    fence.commit(write, attempts=attempts)


def finish(shard: ShardJob, delivery_id: str) -> bool:
    """The shard is done (counted once on the run); True when every shard of the run is."""
    ref, manifest = _ref(shard.id), manifest_ops.manifest_ref(shard.manifest_id)

    def end(transaction: firestore.Transaction) -> bool:
        own, run = _both(transaction, ref, manifest)
        taken = lease.owned(run, shard.run_id)[1]
        if own.get("status") == JobStatus.DONE.value:
            return taken.shards_done >= taken.shards
        if own.get("delivery_id") != delivery_id:
            raise TakenOver("another delivery of this shard took it over")
        now = utcnow()
        transaction.update(ref, {"status": JobStatus.DONE.value, "error": None, "finished_at": now})
        transaction.update(manifest, {"processing.shards_done": Increment(1), "updated_at": now})
        return taken.shards_done + 1 >= taken.shards

    return db.run_transaction(end, budget_s=WORKER_BUDGET_S)


def all_done(shard: ShardJob) -> bool:
    taken = lease.owned(manifest_ops.manifest_ref(shard.manifest_id).get(), shard.run_id)[1]
    return taken.shards > 0 and taken.shards_done >= taken.shards


def _running(run: DocumentSnapshot, shard: ShardJob) -> None:
    """Superseded unless the shard's run owns the manifest and its shards hold it."""
    manifest, taken = lease.owned(run, shard.run_id)
    if manifest.status != ManifestStatus.PROCESSING or taken.delivery_id != SHARDS:
        raise Superseded("the run has ended")


def _both(
    transaction: firestore.Transaction, shard: DocumentReference, manifest: DocumentReference
) -> tuple[DocumentSnapshot, DocumentSnapshot]:
    found = {s.reference.path: s for s in transaction.get_all([shard, manifest])}
    own = found[shard.path]
    if not own.exists:
        raise Superseded("the shard is gone")
    return own, found[manifest.path]


def _ref(job_id: str) -> DocumentReference:
    return db.jobs().document(job_id)
