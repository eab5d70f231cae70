"""Pixels in and out of the engine: decode stored images, cut crops, measure what an image shows."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image, ImageFilter, ImageOps, ImageStat

from common.gcp.config import settings
from gpu_service.errors import Permanent

CROP_QUALITY = 92

# A small named palette: enough to say "navy and white" instead of "rgb(31, 42, 77)".
PALETTE = {
    "black": (20, 20, 20),
    "charcoal": (64, 64, 64),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "white": (245, 245, 245),
    "red": (200, 30, 30),
    "maroon": (110, 20, 30),
    "orange": (235, 130, 30),
    "brown": (120, 80, 40),
    "tan": (200, 170, 120),
    "skin tone": (225, 180, 150),
    "yellow": (235, 215, 50),
    "olive": (120, 120, 40),
    "green": (40, 150, 60),
    "teal": (30, 130, 130),
    "sky blue": (120, 180, 230),
    "blue": (40, 80, 200),
    "navy": (25, 35, 80),
    "purple": (120, 50, 150),
    "pink": (235, 140, 180),
}


class UnreadableImage(Permanent):
    """The stored object is missing, truncated or not an image."""


@dataclass
class Picture:
    rgb: Image.Image  # upright

    @cached_property
    def bgr(self) -> np.ndarray:
        """What OpenCV-style models expect; made on first use (describing a crop never needs it)."""
        return np.ascontiguousarray(np.asarray(self.rgb)[:, :, ::-1])

    @property
    def nbytes(self) -> int:
        return self.rgb.width * self.rgb.height * 3 * (2 if "bgr" in self.__dict__ else 1)

    @property
    def width(self) -> int:
        return self.rgb.width

    @property
    def height(self) -> int:
        return self.rgb.height


def decode(data: bytes) -> Picture:
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > settings().max_image_pixels:
                raise UnreadableImage(f"{img.width}x{img.height} is more pixels than allowed")
            img.load()
            rgb = ImageOps.exif_transpose(img).convert("RGB")
    except UnreadableImage:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise UnreadableImage(
            f"the stored image cannot be decoded ({exc.__class__.__name__}: {exc})"
        ) from exc
    return Picture(rgb)


def crop(picture: Picture, bbox: tuple[int, int, int, int], margin: float = 0.0) -> Image.Image:
    x1, y1, x2, y2 = bbox
    dx, dy = round((x2 - x1) * margin), round((y2 - y1) * margin)
    box = (max(0, x1 - dx), max(0, y1 - dy), min(picture.width, x2 + dx), min(picture.height, y2 + dy))
    return picture.rgb.crop(box)


def jpeg(img: Image.Image, quality: int = CROP_QUALITY) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Looks:
    """What an image looks like, measured: the raw material of the offline describer."""

    colours: list[tuple[str, float]]  # (name, share of pixels), most common first
    brightness: float  # 0..1
    contrast: float  # 0..1
    sharpness: float  # 0..1, edge energy of a 256 px rendition


def looks(img: Image.Image) -> Looks:
    small = img.copy()
    small.thumbnail((256, 256), reducing_gap=2.0)
    small = small.convert("RGB")
    tiny = small.copy()
    tiny.thumbnail((96, 96))  # colour clusters need few pixels; median cut costs 8x more at 256 px
    quantized = tiny.quantize(colors=6, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    counts = sorted(quantized.getcolors() or [], reverse=True)
    total = sum(c for c, _ in counts) or 1
    shares: dict[str, float] = {}
    for count, index in counts:
        if not isinstance(index, int):  # a palette image's colours are palette indices
            continue
        rgb = tuple(palette[index * 3 : index * 3 + 3])
        name = _colour_name(rgb)
        shares[name] = shares.get(name, 0.0) + count / total
    grey = small.convert("L")
    stat = ImageStat.Stat(grey)
    edges = ImageStat.Stat(grey.filter(ImageFilter.FIND_EDGES))
    return Looks(
        colours=sorted(shares.items(), key=lambda kv: -kv[1]),
        brightness=stat.mean[0] / 255,
        contrast=min(1.0, stat.stddev[0] / 80),
        sharpness=min(1.0, edges.mean[0] / 40),
    )


def _colour_name(rgb: tuple[int, ...]) -> str:
    r, g, b = (int(v) for v in rgb[:3])
    return min(PALETTE, key=lambda n: sum((a - c) ** 2 for a, c in zip((r, g, b), PALETTE[n], strict=True)))
