"""Manifest tags (CHAR_01, OBJ_01 …): sequential per type, unique, never reused in a manifest.

Every tag ever issued has a claim document under its manifest. A new tag is claimed with a
create-if-absent write committed atomically with whatever the tag is for (the asset itself and
the manifest's counters), so a lost race costs a retry, never a duplicate, a gap or a partial write.
The manifest's `tag_high` (a server-side Maximum) is only a hint of where to start looking:
contended read-modify-write transactions on one document starve under load (docs/design.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud.firestore import FieldFilter
from google.cloud.firestore_v1.transforms import Maximum

from common.errors import Conflict, NotFound
from common.gcp import db
from common.library.models import AssetType
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, WriteBatch

PREFIX = {
    AssetType.CHARACTER: "CHAR",
    AssetType.OBJECT: "OBJ",
    AssetType.ENVIRONMENT: "ENV",
    AssetType.STYLE: "STYLE",
}
TAG_PATTERN = re.compile(r"^(CHAR|OBJ|ENV|STYLE)_(\d{2,})$")
MAX_ATTEMPTS = 200


def format_tag(asset_type: AssetType, number: int) -> str:
    return f"{PREFIX[asset_type]}_{number:02d}"


def tag_number(tag: str) -> int:
    match = TAG_PATTERN.match(tag)
    if not match:
        raise ValueError(f"not a manifest tag: {tag!r}")
    return int(match.group(2))


def claim(
    manifest_ref: DocumentReference,
    asset_type: AssetType,
    write_with_tag: Callable[[WriteBatch, str], None],
    manifest_changes: dict[str, Any],
) -> str:
    """Claim the next tag of `asset_type` and commit `write_with_tag`'s writes in the same batch."""
    claims = manifest_ref.collection(db.TAG_CLAIMS)
    number = _high(manifest_ref, asset_type) + 1
    for _ in range(MAX_ATTEMPTS):
        tag = format_tag(asset_type, number)
        batch = db.client().batch()
        batch.create(claims.document(tag), _claim_doc(asset_type, number))
        batch.update(manifest_ref, {f"tag_high.{asset_type.value}": Maximum(number), **manifest_changes})
        write_with_tag(batch, tag)
        try:
            batch.commit(retry=db.CONTENDED)
        except exceptions.AlreadyExists:
            number = max(number + 1, _high(manifest_ref, asset_type) + 1)
            continue
        except exceptions.NotFound as exc:
            raise NotFound("manifest or asset not found") from exc
        return tag
    raise Conflict("too many concurrent tag claims; retry the request")


def _claim_doc(asset_type: AssetType, number: int) -> dict[str, Any]:
    return {"asset_type": asset_type.value, "number": number, "at": utcnow()}


def _high(manifest_ref: DocumentReference, asset_type: AssetType) -> int:
    snapshot = manifest_ref.get(field_paths=[f"tag_high.{asset_type.value}"])
    if not snapshot.exists:
        raise NotFound("manifest not found")
    return int((snapshot.to_dict() or {}).get("tag_high", {}).get(asset_type.value, 0))


def claim_block(manifest_ref: DocumentReference, asset_type: AssetType, count: int) -> list[str]:
    """Claim `count` consecutive new tags of a type at once (the engine's extracted assets)."""
    if count <= 0:
        return []
    claims = manifest_ref.collection(db.TAG_CLAIMS)
    start = _high(manifest_ref, asset_type) + 1
    for _ in range(MAX_ATTEMPTS):
        numbers = range(start, start + count)
        batch = db.client().batch()
        for number in numbers:
            batch.create(claims.document(format_tag(asset_type, number)), _claim_doc(asset_type, number))
        batch.update(manifest_ref, {f"tag_high.{asset_type.value}": Maximum(numbers[-1])})
        try:
            batch.commit(retry=db.CONTENDED)
        except exceptions.AlreadyExists:
            start = max(start + 1, _high(manifest_ref, asset_type) + 1)
            continue
        return [format_tag(asset_type, n) for n in numbers]
    raise Conflict("too many concurrent tag claims; retry the request")


def renumber(manifest_ref: DocumentReference, ordered: dict[AssetType, list[tuple[str, str]]]) -> int:
    """Give each type's assets the tags 01..n in the given order: [(asset_id, current tag)].

    Every number handed out stays claimed, and `tag_high` only grows, so an asset created while this
    runs takes a number above all of these: never a collision. Returns the number of assets retagged.
    """
    writes: db.Writes = []
    claims = manifest_ref.collection(db.TAG_CLAIMS)
    manifest_changes: dict[str, Any] = {}
    for asset_type, assets in ordered.items():
        if not assets:
            continue
        claimed = {s.id for s in claims.where(filter=_type_filter(asset_type)).select([]).stream()}
        for number, (asset_id, current) in enumerate(assets, start=1):
            tag = format_tag(asset_type, number)
            if tag not in claimed:
                writes.append((claims.document(tag), _claim_doc(asset_type, number)))
            if tag != current:
                writes.append((db.assets().document(asset_id), {"manifest_tag": tag}))
        manifest_changes[f"tag_high.{asset_type.value}"] = Maximum(len(assets))
    retagged = sum(1 for ref, _ in writes if ref.parent.id == db.ASSETS)
    for start in range(0, max(len(writes), 1), db.BATCH_LIMIT - 1):
        batch = db.client().batch()
        for ref, doc in writes[start : start + db.BATCH_LIMIT - 1]:
            if ref.parent.id == db.ASSETS:
                batch.update(ref, doc)  # an asset deleted meanwhile fails the batch: never resurrected
            else:
                batch.set(ref, doc)
        if start == 0 and manifest_changes:
            batch.update(manifest_ref, manifest_changes)
        batch.commit(retry=db.CONTENDED)
    return retagged


def _type_filter(asset_type: AssetType) -> FieldFilter:
    return FieldFilter("asset_type", "==", asset_type.value)
