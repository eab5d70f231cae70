"""/api/assets/{id}/upload and /upload-url: reference images, through us or straight to GCS."""

from __future__ import annotations

from common import uploads as ops
from common.errors import ValidationFailed
from common.models import AssetOut, UploadUrlOut, UploadUrlRequest
from functions.api.present import asset_out
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
    file = call.request.files.get("file")
    if file is None:
        raise ValidationFailed("send the image in the multipart field 'file'")
    data = file.read()
    return asset_out(ops.upload(call.uid, call.params["asset_id"], file.filename or "upload", data))


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
    return ops.create_upload_url(call.uid, call.params["asset_id"], call.body)
