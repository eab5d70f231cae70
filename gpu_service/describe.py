"""Reverse-prompting: turn an asset's image into text a video model can use.

With Gemini (or Vertex AI) configured, google-genai asks for structured JSON that a pydantic
model validates; the library retries 429 and 5xx answers with exponential backoff. Without
credentials, the offline describer writes the fields from what the engine measured in the image
itself (detections, faces, colours, light, size) and marks them `offline`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field, ValidationError

from gpu_service import gemini
from gpu_service.config import worker_settings
from gpu_service.imaging import Looks, jpeg, looks

if TYPE_CHECKING:
    from google import genai
    from PIL import Image

log = logging.getLogger(__name__)

MALFORMED_RETRIES = 2  # a model can answer badly once; asking again usually fixes it
DESCRIBE_PX = 768  # images are sent at most this large: detail enough, tokens bounded


class ReversePrompt(BaseModel):
    """What Gemini must answer (its response schema) and what we store."""

    reverse_prompt: str = Field(min_length=1, max_length=4000)
    visual_description: str = Field(min_length=1, max_length=8000)
    quality_score: float = Field(ge=0.0, le=1.0)


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


class DescribeFailed(Exception):
    """This asset could not be described; the run records why and goes on."""


class Describer(Protocol):
    def describe(self, subject: Subject) -> Description: ...


@cache
def describer() -> Describer:
    if worker_settings().gemini_configured:
        return GeminiDescriber()
    log.info("no Gemini or Vertex AI credentials configured: reverse prompts come from the offline describer")
    return OfflineDescriber()


class GeminiDescriber:
    def __init__(self) -> None:
        from google.genai import types

        cfg = worker_settings()
        self.client: genai.Client = gemini.client()
        self.model = cfg.gemini_model
        self.config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=ReversePrompt, temperature=0.2
        )

    def describe(self, subject: Subject) -> Description:
        from google.genai import errors, types

        cfg = worker_settings()
        image = subject.image.copy()
        image.thumbnail((DESCRIBE_PX, DESCRIBE_PX))
        contents: list[types.PartUnionDict] = [
            types.Part.from_bytes(data=jpeg(image, 90), mime_type="image/jpeg"),
            _instructions(subject),
        ]
        cost, tokens_in, tokens_out, problem = 0.0, 0, 0, ""
        for _ in range(1 + MALFORMED_RETRIES):
            try:
                response = self.client.models.generate_content(
                    model=self.model, contents=contents, config=self.config
                )
            except errors.APIError as exc:
                raise DescribeFailed(f"Gemini answered {exc.code}: {exc.message}") from exc
            usage = response.usage_metadata
            used_in = (usage.prompt_token_count or 0) if usage else 0
            used_out = (usage.candidates_token_count or 0) if usage else 0
            tokens_in, tokens_out = tokens_in + used_in, tokens_out + used_out
            cost += (used_in * cfg.price_input_per_mtok + used_out * cfg.price_output_per_mtok) / 1e6
            try:
                text = ReversePrompt.model_validate_json(response.text or "")
            except ValidationError as exc:
                problem = f"Gemini's answer did not match the schema: {exc.errors()[0]['msg']}"
                log.warning("malformed Gemini answer; asking again", extra={"asset": subject.name})
                continue
            return Description(text, "gemini", cost, tokens_in, tokens_out)
        raise DescribeFailed(problem)


def _instructions(subject: Subject) -> str:
    known = [f"It is a {subject.asset_type.lower()} reference named {subject.name!r}."]
    if subject.detection_class:
        known.append(f"A detector saw a {subject.detection_class} here.")
    if subject.is_face_crop:
        known.append("It is a close crop of one face.")
    return (
        "You write reference prompts for an AI video pipeline that must keep this subject consistent "
        "across shots. " + " ".join(known) + " Answer in JSON with: reverse_prompt (one paragraph a "
        "text-to-image model can use to recreate the subject: appearance, clothing, materials, colours, "
        "lighting), visual_description (what is visible, plainly), quality_score (0 to 1: how usable "
        "the image is as a reference: sharpness, lighting, occlusion, resolution)."
    )


class OfflineDescriber:
    """Descriptions from measurements of the image itself; deterministic and free."""

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
