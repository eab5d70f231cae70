"""/api/assets/{id}/views: more pictures of an asset (front, left, right, back, other)."""

from __future__ import annotations

from common.library import views as ops
from common.library.models import AssetOut, ViewQuery, ViewUploadUrlOut, ViewUploadUrlRequest
from functions.api.present.library import asset_out
from functions.api.router import Call, route

TAG = "views"


@route(
    "POST",
    "/api/assets/{asset_id}/views",
    summary="Add a view (multipart 'file'; ?view=front|left|right|back|other); at most 4 an asset",
    tag=TAG,
    status=201,
    response=AssetOut,
    multipart=("file",),
    query=ViewQuery,
    errors=(404, 409),
)
def add_view(call: Call) -> AssetOut:
    return asset_out(ops.add(call.uid, call.params["asset_id"], call.query.view, call.image_file().read()))


@route(
    "POST",
    "/api/assets/{asset_id}/views/upload-url",
    summary="A signed URL to PUT a view straight to Cloud Storage; the upload trigger adds it",
    tag=TAG,
    response=ViewUploadUrlOut,
    body=ViewUploadUrlRequest,
    errors=(404, 409),
)
def create_view_upload_url(call: Call) -> ViewUploadUrlOut:
    return ops.create_upload_url(call.uid, call.params["asset_id"], call.body)


@route(
    "DELETE",
    "/api/assets/{asset_id}/views/{view_id}",
    summary="Remove a view (its images go unless a copy of the asset or a snapshot keeps them)",
    tag=TAG,
    response=AssetOut,
    errors=(404,),
)
def delete_view(call: Call) -> AssetOut:
    return asset_out(ops.remove(call.uid, call.params["asset_id"], call.params["view_id"]))
