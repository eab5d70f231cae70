"""Manifest tags (CHAR_01, OBJ_01 …): sequential per type, unique, never reused in a manifest.

Every tag ever issued has a claim document under its manifest. A new tag is claimed with a
create-if-absent write committed atomically with whatever the tag is for (the asset itself and
the manifest's counters), so a lost race costs a retry, never a duplicate, a gap or a partial write.
The manifest's `tag_high` (a server-side Maximum) is only a hint of where to start looking:
contended read-modify-write transactions on one document starve under load (see DESIGN.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud.firestore_v1.transforms import Maximum

from common import db
from common.errors import Conflict, NotFound
from common.models import AssetType, utcnow

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
        batch.create(claims.document(tag), {"asset_type": asset_type.value, "number": number, "at": utcnow()})
        batch.update(manifest_ref, {f"tag_high.{asset_type.value}": Maximum(number), **manifest_changes})
        write_with_tag(batch, tag)
        try:
            batch.commit()
        except exceptions.AlreadyExists:
            number = max(number + 1, _high(manifest_ref, asset_type) + 1)
            continue
        except exceptions.NotFound as exc:
            raise NotFound("manifest or asset not found") from exc
        return tag
    raise Conflict("too many concurrent tag claims; retry the request")


def _high(manifest_ref: DocumentReference, asset_type: AssetType) -> int:
    snapshot = manifest_ref.get(field_paths=[f"tag_high.{asset_type.value}"])
    if not snapshot.exists:
        raise NotFound("manifest not found")
    return int((snapshot.to_dict() or {}).get("tag_high", {}).get(asset_type.value, 0))
