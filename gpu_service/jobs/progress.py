"""A run's progress, lease and costs, written to the manifest document as the run goes.

Costs: Gemini dollars and tokens as descriptions report them, and the GPU instance's time, measured
per step and priced at GPU_PRICE_PER_S; each step shows its own seconds and dollars, the manifest
the running totals (ProcessingCost).

Writes are throttled (Firestore sustains about one write per second per document) except at step
boundaries. Each write renews the lease (common/jobs/lease.renew, which first checks that this
delivery of the job still holds it): a run that was taken over, deleted or ended stops at its next
write instead of fighting the new one; `check` asks the same between writes.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore

from common.gcp import db
from common.gcp.config import settings
from common.ids import new_id
from common.jobs import lease, shards
from common.jobs.models import ShardJob, Step
from common.library.models import ManifestStatus
from common.library.progress_models import ProcessingCost, ProcessingLease, StepProgress
from common.records import utcnow
from gpu_service.config import worker_settings
from gpu_service.jobs.heartbeat import beating

FLUSH_EVERY_S = 1.0


@dataclass
class Throttle:
    """At most one write per `every_s` (by `clock`), except the ones that must land now."""

    every_s: float = FLUSH_EVERY_S
    clock: Callable[[], float] = time.monotonic
    last: float = -math.inf

    def ready(self) -> bool:
        return self.clock() - self.last >= self.every_s

    def take(self) -> bool:
        """True (and the time is marked) when a write is due now."""
        if not self.ready():
            return False
        self.mark()
        return True

    def mark(self) -> None:
        self.last = self.clock()


class RunProgress:
    def __init__(self, manifest_id: str, job_id: str) -> None:
        self.manifest_id = manifest_id
        self.job_id = job_id
        self.delivery_id = new_id()  # this delivery of the job: one holds the run at a time
        self.fence = lease.Fence(job_id, self.delivery_id)
        self.taken: ProcessingLease | None = None  # the lease as this delivery took it
        self.step_name: str | None = None
        self.steps: dict[str, StepProgress] = {}
        self.pending = ProcessingCost()  # spent, not yet added to the manifest
        self.step_started = time.monotonic()
        self.throttle = Throttle()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        """Take the lease for this delivery (lease.acquire: Busy while another delivery holds it,
        RunOver when the run has ended, Superseded when another job owns the manifest, Sharded while
        its shards hold it). The fan-in of a sharded run goes on from the descriptions its shards
        counted (the image pass counts its steps whole again)."""
        taken = lease.acquire(self.manifest_id, self.job_id, self.delivery_id)
        self.taken = taken.processing
        if taken.processing is not None and taken.processing.shards:
            described = taken.progress.get(Step.REVERSE_PROMPTING)
            if described is not None:
                self.steps[Step.REVERSE_PROMPTING] = described.model_copy()
        self.throttle.mark()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Keep the lease alive while the run works between progress writes: a heartbeat every
        quarter lease, so a live delivery is never taken over and a dead one lapses in one lease."""

        def renew() -> None:
            with contextlib.suppress(db.Contended, lease.Superseded):  # the next beat tries again
                lease.renew(self.manifest_id, self.job_id, self.delivery_id, {}, attempts=1)

        with beating(settings().processing_lease_s / 4, renew, "lease-heartbeat"):
            yield

    def check(self) -> None:
        """Superseded unless this delivery still holds the run (one read)."""
        lease.still_holds(self.manifest_id, self.job_id, self.delivery_id)

    def start(self, step: str, total: int | None = None) -> None:
        """`step` holds the run from now (the one before it is closed: its seconds end here). A step
        opened earlier keeps what it has counted; `total` replaces its total when given."""
        self._close_step()
        self.step_name = step
        self.open(step, total)
        self.step_started = time.monotonic()
        self.flush(force=True)

    def open(self, step: str, total: int | None = None) -> None:
        """Count a step's work before it holds the run (the image pass detects, finds faces and
        describes each image at once; each step is still timed while it holds the run)."""
        with self.lock:
            counts = self.steps.setdefault(step, StepProgress())
            if total is not None:
                counts.total = total

    def resumed(self, count: int) -> None:
        """Uploads whose results an earlier delivery stored: done, for detection and faces."""
        self.advance(count=count, step=Step.DETECTION)
        self.advance(count=count, step=Step.FACES)

    def add_total(self, step: str, count: int) -> None:
        with self.lock:
            self.steps.setdefault(step, StepProgress()).total += count

    def _close_step(self) -> None:
        """The step that ends now held the GPU instance this long: its seconds and their price."""
        if self.step_name not in self.steps:
            return
        seconds = time.monotonic() - self.step_started
        with self.lock:
            # to the microsecond: a step whose work was done early may hold the run only briefly
            self.steps[self.step_name or ""].seconds = round(seconds, 6)
        dollars = seconds * worker_settings().gpu_price_per_s
        self.add_cost(ProcessingCost(gpu_seconds=seconds, gpu_usd=dollars))

    def advance(self, *, failed: bool = False, count: int = 1, step: str | None = None) -> None:
        """Items of `step` (default: the one holding the run) done, or failed."""
        with self.lock:  # background writers finish items concurrently
            current = self.steps[step or self.step_name or ""]
            current.done += count
            current.failed += count if failed else 0
            due = self.throttle.take()
        if due:
            self.flush(force=True, critical=False)

    def add_cost(self, spent: ProcessingCost, step: str | None = None) -> None:
        """Spending of `step` (default: the one holding the run): Gemini calls, or its GPU time as
        it closes."""
        with self.lock:
            self.pending = self.pending.plus(spent)
            name = step or self.step_name
            if name in self.steps:
                self.steps[name or ""].cost += spent.total

    def flush(self, *, force: bool = False, critical: bool | None = None) -> None:
        if not force and not self.throttle.ready():
            return
        with self.lock:
            # Before its first step the run says what start_run wrote ("queued"), not nothing.
            changes: dict[str, Any] = {"current_step": self.step_name} if self.step_name else {}
            for name, counts in self.steps.items():
                changes[f"progress.{name}"] = counts.model_dump()
        self._write(changes, critical=force if critical is None else critical)

    def finish(self, status: ManifestStatus, error: str | None = None) -> None:
        self._close_step()
        now = utcnow()
        self.step_name = "done" if status == ManifestStatus.READY else self.step_name
        changes: dict[str, Any] = {"status": status.value, "error": error, "processing.finished_at": now}
        changes["current_step"] = self.step_name
        for name, counts in self.steps.items():
            changes[f"progress.{name}"] = counts.model_dump()
        self._write(changes)

    def _write(self, changes: dict[str, Any], *, critical: bool = True) -> None:
        """Renew the lease with these changes. Concurrent writers contend for the manifest document:
        taking the lease and finishing must land (retried with backoff, lease.renew); a progress
        update may simply wait for the next one."""
        with self.lock:
            spent, self.pending = self.pending, ProcessingCost()
        try:
            lease.renew(
                self.manifest_id,
                self.job_id,
                self.delivery_id,
                changes,
                spent=spent,
                attempts=db.TRANSACTION_ATTEMPTS if critical else 1,
            )
        except db.Contended:
            self._unspend(spent)
            if critical:
                raise
            return
        except BaseException:
            self._unspend(spent)
            raise
        self.throttle.mark()

    def _unspend(self, spent: ProcessingCost) -> None:
        """A write that did not land: what it carried goes with the next one (counted in its step
        already, so not through add_cost)."""
        with self.lock:
            self.pending = self.pending.plus(spent)


class ShardProgress(RunProgress):
    """A shard's progress (common/jobs/shards.py): what it did since its last write, added to the
    run's counts and costs with server-side increments (the run's shards write side by side); each
    write, and its heartbeat, renews both its lease and the run's (held by SHARDS).

    The run's totals are set when it fans out; a shard adds only what changes them (an upload that
    cannot be read, the descriptions it queues). What a delivery counted but had not written when it
    died is not counted again by the next one (an image it stored is resumed, not counted): the
    counts may stay short by that much until the fan-in, which writes them whole."""

    def __init__(self, shard: ShardJob) -> None:
        super().__init__(shard.manifest_id, shard.run_id)
        self.shard = shard
        self.fence = lease.Fence(shard.id, self.delivery_id, parent_id=shard.run_id)

    def acquire(self) -> None:
        shards.acquire(self.shard, self.delivery_id)
        self.throttle.mark()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        def renew() -> None:
            with contextlib.suppress(db.Contended, lease.Superseded):  # the next beat tries again
                shards.renew(self.shard, self.fence, attempts=1)

        with beating(settings().processing_lease_s / 4, renew, "shard-heartbeat"):
            yield

    def check(self) -> None:
        self.fence.check()

    def open(self, step: str, total: int | None = None) -> None:
        """The run's totals were set when it fanned out."""
        with self.lock:
            self.steps.setdefault(step, StepProgress())

    def resumed(self, count: int) -> None:
        """Counted by the delivery that stored them (see the class's docstring)."""

    def flush(self, *, force: bool = False, critical: bool | None = None) -> None:
        if not force and not self.throttle.ready():
            return
        with self.lock:
            deltas, self.steps = self.steps, {name: StepProgress() for name in self.steps}
            spent, self.pending = self.pending, ProcessingCost()
        changes: dict[str, Any] = {
            f"progress.{name}.{field}": firestore.Increment(value)
            for name, counts in deltas.items()
            for field, value in counts.model_dump().items()
            if value
        }
        critical = force if critical is None else critical  # as RunProgress: a count may wait
        try:
            shards.renew(
                self.shard,
                self.fence,
                changes,
                spent=spent,
                attempts=db.TRANSACTION_ATTEMPTS if critical else 1,
            )
        except BaseException as exc:
            with self.lock:  # what it carried goes with the next write
                for name, counts in deltas.items():
                    mine = self.steps.setdefault(name, StepProgress())
                    for field, value in counts.model_dump().items():
                        setattr(mine, field, getattr(mine, field) + value)
                self.pending = self.pending.plus(spent)
            if isinstance(exc, db.Contended) and not critical:
                return
            raise
        self.throttle.mark()
