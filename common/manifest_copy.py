"""Copying a manifest with its assets: images shared, tags and their numbering preserved."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from common import assets as asset_ops
from common import db
from common import manifests as manifest_ops
from common.models import Manifest, ManifestStatus, new_id, utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference


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
    writes: list[tuple[DocumentReference, dict[str, Any]]] = []
    for asset in assets:
        clone = asset.model_copy(
            update={
                "id": new_id(),
                "manifest_id": copy.id,
                "duplicated_from_asset_id": asset.id,
                "pending_upload_path": None,
                # created_at is kept: with sort_order it fixes the display order, which must survive the copy
                "updated_at": now,
            }
        )
        writes.append((asset_ops.asset_ref(clone.id), asset_ops.to_doc(clone)))
    for claim in source_ref.collection(db.TAG_CLAIMS).stream():
        writes.append((copy_ref.collection(db.TAG_CLAIMS).document(claim.id), claim.to_dict() or {}))
    db.set_all(writes)
    copy_ref.create(manifest_ops.to_doc(copy))
    return copy
