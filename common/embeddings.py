"""Face embeddings: one `faces` document per face-crop asset (same id), kept off the asset itself so
that reading a manifest stays small. The engine writes them, copies carry them, snapshots hold them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from google.cloud.firestore import FieldFilter
from google.cloud.firestore_v1.vector import Vector

from common import db


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
        "embedding": Vector(list(embedding)),
        "at": at,
    }


def of_manifest(manifest_id: str, transaction: Any = None) -> dict[str, tuple[float, list[float]]]:
    """Every stored face of the manifest: asset id -> (detector score, unit embedding)."""
    query = db.collection(db.FACES).where(filter=FieldFilter("manifest_id", "==", manifest_id))
    out = {}
    for snapshot in query.stream(transaction=transaction):
        doc = snapshot.to_dict() or {}
        out[snapshot.id] = (float(doc.get("score", 0.0)), list(doc.get("embedding") or []))
    return out
