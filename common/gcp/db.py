"""Firestore adapter: one client per process, every collection name in one place, batched writes.

Domain code reaches collections through the accessors below, never by a name of its own.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC
from functools import cache
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from google.api_core import exceptions
from google.api_core.retry import Retry, if_exception_type
from google.cloud import firestore
from google.cloud.firestore import Client, CollectionReference, DocumentReference
from google.cloud.firestore_v1 import _helpers
from google.cloud.firestore_v1.transaction import _Transactional
from google.cloud.firestore_v1.types.document import Value

from common.gcp.config import settings

if TYPE_CHECKING:
    from google.cloud.firestore_v1.base_query import BaseQuery

BATCH_LIMIT = 500  # Firestore's cap on writes per commit
PARALLEL_BATCH = 100  # many writes go as commits of this size side by side: faster than fewer big ones

# Every collection the service keeps, by name (top level, then subcollections).
MANIFESTS = "manifests"
ASSETS = "assets"
FACES = "faces"  # one document per face crop asset (same id): its 512-d embedding, kept off the asset
FACE_INDEX = "face_index"  # an owner's searchable faces, packed one segment per manifest (face_index.py)
FACE_INDEX_HEADS = "face_index_heads"  # per owner: a version moved after every change of their segments
PROJECTS = "projects"
SNAPSHOTS = "snapshots"  # immutable manifest snapshots of projects
OBJECT_PINS = "object_pins"  # manifest object folders a snapshot points into: never garbage-collected
BRANCH_CLAIMS = "branch_claims"  # one document per branch name of a project lineage
JOBS = "jobs"  # engine work items; a Cloud Task carries only the job id
PAID_CLAIMS = "paid_claims"  # one document per paid call about to be made (gpu_service/jobs/claims.py)
CHECKPOINTS = "checkpoints"
TAG_CLAIMS = "tag_claims"  # under a manifest: one document per tag ever issued
CHUNKS = "chunks"  # under a snapshot: its assets, compressed
SCENES = "scenes"  # under a project
ARTIFACTS = "artifacts"  # under a checkpoint: the latest version of each artifact
VERSIONS = "versions"  # under a checkpoint: every version ever written
APPLIED_JOBS = "applied_jobs"  # under a checkpoint: one marker per regeneration job whose version was written
CONTINUED = "continued"  # under a checkpoint: one marker per revision continued
REPAIRS = "repairs"  # under a checkpoint: per artifact, the repair job that may run on it

# Writes that lost a lock to a concurrent transaction (Aborted) are safe to send again: nothing of
# theirs was applied. The client's default retry does not cover that case for plain commits.
CONTENDED = Retry(
    predicate=if_exception_type(
        exceptions.Aborted, exceptions.ServiceUnavailable, exceptions.DeadlineExceeded
    ),
    initial=0.05,
    maximum=2.0,
    multiplier=2.0,
    timeout=60.0,
)

P = ParamSpec("P")
T = TypeVar("T")

# A request's transaction that keeps losing to others gives up after about this long and the API
# answers 503 with Retry-After (functions/api/router.py); a worker's may wait longer.
REQUEST_BUDGET_S = 4.0
TRANSACTION_ATTEMPTS = 8
_BACKOFF_FIRST_S = 0.05
_BACKOFF_MAX_S = 1.0
# The client's transactional retry gives up with a ValueError of this text (its last Aborted as the
# cause): google.cloud.firestore_v1.base_transaction._EXCEED_ATTEMPTS_TEMPLATE.
_GAVE_UP = "Failed to commit transaction in"
_CONTENTION = (exceptions.Aborted, exceptions.DeadlineExceeded)

log = logging.getLogger(__name__)


class Contended(Exception):
    """A transaction lost to concurrent ones on every attempt within its budget: nothing of it was
    applied, and the same request may succeed a moment later (the API answers 503 + Retry-After)."""

    def __init__(self, attempts: int, waited_s: float) -> None:
        super().__init__(f"gave up after {attempts} contended attempts in {waited_s:.1f} s")
        self.attempts = attempts
        self.waited_s = waited_s


def is_contention(exc: BaseException) -> bool:
    """Whether `exc` says a transaction or write lost a race, not that the request is wrong: Aborted
    (the emulator's "Transaction lock timeout" too), a deadline passed while waiting for a lock, the
    client's transactional retry giving up ("Failed to commit transaction in N attempts"), or
    `Contended`. The chain is followed: a failed rollback raises over the error that caused it."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, (Contended, *_CONTENTION)):
            return True
        if isinstance(seen, ValueError) and str(seen).startswith(_GAVE_UP):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def run_transaction(
    fn: Callable[[firestore.Transaction], T],
    *,
    attempts: int = TRANSACTION_ATTEMPTS,
    budget_s: float = REQUEST_BUDGET_S,
    serial_on: DocumentReference | None = None,
) -> T:
    """Run `fn(transaction)` in a transaction; when it loses a race (see `is_contention`), run it again
    in a new one after a jittered, doubling pause, up to `attempts` times while `budget_s` lasts,
    then raise Contended. Each new one begins as a retry of the first, keeping its place in line (ten
    repairs of one beat from other processes: 9 x 503 without it, 0 with). Whatever else `fn` raises
    (a domain error: 404, 409, 422) leaves at once, nothing written.

    Every transactional write goes through here rather than `@firestore.transactional` alone: the
    client's own loop retries only a failed commit, at once and at most 5 times, and lets an Aborted
    read escape; on the emulator ten requests racing on one document made 9 of them fail that way.
    `fn` may run more than once: it must only read through the transaction and write through it.
    One attempt that waits on a lock may outlast the budget: the budget is checked between attempts.

    `serial_on`: a document that every racer of this transaction reads and then writes (a project, for
    a repair's quote and a budget change). Such transactions lock each other out until all but one
    give up (on the emulator each round costs its lock timeout, seconds: of ten PATCHes of one
    project at once, two answered and eight gave up after 4 s). In this process they take turns on
    it instead, waiting at most the budget; transactions of other processes still meet them in
    Firestore and are retried as above.
    """
    started = time.monotonic()
    if serial_on is None:
        return _attempts(fn, attempts, budget_s, started)
    turn = _turn(serial_on.path)
    if not turn.acquire(timeout=budget_s):
        raise Contended(0, time.monotonic() - started)
    try:
        return _attempts(fn, attempts, budget_s, started)
    finally:
        turn.release()


_turns: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()


def _turn(path: str) -> threading.Lock:
    """The process's lock for transactions on the document at `path` (dropped when none holds it)."""
    with _lock:
        turn = _turns.get(path)
        if turn is None:
            turn = _turns[path] = threading.Lock()
        return turn


class _KeepsPlace(_Transactional):
    """The client's transactional wrapper, except that every attempt after the first begins as a retry
    of the first (`retry_transaction`), which keeps its place in line at the database."""

    def _reset(self) -> None:
        retry_id = self.retry_id
        super()._reset()
        self.retry_id = retry_id


def _attempts(fn: Callable[[firestore.Transaction], T], attempts: int, budget_s: float, started: float) -> T:
    wrapped = _KeepsPlace(fn)
    pause = _BACKOFF_FIRST_S
    for attempt in range(1, attempts + 1):
        try:
            return wrapped(client().transaction(max_attempts=1))
        except Exception as exc:
            if not is_contention(exc):
                raise
            waited = time.monotonic() - started
            sleep = random.uniform(0, pause)  # noqa: S311 - jitter, not a secret
            if attempt == attempts or waited + sleep > budget_s:
                log.warning(
                    "transaction contended: giving up",
                    extra={"attempts": attempt, "waited_s": round(waited, 2), "error": str(exc)[:200]},
                )
                raise Contended(attempt, waited) from exc
            time.sleep(sleep)
            pause = min(pause * 2, _BACKOFF_MAX_S)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


# Documents to write in bulk: (where, what).
Writes = list[tuple[DocumentReference, dict[str, Any]]]

_lock = threading.Lock()
_client: Client | None = None


def client() -> Client:
    """The process-wide client, created on first use (tests and tools set the emulator env first)."""
    global _client  # noqa: PLW0603 - a lazily built process singleton
    with _lock:
        if _client is None:
            _client = firestore.Client(project=settings().project_id)
        return _client


@cache
def _readers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="firestore-read")


def in_background(read: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Start a read on a worker thread, so that two independent reads wait for one round trip."""
    return _readers().submit(read, *args, **kwargs)


def rows(query: BaseQuery) -> list[dict[str, Any]]:
    """A query's documents as plain dicts with their `id`, decoded straight from the wire.

    For the large reads (a manifest's assets). The client's snapshots copy every document twice
    and decode each value through proto-plus wrappers: 0.3 s of a 1,000-asset read, more than the
    query itself (bench/read_latency.py). This sends the same request the client's `stream()`
    sends, through its own transport (private names of google-cloud-firestore, pinned in
    pyproject.toml), and decodes the protobuf values itself; any kind it does not handle
    (references, vectors, bytes, geo points) goes through the client's decoder.
    """
    c = client()
    parent, _ = query._parent._parent_info()
    responses = c._firestore_api.run_query(
        request={"parent": parent, "structured_query": query._to_protobuf()}, metadata=c._rpc_metadata
    )
    # Receive everything, then decode: decoding between messages holds the GIL while gRPC
    # receives, and made the whole read a third slower.
    documents = [r._pb.document for r in responses if r._pb.HasField("document")]
    found = []
    for document in documents:
        fields = {name: _decoded(value) for name, value in document.fields.items()}
        fields["id"] = document.name.rsplit("/", 1)[1]
        found.append(fields)
    return found


_PLAIN = frozenset(("string_value", "integer_value", "double_value", "boolean_value"))


def _decoded(value: Any) -> Any:  # a google.firestore.v1.Value protobuf message
    kind = value.WhichOneof("value_type")
    if kind in _PLAIN:
        return getattr(value, kind)
    if kind == "null_value":
        return None
    if kind == "timestamp_value":
        return value.timestamp_value.ToDatetime(tzinfo=UTC)
    if kind == "array_value":
        return [_decoded(v) for v in value.array_value.values]
    if kind == "map_value" and "__type__" not in value.map_value.fields:  # __type__: a vector
        return {name: _decoded(v) for name, v in value.map_value.fields.items()}
    return _helpers.decode_value(Value.wrap(value), client())


def collection(name: str) -> CollectionReference:
    return client().collection(name)


def manifests() -> CollectionReference:
    return collection(MANIFESTS)


def assets() -> CollectionReference:
    return collection(ASSETS)


def faces() -> CollectionReference:
    return collection(FACES)


def face_index() -> CollectionReference:
    return collection(FACE_INDEX)


def face_index_heads() -> CollectionReference:
    return collection(FACE_INDEX_HEADS)


def projects() -> CollectionReference:
    return collection(PROJECTS)


def snapshots() -> CollectionReference:
    return collection(SNAPSHOTS)


def object_pins() -> CollectionReference:
    return collection(OBJECT_PINS)


def branch_claims() -> CollectionReference:
    return collection(BRANCH_CLAIMS)


def jobs() -> CollectionReference:
    return collection(JOBS)


def paid_claims() -> CollectionReference:
    return collection(PAID_CLAIMS)


def checkpoints() -> CollectionReference:
    return collection(CHECKPOINTS)


def set_all(writes: Writes) -> None:
    """Write many documents in commits of PARALLEL_BATCH, side by side (not atomic past one batch:
    callers write what makes the set visible last, on its own)."""

    def commit(start: int) -> None:
        batch = client().batch()
        for ref, doc in writes[start : start + PARALLEL_BATCH]:
            batch.set(ref, doc)
        batch.commit(retry=CONTENDED)

    starts = range(0, len(writes), PARALLEL_BATCH)
    if len(starts) <= 1:
        for start in starts:
            commit(start)
        return
    with ThreadPoolExecutor(max_workers=min(8, len(starts))) as pool:
        list(pool.map(commit, starts))
