"""Batched requests: crops four to a numbered grid image, and the keyed answer matched back item by item."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, ValidationError

from gpu_service.describe.subject import ReversePrompt
from gpu_service.vision.imaging import jpeg

if TYPE_CHECKING:
    from google.genai import types
    from PIL import Image

log = logging.getLogger(__name__)

GRID_SIDE = 2  # crops go to Gemini four to an image, in a numbered 2 x 2 grid
GRID_CELLS = GRID_SIDE * GRID_SIDE


class KeyedPrompt(ReversePrompt):
    key: str = Field(min_length=1, max_length=8)


class BatchAnswer(BaseModel):
    """The response schema of a batched request: one keyed item per asset asked about."""

    items: list[KeyedPrompt]


def grid(images: list[Image.Image], size_px: int) -> Image.Image:
    """Up to four crops in one numbered 2 x 2 image of size_px: a 384 px grid is a single 258-token
    tile for Gemini 2.x, a quarter of what four separate small images cost."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    cell = size_px // GRID_SIDE
    grid = PILImage.new("RGB", (size_px, size_px), (128, 128, 128))
    draw = ImageDraw.Draw(grid)
    for index, image in enumerate(images):
        x, y = (index % GRID_SIDE) * cell, (index // GRID_SIDE) * cell
        small = image.convert("RGB")
        small.thumbnail((cell, cell))
        grid.paste(small, (x + (cell - small.width) // 2, y + (cell - small.height) // 2))
        draw.rectangle((x, y, x + 14, y + 14), fill=(0, 0, 0))
        draw.text((x + 4, y + 2), str(index + 1), fill=(255, 255, 255))
    return grid


def part(image: Image.Image, max_px: int) -> types.Part:
    from google.genai import types

    small = image.copy()
    small.thumbnail((max_px, max_px))
    return types.Part.from_bytes(data=jpeg(small, 90), mime_type="image/jpeg")


def keyed(text: str, asked: set[str]) -> dict[str, ReversePrompt]:
    """The valid items of a batched answer that were asked for, each validated on its own; anything
    else (an unknown key, a malformed item, a second answer for a key) is dropped."""
    try:
        items = json.loads(text).get("items", [])
    except (ValueError, AttributeError):
        log.warning("a batched answer was not JSON; its items are asked again alone")
        return {}
    found: dict[str, ReversePrompt] = {}
    for raw in items if isinstance(items, list) else []:
        try:
            item = KeyedPrompt.model_validate(raw)
        except ValidationError:
            continue
        if item.key in asked and item.key not in found:
            found[item.key] = ReversePrompt.model_validate(item.model_dump(exclude={"key"}))
    return found


def split(tokens: int, parts: int) -> list[int]:
    """`tokens` in `parts` whole shares that add up to it exactly."""
    share, rest = divmod(tokens, parts)
    return [share + (1 if i < rest else 0) for i in range(parts)]
