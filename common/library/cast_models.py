"""The cast as the API shows it: one entry per character of a manifest (common/library/cast.py)."""

from __future__ import annotations

from pydantic import Field

from common.records import Model


class CastCounts(Model):
    uploads: int = 0  # the owner's images of this person
    person_crops: int = 0  # people cut out of them
    faces: int = 0  # face crops
    views: int = 0  # extra views of the uploads


class CastMember(Model):
    character_id: str
    handle: str  # the tag prompts use for this person: any tag of theirs means them
    name: str
    named_asset_id: str  # the asset whose tag is `handle` and whose name is `name` (its first upload)
    primary_face_asset_id: str
    asset_ids: list[str] = Field(default_factory=list)  # in display order
    best_reference_asset_id: str
    counts: CastCounts = Field(default_factory=CastCounts)
