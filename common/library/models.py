"""Manifests and assets: what Firestore holds and the API's response shapes.

Stored records carry owner and storage fields that never leave the service; the `*Out` models are
the public contract (field names follow the frontend's existing API). The words they use are in
vocabulary.py and what callers send is in inputs.py; both stay importable from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from common.library.cast_models import CastMember

# What callers send and the words the records use have modules of their own (inputs.py,
# vocabulary.py); their names stay importable from here, where most callers import them.
from common.library.inputs import (  # noqa: F401
    AssetCreate,
    AssetListQuery,
    AssetUpdate,
    DuplicateQuery,
    ManifestCreate,
    ManifestListQuery,
    ManifestSort,
    ManifestUpdate,
    UploadUrlRequest,
    ViewQuery,
    ViewUploadUrlRequest,
)
from common.library.progress_models import ProcessingCost, ProcessingLease, StepProgress
from common.library.vocabulary import (  # noqa: F401
    CATEGORY_ASSET_TYPES,
    IMAGE_TYPE_NAMES,
    IMAGE_TYPES,
    IMAGE_TYPES_IN_WORDS,
    MAX_VIEWS,
    AssetType,
    Category,
    IdentityStatus,
    ImageContentType,
    ManifestStatus,
    ViewAngle,
    ViewIdentity,
    in_words,
)
from common.records import Model, Record


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
    # A fork's own manifest: the fork project it was made for (it lives with that project; the
    # studio's library does not list it as a library of its own).
    fork_project_id: str | None = None
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
    # Made a cast member by the creator: a person of a group photo joins the cast (cast.py).
    in_cast: bool = False
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
    # The run, image (object + generation) and models whose detections and faces are stored for this
    # upload: a later delivery of that run resumes after it (gpu_service/run/images_step.py).
    inferred_by: str | None = None
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
