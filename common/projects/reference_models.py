"""A scene's reference pack as the API answers it (GET /api/projects/{id}/scenes/{n}/references)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from common.records import Model

PackTarget = Literal["video", "image"]


class PackQuery(Model):
    target: PackTarget = "video"  # the model the pack is for: Veo's clip, or the image model's beat


class PackReference(Model):
    asset_id: str
    manifest_tag: str  # the tag of the asset whose image this is
    character_id: str | None = None
    handle: str  # how the prompt names the subject: a character's handle, or the asset's tag
    name: str
    role: Literal["character", "object", "environment", "style"]
    image_url: str | None = None
    view_id: str | None = None  # set when the image is one of the asset's views (another angle)
    why: str


class PackLeftOut(Model):
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
