"""/api/assets/{id}/upload and /upload-url: reference images, through us or straight to GCS."""

from __future__ import annotations

from werkzeug.utils import secure_filename

from common.library import uploads as ops
from common.library.models import AssetOut, UploadUrlOut, UploadUrlRequest
from functions.api.present.library import asset_out
from functions.api.router import Call, route

TAG = "uploads"


@route(
    "POST",
    "/api/assets/{asset_id}/upload",
    summary="Upload the asset's reference image (JPEG, PNG or WebP, at most 20 MB)",
    tag=TAG,
    response=AssetOut,
    multipart=("file",),
    errors=(404, 413, 415),
)
def upload_image(call: Call) -> AssetOut:
    file = call.image_file()
    data = file.read()
    return asset_out(ops.upload(call.uid, call.params["asset_id"], safe_name(file.filename), data))


@route(
    "POST",
    "/api/assets/{asset_id}/upload-url",
    summary="A signed URL to PUT the reference image straight to Cloud Storage",
    tag=TAG,
    response=UploadUrlOut,
    body=UploadUrlRequest,
    errors=(404, 415),
)
def create_upload_url(call: Call) -> UploadUrlOut:
    request = call.body.model_copy(update={"filename": safe_name(call.body.filename)})
    return ops.create_upload_url(call.uid, call.params["asset_id"], request)


def safe_name(filename: str | None) -> str:
    """A client's file name as a plain name, without folders (possibly empty: the domain then names
    the object itself). The stored object keeps it for people to recognise."""
    return secure_filename(filename or "upload")
