"""Firestore adapter: one client per process, collection names in one place."""

from __future__ import annotations

import threading

from google.cloud import firestore
from google.cloud.firestore import Client, CollectionReference

from common.config import settings

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
