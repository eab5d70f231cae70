"""What the engine writes into a manifest: extracted assets, face embeddings, descriptions.

Every write is safe to repeat. Extracted assets have ids derived from (source asset, source image
generation, kind, rank), so a task delivered twice, concurrently or after a crash, names the same
documents; each commit reads which exist, so each is created and counted exactly once. A run's
writes go behind its delivery's fence (common/jobs/lease.Fence): none lands after the run ended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore import Increment
from google.cloud.firestore_v1.transforms import Maximum

from common.gcp import db, storage
from common.ids import derived_id
from common.jobs import lease
from common.jobs.lease import Fence
from common.library import assets as asset_ops
from common.library import embeddings, quality, tags
from common.library import manifests as manifest_ops
from common.library.models import Asset, AssetType, IdentityStatus, ProcessingError, QualityCheck
from common.library.progress_models import ProcessingCost
from common.records import utcnow
from gpu_service.store.pictures import fingerprint

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference

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
class Stored:
    """A source's extracted assets after `store_image`: as they are now (in `wanted`'s order), and
    the ids removed. `gone`: the source was deleted meanwhile, and nothing was written."""

    assets: list[Asset]
    removed: list[str]
    gone: bool = False


FaceRow = tuple[str, float, list[float]]  # (face asset id, detector score, unit embedding)


def store_image(  # noqa: PLR0917 - one image's results, written in one commit
    fence: Fence | None,
    source: Asset,
    wanted: list[Child],
    existing: Iterable[Asset],
    faces: list[FaceRow],
    fields: dict[str, Any],
    more: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Stored:
    """Make the source's extracted assets exactly `wanted` and store its faces' embeddings (the
    others' are dropped: a face that cannot be identified must not be grouped), with the source's
    own `fields` (and `more(its stored document)`), all in one commit behind `fence`.

    The crops' images are stored first (an image whose commit never lands is swept, as any
    unreferenced upload is). New crops take the next free tags of their type, claimed in the same
    commit; a crop that an earlier delivery created already is kept as stored."""
    have = {a.id: a for a in existing if a.source_asset_id == source.id and a.source == "extracted"}
    wanted_ids = {c.id for c in wanted}
    new = [c for c in wanted if c.id not in have]
    stale = [a for a_id, a in have.items() if a_id not in wanted_ids]
    _upload(source, new)
    manifest = manifest_ops.manifest_ref(source.manifest_id)
    now = utcnow()
    # A microsecond apart, in the order they were cut: the display order (sort_order, then creation)
    # lists a photo's crops as they are numbered ("face 1", "face 2"…), not by their ids.
    child_assets = {c.id: _child_asset(source, c, now + timedelta(microseconds=n)) for n, c in enumerate(new)}
    identified = {face_id for face_id, _, _ in faces}
    tried: dict[AssetType, int] = {}  # the first number each type tried last time
    for _ in range(tags.MAX_ATTEMPTS):
        # Past the number that was taken, whatever `tag_high` (a hint) says.
        first = {
            t: max(tags.next_free(manifest, t), tried.get(t, 0) + 1) for t in {c.asset_type for c in new}
        }
        tried = first

        def write(transaction: firestore.Transaction, first: dict[AssetType, int] = first) -> Stored:
            refs = [asset_ops.asset_ref(i) for i in [source.id, *child_assets, *(a.id for a in stale)]]
            found = {s.id: s for s in transaction.get_all(refs) if s.exists}
            if source.id not in found:
                return Stored([], [], gone=True)
            made = {i: asset_ops.read_asset(found[i]) for i in child_assets if i in found}  # earlier
            numbers = dict(first)
            for asset in child_assets.values():
                if asset.id in made:
                    continue
                tag = tags.claim_in(transaction, manifest, asset.asset_type, numbers[asset.asset_type])
                numbers[asset.asset_type] += 1
                made[asset.id] = asset.model_copy(update={"manifest_tag": tag})
                transaction.create(asset_ops.asset_ref(asset.id), asset_ops.to_doc(made[asset.id]))
            created = sum(1 for i in child_assets if i not in found)
            removed = [a for a in stale if a.id in found]
            for asset in removed:
                transaction.delete(asset_ops.asset_ref(asset.id))
                transaction.delete(db.faces().document(asset.id))
            seen_again = {
                c.id: _identity(c) for c in wanted if c.id in have and _identity(have[c.id]) != _identity(c)
            }
            for child_id, (status, note) in seen_again.items():
                made[child_id] = have[child_id].model_copy(
                    update={"identity_status": status, "identity_note": note}
                )
                change = {"identity_status": status, "identity_note": note, "updated_at": now}
                transaction.update(asset_ops.asset_ref(child_id), change)
            for face_id, score, vector in faces:
                doc = embeddings.face_doc(
                    source.manifest_id, source.owner_id, source.id, score, vector, at=now
                )
                transaction.set(db.faces().document(face_id), doc)
            for child in wanted:
                if child.is_face_crop and child.id not in identified:
                    transaction.delete(db.faces().document(child.id))
            if created or removed:
                counts: dict[str, Any] = {
                    f"tag_high.{t.value}": Maximum(n - 1) for t, n in numbers.items() if n > first[t]
                }
                counts["asset_count"] = Increment(created - len(removed))
                transaction.update(manifest, {**counts, **manifest_ops.content_changed(now)})
            extra = more(found[source.id].to_dict() or {}) if more is not None else {}
            transaction.update(asset_ops.asset_ref(source.id), {**fields, **extra, "updated_at": now})
            return Stored([made.get(c.id) or have[c.id] for c in wanted], [a.id for a in removed])

        try:
            stored = lease.commit(fence, write)
        except exceptions.AlreadyExists:
            continue  # a tag was claimed meanwhile (an upload to the manifest): the next ones
        for asset in stale:
            if asset.id in stored.removed:
                asset_ops.release_objects(asset.image_path, asset.thumbnail_path)
        return stored
    raise RuntimeError(f"the tags of {source.id}'s crops kept being taken")


def _upload(source: Asset, new: list[Child]) -> None:
    for child in new:
        path = image_path(source.manifest_id, child.id)
        storage.upload(path, child.image_jpeg, "image/jpeg")
        storage.upload(path.replace(".jpg", "_thumb.jpg"), child.thumbnail_jpeg, "image/jpeg")


def _first_numbers(
    manifest: DocumentReference, new: list[Child], tried: dict[AssetType, int]
) -> dict[AssetType, int]:
    """Where each type's new tags start: the next free one, and past the one tried last time (it
    was taken, whatever `tag_high`, a hint, says)."""
    types = {c.asset_type for c in new}
    return {t: max(tags.next_free(manifest, t), tried.get(t, 0) + 1) for t in types}


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


def _identity(item: Asset | Child) -> tuple[IdentityStatus | None, str | None]:
    """A face's verdict; seen again under other thresholds, it follows (a crop's image never changes)."""
    return item.identity_status, item.identity_note


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


def update_assets(updates: dict[str, dict[str, Any]], fence: Fence | None = None) -> None:
    """Engine fields per asset id (face groups, characters, checks, suggestions), each asset's in
    one write, in commits behind `fence`; assets deleted meanwhile are skipped."""
    items = [(i, fields) for i, fields in updates.items() if fields]
    for start in range(0, len(items), db.BATCH_LIMIT):
        chunk = dict(items[start : start + db.BATCH_LIMIT])

        def write(transaction: firestore.Transaction, chunk: dict[str, dict[str, Any]] = chunk) -> None:
            now = utcnow()
            for snapshot in transaction.get_all([asset_ops.asset_ref(i) for i in chunk]):
                if snapshot.exists:
                    transaction.update(snapshot.reference, {**chunk[snapshot.id], "updated_at": now})

        lease.commit(fence, write)


# ---------------------------------------------------------------- descriptions and failures
def write_descriptions(items: dict[str, dict[str, Any]], run_started: datetime, fence: Fence | None) -> None:
    """Store the engine's text on several assets in one commit behind `fence`, except over a
    person's edit made after the run began (read in the same transaction: an edit lands wholly
    before it, and wins, or after it). Assets deleted meanwhile are skipped."""
    if not items:
        return

    def write(transaction: firestore.Transaction) -> None:
        for snapshot in transaction.get_all([asset_ops.asset_ref(i) for i in items]):
            if snapshot.exists:
                update = _unedited(asset_ops.read_asset(snapshot), items[snapshot.id], run_started)
                transaction.update(snapshot.reference, {**update, "updated_at": utcnow()})

    lease.commit(fence, write)


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


def record_failure(asset_id: str, step: str, message: str, fence: Fence | None) -> None:
    error = ProcessingError(step=step, message=message[:2000], at=utcnow())
    update_assets({asset_id: {"processing_error": error.model_dump()}}, fence)


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
