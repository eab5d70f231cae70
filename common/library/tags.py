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
    from google.cloud.firestore import DocumentReference, Transaction, WriteBatch

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


def next_free(manifest_ref: DocumentReference, asset_type: AssetType) -> int:
    """Where to start looking for a new tag of a type (`tag_high` is a hint: a claim decides)."""
    return _high(manifest_ref, asset_type) + 1


def claim_in(
    transaction: Transaction, manifest_ref: DocumentReference, asset_type: AssetType, number: int
) -> str:
    """Claim tag `number` of a type in the caller's transaction (its commit fails with AlreadyExists
    if the tag was issued meanwhile); the caller raises `tag_high` to the highest it claims."""
    tag = format_tag(asset_type, number)
    transaction.create(manifest_ref.collection(db.TAG_CLAIMS).document(tag), _claim_doc(asset_type, number))
    return tag


def place(
    manifest_ref: DocumentReference, asset_type: AssetType, ordered: list[tuple[str, str]], first: int
) -> dict[str, str]:
    """Give these assets of one type the tags first, first + 1, … in the given order
    ([(asset_id, current tag)]); returns the tags that changed, by asset id.

    The caller vouches that no other asset holds those numbers (a run's own crops, placed right
    after every other asset of their type). Each number is claimed (again) and `tag_high` only
    grows, so an asset created meanwhile takes a number above them: never a collision.
    """
    claims = manifest_ref.collection(db.TAG_CLAIMS)
    changed: dict[str, str] = {}
    writes: db.Writes = []
    for number, (asset_id, current) in enumerate(ordered, start=first):
        tag = format_tag(asset_type, number)
        if tag != current:
            changed[asset_id] = tag
            writes += [
                (claims.document(tag), _claim_doc(asset_type, number)),
                (db.assets().document(asset_id), {"manifest_tag": tag}),
            ]
    for start in range(0, len(writes), db.BATCH_LIMIT - 2):  # a swap of two tags lands in one batch
        batch = db.client().batch()
        for ref, doc in writes[start : start + db.BATCH_LIMIT - 2]:
            if ref.parent.id == db.ASSETS:
                batch.update(ref, doc)  # an asset deleted meanwhile fails the batch: never resurrected
            else:
                batch.set(ref, doc)
        if start == 0:
            batch.update(manifest_ref, {f"tag_high.{asset_type.value}": Maximum(first + len(ordered) - 1)})
        batch.commit(retry=db.CONTENDED)
    return changed


def _type_filter(asset_type: AssetType) -> FieldFilter:
    return FieldFilter("asset_type", "==", asset_type.value)
