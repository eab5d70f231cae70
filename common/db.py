"""Firestore adapter: one client per process, collection names in one place."""

from __future__ import annotations

import threading
from typing import Any

from google.cloud import firestore
from google.cloud.firestore import Client, CollectionReference, DocumentReference

from common.config import settings

BATCH_LIMIT = 500  # Firestore's cap on writes per commit

MANIFESTS = "manifests"
ASSETS = "assets"
PROJECTS = "projects"
TAG_CLAIMS = "tag_claims"  # subcollection of a manifest: one document per tag ever issued

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


def set_all(writes: list[tuple[DocumentReference, dict[str, Any]]]) -> None:
    """Write many documents in as few commits as Firestore allows (not atomic past one batch)."""
    for start in range(0, len(writes), BATCH_LIMIT):
        batch = client().batch()
        for ref, doc in writes[start : start + BATCH_LIMIT]:
            batch.set(ref, doc)
        batch.commit()
