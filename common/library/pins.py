"""Object pins: once a snapshot points into a manifest's folder of stored objects, nothing in that
folder is ever deleted (snapshots are immutable and share the live assets' images).

A pin is one document per manifest folder (`manifests/{manifest_id}/…`, in either bucket),
created if absent, so pinning again writes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from google.api_core import exceptions

from common.gcp import db
from common.records import utcnow


def folder_of(path: str) -> str | None:
    """The manifest folder an object lives in, or None for objects outside manifest folders."""
    parts = path.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "manifests" else None


def pin(paths: Iterable[str | None]) -> None:
    for folder in {folder_of(p) for p in paths if p} - {None}:
        with contextlib.suppress(exceptions.AlreadyExists):
            db.object_pins().document(str(folder)).create({"pinned_at": utcnow()})


def is_pinned(path: str) -> bool:
    folder = folder_of(path)
    return folder is not None and db.object_pins().document(folder).get().exists
