"""The contact sheet: every asset's thumbnail with its number, name and type, on one PNG.

The seed's layout: 4 columns of 256 px thumbnails, each over a 60 px label ("[N] Name", then the
type and tag), under the title "PROJECT REFERENCE SHEET"; DejaVu Sans (Bold 32 for the title, 14 for
labels), or Pillow's built-in font where DejaVu is missing. An asset's extra views (front, left…)
make a strip of small squares under its thumbnail; the strip's row exists only on sheets that
have views.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

TITLE = "PROJECT REFERENCE SHEET"
COLUMNS = 4
THUMB = 256
PAD = 16
LABEL_H = 60
TITLE_H = 64
TITLE_PT = 32
LABEL_PT = 14
STRIP_GAP = 4
STRIP_SLOT = (THUMB - 3 * STRIP_GAP) // 4  # four views side by side under a thumbnail
STRIP_H = STRIP_SLOT + STRIP_GAP
MAX_TILES = 400  # beyond this the sheet stops being readable (and a 1,000-asset PNG is ~80k px tall)
BACKGROUND = (250, 250, 250)
INK = (20, 20, 20)
MUTED = (110, 110, 110)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Tile:
    image: Image.Image | None  # None: the asset has no readable image (drawn as an empty frame)
    name: str
    asset_type: str
    tag: str
    views: Sequence[Image.Image | None] = ()  # the asset's extra views (None: unreadable)


@cache
def font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans when the system has it, Pillow's built-in font otherwise."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def draw(tiles: Sequence[Tile], total: int | None = None) -> bytes:
    """The sheet as PNG; `total` says how many assets there are when only the first tiles are given."""
    shown = list(tiles[:MAX_TILES])
    total = max(total or 0, len(tiles))
    rows = max(1, -(-len(shown) // COLUMNS))
    strip = STRIP_H if any(t.views for t in shown) else 0
    cell_w, cell_h = THUMB + PAD, THUMB + strip + LABEL_H + PAD
    sheet = Image.new("RGB", (PAD + COLUMNS * cell_w, TITLE_H + rows * cell_h + PAD), BACKGROUND)
    pen = ImageDraw.Draw(sheet)
    title = TITLE if total <= len(shown) else f"{TITLE} (first {len(shown)} of {total})"
    pen.text((PAD, PAD), title, fill=INK, font=font(TITLE_PT, bold=True))
    for index, tile in enumerate(shown):
        x = PAD + (index % COLUMNS) * cell_w
        y = TITLE_H + (index // COLUMNS) * cell_h
        pen.rectangle((x, y, x + THUMB - 1, y + THUMB - 1), outline=(220, 220, 220), fill=(235, 235, 235))
        if tile.image is not None:
            thumb = ImageOps.contain(tile.image.convert("RGB"), (THUMB, THUMB))
            sheet.paste(thumb, (x + (THUMB - thumb.width) // 2, y + (THUMB - thumb.height) // 2))
        for slot, view in enumerate(tile.views[:4]):
            _draw_view(sheet, pen, view, x + slot * (STRIP_SLOT + STRIP_GAP), y + THUMB + STRIP_GAP)
        label = _fit(pen, f"[{index + 1}] {tile.name}", font(LABEL_PT), THUMB)
        pen.text((x, y + THUMB + strip + 8), label, fill=INK, font=font(LABEL_PT))
        pen.text(
            (x, y + THUMB + strip + 30), f"{tile.asset_type} · {tile.tag}", fill=MUTED, font=font(LABEL_PT)
        )
    out = io.BytesIO()
    sheet.save(out, format="PNG", compress_level=1)  # photos barely compress; speed wins
    return out.getvalue()


def _draw_view(
    sheet: Image.Image, pen: ImageDraw.ImageDraw, view: Image.Image | None, x: int, y: int
) -> None:
    pen.rectangle(
        (x, y, x + STRIP_SLOT - 1, y + STRIP_SLOT - 1), outline=(220, 220, 220), fill=(235, 235, 235)
    )
    if view is not None:
        small = ImageOps.fit(view.convert("RGB"), (STRIP_SLOT, STRIP_SLOT))  # a square crop of the middle
        sheet.paste(small, (x, y))


def _fit(pen: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    if pen.textlength(text, font=face) <= width:
        return text
    while text and pen.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"
