"""What the engine writes into a manifest: extracted assets, face embeddings, descriptions.

Every write is safe to repeat. Extracted assets have ids derived from (source asset, source image
generation, kind, rank), so a task delivered twice, concurrently or after a crash, names the same
documents; they are created with create-if-absent writes that count each one exactly once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from google.api_core import exceptions
from google.cloud.firestore import Increment

from common import assets as asset_ops
from common import db, embeddings, storage, tags
from common import manifests as manifest_ops
from common.models import Asset, AssetType, ProcessingError, derived_id, utcnow

Kind = Literal["detection", "face"]


def child_id(source: Asset, kind: Kind, rank: int) -> str:
    return derived_id(source.id, source.image_generation, kind, rank)


@dataclass
class Child:
    """An extracted asset to exist: its document fields and its crop image."""

    id: str
    asset_type: AssetType
    name: str
    description: str
    label: str
    confidence: float
    bbox: tuple[int, int, int, int]
    is_face_crop: bool
    image_jpeg: bytes
    thumbnail_jpeg: bytes
    width: int
    height: int


def image_path(manifest_id: str, asset_id: str) -> str:
    return f"manifests/{manifest_id}/extracted/{asset_id}.jpg"


def sync_children(source: Asset, kind: Kind, wanted: list[Child], existing: Iterable[Asset]) -> list[str]:
    """Make the source's extracted assets of this kind exactly `wanted`; returns their ids."""
    is_face = kind == "face"
    have = {a.id: a for a in existing if a.source_asset_id == source.id and a.is_face_crop == is_face}
    new = [c for c in wanted if c.id not in have]
    for child in new:
        path = image_path(source.manifest_id, child.id)
        storage.upload(path, child.image_jpeg, "image/jpeg")
        storage.upload(path.replace(".jpg", "_thumb.jpg"), child.thumbnail_jpeg, "image/jpeg")
    _create(source, new)
    stale = [a for a_id, a in have.items() if a_id not in {c.id for c in wanted}]
    if stale:
        delete_assets(source.manifest_id, stale)
    return [c.id for c in wanted]


def _create(source: Asset, children: list[Child]) -> None:
    if not children:
        return
    manifest = manifest_ops.manifest_ref(source.manifest_id)
    now = utcnow()
    docs = []
    for asset_type in {c.asset_type for c in children}:
        of_type = [c for c in children if c.asset_type == asset_type]
        for child, tag in zip(of_type, tags.claim_block(manifest, asset_type, len(of_type)), strict=True):
            docs.append((child, _child_doc(source, child, tag, now)))
    # Fast path: all in one commit. If another delivery created some already, count them one by one.
    try:
        _commit_creates(manifest, docs)
    except exceptions.AlreadyExists:
        for pair in docs:
            try:
                _commit_creates(manifest, [pair])
            except exceptions.AlreadyExists:
                continue


def _commit_creates(manifest: Any, docs: list[tuple[Child, dict[str, Any]]]) -> None:
    for start in range(0, len(docs), db.BATCH_LIMIT - 1):
        chunk = docs[start : start + db.BATCH_LIMIT - 1]
        batch = db.client().batch()
        for child, doc in chunk:
            batch.create(asset_ops.asset_ref(child.id), doc)
        batch.update(
            manifest, {"asset_count": Increment(len(chunk)), "version": Increment(1), "updated_at": utcnow()}
        )
        batch.commit(retry=db.CONTENDED)


def _child_doc(source: Asset, child: Child, tag: str, now: datetime) -> dict[str, Any]:
    path = image_path(source.manifest_id, child.id)
    asset = Asset(
        id=child.id,
        owner_id=source.owner_id,
        manifest_id=source.manifest_id,
        name=child.name,
        asset_type=child.asset_type,
        manifest_tag=tag,
        description=child.description,
        sort_order=source.sort_order,
        source="extracted",
        source_asset_id=source.id,
        detection_class=child.label,
        detection_confidence=child.confidence,
        crop_bbox=list(child.bbox),
        is_face_crop=child.is_face_crop,
        image_path=path,
        thumbnail_path=path.replace(".jpg", "_thumb.jpg"),
        image_width=child.width,
        image_height=child.height,
        image_content_type="image/jpeg",
        created_at=now,
        updated_at=now,
    )
    return asset_ops.to_doc(asset)


def delete_assets(manifest_id: str, stale: list[Asset]) -> None:
    """Remove extracted assets that the current image no longer yields (and their embeddings)."""
    for asset in stale:
        batch = db.client().batch()
        batch.delete(asset_ops.asset_ref(asset.id), option=db.client().write_option(exists=True))
        batch.delete(db.collection(db.FACES).document(asset.id))
        batch.update(
            manifest_ops.manifest_ref(manifest_id), {"asset_count": Increment(-1), "updated_at": utcnow()}
        )
        try:
            batch.commit(retry=db.CONTENDED)
        except exceptions.NotFound:
            continue  # another delivery removed it first
        asset_ops.release_objects(asset.image_path, asset.thumbnail_path)


# ---------------------------------------------------------------- faces
def store_embeddings(
    manifest_id: str, owner_id: str, rows: list[tuple[str, str, float, list[float]]]
) -> None:
    """rows: (face asset id, source asset id, detector score, unit embedding)."""
    now = utcnow()
    writes = [
        (
            db.collection(db.FACES).document(asset_id),
            embeddings.face_doc(manifest_id, owner_id, source_id, score, vector, at=now),
        )
        for asset_id, source_id, score, vector in rows
    ]
    db.set_all(writes)


def write_groups(updates: dict[str, dict[str, Any]]) -> None:
    """Face-group fields per asset id; assets deleted meanwhile are skipped, not recreated."""
    for asset_id, fields in updates.items():
        try:
            asset_ops.asset_ref(asset_id).update({**fields, "updated_at": utcnow()}, retry=db.CONTENDED)
        except exceptions.NotFound:
            continue


# ---------------------------------------------------------------- descriptions and failures
def write_description(asset_id: str, fields: dict[str, Any], run_started: datetime) -> bool:
    """Store the engine's text, except over a person's edit made after this run began.

    Read, decide, then write with the read's update time as precondition: if anything changed the
    asset in between (an edit, say), decide again. Returns False when the asset is gone.
    """
    ref = asset_ops.asset_ref(asset_id)
    for _ in range(10):
        snapshot = ref.get()
        if not snapshot.exists:
            return False
        asset = asset_ops.read_asset(snapshot)
        update = dict(fields)
        for name, edited_at in asset.text_edits.items():
            if edited_at > run_started:
                update.pop(name, None)
        update["updated_at"] = utcnow()
        try:
            ref.update(
                update,
                option=db.client().write_option(last_update_time=snapshot.update_time),
                retry=db.CONTENDED,
            )
        except exceptions.FailedPrecondition:
            continue
        return True
    raise RuntimeError(f"asset {asset_id} kept changing while its description was written")


def record_failure(asset_id: str, step: str, message: str) -> None:
    error = ProcessingError(step=step, message=message[:2000], at=utcnow())
    with contextlib.suppress(exceptions.NotFound):
        asset_ops.asset_ref(asset_id).update({"processing_error": error.model_dump(), "updated_at": utcnow()})


def clear_failure(asset_id: str) -> None:
    with contextlib.suppress(exceptions.NotFound):
        asset_ops.asset_ref(asset_id).update({"processing_error": None})
