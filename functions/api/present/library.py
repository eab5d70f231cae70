"""Manifests, assets and their views as the API shows them, image URLs signed for the CDN."""

from __future__ import annotations

from typing import Any

from common.gcp import cdn
from common.gcp.config import settings
from common.library import cast
from common.library.models import (
    Asset,
    AssetOut,
    AssetView,
    AssetViewOut,
    Manifest,
    ManifestDetail,
    ManifestOut,
    ManifestPublic,
)

_MANIFEST_FIELDS = set(ManifestPublic.model_fields)


def asset_out(asset: Asset) -> AssetOut:
    # From the asset's own attributes: AssetOut ignores the private ones, and nested records pass
    # as they are (half the cost of dumping and re-validating on a 1,000-asset read).
    urls = {
        "reference_image_url": cdn.read_url(asset.image_path),
        "thumbnail_url": cdn.read_url(asset.thumbnail_path),
        "views": [view_out(v) for v in asset.views],
    }
    return AssetOut.model_validate({**asset.__dict__, **urls})


def view_out(view: AssetView | dict[str, Any]) -> AssetViewOut:
    fields = view if isinstance(view, dict) else view.__dict__
    return AssetViewOut.model_validate(
        {
            **fields,
            "image_url": cdn.read_url(fields.get("image_path")),
            "thumbnail_url": cdn.read_url(fields.get("thumbnail_path")),
        }
    )


def manifest_out(manifest: Manifest) -> ManifestOut:
    return ManifestOut(
        **manifest.model_dump(include=_MANIFEST_FIELDS),
        contact_sheet_url=cdn.read_url(manifest.contact_sheet_path, bucket_name=settings().derived_bucket),
    )


def manifest_detail(manifest: Manifest, assets: list[Asset]) -> ManifestDetail:
    return ManifestDetail(
        **manifest_out(manifest).model_dump(),
        assets=[asset_out(a) for a in assets],
        cast=cast.cast_of(assets),
    )
