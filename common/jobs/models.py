"""Engine jobs: the job documents a Cloud Task points at, the steps of a run, and the API's shapes.

A job is one of five kinds, told apart by `kind` (a discriminated union): a manifest run, one
asset's reprocess, the regeneration of one checkpoint artifact, the continuity check of one
artifact version, or the repair of one (regenerations checked until continuity holds). Each kind
carries exactly the ids its work needs.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from common.library.models import ManifestStatus
from common.library.progress_models import ProcessingCost, StepProgress
from common.records import Model, Record


class JobKind(StrEnum):
    PROCESS_MANIFEST = "process_manifest"
    REPROCESS_ASSET = "reprocess_asset"
    REGENERATE_BEAT = "regenerate_beat"
    REGENERATE_CHUNK = "regenerate_chunk"
    CHECK_CONTINUITY = "check_continuity"
    REPAIR = "repair"


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"


class Step(StrEnum):
    """The engine's steps, in the order a run goes through them (the keys of a manifest's `progress`)."""

    DETECTION = "detection"
    FACES = "faces"
    REVERSE_PROMPTING = "reverse_prompting"
    TAGS = "tags"
    CONTACT_SHEET = "contact_sheet"


STEPS = tuple(Step)


class JobRecord(Record):
    """What every job records about itself; the Cloud Task carries only its id."""

    id: str
    owner_id: str
    status: JobStatus = JobStatus.QUEUED
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    attempts: int = 0


class ManifestJob(JobRecord):
    """A manifest run. Incremental runs (a fork's new images) process only assets that are not
    inherited: new faces join existing groups, existing tags stay; then the project's snapshot is
    written."""

    kind: Literal[JobKind.PROCESS_MANIFEST] = JobKind.PROCESS_MANIFEST
    manifest_id: str
    incremental: bool = False
    project_id: str | None = None
    sources: list[str] | None = None  # only these assets are processed (a promoted frame)


class ReprocessJob(JobRecord):
    """Detection and reverse prompting of one asset, nothing else touched."""

    kind: Literal[JobKind.REPROCESS_ASSET] = JobKind.REPROCESS_ASSET
    manifest_id: str
    asset_id: str


RegenerationKind = Literal[JobKind.REGENERATE_BEAT, JobKind.REGENERATE_CHUNK]


class RegenerationJob(JobRecord):
    """A new version of one checkpoint artifact: which one, and what the caller asked to change."""

    kind: RegenerationKind
    project_id: str
    checkpoint_id: str
    artifact_key: str
    prompt_override: str | None = None
    model_override: str | None = None
    result_version: int | None = None  # the job's output: this version of the artifact


class ContinuityJob(JobRecord):
    """Who one version of a beat image or chunk clip shows, against the project's snapshot cast
    (common/continuity/checks.py queues it, gpu_service/continuity/ runs it)."""

    kind: Literal[JobKind.CHECK_CONTINUITY] = JobKind.CHECK_CONTINUITY
    project_id: str
    checkpoint_id: str
    artifact_type: Literal["beat_image", "chunk_clip"]
    artifact_key: str
    version: int


class RepairAttempt(Model):
    """One attempt of a repair: the version it made and what its continuity check said."""

    attempt: int
    version: int
    status: str  # the version's continuity status (common/continuity/report.py: ok, missing, ...)
    missing: list[str] = Field(default_factory=list)
    unsure: list[str] = Field(default_factory=list)
    unexpected: list[str] = Field(default_factory=list)
    unknown_faces: int = 0
    steer: str = ""  # what the attempt asked beyond the artifact's prompt, from the report before it
    references: list[str] = Field(default_factory=list)  # the handles of the images it was given, in order
    cost: float = 0.0  # its generation and its check, in dollars
    generation_cost: float = 0.0  # of which its generation: what the repair budget counts
    at: datetime


class RepairResult(Model):
    attempts: int
    best_version: int | None  # the first ok version, else the attempt whose report is least severe
    outcome: str  # that version's continuity status
    repaired: bool  # the outcome holds (ok, or no_faces where nobody is expected)


class RepairJob(JobRecord):
    """Regenerate one beat image or chunk clip with its scene's pack, steered by its continuity
    report, and check each attempt in the same job until one holds (common/checkpoints/repair.py
    starts it, gpu_service/repair.py runs it)."""

    kind: Literal[JobKind.REPAIR] = JobKind.REPAIR
    project_id: str
    checkpoint_id: str
    artifact_type: Literal["beat_image", "chunk_clip"]
    artifact_key: str
    from_version: int  # the version repaired: every attempt starts from it
    max_attempts: int
    reserved: float  # dollars held on the project's repair budget until the job settles
    auto: bool = False  # started by the project's auto_repair, not by a person
    repair_attempts: list[RepairAttempt] = Field(default_factory=list)
    result: RepairResult | None = None
    settled: bool = False  # the reservation was replaced by what the attempts cost
    spent: float | None = None  # what its generations cost, once settled


Job = Annotated[
    ManifestJob | ReprocessJob | RegenerationJob | ContinuityJob | RepairJob, Field(discriminator="kind")
]


class JobOut(Model):
    task_id: str
    kind: JobKind
    status: JobStatus
    manifest_id: str | None = None
    asset_id: str | None = None
    checkpoint_id: str | None = None
    artifact_key: str | None = None
    result_version: int | None = None  # a regeneration's output
    version: int | None = None  # the artifact version a continuity check looks at
    from_version: int | None = None  # the artifact version a repair starts from
    max_attempts: int | None = None  # a repair's
    repair_attempts: list[RepairAttempt] = Field(default_factory=list)  # a repair's, so far
    result: RepairResult | None = None  # a repair's, once it is done
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
    cost_breakdown: ProcessingCost = Field(default_factory=ProcessingCost)
    updated_at: datetime
