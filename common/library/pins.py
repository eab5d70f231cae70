"""Object pins: once a snapshot points into a manifest's folder of stored objects, nothing in that
folder is ever deleted (snapshots are immutable and share the live assets' images).

A pin is one document per manifest folder (`manifests/{manifest_id}/…`, in either bucket). Every
snapshot writes its pins again (`pinned_at`), so the sweep, which removes a pin only on the condition
that nobody wrote it since it looked, never unpins a folder a new snapshot points into.
"""

from __future__ import annotations

from collections.abc import Iterable

from common.gcp import db
from common.records import utcnow


def folder_of(path: str) -> str | None:
    """The manifest folder an object lives in, or None for objects outside manifest folders."""
    parts = path.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "manifests" else None


def pin(paths: Iterable[str | None]) -> list[str]:
    """Pin the folders of these objects; returns the folders."""
    folders = sorted({f for f in (folder_of(p) for p in paths if p) if f})
    for folder in folders:
        db.object_pins().document(folder).set({"pinned_at": utcnow()})
    return folders


def is_pinned(path: str) -> bool:
    folder = folder_of(path)
    return folder is not None and db.object_pins().document(folder).get().exists
