"""Checkpoints, their artifacts and versions, continuations: records and the API's shapes."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from common.checkpoints.repair_models import LatestRepair, RepairMark, RepairMarkOut
from common.checkpoints.report import ContinuityReport
from common.jobs.models import JobStatus
from common.library.models import AssetType
from common.projects.reference_models import PackTarget
from common.records import (
    Index,
    Input,
    LongText,
    Model,
    Name,
    Patch,
    Prompt,
    Record,
    RecordId,
    ShortText,
    TagList,
    WholeNumber,
)


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


# What a continuity check looks at: who a beat image or a chunk clip shows (a spec shows nobody).
CHECKED = (ArtifactType.BEAT_IMAGE, ArtifactType.CHUNK_CLIP)


def pack_target(artifact_type: ArtifactType) -> PackTarget:
    """The model a generation of this artifact is for: a beat image the image model, a clip Veo."""
    return "image" if artifact_type == ArtifactType.BEAT_IMAGE else "video"


PHASE_OF = {
    ArtifactType.SPEC: Phase.SPEC,
    ArtifactType.BEAT_IMAGE: Phase.STORYBOARD,
    ArtifactType.CHUNK_CLIP: Phase.CHUNKS,
}


# The media each phase makes (phase 1's spec is no picture).
ARTIFACT_OF_PHASE = {phase: kind for kind, phase in PHASE_OF.items() if kind != ArtifactType.SPEC}


SPEC_KEY = "spec"


class CheckpointStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


# Who made an artifact version: the pipeline's first recording, a person, or a regeneration job.
Generator = Literal["pipeline", "edit", "upload", "gemini", "veo", "offline"]


BranchName = Annotated[str, StringConstraints(pattern=r"^main(-[1-9][0-9]{0,5}){0,50}$")]


ArtifactKey = Annotated[str, StringConstraints(pattern=r"^(spec|0|[1-9][0-9]{0,3})$")]


MediaData = Annotated[str, StringConstraints(min_length=1, max_length=68_000_000)]  # base64, ~50 MB


BeatIndex = Index


class SpecBeat(Input):
    description: Prompt
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


class PromoteRequest(Input):
    """Make a storyboard image (or a clip's frame) a reference asset of a manifest."""

    artifact_key: ArtifactKey
    version: Annotated[int, Field(ge=1, le=1_000_000), WholeNumber] | None = None  # default: the latest
    manifest_id: RecordId | None = None  # default: the project's manifest
    name: Name
    asset_type: AssetType
    frame_s: Annotated[float, Field(ge=0, le=600)] | None = None  # clips: which moment


class RegenerateBeat(Input):
    beat_index: BeatIndex
    prompt_override: LongText | None = None


class RegenerateChunk(Input):
    chunk_index: BeatIndex
    model_override: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{0,63}$")] | None = None
    prompt_override: LongText | None = None


MAX_REPAIR_ATTEMPTS = 4
DEFAULT_REPAIR_ATTEMPTS = 3


class RepairRequest(Input):
    """Regenerate an artifact with its scene's references until its continuity check holds."""

    artifact_key: ArtifactKey
    max_attempts: Annotated[int, Field(ge=1, le=MAX_REPAIR_ATTEMPTS), WholeNumber] = DEFAULT_REPAIR_ATTEMPTS


class Continuation(Model):
    branch: str
    new_branch: bool
    next_step: str
    at: datetime
    handed_off: bool = False  # the pipeline's task is queued


class VersionReference(Model):
    """A reference image a generation was given (the scene's pack, common/projects/references.py)."""

    asset_id: str
    manifest_tag: str
    handle: str
    why: str


class ArtifactVersionPublic(Record):
    version: int
    generator: Generator
    content: dict[str, Any] | None = None
    mime_type: str | None = None
    prompt: str | None = None  # for a regeneration: the prompt as sent, each handle spelled out
    references: list[VersionReference] = Field(default_factory=list)  # in the order they were sent
    cost: float = 0.0
    job_id: str | None = None
    repair: RepairMark | None = None  # made by a repair job
    created_at: datetime
    continuity: ContinuityReport | None = None  # beat images and clips of a project with a manifest


class ArtifactVersionOut(ArtifactVersionPublic):
    media_url: str | None = None
    repair: RepairMarkOut | None = None  # made by a repair job: which, and what its check said


class ArtifactOut(ArtifactVersionOut):
    checkpoint_id: str
    artifact_type: ArtifactType
    artifact_key: str
    updated_at: datetime
    versions: list[ArtifactVersionOut] = Field(default_factory=list)
    latest_repair: LatestRepair | None = None  # the artifact's latest repair, running or done
    repair_price: float = 0.0  # what one repair attempt may cost at most, in dollars (0: not repairable)


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
    # What the project's repairs may still spend (their budget less what they spent and hold): a
    # repair's quote is checked against it.
    repair_budget_left: float = 0.0


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


class RepairAccepted(RegenerateAccepted):
    """A repair job: GET /api/jobs/{task_id} follows its attempts to the result."""


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
