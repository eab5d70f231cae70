"""Extracted assets as a run cuts them: a person or object by its detector box, a face with some margin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from common.library import quality
from common.library.images import thumbnail
from common.library.models import Asset, AssetType
from gpu_service.store import registry
from gpu_service.vision import detection, identity, imaging

if TYPE_CHECKING:
    from PIL import Image

FACE_MARGIN = 0.25  # face crops keep some hair and chin around the detector's box


def child(
    source: Asset,
    picture: imaging.Picture,
    kind: registry.Kind,
    rank: int,
    *,
    label: str,
    confidence: float,
    bbox: tuple[int, int, int, int],
    verdict: identity.Verdict | None = None,
) -> registry.Child:
    """An extracted asset: a person or object cut by the detector, or a face (with some margin)."""
    is_face = kind == "face"
    image = cut(picture, bbox, is_face=is_face)
    return registry.Child(
        id=registry.child_id(source, kind, rank),
        asset_type=detection.asset_type_of(label) or AssetType.OBJECT,
        name=f"{source.name} · {label} {rank + 1}",
        description=f"{label.capitalize()} {'from' if is_face else 'cut from'} {source.name}",
        label=label,
        confidence=confidence,
        bbox=bbox,
        is_face_crop=is_face,
        image_jpeg=imaging.jpeg(image),
        thumbnail_jpeg=thumbnail(image),
        width=image.width,
        height=image.height,
        identity_status=verdict.status if verdict else None,
        identity_note=verdict.note if verdict else None,
        quality_checks=quality.image_checks(image)
        + quality.border_checks(bbox, (picture.width, picture.height)),
    )


def cut(
    picture: imaging.Picture, bbox: tuple[int, int, int, int] | list[int], *, is_face: bool
) -> Image.Image:
    """A crop's image as the run cuts it from its source picture: the box, a face with its margin."""
    x1, y1, x2, y2 = bbox
    return imaging.crop(picture, (x1, y1, x2, y2), margin=FACE_MARGIN if is_face else 0.0)


def picture_of(crop: Asset, source: imaging.Picture) -> Image.Image:
    """An extracted asset's image cut again from its source picture in memory (not read back)."""
    return cut(source, crop.crop_bbox or (0, 0, source.width, source.height), is_face=crop.is_face_crop)
