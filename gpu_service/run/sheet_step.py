"""Step 5, the contact sheet: the cast first (one tile per character: its best reference, "handle ·
name", how many images), then one tile per person or thing, drawn (contact_sheet.py) and stored.

The previous sheet is removed unless a snapshot still shows it.
"""

from __future__ import annotations

from google.api_core import exceptions
from PIL import Image, ImageOps

from common.gcp import storage
from common.gcp.config import settings
from common.jobs.models import Step
from common.library import cast, pins, tags
from common.library.models import Asset, AssetType
from gpu_service.run.contact_sheet import MAX_TILES, THUMB, Tile, draw
from gpu_service.run.state import Run
from gpu_service.store import registry
from gpu_service.vision import imaging


def contact_sheet_step(run: Run) -> None:
    run.progress.start(Step.CONTACT_SHEET, 1)
    listed = run.assets.in_display_order()
    by_id = {a.id: a for a in listed}
    # The cast first, one tile per character (its best reference), then every asset as before,
    # one tile per person there too: duplicate faces would only repeat their primary.
    members = cast.cast_of(listed)
    rest = [a for a in sorted(listed, key=_sheet_order) if not a.duplicate_of]
    total = len(members) + len(rest)
    people = [(m, by_id[m.best_reference_asset_id]) for m in members][:MAX_TILES]
    shown = rest[: MAX_TILES - len(people)]
    first = [best for _, best in people]
    images = run.io.map(lambda a: _thumbnail(a, run.thumbnails.get(a.id)), first + shown)
    strips = run.io.map(lambda a: [_picture(v.thumbnail_path) for v in a.views], shown)
    pictures = list(images)
    tiles = [
        Tile(image, f"{m.handle} · {m.name}", "CHARACTER", f"{len(m.asset_ids) + m.counts.views} images")
        for (m, _), image in zip(people, pictures[: len(people)], strict=True)
    ] + [
        Tile(image, a.name, a.asset_type.value, a.manifest_tag, strip)
        for a, image, strip in zip(shown, pictures[len(people) :], strips, strict=True)
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
        return _tile(imaging.decode(made_now).rgb)
    return _picture(asset.thumbnail_path or asset.image_path)


def _tile(image: Image.Image) -> Image.Image:
    """Shrunk to the tile here, on an I/O thread, not while the sheet is drawn."""
    return ImageOps.contain(image, (THUMB, THUMB))


def _picture(path: str | None) -> Image.Image | None:
    """A stored image, or None when there is none to read."""
    if not path:
        return None
    try:
        return _tile(imaging.decode(storage.download(path)).rgb)
    except (exceptions.NotFound, imaging.UnreadableImage):
        return None
