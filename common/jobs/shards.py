"""A run fanned out into shards: tasks that run side by side, each under a lease of its own, and
the fan-in once the last one is done. Two kinds of run use it: a big manifest run (its images in
shards of SHARD_SIZE) and a film's phase (a keyframe or a clip per scene, common/checkpoints/film.py).

Where a run counts its shards is its `Tally`: a document, the prefix of its fields (`shards`,
`shards_done`) and what says the run still runs. A manifest run counts on its manifest's lease
(`processing.`), a phase on its own job's document. The fan-out creates the shards' job documents
(ids derived from the run and the shard's number, so a repeated fan-out makes the same ones) in one
commit with the count. Each shard is delivered like any job: one delivery at a time holds it
(`acquire`: Busy while another delivery's lease is alive, ShardDone once it finished, Superseded
once the run ended), and its writes go behind a fence that reads its document and the run's job, so
a delete or a stop ends every shard within one step. The shard that finishes last (`finish`: one
commit, counted once) queues the fan-in: a delivery of the run's own job, which goes on from what
its shards left.

For a manifest run: the run hands itself to its shards (`fan_out`), which keep its lease alive and
add what they did to its progress and costs (server-side increments: they write side by side); the
fan-in takes the lease back and does the rest (faces, the descriptions left, tags, the sheet) as any
redelivery resumes: every image its shards stored carries its mark and is not inferred again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from google.cloud import firestore
from google.cloud.firestore import Increment

from common.gcp import db, tasks
from common.gcp.config import settings
from common.ids import derived_id
from common.jobs import lease
from common.jobs.lease import SHARDS, WORKER_BUDGET_S, Busy, Fence, Superseded, TakenOver
from common.jobs.models import JobKind, JobRecord, JobStatus, ManifestJob, ShardJob
from common.jobs.task_wire import TaskPayload
from common.library import manifests as manifest_ops
from common.library.models import ManifestStatus
from common.library.progress_models import ProcessingCost
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, DocumentSnapshot


class ShardDone(Exception):
    """This shard has finished: a delivery of it does nothing (but queue the fan-in, once all have)."""


@dataclass(frozen=True)
class Tally:
    """Where a fanned-out run counts its shards: `ref`'s fields `<prefix>shards` and
    `<prefix>shards_done`; `running` raises Superseded unless the run still runs (given `ref` as
    the transaction read it)."""

    ref: DocumentReference
    prefix: str
    running: Callable[[DocumentSnapshot], None]

    def counts(self, snapshot: DocumentSnapshot) -> tuple[int, int]:
        """(shards, shards_done) as `snapshot` has them."""
        doc = snapshot.to_dict() or {}
        for part in self.prefix.split(".")[:-1]:
            doc = doc.get(part) or {}
        return int(doc.get("shards") or 0), int(doc.get("shards_done") or 0)

    def field(self, name: str) -> str:
        return f"{self.prefix}{name}"


def shard_id(run_id: str, index: int) -> str:
    return derived_id(run_id, "shard", index)


def split(sources: list[str], size: int) -> list[list[str]]:
    """The uploads to infer, in shards of at most `size` (in the order given: display order)."""
    return [sources[i : i + size] for i in range(0, len(sources), size)]


def create(transaction: firestore.Transaction, shards: Sequence[JobRecord]) -> None:
    """The shards' job documents, those not made yet (a repeated fan-out makes none twice)."""
    made = {s.id for s in transaction.get_all([_ref(s.id) for s in shards]) if s.exists}
    for shard in shards:
        if shard.id not in made:
            transaction.create(_ref(shard.id), shard.model_dump(exclude={"id"}))


def take(shard_id: str, tally: Tally, delivery_id: str, lease_s: float) -> None:
    """Take the shard for this delivery for `lease_s`: ShardDone when it has finished, Superseded
    when its run ended (a delete, a stop), Busy while another delivery's lease on it is alive."""
    ref = _ref(shard_id)

    def free(doc: dict[str, Any]) -> None:
        """ShardDone once it has finished; Busy while another delivery's lease on it is alive."""
        if doc.get("status") in lease.ENDED:
            raise ShardDone
        holder, until = doc.get("delivery_id"), doc.get("lease_expires_at")
        if holder not in (None, delivery_id) and until is not None and until > utcnow():
            raise Busy(f"another delivery of this shard holds it until {until:%H:%M:%S}")

    # A duplicate delivery is answered from one plain read: its transactions would hold read locks
    # on the run's document that the working delivery's commits need (on the emulator, whose locks
    # are not Firestore's wound-wait, a few duplicates retrying kept a scene's count out for good).
    free(ref.get().to_dict() or {})

    def claim(transaction: firestore.Transaction) -> None:
        own, run = _both(transaction, ref, tally.ref)
        doc = own.to_dict() or {}
        free(doc)
        tally.running(run)
        now = utcnow()
        lapse = now + timedelta(seconds=lease_s)
        transaction.update(ref, {"delivery_id": delivery_id, "lease_expires_at": lapse})

    db.run_transaction(claim, budget_s=WORKER_BUDGET_S)


def extend(shard_id: str, delivery_id: str, lease_s: float) -> None:
    """Keep this delivery's lease on the shard alive for `lease_s` more (a heartbeat: a beat that
    fails, or finds the shard taken over, changes nothing; the next one tries again)."""
    ref = _ref(shard_id)

    def renew(transaction: firestore.Transaction) -> None:
        found = ref.get(transaction=transaction)
        if (
            found.exists
            and found.get("delivery_id") == delivery_id
            and found.get("status") not in lease.ENDED
        ):
            transaction.update(ref, {"lease_expires_at": utcnow() + timedelta(seconds=lease_s)})

    with contextlib.suppress(Exception):
        db.run_transaction(renew, attempts=1, budget_s=WORKER_BUDGET_S)


@contextlib.contextmanager
def released_on_failure(shard_id: str, delivery_id: str) -> Iterator[None]:
    """A delivery that fails with an error gives its shard's lease up, so the queue's next delivery
    takes it at once instead of waiting out a lease sized for the longest work (a process that dies
    cannot: its lease lapses)."""
    try:
        yield
    except BaseException:
        ref = _ref(shard_id)

        def release(transaction: firestore.Transaction) -> None:
            found = ref.get(transaction=transaction)
            if found.exists and found.get("delivery_id") == delivery_id:
                transaction.update(ref, {"lease_expires_at": utcnow()})

        with contextlib.suppress(Exception):  # best effort: the lease lapses anyway
            db.run_transaction(release, budget_s=WORKER_BUDGET_S)
        raise


def done(
    shard_id: str,
    tally: Tally,
    delivery_id: str | None,
    fields: dict[str, Any] | None = None,
    *,
    failed: str | None = None,
) -> bool:
    """The shard is done (counted once on its run, with `fields` written on the run's document in
    the same commit); True when every shard of the run is. `delivery_id`: the delivery that must
    still hold it; `failed`: why it could not be made (it ends ERROR, whichever delivery held it)."""
    ref = _ref(shard_id)

    def end(transaction: firestore.Transaction) -> bool:
        own, run = _both(transaction, ref, tally.ref)
        tally.running(run)
        total, finished = tally.counts(run)
        if own.get("status") in lease.ENDED:
            return finished >= total
        if failed is None and own.get("delivery_id") != delivery_id:
            raise TakenOver("another delivery of this shard took it over")
        now = utcnow()
        status = JobStatus.DONE if failed is None else JobStatus.ERROR
        transaction.update(ref, {"status": status.value, "error": failed, "finished_at": now})
        transaction.update(
            tally.ref, {**(fields or {}), tally.field("shards_done"): Increment(1), "updated_at": now}
        )
        return finished + 1 >= total

    # Every shard of a run counts on one document: the deliveries in this process take turns on it.
    return db.run_transaction(end, budget_s=WORKER_BUDGET_S, serial_on=tally.ref)


def all_finished(tally: Tally) -> bool:
    total, finished = tally.counts(tally.ref.get())
    return total > 0 and finished >= total


def queue(ids: Sequence[str], payload: Callable[[DocumentSnapshot], TaskPayload]) -> int:
    """Queue every one of these shards that has not finished (a repeated call queues nothing twice:
    each task is named after its shard); returns how many are pending."""
    found = db.client().get_all([_ref(i) for i in ids])
    pending = [s for s in found if s.exists and s.get("status") not in lease.ENDED]
    for snapshot in pending:
        tasks.enqueue(snapshot.id, payload(snapshot).fields())
    return len(pending)


def queue_fan_in(run_id: str, kind: JobKind, manifest_id: str | None = None) -> None:
    """Queue the delivery of the run's own job that takes over from its finished shards."""
    payload = TaskPayload(job_id=run_id, kind=kind, manifest_id=manifest_id)
    tasks.enqueue(f"{run_id}-fan-in", payload.fields())


# ---------------------------------------------------------------- a manifest run's shards
def manifest_tally(manifest_id: str, run_id: str) -> Tally:
    def running(snapshot: DocumentSnapshot) -> None:
        manifest, taken = lease.owned(snapshot, run_id)
        if manifest.status != ManifestStatus.PROCESSING or taken.delivery_id != SHARDS:
            raise Superseded("the run has ended")

    return Tally(manifest_ops.manifest_ref(manifest_id), "processing.", running)


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
        create(transaction, shards)
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
    ids = [shard_id(job.id, index) for index in range(count)]
    return queue(ids, lambda s: TaskPayload(job_id=s.id, kind=s.get("kind"), manifest_id=job.manifest_id))


def enqueue_fan_in(shard: ShardJob) -> None:
    queue_fan_in(shard.run_id, JobKind.PROCESS_MANIFEST, shard.manifest_id)


def acquire(shard: ShardJob, delivery_id: str) -> None:
    tally = manifest_tally(shard.manifest_id, shard.run_id)
    take(shard.id, tally, delivery_id, settings().processing_lease_s)


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
    return done(shard.id, _lenient(shard), delivery_id)


def all_done(shard: ShardJob) -> bool:
    return all_finished(_lenient(shard))


def _lenient(shard: ShardJob) -> Tally:
    """A manifest run's tally for counting: its run must own the manifest, whatever it holds now
    (the last shard's count lands while the fan-in may have taken the lease back)."""

    def owns(snapshot: DocumentSnapshot) -> None:
        lease.owned(snapshot, shard.run_id)

    return Tally(manifest_ops.manifest_ref(shard.manifest_id), "processing.", owns)


def _both(
    transaction: firestore.Transaction, shard: DocumentReference, run: DocumentReference
) -> tuple[DocumentSnapshot, DocumentSnapshot]:
    found = {s.reference.path: s for s in transaction.get_all([shard, run])}
    own = found[shard.path]
    if not own.exists:
        raise Superseded("the shard is gone")
    return own, found[run.path]


def _ref(job_id: str) -> DocumentReference:
    return db.jobs().document(job_id)
