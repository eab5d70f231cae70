"""Copying a manifest with its assets: images shared, tags and their numbering preserved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from common.gcp import db
from common.ids import new_id
from common.library import assets as asset_ops
from common.library import embeddings, face_index
from common.library import manifests as manifest_ops
from common.library.models import Asset, Manifest, ManifestStatus
from common.records import utcnow

if TYPE_CHECKING:
    pass


def duplicate(owner_id: str, manifest_id: str, name: str | None) -> Manifest:
    """Copy the manifest and its assets; images are shared, tags and their numbering preserved.

    Assets and tag claims are written first and the manifest document last, so a copy is never
    visible half-made.
    """
    source = manifest_ops.get_owned(owner_id, manifest_id)
    source_ref = manifest_ops.manifest_ref(manifest_id)
    now = utcnow()
    copy = source.model_copy(
        update={
            "id": new_id(),
            "name": name or f"{source.name} (copy)",
            "parent_manifest_id": source.id,
            "fork_project_id": None,  # a copy is a library of its own
            "status": ManifestStatus.DRAFT if source.status == ManifestStatus.PROCESSING else source.status,
            "times_used": 0,
            "last_used_at": None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )
    assets = asset_ops.list_for_manifest(manifest_id)
    copy.asset_count = len(assets)
    copy_ref = manifest_ops.manifest_ref(copy.id)
    stored = with_embeddings(manifest_id, [{**asset_ops.to_doc(a), "id": a.id} for a in assets])
    writes, _ = clone_assets(
        stored, copy.id, owner_id, now, lambda original: {"duplicated_from_asset_id": original["id"]}
    )
    for claim in source_ref.collection(db.TAG_CLAIMS).stream():
        writes.append((copy_ref.collection(db.TAG_CLAIMS).document(claim.id), claim.to_dict() or {}))
    face_index.commit(writes, owner_id)  # the copies' faces searchable before the copy is
    copy_ref.create(manifest_ops.to_doc(copy))
    return copy


REFERENCES = ("source_asset_id", "duplicate_of", "face_group_id", "character_id")  # asset ids in a manifest


def with_embeddings(manifest_id: str, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    faces = embeddings.of_manifest(manifest_id)
    return [
        {**doc, "face_embedding": faces[doc["id"]].embedding if doc["id"] in faces else None} for doc in docs
    ]


def clone_assets(
    docs: list[dict[str, Any]],
    manifest_id: str,
    owner_id: str,
    now: datetime,
    marks: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[db.Writes, dict[str, str]]:
    """Writes that copy stored assets (dicts with `id` and `face_embedding`) into another manifest:
    new ids, references between them remapped, embeddings copied, images shared. `marks(original)`
    adds fields per copy. Returns the writes and the old → new id map."""
    id_map = {doc["id"]: new_id() for doc in docs}
    writes: db.Writes = []
    indexed: list[face_index.Entry] = []
    for doc in docs:
        fields = {k: v for k, v in doc.items() if k not in ("id", "face_embedding")}
        # created_at is kept: with sort_order it fixes the display order, which must survive the copy
        fields.update(manifest_id=manifest_id, owner_id=owner_id, pending_upload_path=None, updated_at=now)
        fields.update(marks(doc))
        for name in REFERENCES:
            if fields.get(name):
                fields[name] = id_map.get(fields[name])
        clone = Asset.model_validate({**fields, "id": id_map[doc["id"]]})
        writes.append((asset_ops.asset_ref(clone.id), asset_ops.to_doc(clone)))
        if doc.get("face_embedding"):
            score = clone.detection_confidence or 0.0
            face = embeddings.face_doc(
                manifest_id, owner_id, clone.source_asset_id, score, doc["face_embedding"], at=now
            )
            writes.append((db.faces().document(clone.id), face))
            indexed.append((clone.id, clone.source_asset_id, doc["face_embedding"]))
    writes += face_index.segment_writes(manifest_id, owner_id, indexed)  # searchable at once
    return writes, id_map
