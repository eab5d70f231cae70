"""Reference-image checks and derivatives (Pillow only; judged by content, never by name)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from common.errors import InvalidImage, PayloadTooLarge, UnsupportedMediaType
from common.gcp.config import settings
from common.library.models import IMAGE_TYPE_NAMES, IMAGE_TYPES, IMAGE_TYPES_IN_WORDS

if TYPE_CHECKING:
    from PIL import Image

# The accepted types by Pillow's format names ("JPEG", "PNG", "WEBP"): the same table, upper-cased.
FORMATS = {name.upper(): content_type for content_type, name in IMAGE_TYPE_NAMES.items()}


def signature(data: bytes) -> str | None:
    """The accepted format a file's first bytes announce (its magic number), whatever follows."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class ValidImage:
    data: bytes  # what to store: the upload as sent, or re-encoded upright when EXIF said to rotate
    content_type: str
    extension: str
    width: int
    height: int
    image: Image.Image  # decoded and upright
    reencoded: bool  # True when `data` differs from the upload (EXIF orientation applied)


def check_size(size: int) -> None:
    limit = settings().max_upload_bytes
    if size > limit:
        raise PayloadTooLarge(f"images are limited to {limit // (1024 * 1024)} MB")


def validate(data: bytes) -> ValidImage:
    """Accept a JPEG, PNG or WebP that decodes completely and is neither tiny nor a pixel bomb."""
    # Pillow only for the requests that carry an image: the api's cold start does not pay for it.
    from PIL import Image, ImageOps, UnidentifiedImageError

    cfg = settings()
    check_size(len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImage("the image declares more pixels than allowed (decompression bomb)") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        if signature(data) is not None:  # a JPEG, PNG or WebP whose body is cut or broken
            raise InvalidImage("the image is truncated or corrupt") from exc
        raise UnsupportedMediaType(f"this file is not a photo ({IMAGE_TYPES_IN_WORDS})") from exc
    if img.format not in FORMATS:
        raise UnsupportedMediaType(f"{img.format} images are not accepted; use {IMAGE_TYPES_IN_WORDS}")
    width, height = img.size
    if width * height > cfg.max_image_pixels:
        raise InvalidImage(
            f"the image declares {width}x{height} pixels, more than the {cfg.max_image_pixels} allowed",
        )
    if min(width, height) < cfg.min_image_side:
        raise InvalidImage(
            f"the image is {width}x{height}; each side must be at least {cfg.min_image_side} px"
        )
    try:
        img.load()
        if img.format == "PNG":  # Pillow decodes a PNG cut after its pixels; its chunks say so
            Image.open(io.BytesIO(data)).verify()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidImage("the image is truncated or corrupt") from exc
    content_type = FORMATS[img.format]
    extension = IMAGE_TYPES[content_type]
    if img.getexif().get(EXIF_ORIENTATION, 1) in (0, 1):
        return ValidImage(data, content_type, extension, width, height, img, reencoded=False)
    upright = ImageOps.exif_transpose(img)
    return ValidImage(
        _encode(upright, img.format), content_type, extension, upright.width, upright.height, upright, True
    )


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    if icc := img.info.get("icc_profile"):
        options["icc_profile"] = icc
    img.save(out, format=fmt, **options)
    return out.getvalue()


def thumbnail(img: Image.Image, size: int | None = None) -> bytes:
    """A JPEG no larger than size x size, alpha flattened onto white."""
    from PIL import Image

    size = size or settings().thumbnail_px
    thumb = img.copy()
    thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
    if thumb.mode in ("RGBA", "LA", "P"):
        thumb = thumb.convert("RGBA")
        flat = Image.new("RGB", thumb.size, "white")
        flat.paste(thumb, mask=thumb.getchannel("A"))
        thumb = flat
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=85)
    return out.getvalue()
