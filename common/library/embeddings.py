"""Face embeddings: one `faces` document per face-crop asset (same id), kept off the asset itself so
that reading a manifest stays small. The engine writes them, copies carry them, snapshots hold them.

An embedding is stored as 512 little-endian float32s in one bytes value (2 KiB): what ArcFace
produces, half the size of a list of doubles, and opaque to indexing, where an array (or a Vector,
in the emulator) would cost an index entry per number. Matching happens in numpy on the worker,
not in Firestore. Older documents holding a Vector are still read.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.cloud.firestore import FieldFilter
from google.cloud.firestore_v1.vector import Vector

from common.gcp import db


def face_doc(
    manifest_id: str,
    owner_id: str,
    source_asset_id: str | None,
    score: float,
    embedding: Sequence[float],
    *,
    at: datetime,
) -> dict[str, Any]:
    return {
        "manifest_id": manifest_id,
        "owner_id": owner_id,
        "source_asset_id": source_asset_id,
        "score": score,
        "embedding": pack(embedding),
        "at": at,
    }


def pack(embedding: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(embedding)}f", *embedding)


def as_list(value: bytes | Vector | Sequence[float] | None) -> list[float]:
    """A stored embedding as a list of floats."""
    if isinstance(value, bytes):
        return list(struct.unpack(f"<{len(value) // 4}f", value))
    if isinstance(value, Vector):  # written before embeddings were packed
        return list(value.to_map_value()["value"])
    return list(value or [])


@dataclass(frozen=True)
class StoredFace:
    score: float  # the face detector's
    embedding: list[float]  # unit length
    source_asset_id: str | None  # the uploaded image it was found in


def of_manifest(manifest_id: str, transaction: Any = None) -> dict[str, StoredFace]:
    """Every stored face of the manifest, by its asset id."""
    query = db.faces().where(filter=FieldFilter("manifest_id", "==", manifest_id))
    out = {}
    for snapshot in query.stream(transaction=transaction):
        doc = snapshot.to_dict() or {}
        out[snapshot.id] = StoredFace(
            float(doc.get("score", 0.0)), as_list(doc.get("embedding")), doc.get("source_asset_id")
        )
    return out
