"""/api/manifests/{id}/assets and /api/assets/{id}: reference assets and their tags."""

from __future__ import annotations

from common.library import assets as ops
from common.library.models import AssetCreate, AssetListQuery, AssetOut, AssetUpdate
from common.records import DeletedOut
from functions.api.present.library import asset_out
from functions.api.router import Call, Reply, route

TAG = "assets"


@route(
    "POST",
    "/api/manifests/{manifest_id}/assets",
    summary="Add an asset; its tag is allocated atomically",
    tag=TAG,
    status=201,
    response=AssetOut,
    body=AssetCreate,
    errors=(404, 503),
)
def create_asset(call: Call) -> AssetOut:
    return asset_out(ops.create(call.uid, call.params["manifest_id"], call.body))


@route(
    "GET",
    "/api/manifests/{manifest_id}/assets",
    summary="A manifest's assets in display order",
    tag=TAG,
    response=list[AssetOut],
    query=AssetListQuery,
    etag=True,
    response_headers=("X-Next-Cursor",),
    errors=(404,),
)
def list_assets(call: Call) -> Reply:
    page, cursor = ops.list_page(call.uid, call.params["manifest_id"], call.query)
    return Reply([asset_out(a) for a in page], {"X-Next-Cursor": cursor} if cursor else {})


@route(
    "GET", "/api/assets/{asset_id}", summary="One asset", tag=TAG, response=AssetOut, errors=(404,), etag=True
)
def get_asset(call: Call) -> AssetOut:
    return asset_out(ops.get_owned(call.uid, call.params["asset_id"]))


@route(
    "PUT",
    "/api/assets/{asset_id}",
    summary="Edit an asset; a new asset_type takes a new tag",
    tag=TAG,
    response=AssetOut,
    body=AssetUpdate,
    errors=(404,),
)
def update_asset(call: Call) -> AssetOut:
    return asset_out(ops.update(call.uid, call.params["asset_id"], call.body))


@route(
    "DELETE",
    "/api/assets/{asset_id}",
    summary="Delete an asset and its own stored images",
    tag=TAG,
    response=DeletedOut,
    errors=(404,),
)
def delete_asset(call: Call) -> DeletedOut:
    ops.delete(call.uid, call.params["asset_id"])
    return DeletedOut()
