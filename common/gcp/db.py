"""Firestore adapter: one client per process, every collection name in one place, batched writes.

Domain code reaches collections through the accessors below, never by a name of its own.
"""

from __future__ import annotations

import threading
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


P = ParamSpec("P")
T = TypeVar("T")


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
