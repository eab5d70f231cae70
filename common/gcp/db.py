"""Firestore adapter: one client per process, every collection name in one place, batched writes.

Domain code reaches collections through the accessors below, never by a name of its own.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from google.api_core import exceptions
from google.api_core.retry import Retry, if_exception_type
from google.cloud import firestore
from google.cloud.firestore import Client, CollectionReference, DocumentReference

from common.gcp.config import settings

BATCH_LIMIT = 500  # Firestore's cap on writes per commit
PARALLEL_BATCH = 100  # many writes go as commits of this size side by side: faster than fewer big ones

# Every collection the service keeps, by name (top level, then subcollections).
MANIFESTS = "manifests"
ASSETS = "assets"
FACES = "faces"  # one document per face crop asset (same id): its 512-d embedding, kept off the asset
PROJECTS = "projects"
SNAPSHOTS = "snapshots"  # immutable manifest snapshots of projects
OBJECT_PINS = "object_pins"  # manifest object folders a snapshot points into: never garbage-collected
BRANCH_CLAIMS = "branch_claims"  # one document per branch name of a project lineage
JOBS = "jobs"  # engine work items; a Cloud Task carries only the job id
CHECKPOINTS = "checkpoints"
TAG_CLAIMS = "tag_claims"  # under a manifest: one document per tag ever issued
CHUNKS = "chunks"  # under a snapshot: its assets, compressed
SCENES = "scenes"  # under a project
ARTIFACTS = "artifacts"  # under a checkpoint: the latest version of each artifact
VERSIONS = "versions"  # under a checkpoint: every version ever written
APPLIED_JOBS = "applied_jobs"  # under a checkpoint: one marker per regeneration job whose version was written
CONTINUED = "continued"  # under a checkpoint: one marker per revision continued

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


def collection(name: str) -> CollectionReference:
    return client().collection(name)


def manifests() -> CollectionReference:
    return collection(MANIFESTS)


def assets() -> CollectionReference:
    return collection(ASSETS)


def faces() -> CollectionReference:
    return collection(FACES)


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
