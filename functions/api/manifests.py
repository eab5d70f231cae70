"""/api/manifests: the caller's reference libraries."""

from __future__ import annotations

from common.jobs import lease
from common.library import assets as asset_ops
from common.library import copies as manifest_copy
from common.library import manifests as ops
from common.library.models import (
    DuplicateQuery,
    ManifestCreate,
    ManifestDetail,
    ManifestListQuery,
    ManifestOut,
    ManifestUpdate,
)
from common.records import DeletedOut
from functions.api.present.library import manifest_detail, manifest_out
from functions.api.router import Call, Reply, route

TAG = "manifests"


@route(
    "POST",
    "/api/manifests",
    summary="Create a manifest (DRAFT)",
    tag=TAG,
    status=201,
    response=ManifestOut,
    body=ManifestCreate,
)
def create_manifest(call: Call) -> ManifestOut:
    return manifest_out(ops.create(call.uid, call.body))


@route(
    "GET",
    "/api/manifests",
    summary="List the caller's manifests, one page at a time",
    tag=TAG,
    response=list[ManifestOut],
    query=ManifestListQuery,
    response_headers=("X-Next-Cursor",),
)
def list_manifests(call: Call) -> Reply:
    page, cursor = ops.list_owned(call.uid, call.query)
    return Reply([manifest_out(m) for m in page], {"X-Next-Cursor": cursor} if cursor else {})


@route(
    "GET",
    "/api/manifests/{manifest_id}",
    summary="A manifest with its assets",
    tag=TAG,
    response=ManifestDetail,
    errors=(404,),
    etag=True,
)
def get_manifest(call: Call) -> ManifestDetail:
    return manifest_detail(*asset_ops.owned_with_assets(call.uid, call.params["manifest_id"]))


@route(
    "PUT",
    "/api/manifests/{manifest_id}",
    summary="Edit a manifest's fields",
    tag=TAG,
    response=ManifestOut,
    body=ManifestUpdate,
    errors=(404,),
)
def update_manifest(call: Call) -> ManifestOut:
    return manifest_out(ops.update(call.uid, call.params["manifest_id"], call.body))


@route(
    "DELETE",
    "/api/manifests/{manifest_id}",
    summary="Soft-delete a manifest no live project uses",
    tag=TAG,
    response=DeletedOut,
    errors=(404, 409, 503),
)
def delete_manifest(call: Call) -> DeletedOut:
    ops.soft_delete(call.uid, call.params["manifest_id"], end_run=lease.stop)
    return DeletedOut()


@route(
    "POST",
    "/api/manifests/{manifest_id}/duplicate",
    summary="Copy a manifest and its assets (images shared, tags kept)",
    tag=TAG,
    status=201,
    response=ManifestOut,
    query=DuplicateQuery,
    errors=(404,),
)
def duplicate_manifest(call: Call) -> ManifestOut:
    return manifest_out(manifest_copy.duplicate(call.uid, call.params["manifest_id"], call.query.name))
