"""What Gemini is asked: the role and the fields, written once, for one asset or a batch of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gpu_service.describe.subject import Subject

ROLE = "You write reference prompts for an AI video pipeline that must keep {} consistent across shots."
FIELDS = (
    "reverse_prompt (one paragraph a text-to-image model can use to recreate {} subject: appearance, "
    "clothing, materials, colours, lighting), visual_description (what is visible, plainly), "
    "quality_score (0 to 1: how usable {})"
)

BATCH = (
    ROLE.format("each subject")
    + " The source image comes first; then numbered items, each the source itself or a crop of it, "
    "shown small in a numbered cell of a grid image. For every item answer one JSON object with: key "
    "(the item's number, as given), "
    + FIELDS.format("that", "the item's image is as a reference")
    + '. Answer {"items": [...]}.'
)


def single(subject: Subject) -> str:
    """The instructions for describing one asset on its own."""
    fields = FIELDS.format("the", "the image is as a reference: sharpness, lighting, occlusion, resolution")
    return ROLE.format("this subject") + " It is " + facts(subject) + " Answer in JSON with: " + fields + "."


def facts(subject: Subject) -> str:
    known = [f"a {subject.asset_type.lower()} reference named {subject.name!r}."]
    if subject.detection_class:
        known.append(f"A detector saw a {subject.detection_class} here.")
    if subject.is_face_crop:
        known.append("It is a close crop of one face.")
    return " ".join(known)
