"""A scene's reference pack: the shapes the choice gives (common/projects/references.py) and the API
answers (GET /api/projects/{id}/scenes/{n}/references). Each field is declared once: a reference's
fields in `Chosen`, which the choice's `Reference` (with the stored image's path) and the API's
`PackReference` (with a URL for it) extend; what was left out is the same for both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from common.records import Model

PackTarget = Literal["video", "image"]
Role = Literal["character", "object", "environment", "style"]


class PackQuery(Model):
    target: PackTarget = "video"  # the model the pack is for: Veo's clip, or the image model's beat


# Dataclasses, as the choice has always made them: a generator records the references it sent
# with `dataclasses.asdict` (gpu_service/regenerate.py); the API's models take them as they are.
@dataclass(frozen=True, kw_only=True)
class Chosen:
    """An image of a subject the pack holds (or could): whose it is, and why."""

    asset_id: str
    manifest_tag: str  # the tag of the asset whose image this is
    character_id: str | None
    handle: str  # how the prompt names the subject: a character's handle, or the asset's tag
    name: str
    role: Role
    why: str
    view_id: str | None = None  # set when the image is one of the asset's views (another angle)


@dataclass(frozen=True, kw_only=True)
class PackReference(Chosen):
    """A reference of the pack as the API shows it."""

    image_url: str | None = None  # the stored image, signed for the client


@dataclass(frozen=True)
class PackLeftOut:
    """An image, or a subject, the pack has no room or no slot for, and why."""

    asset_id: str
    handle: str
    why: str


class ReferencePack(Model):
    scene_index: int
    target: PackTarget
    limit: int
    references: list[PackReference] = Field(default_factory=list)
    left_out: list[PackLeftOut] = Field(default_factory=list)
    uncovered: list[str] = Field(default_factory=list)  # expected handles without an image in the pack
    unresolved: list[str] = Field(default_factory=list)  # tags and @Names that name nobody (or several)
    prompt: str  # the scene's text with each subject spelled out once
