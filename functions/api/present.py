"""Records → public responses, with URLs the client can fetch images from."""

from __future__ import annotations

from common import storage
from common.config import settings
from common.models import Asset, AssetOut, AssetPublic, Manifest, ManifestDetail, ManifestOut, ManifestPublic

_ASSET_FIELDS = set(AssetPublic.model_fields)
_MANIFEST_FIELDS = set(ManifestPublic.model_fields)


def asset_out(asset: Asset) -> AssetOut:
    return AssetOut(
        **asset.model_dump(include=_ASSET_FIELDS),
        reference_image_url=storage.read_url(asset.image_path),
        thumbnail_url=storage.read_url(asset.thumbnail_path),
    )


def manifest_out(manifest: Manifest) -> ManifestOut:
    return ManifestOut(
        **manifest.model_dump(include=_MANIFEST_FIELDS),
        contact_sheet_url=storage.read_url(
            manifest.contact_sheet_path, bucket_name=settings().derived_bucket
        ),
    )


def manifest_detail(manifest: Manifest, assets: list[Asset]) -> ManifestDetail:
    return ManifestDetail(**manifest_out(manifest).model_dump(), assets=[asset_out(a) for a in assets])
