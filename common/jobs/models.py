"""Jobs: what every job document records, the kinds there are, and the manifest's own jobs.

A job is one of eleven kinds, told apart by `kind`; each lives in its domain and carries exactly the
ids its work needs: a manifest run, a shard of a big one and one asset's reprocess here, the
regeneration and the repair of a checkpoint artifact in common/checkpoints/jobs.py, the continuity
check of an artifact version in common/continuity/jobs.py, a project's storyboard in
common/projects/storyboard.py, its film's phases, scenes and cut in common/projects/film.py. The
worker dispatches each kind from one table (gpu_service/delivery.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

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
    PROCESS_SHARD = "process_shard"
    STORYBOARD = "storyboard"
    PHASE = "phase"
    SCENE = "scene"
    STITCH = "stitch"


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
    kind: JobKind
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


class ShardJob(JobRecord):
    """One shard of a big manifest run (common/jobs/shards.py): these uploads' detection, faces and
    descriptions, under a lease of its own (`delivery_id` holds it until `lease_expires_at`)."""

    kind: Literal[JobKind.PROCESS_SHARD] = JobKind.PROCESS_SHARD
    manifest_id: str
    run_id: str  # the manifest run's job
    index: int
    sources: list[str]
    delivery_id: str | None = None
    lease_expires_at: datetime | None = None


class ReprocessJob(JobRecord):
    """Detection and reverse prompting of one asset, nothing else touched."""

    kind: Literal[JobKind.REPROCESS_ASSET] = JobKind.REPROCESS_ASSET
    manifest_id: str
    asset_id: str


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
