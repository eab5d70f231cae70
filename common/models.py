"""Domain records (what Firestore holds) and the API's request/response shapes.

Stored records carry owner and storage fields that never leave the service; the `*Out` models are
the public contract (field names follow the frontend's existing API).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal, Self
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid4().hex


def derived_id(*parts: object) -> str:
    """A record id that is the same every time the same work is done (random-looking, never sequential)."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:32]


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


class JobKind(StrEnum):
    PROCESS_MANIFEST = "process_manifest"
    REPROCESS_ASSET = "reprocess_asset"
    REGENERATE_BEAT = "regenerate_beat"
    REGENERATE_CHUNK = "regenerate_chunk"


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"


# The engine's steps, in the order a run goes through them.
STEPS = ("detection", "faces", "reverse_prompting", "tags", "contact_sheet")


class AssetType(StrEnum):
    CHARACTER = "CHARACTER"
    OBJECT = "OBJECT"
    ENVIRONMENT = "ENVIRONMENT"
    STYLE = "STYLE"


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=5000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Labels = Annotated[list[Label], Field(max_length=50)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
SortOrder = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


# ---------------------------------------------------------------- requests
class Model(BaseModel):
    """Base of every model here. Schemas are built on first use, not at import: a function instance
    only pays for the models its requests touch (the cold start is a product figure)."""

    model_config = ConfigDict(defer_build=True)


class Input(Model):
    """Client input: unknown fields and wrong JSON types are errors, not silently coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Patch(Input):
    """A partial update: only the fields the client sent change, and none may be null."""

    @model_validator(mode="after")
    def _no_nulls_and_not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("the body names no field to change")
        nulls = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"fields cannot be null: {', '.join(nulls)}")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set, mode="python")


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
    name: Name | None = None
    description: Description | None = None
    user_tags: Labels | None = None
    sort_order: SortOrder | None = None
    asset_type: AssetType | None = None
    reverse_prompt: LongText | None = None
    visual_description: LongText | None = None


UploadContentType = Literal["image/jpeg", "image/png", "image/webp"]


class UploadUrlRequest(Input):
    content_type: str
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)] = "upload"


# ---------------------------------------------------------------- records and responses
class Record(Model):
    # Stored documents may carry fields added by later versions: read what we know, keep going.
    model_config = ConfigDict(extra="ignore")


class StepProgress(Model):
    done: int = 0
    total: int = 0
    failed: int = 0


class ProcessingLease(Model):
    """Who processes the manifest now. A run renews `lease_expires_at` as it goes; once it lapses,
    a retry or a new request may take over, so a dead worker never leaves the manifest stuck."""

    job_id: str
    started_at: datetime
    lease_expires_at: datetime
    finished_at: datetime | None = None


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


class Manifest(ManifestPublic):
    owner_id: str
    deleted_at: datetime | None = None
    contact_sheet_path: str | None = None
    # Highest tag number claimed per type: a hint for the next claim, never the source of truth.
    tag_high: dict[str, int] = Field(default_factory=dict)
    processing: ProcessingLease | None = None


class UploadError(Model):
    code: str
    message: str
    at: datetime


class ProcessingError(Model):
    step: str
    message: str
    at: datetime


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
    quality_score: float | None = None
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
    face_group_id: str | None = None  # the primary face's asset id, on every face of the group
    duplicate_of: str | None = None
    reverse_prompt_source: Literal["gemini", "offline"] | None = None
    # Forks: a copy of the parent project's asset, unchanged (sharing its stored images).
    is_inherited: bool = False
    inherited_from_asset: str | None = None
    inherited_from_project: str | None = None
    processing_cost: float = 0.0
    processing_error: ProcessingError | None = None
    created_at: datetime
    updated_at: datetime


class Asset(AssetPublic):
    owner_id: str
    image_path: str | None = None
    thumbnail_path: str | None = None
    image_generation: int | None = None
    pending_upload_path: str | None = None
    text_edits: dict[str, datetime] = Field(default_factory=dict)
    duplicated_from_asset_id: str | None = None
    # What the current reverse prompt was made from (image object + generation): unchanged input,
    # no second paid call.
    described_from: str | None = None


class AssetOut(AssetPublic):
    reference_image_url: str | None = None
    thumbnail_url: str | None = None


class ManifestOut(ManifestPublic):
    contact_sheet_url: str | None = None


class ManifestDetail(ManifestOut):
    assets: list[AssetOut]


class Job(Record):
    """One unit of engine work; the Cloud Task carries only its id."""

    id: str
    kind: JobKind
    owner_id: str
    manifest_id: str | None = None  # engine jobs; regenerations work on a checkpoint instead
    asset_id: str | None = None
    # Regenerations: which artifact of which checkpoint, and what the caller asked to change.
    checkpoint_id: str | None = None
    artifact_key: str | None = None
    prompt_override: str | None = None
    model_override: str | None = None
    result_version: int | None = None  # a regeneration's output: this version of the artifact
    # Incremental runs (a fork's new images): only assets that are not inherited are processed,
    # new faces join existing groups, existing tags stay; then the project's snapshot is written.
    incremental: bool = False
    project_id: str | None = None
    status: JobStatus = JobStatus.QUEUED
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    attempts: int = 0


class JobOut(Model):
    task_id: str
    kind: JobKind
    status: JobStatus
    manifest_id: str | None = None
    asset_id: str | None = None
    checkpoint_id: str | None = None
    artifact_key: str | None = None
    result_version: int | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None


class ProcessAccepted(Model):
    task_id: str
    status: ManifestStatus
    manifest_id: str


class ReprocessAccepted(Model):
    task_id: str
    status: JobStatus
    asset_id: str
    manifest_id: str


class ProgressOut(Model):
    manifest_id: str
    status: ManifestStatus
    current_step: str | None = None
    progress: dict[str, StepProgress] = Field(default_factory=dict)
    error: str | None = None
    task_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    lease_expires_at: datetime | None = None
    total_processing_cost: float = 0.0
    updated_at: datetime


class DeletedOut(Model):
    status: Literal["deleted"] = "deleted"


class UploadUrlOut(Model):
    upload_url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    object_name: str
    expires_at: datetime


class ErrorDetail(Model):
    code: str
    message: str
    details: Any = None


class ErrorOut(Model):
    error: ErrorDetail


# ---------------------------------------------------------------- projects
class ProjectStage(StrEnum):
    STORYBOARDING = "storyboarding"
    KEYFRAMING = "keyframing"
    VIDEO_GENERATION = "video_generation"
    STITCHING = "stitching"
    COMPLETE = "complete"


class ProjectStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"
    STOPPED = "stopped"


TERMINAL_STATUSES = frozenset({ProjectStatus.COMPLETE, ProjectStatus.FAILED, ProjectStatus.STOPPED})
RecordId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
ShortText = Annotated[str, StringConstraints(max_length=2000)]
TagList = Annotated[list[Annotated[str, StringConstraints(max_length=32)]], Field(max_length=200)]


class GenerateRequest(Input):
    prompt: Prompt
    style: ShortText | None = None
    title: Name | None = None
    manifest_id: RecordId | None = None
    auto_continue: bool = False


class SceneManifest(Input):
    asset_tags: TagList = Field(default_factory=list)
    selected_reference_tags: TagList = Field(default_factory=list)
    composition_shot_type: ShortText | None = None
    composition_camera_movement: ShortText | None = None
    rewritten_keyframe_prompt: LongText | None = None
    rewritten_video_prompt: LongText | None = None


class Scene(Record):
    index: int
    storyboard_text: str | None = None
    keyframe_url: str | None = None
    clip_url: str | None = None
    scene_manifest: SceneManifest | None = None
    source: Literal["generated", "inherited", "edited"] = "generated"
    updated_at: datetime


class ProjectPublic(Record):
    prompt: str
    style: str | None = None
    title: str | None = None
    manifest_id: str | None = None
    manifest_version: int | None = None
    snapshot_id: str | None = None
    parent_project_id: str | None = None
    lineage_id: str | None = None  # the first project of the line (itself, for a root)
    branch: str = "main"
    stage: ProjectStage = ProjectStage.STORYBOARDING
    status: ProjectStatus = ProjectStatus.PENDING
    error: str | None = None
    auto_continue: bool = False
    created_at: datetime
    updated_at: datetime


class Project(ProjectPublic):
    id: str
    owner_id: str
    deleted_at: datetime | None = None


class ProjectOut(ProjectPublic):
    project_id: str


class ProjectDetail(ProjectOut):
    scenes: list[Scene]


class PipelineProjectUpdate(Patch):
    stage: ProjectStage | None = None
    status: ProjectStatus | None = None
    error: LongText | None = None


class PipelineSceneUpdate(Patch):
    storyboard_text: LongText | None = None
    keyframe_url: Annotated[str, StringConstraints(max_length=4000)] | None = None
    clip_url: Annotated[str, StringConstraints(max_length=4000)] | None = None
    scene_manifest: SceneManifest | None = None


class SnapshotAsset(AssetPublic):
    """An asset as it was when the project started, with everything the engine produced."""

    face_embedding: list[float] | None = None
    reference_image_url: str | None = None
    thumbnail_url: str | None = None


class SnapshotOut(Model):
    snapshot_id: str
    project_id: str
    manifest_id: str
    manifest_version: int
    created_at: datetime
    manifest: ManifestPublic
    assets: list[SnapshotAsset]


# ---------------------------------------------------------------- forks
ImageData = Annotated[str, StringConstraints(min_length=1, max_length=28_000_000)]  # base64, ~20 MB


class AssetEdit(Input):
    reverse_prompt: LongText | None = None
    name: Name | None = None
    reference_image: ImageData | None = None


class ModifiedAsset(Input):
    changes: AssetEdit


class NewUpload(Input):
    image_data: ImageData
    name: Name
    asset_type: AssetType
    description: Description = ""
    tags: Labels = Field(default_factory=list)


class AssetChanges(Input):
    modified_assets: dict[RecordId, ModifiedAsset] = Field(default_factory=dict, max_length=500)
    removed_asset_ids: Annotated[list[RecordId], Field(max_length=1000)] = Field(default_factory=list)
    new_uploads: Annotated[list[NewUpload], Field(max_length=20)] = Field(default_factory=list)


class SceneEdit(Input):
    storyboard_text: LongText


class ForkRequest(Input):
    prompt: Prompt | None = None
    style: ShortText | None = None
    scene_edits: dict[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,4}$")], SceneEdit] = Field(
        default_factory=dict, max_length=500
    )
    deleted_scenes: Annotated[list[Annotated[int, Field(ge=0, le=9999)]], Field(max_length=500)] = Field(
        default_factory=list
    )
    clear_keyframes: bool = False
    asset_changes: AssetChanges | None = None


class ForkOut(Model):
    project_id: str
    resume_stage: ProjectStage
    scene_copy_boundary: int
    manifest_id: str | None
    branch: str


# ---------------------------------------------------------------- checkpoints
class Phase(IntEnum):
    SPEC = 1
    STORYBOARD = 2
    CHUNKS = 3


PHASE_NAMES = {Phase.SPEC: "spec", Phase.STORYBOARD: "storyboard", Phase.CHUNKS: "chunks"}
# What the pipeline does after each phase is approved.
NEXT_STEP = {Phase.SPEC: "storyboard", Phase.STORYBOARD: "chunks", Phase.CHUNKS: "stitching"}


class ArtifactType(StrEnum):
    SPEC = "spec"  # phase 1: the structured video spec (JSON)
    BEAT_IMAGE = "beat_image"  # phase 2: one image per beat, keyed by the beat's index
    CHUNK_CLIP = "chunk_clip"  # phase 3: one clip per chunk, keyed by the chunk's index


PHASE_OF = {ArtifactType.SPEC: Phase.SPEC, ArtifactType.BEAT_IMAGE: Phase.STORYBOARD,
            ArtifactType.CHUNK_CLIP: Phase.CHUNKS}  # fmt: skip
SPEC_KEY = "spec"


class CheckpointStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


# Who made an artifact version: the pipeline's first recording, a person, or a regeneration job.
Generator = Literal["pipeline", "edit", "upload", "gemini", "veo", "offline"]
BranchName = Annotated[str, StringConstraints(pattern=r"^main(-[1-9][0-9]{0,5}){0,50}$")]
ArtifactKey = Annotated[str, StringConstraints(pattern=r"^(spec|0|[1-9][0-9]{0,3})$")]
MediaData = Annotated[str, StringConstraints(min_length=1, max_length=68_000_000)]  # base64, ~50 MB
BeatIndex = Annotated[int, Field(ge=0, le=9999)]


class SpecBeat(Input):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
    duration_s: Annotated[float, Field(gt=0, le=60)]
    shot_type: ShortText | None = None
    camera_movement: ShortText | None = None
    asset_tags: TagList = Field(default_factory=list)


class VideoSpec(Input):
    """Phase 1's artifact: what the video is, beat by beat. Edits are checked against it whole."""

    title: Name
    logline: LongText = ""
    style: ShortText | None = None
    aspect_ratio: Literal["16:9", "9:16", "1:1"] = "16:9"
    duration_s: Annotated[float, Field(gt=0, le=600)]
    beats: Annotated[list[SpecBeat], Field(min_length=1, max_length=200)]

    @model_validator(mode="after")
    def _beats_fit(self) -> Self:
        total = sum(beat.duration_s for beat in self.beats)
        if total > self.duration_s + 0.5:
            raise ValueError(f"the beats last {total:g} s, longer than duration_s ({self.duration_s:g} s)")
        return self


class SpecPatch(Patch):
    """PATCH /spec: the top-level fields to replace; the result must still be a valid VideoSpec."""

    title: Name | None = None
    logline: LongText | None = None
    style: ShortText | None = None
    aspect_ratio: Literal["16:9", "9:16", "1:1"] | None = None
    duration_s: Annotated[float, Field(gt=0, le=600)] | None = None
    beats: Annotated[list[SpecBeat], Field(min_length=1, max_length=200)] | None = None


class CheckpointCreate(Input):
    phase: Phase
    branch: BranchName = "main"


class ArtifactRecord(Input):
    """The pipeline's first recording of an artifact: the spec as `content`, media as base64."""

    artifact_type: ArtifactType
    artifact_key: ArtifactKey
    content: VideoSpec | None = None
    media_data: MediaData | None = None
    prompt: LongText | None = None


class RegenerateBeat(Input):
    beat_index: BeatIndex
    prompt_override: LongText | None = None


class RegenerateChunk(Input):
    chunk_index: BeatIndex
    model_override: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{0,63}$")] | None = None
    prompt_override: LongText | None = None


class ProjectUpdate(Patch):
    title: Name | None = None
    auto_continue: bool | None = None


class Continuation(Model):
    branch: str
    new_branch: bool
    next_step: str
    at: datetime
    handed_off: bool = False  # the pipeline's task is queued


class ArtifactVersionPublic(Record):
    version: int
    generator: Generator
    content: dict[str, Any] | None = None
    mime_type: str | None = None
    prompt: str | None = None
    cost: float = 0.0
    job_id: str | None = None
    created_at: datetime


class ArtifactVersionOut(ArtifactVersionPublic):
    media_url: str | None = None


class ArtifactOut(ArtifactVersionOut):
    checkpoint_id: str
    artifact_type: ArtifactType
    artifact_key: str
    updated_at: datetime
    versions: list[ArtifactVersionOut] = Field(default_factory=list)


class CheckpointPublic(Record):
    project_id: str
    branch: str
    phase: Phase
    status: CheckpointStatus = CheckpointStatus.PENDING
    ready: bool = False  # the pipeline has recorded every artifact of the phase
    revision: int = 0  # edits so far
    continuations: dict[str, Continuation] = Field(default_factory=dict)  # by revision
    total_cost: float = 0.0
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None = None


class CheckpointOut(CheckpointPublic):
    checkpoint_id: str
    phase_name: str
    edited: bool  # an artifact has a version > 1: continuing opens a new branch


class CheckpointDetail(CheckpointOut):
    artifacts: list[ArtifactOut]


class ContinueOut(Model):
    checkpoint_id: str
    status: CheckpointStatus
    branch: str
    new_branch: bool
    next_step: str
    handed_off: bool  # queued for the pipeline (False where no pipeline is configured: local stack)


class RegenerateAccepted(Model):
    task_id: str
    status: JobStatus
    checkpoint_id: str
    artifact_key: str


class Checkpoint(CheckpointPublic):
    id: str
    owner_id: str
    lineage_id: str


class ArtifactVersion(ArtifactVersionPublic):
    """One version of an artifact as stored; the artifact document holds its latest version."""

    artifact_type: ArtifactType
    artifact_key: str
    media_path: str | None = None  # in the derived bucket
    digest: str  # sha256 of the content or media: a repeated recording is recognised, not doubled


class Artifact(ArtifactVersion):
    checkpoint_id: str
    updated_at: datetime


class CheckpointListQuery(Model):
    model_config = ConfigDict(extra="ignore")

    branch: BranchName | None = None
