"""The offline describer: reverse prompts from measurements of the image itself (no model, no cost).

It writes the fields from what the engine measured (detections, faces, colours, light, size) and
marks them `offline`; the local stack and the tests use it when no Gemini credentials are set.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from gpu_service.describe.subject import Description, Result, ReversePrompt, Subject, attempt
from gpu_service.vision.imaging import Looks, looks

if TYPE_CHECKING:
    from PIL import Image


class OfflineDescriber:
    """Descriptions from measurements of the image itself; deterministic and free."""

    paid = False

    def describe_group(self, source: Image.Image, subjects: list[Subject]) -> list[Result]:
        return [attempt(self.describe, s) for s in subjects]

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
