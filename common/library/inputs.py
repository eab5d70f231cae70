"""What callers send about manifests, assets and their views: the API's request bodies and queries."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from common.library.vocabulary import AssetType, Category, ImageContentType, ManifestStatus, ViewAngle
from common.records import (
    Description,
    Input,
    Labels,
    LongText,
    Model,
    Name,
    Patch,
    RecordId,
    SortOrder,
)


class ManifestCreate(Input):
    name: Name
    description: Description = ""
    category: Category
    tags: Labels = Field(default_factory=list)


class ManifestUpdate(Patch):
    name: Name | None = None
    description: Description | None = None
    category: Category | None = None
    tags: Labels | None = None


ManifestSort = Literal["updated_at", "name", "times_used", "asset_count"]


class ManifestListQuery(Model):
    model_config = ConfigDict(extra="ignore")  # query strings carry cache-busters; ignore unknowns

    category: Category | None = None
    status: ManifestStatus | None = None
    sort: ManifestSort = "updated_at"
    limit: int = Field(50, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=1000)] | None = None


class AssetListQuery(Model):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(50, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=1000)] | None = None


class DuplicateQuery(Model):
    model_config = ConfigDict(extra="ignore")

    name: Name | None = None


class AssetCreate(Input):
    name: Name
    asset_type: AssetType
    description: Description = ""
    user_tags: Labels = Field(default_factory=list)
    sort_order: SortOrder = 0


class AssetUpdate(Patch):
    CLEARABLE = frozenset({"identity_of"})

    name: Name | None = None
    description: Description | None = None
    user_tags: Labels | None = None
    sort_order: SortOrder | None = None
    asset_type: AssetType | None = None
    reverse_prompt: LongText | None = None
    visual_description: LongText | None = None
    # "Same person as": another of the caller's assets (an accepted identity suggestion); null unlinks.
    identity_of: RecordId | None = None
    # Make the person this asset shows a cast member (one of the people in a group photo), or not.
    in_cast: bool | None = None


class UploadUrlRequest(Input):
    content_type: ImageContentType
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)] = "upload"


class ViewUploadUrlRequest(Input):
    content_type: ImageContentType
    view: ViewAngle = "other"


class ViewQuery(Model):
    model_config = ConfigDict(extra="ignore")

    view: ViewAngle = "other"
