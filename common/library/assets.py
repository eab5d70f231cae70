"""Asset operations: create with an atomically claimed tag, edit, order, hard delete."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud.firestore import FieldFilter, Increment

from common import cursors
from common.errors import NotFound, ValidationFailed
from common.gcp import db, storage
from common.ids import is_record_id, new_id
from common.library import embeddings, face_index, pins, tags
from common.library import manifests as manifest_ops
from common.library.models import Asset, AssetCreate, AssetListQuery, AssetUpdate, Manifest
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, DocumentSnapshot, Query, WriteBatch

# Text fields a person may edit inline; a processing run that started earlier must not overwrite them.
HAND_EDITED_FIELDS = ("reverse_prompt", "visual_description")


def asset_ref(asset_id: str) -> DocumentReference:
    return db.assets().document(asset_id)


def read_asset(snapshot: DocumentSnapshot) -> Asset:
    return Asset.model_validate({**(snapshot.to_dict() or {}), "id": snapshot.id})


def to_doc(asset: Asset) -> dict[str, Any]:
    """The stored form of a new asset. Unset (None) fields are left out: an absent field reads as
    None, no query filters assets on a null, and every stored field costs index entries (a fork
    writes hundreds of assets at once)."""
    return asset.model_dump(exclude={"id"}, exclude_none=True)


def get_owned(owner_id: str, asset_id: str) -> Asset:
    """The caller's asset in a live manifest; anything else is 404."""
    snapshot = asset_ref(asset_id).get()
    if not snapshot.exists:
        raise NotFound("asset not found")
    asset = read_asset(snapshot)
    if asset.owner_id != owner_id:
        raise NotFound("asset not found")
    manifest_ops.get_owned(owner_id, asset.manifest_id)
    return asset


def in_display_order(manifest_id: str) -> Query:
    """A manifest's assets by sort_order, then creation (then id: Firestore's own last tie-break)."""
    return (
        db.assets()
        .where(filter=FieldFilter("manifest_id", "==", manifest_id))
        .order_by("sort_order")
        .order_by("created_at")
        .order_by("__name__")
    )


def owned_with_assets(owner_id: str, manifest_id: str) -> tuple[Manifest, list[Asset]]:
    """The caller's manifest and all its assets. The asset query goes out beside the manifest read
    (one round trip instead of two); nothing of it is returned unless the manifest is the caller's."""
    if not is_record_id(manifest_id):
        raise NotFound("manifest not found")
    listing = db.in_background(list_for_manifest, manifest_id)
    manifest = manifest_ops.get_owned(owner_id, manifest_id)
    return manifest, listing.result()


def list_for_manifest(manifest_id: str) -> list[Asset]:
    """All assets of a manifest in display order, in one query."""
    return [Asset.model_validate(row) for row in db.rows(in_display_order(manifest_id))]


def of_sources(manifest_id: str, source_ids: list[str]) -> list[Asset]:
    """These uploads of a manifest and what was cut from them (a shard's share of a run): the
    uploads in one read, their crops in one query per 30 (Firestore's most for `in`)."""
    found = [read_asset(s) for s in db.client().get_all([asset_ref(i) for i in source_ids]) if s.exists]
    for start in range(0, len(source_ids), 30):
        crops = (
            db.assets()
            .where(filter=FieldFilter("manifest_id", "==", manifest_id))
            .where(filter=FieldFilter("source_asset_id", "in", source_ids[start : start + 30]))
        )
        found += [Asset.model_validate(row) for row in db.rows(crops)]
    return found


def list_page(owner_id: str, manifest_id: str, query: AssetListQuery) -> tuple[list[Asset], str | None]:
    """One page of a manifest's assets in display order, and the cursor of the next (None at the end)."""
    manifest_ops.get_owned(owner_id, manifest_id)
    listing = in_display_order(manifest_id)
    if query.cursor:
        (sort_order, created_at), last_id = cursors.decode(query.cursor, "assets", 2)
        listing = listing.start_after(
            {"sort_order": sort_order, "created_at": created_at, "__name__": asset_ref(last_id)}
        )
    found = db.rows(listing.limit(query.limit + 1))
    page = [Asset.model_validate(row) for row in found[: query.limit]]
    if len(found) <= query.limit:
        return page, None
    last = page[-1]
    return page, cursors.encode("assets", [last.sort_order, last.created_at], last.id)


def create(owner_id: str, manifest_id: str, data: AssetCreate) -> Asset:
    manifest_ops.get_owned(owner_id, manifest_id)
    now = utcnow()
    asset = Asset(
        id=new_id(),
        owner_id=owner_id,
        manifest_id=manifest_id,
        manifest_tag="",
        created_at=now,
        updated_at=now,
        **data.model_dump(),
    )
    return insert(asset, {"asset_count": Increment(1), **manifest_ops.content_changed()})


def insert(asset: Asset, manifest_changes: dict[str, Any]) -> Asset:
    """Store a new asset under the next free tag of its type, in one commit with the tag's claim and
    `manifest_changes` (its count, say); returns the asset as stored, tag included."""
    stored: list[Asset] = []

    def write(batch: WriteBatch, tag: str) -> None:
        tagged = asset.model_copy(update={"manifest_tag": tag})
        stored[:] = [tagged]
        batch.create(asset_ref(asset.id), to_doc(tagged))

    tags.claim(manifest_ops.manifest_ref(asset.manifest_id), asset.asset_type, write, manifest_changes)
    return stored[0]


def update(owner_id: str, asset_id: str, patch: AssetUpdate) -> Asset:
    asset = get_owned(owner_id, asset_id)
    changes = patch.changes()
    now = utcnow()
    changes["updated_at"] = now
    for field in HAND_EDITED_FIELDS:
        if field in changes:
            changes[f"text_edits.{field}"] = now  # when a person last wrote this field
    if changes.get("identity_of") is not None:
        changes.update(identity_link(owner_id, asset, changes["identity_of"]))
    ref = asset_ref(asset_id)
    manifest = manifest_ops.manifest_ref(asset.manifest_id)
    new_type = changes.get("asset_type")
    if new_type is not None and new_type != asset.asset_type:

        def write(batch: WriteBatch, tag: str) -> None:
            batch.update(ref, {**changes, "manifest_tag": tag})

        tags.claim(manifest, new_type, write, manifest_ops.content_changed())
    else:
        batch = db.client().batch()
        batch.update(ref, changes)
        batch.update(manifest, manifest_ops.content_changed())
        _commit_or_404(batch)
    return read_asset(ref.get())


def identity_link(owner_id: str, asset: Asset, target_id: str) -> dict[str, Any]:
    """The fields that say "this asset is the same person as `target_id`", another of the caller's
    live assets (an accepted identity suggestion, or the owner's own word); it answers the
    suggestions, and the asset's faces group with that person's (gpu_service/run/grouping.py)."""
    if target_id == asset.id:
        raise ValidationFailed("an asset cannot be the same person as itself", {"identity_of": target_id})
    try:
        get_owned(owner_id, target_id)
    except NotFound as exc:
        raise NotFound("identity_of names no asset of yours") from exc
    return {"identity_suggestions": []}


def delete(owner_id: str, asset_id: str) -> None:
    """Hard delete: the document goes, the count follows, the tag stays retired, and the images go
    unless another asset (a duplicate's copy) still points at them."""
    asset = get_owned(owner_id, asset_id)
    batch = db.client().batch()
    batch.delete(asset_ref(asset_id), option=db.client().write_option(exists=True))
    batch.update(
        manifest_ops.manifest_ref(asset.manifest_id),
        {"asset_count": Increment(-1), **manifest_ops.content_changed()},
    )
    _commit_or_404(batch)
    release_objects(asset.image_path, asset.thumbnail_path, *asset.view_paths)
    if asset.is_face_crop:  # it leaves the owner's face index at once (its face document, at the sweep)
        reindex_faces(asset.manifest_id, owner_id)
    if asset.quality_warning:
        recount_warnings(asset.manifest_id)


def reindex_faces(manifest_id: str, owner_id: str) -> int:
    """Rewrite the manifest's part of the owner's face index from its live face assets."""
    return face_index.rebuild(manifest_id, owner_id, live_faces(manifest_id, list_for_manifest(manifest_id)))


def live_faces(manifest_id: str, assets: list[Asset]) -> dict[str, embeddings.StoredFace]:
    """The manifest's stored faces whose face assets are among `assets` (its live ones): a deleted
    asset's face document stays until the sweep."""
    live = {a.id for a in assets if a.is_face_crop}
    return {i: f for i, f in embeddings.of_manifest(manifest_id).items() if i in live}


def recount_warnings(manifest_id: str) -> None:
    """Set the manifest's `assets_with_warnings` from its assets (one count query): recounted after
    every change of checks, so it never drifts."""
    query = (
        db.assets()
        .where(filter=FieldFilter("manifest_id", "==", manifest_id))
        .where(filter=FieldFilter("quality_warning", "==", True))
    )
    # Typed loosely on purpose: the library annotates count() as returning the class, not an instance.
    aggregation: Any = query.count()
    count = int(aggregation.get()[0][0].value)
    with contextlib.suppress(exceptions.NotFound):
        # Concurrent deliveries of a run write this document too: a lost lock is retried.
        manifest_ops.manifest_ref(manifest_id).update({"assets_with_warnings": count}, retry=db.CONTENDED)


def release_objects(*paths: str | None) -> None:
    """Delete stored objects that no asset references any more, unless a snapshot may (their
    manifest folder is pinned: common/library/pins.py)."""
    for path in filter(None, paths):
        if not pins.is_pinned(path) and not in_use(path):
            storage.delete(path)


def in_use(path: str) -> bool:
    """Whether any asset lists this object (as its image, thumbnail, or one of its views')."""
    if "/views/" in path:
        where = FieldFilter("view_paths", "array_contains", path)
    else:
        where = FieldFilter("thumbnail_path" if path.endswith("_thumb.jpg") else "image_path", "==", path)
    return any(True for _ in db.assets().where(filter=where).limit(1).stream())


def _commit_or_404(batch: WriteBatch) -> None:
    try:
        batch.commit()
    except exceptions.NotFound as exc:
        raise NotFound("asset not found") from exc
