"""Manifests and assets: what Firestore holds and the API's request/response shapes.

Stored records carry owner and storage fields that never leave the service; the `*Out` models are
the public contract (field names follow the frontend's existing API).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from common.library.cast_models import CastMember
from common.library.progress_models import ProcessingCost, ProcessingLease, StepProgress
from common.records import (
    Description,
    Input,
    Labels,
    LongText,
    Model,
    Name,
    Patch,
    Record,
    RecordId,
    SortOrder,
)


class Category(StrEnum):
    CHARACTERS = "CHARACTERS"
    ENVIRONMENTS = "ENVIRONMENTS"
    OBJECTS = "OBJECTS"
    STYLES = "STYLES"
    MIXED = "MIXED"


class ManifestStatus(StrEnum):
    DRAFT = "DRAFT"
    PROCESSING = "PROCESSING"
    READY = "READY"
    ERROR = "ERROR"


# Why a face cannot be identified (gpu_service/vision/identity.py).
IdentityStatus = Literal["too_small", "unsure", "blurry"]

ViewAngle = Literal["front", "left", "right", "back", "other"]
MAX_VIEWS = 4  # extra views beside the reference image, as reference-library tools allow
# What processing found in a view, against the asset's own face (gpu_service/run/views.py).
ViewIdentity = Literal["same", "different", "no_face", "unidentified", "no_reference"]


class AssetType(StrEnum):
    CHARACTER = "CHARACTER"
    OBJECT = "OBJECT"
    ENVIRONMENT = "ENVIRONMENT"
    STYLE = "STYLE"


# The asset type a manifest's category suggests for its uploads (served to the studio and the CLI
# by GET /api/studio/config; a mixed manifest starts with characters).
CATEGORY_ASSET_TYPES = {
    Category.CHARACTERS: AssetType.CHARACTER,
    Category.ENVIRONMENTS: AssetType.ENVIRONMENT,
    Category.OBJECTS: AssetType.OBJECT,
    Category.STYLES: AssetType.STYLE,
    Category.MIXED: AssetType.CHARACTER,
}


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


# The image types the service takes, with the extension each is stored under. A signed upload URL
# is made for these content types only (415); the studio and the CLI read them from GET
# /api/studio/config.
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# How a person reads each (upper-cased: Pillow's format name, images.FORMATS), in the same order.
IMAGE_TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}


def in_words(items: Iterable[str]) -> str:
    """["JPEG", "PNG", "WebP"] -> "JPEG, PNG or WebP"."""
    *others, last = items
    return f"{', '.join(others)} or {last}" if others else last


IMAGE_TYPES_IN_WORDS = in_words(IMAGE_TYPE_NAMES.values())  # for messages
ImageContentType = Annotated[str, Field(json_schema_extra={"enum": list(IMAGE_TYPES)})]


class UploadUrlRequest(Input):
    content_type: ImageContentType
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)] = "upload"


class ViewUploadUrlRequest(Input):
    content_type: ImageContentType
    view: ViewAngle = "other"


class ManifestPublic(Record):
    id: str
    name: str
    description: str = ""
    category: Category
    tags: list[str] = Field(default_factory=list)
    status: ManifestStatus = ManifestStatus.DRAFT
    asset_count: int = 0
    times_used: int = 0
    last_used_at: datetime | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    parent_manifest_id: str | None = None
    current_step: str | None = None
    progress: dict[str, StepProgress] = Field(default_factory=dict)
    error: str | None = None
    total_processing_cost: float = 0.0
    cost_breakdown: ProcessingCost = Field(default_factory=ProcessingCost)
    assets_with_warnings: int = 0  # assets whose quality checks hold a warning


class Manifest(ManifestPublic):
    owner_id: str
    deleted_at: datetime | None = None
    contact_sheet_path: str | None = None
    # Highest tag number claimed per type: a hint for the next claim, never the source of truth.
    tag_high: dict[str, int] = Field(default_factory=dict)
    processing: ProcessingLease | None = None
    # A fork's manifest whose new images still need the engine: the fork project that gets its
    # snapshot when a run of this manifest succeeds. Until then every run here is incremental.
    snapshot_pending_for: str | None = None


class UploadError(Model):
    code: str
    message: str
    at: datetime


class QualityCheck(Model):
    """One thing a reference image may do badly (common/library/quality.py); never a refusal."""

    code: str
    severity: Literal["warning", "info"]
    message: str
    value: float
    threshold: float


class GeneratedFrom(Model):
    """Where a promoted asset's image came from: a checkpoint artifact at a version (a clip's frame
    at `frame_s`)."""

    project_id: str
    checkpoint_id: str
    artifact_key: str
    version: int
    frame_s: float | None = None


class ProcessingError(Model):
    step: str
    message: str
    at: datetime


class IdentitySuggestion(Model):
    """A face elsewhere in the owner's library that looks like this asset's: "same as CHAR_03 in
    Heroes?" (accepted with PUT /api/assets/{id} {"identity_of": asset_id})."""

    asset_id: str
    manifest_id: str
    manifest_tag: str
    similarity: float


class ViewQuery(Model):
    model_config = ConfigDict(extra="ignore")

    view: ViewAngle = "other"


class PendingView(Model):
    """A view upload URL issued and not used yet: what the upload becomes, and until when it may
    hold a place among the asset's views."""

    view: ViewAngle
    expires_at: datetime


class AssetViewPublic(Record):
    """One more picture of the asset (another angle), beside its reference image."""

    id: str
    view: ViewAngle
    image_width: int
    image_height: int
    image_content_type: str
    created_at: datetime
    identity: ViewIdentity | None = None  # None until processed
    identity_note: str | None = None
    similarity: float | None = None  # its face against the asset's face


class AssetView(AssetViewPublic):
    image_path: str
    thumbnail_path: str
    image_generation: int
    processed_generation: int | None = None  # the image generation `identity` was found for


class AssetViewOut(AssetViewPublic):
    image_url: str | None = None
    thumbnail_url: str | None = None


class AssetPublic(Record):
    id: str
    manifest_id: str
    name: str
    asset_type: AssetType
    manifest_tag: str
    description: str = ""
    user_tags: list[str] = Field(default_factory=list)
    sort_order: int = 0
    source: str = "uploaded"
    reverse_prompt: str | None = None
    visual_description: str | None = None
    quality_score: float | None = None  # 1 minus the penalties of quality_checks
    quality_checks: list[QualityCheck] = Field(default_factory=list)
    image_width: int | None = None
    image_height: int | None = None
    image_content_type: str | None = None
    upload_error: UploadError | None = None
    # What the engine found and made (source="extracted" for its crops).
    source_asset_id: str | None = None
    detection_class: str | None = None
    detection_confidence: float | None = None
    crop_bbox: list[int] | None = None  # [x1, y1, x2, y2] in the source image's pixels
    is_face_crop: bool = False
    # Faces that cannot be identified (too small, unsure, blurred) are cut out but never grouped.
    identity_status: IdentityStatus | None = None
    identity_note: str | None = None  # why, in words: "face 38 px; 48 px needed to tell who it is"
    face_group_id: str | None = None  # the primary face's asset id, on every face of the group
    character_id: str | None = None  # the person it shows, if the manifest can tell (cast.py)
    duplicate_of: str | None = None
    # Across manifests: people this asset's face resembles, and the one the owner said it is.
    identity_suggestions: list[IdentitySuggestion] = Field(default_factory=list)
    identity_of: str | None = None
    reverse_prompt_source: Literal["gemini", "offline"] | None = None
    generated_from: GeneratedFrom | None = None  # source="generated": promoted from a checkpoint
    # Forks: a copy of the parent project's asset, unchanged (sharing its stored images).
    is_inherited: bool = False
    inherited_from_asset: str | None = None
    inherited_from_project: str | None = None
    processing_cost: float = 0.0
    processing_error: ProcessingError | None = None
    created_at: datetime
    updated_at: datetime


def display_key(asset: AssetPublic) -> tuple[int, datetime, str]:
    """Where an asset stands in its manifest's display order: by sort_order, then creation, then id
    (the order assets.in_display_order asks Firestore for)."""
    return (asset.sort_order, asset.created_at, asset.id)


class Asset(AssetPublic):
    owner_id: str
    image_path: str | None = None
    thumbnail_path: str | None = None
    image_generation: int | None = None
    pending_upload_path: str | None = None
    text_edits: dict[str, datetime] = Field(default_factory=dict)
    duplicated_from_asset_id: str | None = None
    quality_warning: bool = False  # any quality check a warning: what assets_with_warnings counts
    # What the current reverse prompt was made from (image object + generation): unchanged input,
    # no second paid call.
    described_from: str | None = None
    views: list[AssetView] = Field(default_factory=list)
    # Every view's stored objects, for the one query that asks "does any asset still use it?"
    view_paths: list[str] = Field(default_factory=list)
    pending_views: dict[str, PendingView] = Field(default_factory=dict)  # upload URLs issued, by view id


class AssetOut(AssetPublic):
    reference_image_url: str | None = None
    thumbnail_url: str | None = None
    views: list[AssetViewOut] = Field(default_factory=list)


class ManifestOut(ManifestPublic):
    contact_sheet_url: str | None = None


class ManifestDetail(ManifestOut):
    assets: list[AssetOut]
    cast: list[CastMember] = Field(default_factory=list)  # who is who, in display order


class UploadUrlOut(Model):
    upload_url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    object_name: str
    expires_at: datetime


class ViewUploadUrlOut(UploadUrlOut):
    view_id: str  # the view the upload becomes once the trigger has checked it
