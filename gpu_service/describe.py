"""Reverse-prompting: turn an asset's image into text a video model can use.

With Gemini (or Vertex AI) configured, google-genai asks for structured JSON that a pydantic
model validates; the library retries 429 and 5xx answers with exponential backoff. Without
credentials, the offline describer writes the fields from what the engine measured in the image
itself (detections, faces, colours, light, size) and marks them `offline`.

Batched (the default, DESCRIBE_MODE=batched): one request describes an uploaded image and the crops
cut from it together. The source goes once, at up to DESCRIBE_PX; the crops at low detail, four to a
numbered 2 x 2 grid of DESCRIBE_CROP_PX (384 px: Gemini 2.x counts an image whose sides are both
<= 384 px as one 258-token tile, and any larger image as 4 to 6 tiles or more, whatever its size),
at most DESCRIBE_BATCH_ITEMS items a request. The answer is a list of keyed items;
each is validated on its own and matched back by key. An item that is missing, malformed or
unknown is asked again alone, and a batch that fails as a whole falls back to one call per asset.
A batch's cost is shared evenly by the items it described.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field, ValidationError

from common.library.models import ProcessingCost
from gpu_service import gemini
from gpu_service.config import worker_settings
from gpu_service.imaging import Looks, jpeg, looks

if TYPE_CHECKING:
    from google import genai
    from google.genai import types
    from PIL import Image

log = logging.getLogger(__name__)

MALFORMED_RETRIES = 2  # a model can answer badly once; asking again usually fixes it
GRID_SIDE = 2  # crops go to Gemini four to an image, in a numbered 2 x 2 grid
GRID_CELLS = GRID_SIDE * GRID_SIDE


class ReversePrompt(BaseModel):
    """What Gemini must answer (its response schema) and what we store."""

    reverse_prompt: str = Field(min_length=1, max_length=4000)
    visual_description: str = Field(min_length=1, max_length=8000)
    quality_score: float = Field(ge=0.0, le=1.0)


class KeyedPrompt(ReversePrompt):
    key: str = Field(min_length=1, max_length=8)


class BatchAnswer(BaseModel):
    """The response schema of a batched request: one keyed item per asset asked about."""

    items: list[KeyedPrompt]


@dataclass
class Subject:
    """An asset's image and what the engine knows about it."""

    image: Image.Image
    name: str
    asset_type: str
    detection_class: str | None = None
    detection_confidence: float | None = None
    is_face_crop: bool = False
    detections: list[str] = field(default_factory=list)  # labels found inside this image
    faces: int = 0


@dataclass(frozen=True)
class Description:
    text: ReversePrompt
    source: Literal["gemini", "offline"]
    cost: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def spent(self) -> ProcessingCost:
        return ProcessingCost(
            gemini_usd=self.cost,
            gemini_input_tokens=self.input_tokens,
            gemini_output_tokens=self.output_tokens,
        )


class DescribeFailed(Exception):
    """This asset could not be described; the run records why and goes on."""


Result = Description | DescribeFailed  # per asset: its description, or why it has none


class Describer(Protocol):
    paid: bool  # its calls cost money: claimed first, so that a task delivered twice pays once

    def describe(self, subject: Subject) -> Description: ...

    def describe_group(self, source: Image.Image, subjects: list[Subject]) -> list[Result]:
        """Describe assets cut from (or being) one uploaded image; one result per subject, in order."""
        ...


@cache
def describer() -> Describer:
    if worker_settings().gemini_configured:
        return GeminiDescriber()
    log.info("no Gemini or Vertex AI credentials configured: reverse prompts come from the offline describer")
    return OfflineDescriber()


class GeminiDescriber:
    paid = True

    def __init__(self) -> None:
        from google.genai import types

        cfg = worker_settings()
        self.client: genai.Client = gemini.client()
        self.model = cfg.gemini_model
        self.config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=ReversePrompt, temperature=0.2
        )
        self.batch_config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=BatchAnswer, temperature=0.2
        )

    def describe(self, subject: Subject) -> Description:
        from google.genai import errors

        cfg = worker_settings()
        contents: list[types.PartUnionDict] = [_part(subject.image, cfg.describe_px), _instructions(subject)]
        cost, tokens_in, tokens_out, problem = 0.0, 0, 0, ""
        for _ in range(1 + MALFORMED_RETRIES):
            try:
                response = self.client.models.generate_content(
                    model=self.model, contents=contents, config=self.config
                )
            except errors.APIError as exc:
                raise DescribeFailed(f"Gemini answered {exc.code}: {exc.message}") from exc
            paid, used_in, used_out = _usage(response)
            cost, tokens_in, tokens_out = cost + paid, tokens_in + used_in, tokens_out + used_out
            try:
                text = ReversePrompt.model_validate_json(response.text or "")
            except ValidationError as exc:
                problem = f"Gemini's answer did not match the schema: {exc.errors()[0]['msg']}"
                log.warning("malformed Gemini answer; asking again", extra={"asset": subject.name})
                continue
            return Description(text, "gemini", cost, tokens_in, tokens_out)
        raise DescribeFailed(problem)

    def describe_group(self, source: Image.Image, subjects: list[Subject]) -> list[Result]:
        cfg = worker_settings()
        if cfg.describe_mode != "batched":
            return [_attempt(self.describe, s) for s in subjects]
        results: list[Result] = []
        for start in range(0, len(subjects), cfg.describe_batch_items):
            chunk = subjects[start : start + cfg.describe_batch_items]
            answers, (cost, used_in, used_out) = self._ask_batch(source, chunk)
            shares = max(1, len(answers))
            ins, outs = _split(used_in, shares), _split(used_out, shares)
            for i, subject in enumerate(chunk):
                answer = answers.get(str(i + 1))
                if answer is None:  # missing, malformed or the batch failed: asked again alone
                    results.append(_attempt(self.describe, subject))
                    continue
                results.append(Description(answer, "gemini", cost / shares, ins.pop(), outs.pop()))
        return results

    def _ask_batch(
        self, source: Image.Image, chunk: list[Subject]
    ) -> tuple[dict[str, ReversePrompt], tuple[float, int, int]]:
        """One request for a chunk: the valid answers by key, and what it cost (dollars, tokens)."""
        from google.genai import errors

        cfg = worker_settings()
        contents: list[types.PartUnionDict] = [_BATCH_INSTRUCTIONS, "Source:", _part(source, cfg.describe_px)]
        crops = [(key, s) for key, s in enumerate(chunk, start=1) if s.image is not source]
        for key, subject in enumerate(chunk, start=1):
            if subject.image is source:
                contents.append(f"Item {key}: the source image itself. {_facts(subject)}")
        for first in range(0, len(crops), GRID_CELLS):
            cells = crops[first : first + GRID_CELLS]
            grid = first // GRID_CELLS + 1
            for cell, (key, subject) in enumerate(cells, start=1):
                contents.append(f"Item {key} (grid {grid}, cell {cell}): {_facts(subject)}")
            image = _grid([subject.image for _, subject in cells], cfg.describe_crop_px)
            contents += [f"Grid {grid}:", _part(image, cfg.describe_crop_px)]
        try:
            response = self.client.models.generate_content(
                model=self.model, contents=contents, config=self.batch_config
            )
        except errors.APIError as exc:
            log.warning("a batched description failed; one call per asset", extra={"error": str(exc)})
            return {}, (0.0, 0, 0)
        asked = {str(k) for k in range(1, len(chunk) + 1)}
        return _keyed(response.text or "", asked), _usage(response)


_BATCH_INSTRUCTIONS = (
    "You write reference prompts for an AI video pipeline that must keep each subject consistent across "
    "shots. The source image comes first; then numbered items, each the source itself or a crop of it, "
    "shown small in a numbered cell of a grid image. For every item answer one JSON object with: key "
    "(the item's number, as given), reverse_prompt (one paragraph a text-to-image model can use to "
    "recreate that subject: appearance, clothing, materials, colours, lighting), visual_description "
    "(what is visible, plainly), "
    'quality_score (0 to 1: how usable the item\'s image is as a reference). Answer {"items": [...]}.'
)


def _grid(images: list[Image.Image], size_px: int) -> Image.Image:
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


def _usage(response: types.GenerateContentResponse) -> tuple[float, int, int]:
    """What one answer cost: dollars at the configured prices, input and output tokens."""
    cfg = worker_settings()
    usage = response.usage_metadata
    used_in = (usage.prompt_token_count or 0) if usage else 0
    used_out = (usage.candidates_token_count or 0) if usage else 0
    return (
        (used_in * cfg.price_input_per_mtok + used_out * cfg.price_output_per_mtok) / 1e6,
        used_in,
        used_out,
    )


def _part(image: Image.Image, max_px: int) -> types.Part:
    from google.genai import types

    small = image.copy()
    small.thumbnail((max_px, max_px))
    return types.Part.from_bytes(data=jpeg(small, 90), mime_type="image/jpeg")


def _keyed(text: str, asked: set[str]) -> dict[str, ReversePrompt]:
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


def _split(tokens: int, parts: int) -> list[int]:
    """`tokens` in `parts` whole shares that add up to it exactly."""
    share, rest = divmod(tokens, parts)
    return [share + (1 if i < rest else 0) for i in range(parts)]


def _attempt(describe: Callable[[Subject], Description], subject: Subject) -> Result:
    try:
        return describe(subject)
    except DescribeFailed as exc:
        return exc


def _facts(subject: Subject) -> str:
    known = [f"a {subject.asset_type.lower()} reference named {subject.name!r}."]
    if subject.detection_class:
        known.append(f"A detector saw a {subject.detection_class} here.")
    if subject.is_face_crop:
        known.append("It is a close crop of one face.")
    return " ".join(known)


def _instructions(subject: Subject) -> str:
    return (
        "You write reference prompts for an AI video pipeline that must keep this subject consistent "
        "across shots. It is " + _facts(subject) + " Answer in JSON with: reverse_prompt (one paragraph a "
        "text-to-image model can use to recreate the subject: appearance, clothing, materials, colours, "
        "lighting), visual_description (what is visible, plainly), quality_score (0 to 1: how usable "
        "the image is as a reference: sharpness, lighting, occlusion, resolution)."
    )


class OfflineDescriber:
    """Descriptions from measurements of the image itself; deterministic and free."""

    paid = False

    def describe_group(self, source: Image.Image, subjects: list[Subject]) -> list[Result]:
        return [_attempt(self.describe, s) for s in subjects]

    def describe(self, subject: Subject) -> Description:
        img = subject.image
        seen = looks(img)
        colours = [name for name, share in seen.colours if share >= 0.08][:3] or [seen.colours[0][0]]
        shape = (
            "portrait"
            if img.height > img.width * 1.1
            else "landscape"
            if img.width > img.height * 1.1
            else "square"
        )
        light = "bright" if seen.brightness > 0.62 else "dim" if seen.brightness < 0.35 else "evenly lit"
        focus = "sharp" if seen.sharpness > 0.35 else "soft" if seen.sharpness > 0.15 else "blurry"
        subject_words = _subject_words(subject)
        palette = _join(colours)
        reverse_prompt = (
            f"{subject_words}, {palette} tones, {light}, {focus} detail, "
            f"{shape} framing, consistent reference for {subject.name}"
        )
        contrast = "high" if seen.contrast > 0.6 else "moderate" if seen.contrast > 0.3 else "low"
        visual = (
            f"A {img.width}x{img.height} {shape} image of {subject_words.lower()}. "
            f"{_contents(subject)} Mostly {palette}; {light} with {contrast} contrast; {focus}."
        )
        text = ReversePrompt(
            reverse_prompt=reverse_prompt, visual_description=visual, quality_score=_quality(subject, seen)
        )
        return Description(text, "offline")


def _subject_words(subject: Subject) -> str:
    if subject.is_face_crop:
        return "Close-up portrait of a face"
    if subject.detection_class:
        return f"A {subject.detection_class}"
    if subject.faces == 1:
        return "A portrait of one person"
    if subject.detections:
        counts = Counter(subject.detections)
        return "A scene with " + _join(
            [f"{n} {label}{'s' if n > 1 else ''}" for label, n in counts.most_common(3)]
        )
    return {"ENVIRONMENT": "An environment", "STYLE": "A visual style", "OBJECT": "An object"}.get(
        subject.asset_type, "A subject"
    )


def _contents(subject: Subject) -> str:
    parts = []
    if subject.detection_class and subject.detection_confidence is not None:
        parts.append(
            f"Detected as {subject.detection_class} ({subject.detection_confidence:.0%} confidence)."
        )
    if subject.detections:
        parts.append(f"Contains {len(subject.detections)} detected subject(s).")
    if subject.faces:
        parts.append(f"{subject.faces} face(s) visible.")
    return " ".join(parts)


def _quality(subject: Subject, seen: Looks) -> float:
    resolution = min(1.0, min(subject.image.size) / 512)
    exposure = 1.0 - min(1.0, abs(seen.brightness - 0.5) * 2)
    score = 0.4 * seen.sharpness + 0.3 * resolution + 0.15 * exposure + 0.15 * seen.contrast
    if subject.detection_confidence is not None:
        score = 0.8 * score + 0.2 * subject.detection_confidence
    return round(max(0.0, min(1.0, score)), 3)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
