"""Views: up to four more pictures of an asset (front, left, right, back, other) beside its
reference image, as reference-library tools keep several angles of one character.

A view is stored under its manifest's folder (`manifests/{m}/views/{asset}/{view}.{ext}`, so a
snapshot's pin covers it) with a thumbnail, and recorded on the asset in a transaction; copies of
the asset (a duplicate, a fork) share its objects, which go only when no asset lists them any more.
Processing judges every view's face against the asset's own (gpu_service/run/views.py).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from google.cloud import firestore

from common import owned
from common.errors import Conflict, NotFound
from common.gcp import db, storage
from common.gcp.config import settings
from common.ids import new_id
from common.library import assets as asset_ops
from common.library import images, uploads
from common.library import manifests as manifest_ops
from common.library.models import (
    MAX_VIEWS,
    Asset,
    AssetView,
    PendingView,
    ViewAngle,
    ViewUploadUrlOut,
    ViewUploadUrlRequest,
)
from common.records import utcnow

VIEW_PATH = re.compile(
    r"^manifests/(?P<manifest_id>[0-9a-f]{32})/views/(?P<asset_id>[0-9a-f]{32})/(?P<view_id>[0-9a-f]{32})\.(jpg|png|webp)$"
)


def view_path(manifest_id: str, asset_id: str, view_id: str, extension: str) -> str:
    return f"manifests/{manifest_id}/views/{asset_id}/{view_id}.{extension}"


def paths_of(views: list[AssetView]) -> list[str]:
    return [p for v in views for p in (v.image_path, v.thumbnail_path)]


def add(owner_id: str, asset_id: str, angle: ViewAngle, data: bytes) -> Asset:
    """Validate an image (the same checks as a reference image), store it and its thumbnail, and
    add it to the asset's views."""
    asset = asset_ops.get_owned(owner_id, asset_id)
    _room_for_one(asset)
    return attach(asset.id, write_new(asset.manifest_id, asset.id, angle, images.validate(data)))


def write_new(manifest_id: str, asset_id: str, angle: ViewAngle, image: images.ValidImage) -> AssetView:
    """Store a validated image (and its thumbnail) as a view of the asset, not yet recorded on it."""
    view_id = new_id()
    path = view_path(manifest_id, asset_id, view_id, image.extension)
    generation = storage.upload(path, image.data, image.content_type)
    return _with_thumbnail(view_id, angle, path, generation, image)


def _with_thumbnail(
    view_id: str, angle: ViewAngle, path: str, generation: int, image: images.ValidImage
) -> AssetView:
    thumb = uploads.thumbnail_path(path)
    storage.upload(thumb, images.thumbnail(image.image), "image/jpeg")
    return AssetView(
        id=view_id,
        view=angle,
        image_width=image.width,
        image_height=image.height,
        image_content_type=image.content_type,
        created_at=utcnow(),
        image_path=path,
        thumbnail_path=thumb,
        image_generation=generation,
    )


def create_upload_url(owner_id: str, asset_id: str, request: ViewUploadUrlRequest) -> ViewUploadUrlOut:
    """A signed URL to PUT a view straight to Cloud Storage; the finalize trigger adds it. Until
    the URL expires its upload holds a place among the asset's views (so the list stays bounded)."""
    asset = asset_ops.get_owned(owner_id, asset_id)
    now = utcnow()
    expired = [i for i, p in asset.pending_views.items() if p.expires_at <= now]
    in_flight = len(asset.pending_views) - len(expired)
    if len(asset.views) + in_flight >= MAX_VIEWS:
        raise Conflict(
            f"an asset holds at most {MAX_VIEWS} views, uploads in flight included; delete one first",
            {"views": len(asset.views), "uploads_in_flight": in_flight},
        )
    extension = uploads.extension_of(request.content_type)
    view_id = new_id()
    path = view_path(asset.manifest_id, asset.id, view_id, extension)
    cfg = settings()
    url, headers = storage.upload_url(path, request.content_type, cfg.max_upload_bytes)
    expires_at = now + timedelta(seconds=cfg.upload_url_ttl_s)
    pending = PendingView(view=request.view, expires_at=expires_at).model_dump()
    changes = {f"pending_views.{i}": firestore.DELETE_FIELD for i in expired}
    asset_ops.asset_ref(asset.id).update({**changes, f"pending_views.{view_id}": pending})
    return ViewUploadUrlOut(
        upload_url=url, headers=headers, object_name=path, expires_at=expires_at, view_id=view_id
    )


def on_finalized(bucket: str, name: str, generation: int, size: int, metadata: dict[str, Any]) -> str:
    """A view uploaded with a signed URL: checked and added (or refused, and the object removed)."""
    match = VIEW_PATH.match(name)
    if match is None or bucket != settings().uploads_bucket:
        return "ignored: not a view path"
    if metadata.get("vidpipe-writer") == storage.WRITER_METADATA["vidpipe-writer"]:
        return "ignored: written by the service"
    snapshot = asset_ops.asset_ref(match["asset_id"]).get()
    doc = snapshot.to_dict() or {}
    pending = (doc.get("pending_views") or {}).get(match["view_id"])
    if doc.get("manifest_id") != match["manifest_id"] or pending is None:
        return "ignored: no upload URL was issued for this view (or it was added already)"
    received = uploads.receive(name, generation, size)
    if received.image is None:
        if received.error is not None:  # refused: its place among the views is free again
            asset_ops.asset_ref(snapshot.id).update(
                {f"pending_views.{match['view_id']}": firestore.DELETE_FIELD}
            )
        return received.outcome
    view = _with_thumbnail(match["view_id"], pending["view"], name, received.generation, received.image)
    try:
        attach(snapshot.id, view)
    except (Conflict, NotFound) as exc:
        return f"rejected: {exc.message}"
    return "attached view"


def attach(asset_id: str, view: AssetView) -> Asset:
    """Record a stored view on the asset (at most MAX_VIEWS; the same view twice changes nothing);
    refused, its objects are released."""

    def change(asset: Asset) -> list[AssetView] | None:
        if any(v.id == view.id for v in asset.views):
            return None
        _room_for_one(asset)
        return [*asset.views, view]

    try:
        return _rewrite_views(asset_id, change, also={f"pending_views.{view.id}": firestore.DELETE_FIELD})
    except (Conflict, NotFound):
        asset_ops.release_objects(view.image_path, view.thumbnail_path)
        raise


def remove(owner_id: str, asset_id: str, view_id: str) -> Asset:
    """Take a view off the asset; its objects go unless a copy of the asset (or a snapshot) keeps them."""
    asset = asset_ops.get_owned(owner_id, asset_id)
    gone = [v for v in asset.views if v.id == view_id]
    if not gone:
        raise NotFound("view not found")
    updated = _rewrite_views(asset_id, lambda a: [v for v in a.views if v.id != view_id])
    asset_ops.release_objects(*paths_of(gone))
    return updated


def _room_for_one(asset: Asset) -> None:
    if len(asset.views) >= MAX_VIEWS:
        raise Conflict(
            f"an asset holds at most {MAX_VIEWS} views; delete one first", {"views": len(asset.views)}
        )


def _rewrite_views(asset_id: str, change: Any, also: dict[str, Any] | None = None) -> Asset:
    """Apply `change(asset) -> new views | None (nothing to do)` in a transaction, with the
    manifest's version."""
    ref = asset_ops.asset_ref(asset_id)

    def write(transaction: firestore.Transaction) -> Asset:
        asset = owned.read(transaction, ref, asset_ops.read_asset, "asset")
        views = change(asset)
        if views is None:
            return asset
        now = utcnow()
        fields = {**view_fields(views), **(also or {}), "updated_at": now}
        transaction.update(ref, fields)
        transaction.update(manifest_ops.manifest_ref(asset.manifest_id), manifest_ops.content_changed(now))
        return asset.model_copy(update={"views": views, "view_paths": paths_of(views), "updated_at": now})

    return db.run_transaction(write)


def view_fields(views: list[AssetView]) -> dict[str, Any]:
    """How an asset stores its views (and the flat list of their objects)."""
    return {"views": [v.model_dump(exclude_none=True) for v in views], "view_paths": paths_of(views)}
