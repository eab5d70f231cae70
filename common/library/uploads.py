"""Reference images: multipart uploads, signed direct uploads and the finalize trigger.

Both paths end in `attach`, which writes the thumbnail and records the image on the asset in a
transaction that ignores anything older than what the asset already has, so repeated or late
events change nothing twice.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath
from typing import Any

from google.api_core.exceptions import NotFound as ObjectGone
from google.api_core.exceptions import PreconditionFailed
from google.cloud import firestore

from common import owned
from common.errors import ApiError, NotFound, UnsupportedMediaType
from common.gcp import db, storage
from common.gcp.config import settings
from common.library import assets as asset_ops
from common.library import images, quality
from common.library import manifests as manifest_ops
from common.library.models import IMAGE_TYPES, Asset, UploadUrlOut, UploadUrlRequest, in_words
from common.records import utcnow

log = logging.getLogger(__name__)

UPLOAD_PATH = re.compile(
    r"^manifests/(?P<manifest_id>[0-9a-f]{32})/uploads/(?P<asset_id>[0-9a-f]{32})_[^/]+$"
)
SAFE_STEM = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


def object_path(manifest_id: str, asset_id: str, filename: str, extension: str) -> str:
    """`manifests/{manifest}/uploads/{asset}_{safe name}.{real extension}`: never outside that folder.

    `filename` was made safe at the HTTP edge (werkzeug's secure_filename); anything else that
    could name another folder is not used.
    """
    stem = PurePosixPath(filename).stem[:100]
    if not SAFE_STEM.match(stem):
        stem = "image"
    return f"manifests/{manifest_id}/uploads/{asset_id}_{stem}.{extension}"


def thumbnail_path(path: str) -> str:
    return f"{path.rsplit('.', 1)[0]}_thumb.jpg"


def image_fields(path: str, generation: int, image: images.ValidImage) -> dict[str, Any]:
    """What an asset records about its stored reference image."""
    return {
        "image_path": path,
        "thumbnail_path": thumbnail_path(path),
        "image_generation": generation,
        "image_width": image.width,
        "image_height": image.height,
        "image_content_type": image.content_type,
    }


def upload(owner_id: str, asset_id: str, filename: str, data: bytes) -> Asset:
    """Validate an uploaded file, store it (upright) with a thumbnail, and attach it to the asset."""
    asset = asset_ops.get_owned(owner_id, asset_id)
    image = images.validate(data)
    return store(asset.id, object_path(asset.manifest_id, asset.id, filename, image.extension), image)


def store(asset_id: str, path: str, image: images.ValidImage, extra: dict[str, Any] | None = None) -> Asset:
    """Store a validated image as the asset's reference image and attach it (`extra`: other fields
    that change with it)."""
    generation = storage.upload(path, image.data, image.content_type)
    return attach(asset_id, path, generation, image, extra)


def extension_of(content_type: str) -> str:
    """The extension an upload of this declared type is stored under; 415 for any other type."""
    extension = IMAGE_TYPES.get(content_type)
    if extension is None:
        raise UnsupportedMediaType(f"content_type must be {in_words(IMAGE_TYPES)}")
    return extension


def create_upload_url(owner_id: str, asset_id: str, request: UploadUrlRequest) -> UploadUrlOut:
    asset = asset_ops.get_owned(owner_id, asset_id)
    extension = extension_of(request.content_type)
    path = object_path(asset.manifest_id, asset.id, request.filename, extension)
    cfg = settings()
    url, headers = storage.upload_url(path, request.content_type, cfg.max_upload_bytes)
    asset_ops.asset_ref(asset.id).update({"pending_upload_path": path})
    expires_at = utcnow() + timedelta(seconds=cfg.upload_url_ttl_s)
    return UploadUrlOut(upload_url=url, headers=headers, object_name=path, expires_at=expires_at)


def on_finalized(bucket: str, name: str, generation: int, size: int, metadata: dict[str, Any]) -> str:
    """Handle a finalized object in the uploads bucket; returns what was done, for the log."""
    asset, skip = _expected_upload(bucket, name, generation, metadata)
    if asset is None:
        return f"ignored: {skip}"
    received = receive(name, generation, size)
    if received.error is not None:
        _record_upload_error(asset, received.error)
    if received.image is None:
        return received.outcome
    attach(asset.id, name, received.generation, received.image)
    return "attached"


@dataclass(frozen=True)
class Received:
    """A finalized upload checked: the image as now stored (and its generation), or why not."""

    image: images.ValidImage | None
    generation: int
    outcome: str = ""  # when there is no image: what happened, for the log
    error: ApiError | None = None  # when the image was refused (and its object deleted)


def receive(name: str, generation: int, size: int) -> Received:
    """Check an object uploaded with a signed URL as an upload is checked: refused, it is deleted;
    with an EXIF orientation, it is stored upright in place (our own write is tagged, so its event
    is skipped)."""
    try:
        images.check_size(size)
        image = images.validate(storage.download(name, generation=generation))
    except ApiError as exc:
        storage.delete(name, if_generation_match=generation)
        return Received(None, generation, f"rejected: {exc.message}", exc)
    except ObjectGone:
        return Received(None, generation, "ignored: the object was replaced or deleted since the event")
    if not image.reencoded:
        return Received(image, generation)
    try:
        stored = storage.upload(name, image.data, image.content_type, if_generation_match=generation)
    except PreconditionFailed:
        return Received(None, generation, "ignored: superseded by a newer upload")
    return Received(image, stored)


def attach(
    asset_id: str, path: str, generation: int, image: images.ValidImage, extra: dict[str, Any] | None = None
) -> Asset:
    """Record a stored image (and its new thumbnail) on the asset, in a transaction that ignores
    anything older than what the asset already has; images it replaces are released."""
    thumb = thumbnail_path(path)
    storage.upload(thumb, images.thumbnail(image.image), "image/jpeg")
    checks = quality.fields(quality.image_checks(image.image))  # a new image: its checks start over
    ref = asset_ops.asset_ref(asset_id)
    replaced: list[str | None] = []
    warned: list[bool] = []  # the asset's warning flag before this image (as the transaction read it)

    def record(transaction: firestore.Transaction) -> Asset:
        asset = owned.read(transaction, ref, asset_ops.read_asset, "asset")
        warned[:] = [asset.quality_warning]
        if asset.image_path == path and (asset.image_generation or 0) >= generation:
            return asset  # a newer or the same upload is already recorded
        if asset.image_path != path:
            replaced[:] = [asset.image_path, asset.thumbnail_path]
        now = utcnow()
        changes = {
            **image_fields(path, generation, image),
            **checks,
            **(extra or {}),
            "pending_upload_path": None,
            "upload_error": None,
            "updated_at": now,
        }
        transaction.update(ref, changes)
        transaction.update(manifest_ops.manifest_ref(asset.manifest_id), manifest_ops.content_changed(now))
        return Asset.model_validate({**asset.model_dump(), **changes})

    try:
        asset = db.run_transaction(record)
    except NotFound:
        asset_ops.release_objects(path, thumb)
        raise
    asset_ops.release_objects(*replaced)
    if warned != [asset.quality_warning]:  # the manifest's count changes only when this flag does
        asset_ops.recount_warnings(asset.manifest_id)
    return asset


def _record_upload_error(asset: Asset, error: ApiError) -> None:
    asset_ops.asset_ref(asset.id).update(
        {"upload_error": {"code": error.code, "message": error.message, "at": utcnow()}}
    )
    log.warning("direct upload rejected", extra={"asset_id": asset.id, "reason": error.message})


def _expected_upload(
    bucket: str, name: str, generation: int, metadata: dict[str, Any]
) -> tuple[Asset | None, str]:
    """The asset an object was uploaded for, or None and why the object is none of our business."""
    if bucket != settings().uploads_bucket:
        return None, "not the uploads bucket"
    if metadata.get("vidpipe-writer") == storage.WRITER_METADATA["vidpipe-writer"]:
        return None, "written by the service"
    match = UPLOAD_PATH.match(name)
    if not match:
        return None, "not an upload path"
    snapshot = asset_ops.asset_ref(match["asset_id"]).get()
    asset = asset_ops.read_asset(snapshot) if snapshot.exists else None
    if asset is None or asset.manifest_id != match["manifest_id"]:
        return None, "no such asset in that manifest"
    if asset.image_path == name and (asset.image_generation or 0) >= generation:
        return None, "already attached (repeated or late event)"
    if name not in (asset.pending_upload_path, asset.image_path):
        return None, "no upload URL was issued for this object"
    return asset, ""
