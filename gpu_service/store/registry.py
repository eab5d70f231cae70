"""What the engine writes into a manifest: extracted assets, face embeddings, descriptions.

Every write is safe to repeat. Extracted assets have ids derived from (source asset, source image
generation, kind, rank), so a task delivered twice, concurrently or after a crash, names the same
documents; they are created with create-if-absent writes that count each one exactly once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from google.api_core import exceptions
from google.cloud.firestore import Increment

from common.gcp import db, storage
from common.ids import derived_id
from common.library import assets as asset_ops
from common.library import embeddings, quality
from common.library import manifests as manifest_ops
from common.library.models import Asset, AssetType, IdentityStatus, ProcessingError, QualityCheck
from common.library.progress_models import ProcessingCost
from common.records import utcnow
from gpu_service.store.pictures import fingerprint

if TYPE_CHECKING:
    from gpu_service.describe.subject import Description

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
    identity_status: IdentityStatus | None = None  # faces only: why it cannot be identified
    identity_note: str | None = None
    quality_checks: list[QualityCheck] = field(default_factory=list)


def image_path(manifest_id: str, asset_id: str) -> str:
    return f"manifests/{manifest_id}/extracted/{asset_id}.jpg"


@dataclass(frozen=True)
class Synced:
    """A source's extracted assets of one kind after `sync_children`: as they are now (in `wanted`'s
    order), and the ids removed."""

    assets: list[Asset]
    removed: list[str]


def sync_children(source: Asset, kind: Kind, wanted: list[Child], existing: Iterable[Asset]) -> Synced:
    """Make the source's extracted assets of this kind exactly `wanted`."""
    is_face = kind == "face"
    have = {a.id: a for a in existing if a.source_asset_id == source.id and a.is_face_crop == is_face}
    new = [c for c in wanted if c.id not in have]
    for child in new:
        path = image_path(source.manifest_id, child.id)
        storage.upload(path, child.image_jpeg, "image/jpeg")
        storage.upload(path.replace(".jpg", "_thumb.jpg"), child.thumbnail_jpeg, "image/jpeg")
    now = utcnow()
    inserted = asset_ops.insert_many(source.manifest_id, [_child_asset(source, c, now) for c in new])
    seen_again = {
        c.id: _identity(c) for c in wanted if c.id in have and _identity(have[c.id]) != _identity(c)
    }
    update_assets(
        {i: {"identity_status": status, "identity_note": note} for i, (status, note) in seen_again.items()}
    )
    current = {a.id: a for a in inserted}
    for child_id, (status, note) in seen_again.items():
        current[child_id] = have[child_id].model_copy(
            update={"identity_status": status, "identity_note": note}
        )
    stale = [a for a_id, a in have.items() if a_id not in {c.id for c in wanted}]
    if stale:
        delete_assets(source.manifest_id, stale)
    return Synced([current.get(c.id) or have[c.id] for c in wanted], [a.id for a in stale])


def _child_asset(source: Asset, child: Child, now: datetime) -> Asset:
    path = image_path(source.manifest_id, child.id)
    return Asset(
        id=child.id,
        owner_id=source.owner_id,
        manifest_id=source.manifest_id,
        name=child.name,
        asset_type=child.asset_type,
        manifest_tag="",  # claimed when stored
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
        identity_status=child.identity_status,
        identity_note=child.identity_note,
        quality_checks=child.quality_checks,
        quality_score=quality.score(child.quality_checks),
        quality_warning=quality.warns(child.quality_checks),
        created_at=now,
        updated_at=now,
    )


def delete_assets(manifest_id: str, stale: list[Asset]) -> None:
    """Remove extracted assets that the current image no longer yields (and their embeddings)."""
    for asset in stale:
        batch = db.client().batch()
        batch.delete(asset_ops.asset_ref(asset.id), option=db.client().write_option(exists=True))
        batch.delete(db.faces().document(asset.id))
        batch.update(
            manifest_ops.manifest_ref(manifest_id), {"asset_count": Increment(-1), "updated_at": utcnow()}
        )
        try:
            batch.commit(retry=db.CONTENDED)
        except exceptions.NotFound:
            continue  # another delivery removed it first
        asset_ops.release_objects(asset.image_path, asset.thumbnail_path)


# ---------------------------------------------------------------- faces
def _identity(item: Asset | Child) -> tuple[IdentityStatus | None, str | None]:
    """A face's verdict; seen again under other thresholds, it follows (a crop's image never changes)."""
    return item.identity_status, item.identity_note


def store_embeddings(
    manifest_id: str, owner_id: str, rows: list[tuple[str, str, float, list[float]]], drop: list[str]
) -> None:
    """rows: (face asset id, source asset id, detector score, unit embedding); `drop`: faces that
    cannot be identified, whose embeddings (from an earlier run) must not be grouped."""
    now = utcnow()
    writes = [
        (
            db.faces().document(asset_id),
            embeddings.face_doc(manifest_id, owner_id, source_id, score, vector, at=now),
        )
        for asset_id, source_id, score, vector in rows
    ]
    db.set_all(writes)
    for asset_id in drop:
        db.faces().document(asset_id).delete()


def checks_fields(asset: Asset, codes: frozenset[str], checks: list[QualityCheck]) -> dict[str, Any]:
    """The fields that replace one kind of quality check on an asset (its other checks stay);
    empty when nothing changes."""
    updated = quality.merged(asset.quality_checks, codes, checks)
    return quality.fields(updated) if updated != asset.quality_checks else {}


def label_fields(asset: Asset, detection_class: str | None, confidence: float | None) -> dict[str, Any]:
    """What fills an uploaded image, as its own detection fields (None: nothing fills it); empty
    when they stay."""
    if (asset.detection_class, asset.detection_confidence) == (detection_class, confidence):
        return {}
    return {"detection_class": detection_class, "detection_confidence": confidence}


def update_assets(updates: dict[str, dict[str, Any]]) -> None:
    """Engine fields per asset id (face groups, characters, checks, suggestions), each asset's in
    one write, batched; assets deleted meanwhile are skipped."""
    items = [(i, {**fields, "updated_at": utcnow()}) for i, fields in updates.items() if fields]
    for start in range(0, len(items), db.BATCH_LIMIT):
        chunk = items[start : start + db.BATCH_LIMIT]
        batch = db.client().batch()
        for asset_id, fields in chunk:
            batch.update(asset_ops.asset_ref(asset_id), fields)
        try:
            batch.commit(retry=db.CONTENDED)
        except exceptions.NotFound:  # one of them is gone: the others one by one
            for asset_id, fields in chunk:
                with contextlib.suppress(exceptions.NotFound):
                    asset_ops.asset_ref(asset_id).update(fields, retry=db.CONTENDED)


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
        update = {**_unedited(asset_ops.read_asset(snapshot), fields, run_started), "updated_at": utcnow()}
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


def write_descriptions(items: dict[str, dict[str, Any]], run_started: datetime) -> None:
    """`write_description` for several assets in one read and one commit, each write conditioned
    on its document as read; if any changed in between, each is written on its own."""
    if not items:
        return
    refs = [asset_ops.asset_ref(asset_id) for asset_id in items]
    batch = db.client().batch()
    for snapshot in db.client().get_all(refs):
        if not snapshot.exists:
            continue  # deleted meanwhile: nothing to describe
        update = _unedited(asset_ops.read_asset(snapshot), items[snapshot.id], run_started)
        option = db.client().write_option(last_update_time=snapshot.update_time)
        batch.update(snapshot.reference, {**update, "updated_at": utcnow()}, option=option)
    try:
        batch.commit(retry=db.CONTENDED)
    except (exceptions.FailedPrecondition, exceptions.NotFound):
        for asset_id, fields in items.items():
            write_description(asset_id, fields, run_started)


def _unedited(asset: Asset, fields: dict[str, Any], run_started: datetime) -> dict[str, Any]:
    """`fields` less those a person edited after the run began (their text wins)."""
    edited = {name for name, at in asset.text_edits.items() if at > run_started}
    return {k: v for k, v in fields.items() if k not in edited}


def description_fields(asset: Asset, result: Description) -> dict[str, Any]:
    """What a description writes on its asset (a run's and a reprocess's alike)."""
    return {
        "reverse_prompt": result.text.reverse_prompt,
        "visual_description": result.text.visual_description,
        "reverse_prompt_source": result.source,
        "described_from": fingerprint(asset),
        "processing_cost": Increment(result.cost),
        "processing_error": None,
    }


def record_failure(asset_id: str, step: str, message: str) -> None:
    error = ProcessingError(step=step, message=message[:2000], at=utcnow())
    with contextlib.suppress(exceptions.NotFound):
        asset_ops.asset_ref(asset_id).update({"processing_error": error.model_dump(), "updated_at": utcnow()})


# ---------------------------------------------------------------- the manifest
def set_contact_sheet(manifest_id: str, path: str) -> str | None:
    """Point the manifest at its new contact sheet; returns the one it pointed at before."""
    ref = manifest_ops.manifest_ref(manifest_id)
    previous = manifest_ops.read_manifest(ref.get()).contact_sheet_path
    ref.update({"contact_sheet_path": path, "updated_at": utcnow()}, retry=db.CONTENDED)
    return previous


def add_cost(manifest_id: str, spent: ProcessingCost) -> None:
    """Work done outside a run's progress (one asset's reprocess) still counts on the manifest."""
    if spent.total:
        manifest_ops.manifest_ref(manifest_id).update(manifest_ops.cost_increments(spent), retry=db.CONTENDED)
