"""Projects, their scenes, manifest snapshots and forks: records and the API's shapes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from common.library.models import AssetPublic, AssetType, ManifestPublic
from common.records import (
    Description,
    Input,
    Labels,
    LongText,
    Model,
    Name,
    Patch,
    Prompt,
    Record,
    RecordId,
    ShortText,
    TagList,
)


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


class ProjectUpdate(Patch):
    title: Name | None = None
    auto_continue: bool | None = None
