"""Step 5, the contact sheet: one tile per person or thing, drawn (contact_sheet.py) and stored.

The previous sheet is removed unless a snapshot still shows it.
"""

from __future__ import annotations

from google.api_core import exceptions
from PIL import Image

from common.gcp import storage
from common.gcp.config import settings
from common.jobs.models import Step
from common.library import assets as asset_ops
from common.library import pins, tags
from common.library.models import Asset, AssetType
from gpu_service.run.contact_sheet import MAX_TILES, Tile, draw
from gpu_service.run.state import Run
from gpu_service.store import registry
from gpu_service.vision import imaging


def contact_sheet_step(run: Run) -> None:
    run.progress.start(Step.CONTACT_SHEET, 1)
    # One tile per person: duplicate faces would only repeat their primary.
    assets = sorted(asset_ops.list_for_manifest(run.job.manifest_id), key=_sheet_order)
    shown = [a for a in assets if not a.duplicate_of]
    total = len(shown)
    shown = shown[:MAX_TILES]
    images = run.io.map(lambda a: _thumbnail(a, run.thumbnails.get(a.id)), shown)
    strips = run.io.map(lambda a: [_picture(v.thumbnail_path) for v in a.views], shown)
    tiles = [
        Tile(image, a.name, a.asset_type.value, a.manifest_tag, strip)
        for a, image, strip in zip(shown, images, strips, strict=True)
    ]
    png = draw(tiles, total=total)
    path = f"manifests/{run.job.manifest_id}/contact_sheet_{run.job.id}.png"
    storage.upload(path, png, "image/png", bucket_name=settings().derived_bucket)
    previous = registry.set_contact_sheet(run.job.manifest_id, path)
    if previous and previous != path and not pins.is_pinned(previous):  # a snapshot may show it
        storage.delete(previous, bucket_name=settings().derived_bucket)
    run.progress.advance()


def _sheet_order(asset: Asset) -> tuple[int, int]:
    return list(AssetType).index(asset.asset_type), tags.tag_number(asset.manifest_tag)


def _thumbnail(asset: Asset, made_now: bytes | None) -> Image.Image | None:
    """The asset's thumbnail (small and already upright): the one this run made, else the stored
    one; None when there is none to read."""
    if made_now is not None:
        return imaging.decode(made_now).rgb
    return _picture(asset.thumbnail_path or asset.image_path)


def _picture(path: str | None) -> Image.Image | None:
    """A stored image, or None when there is none to read."""
    if not path:
        return None
    try:
        return imaging.decode(storage.download(path)).rgb
    except (exceptions.NotFound, imaging.UnreadableImage):
        return None
