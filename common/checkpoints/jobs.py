"""The checkpoint domain's jobs: a new version of one artifact (a regeneration), and a repair
(regenerations judged against the cast until continuity holds; its records in repair_models.py).

Their documents live in the jobs collection beside every other job (common/jobs/lifecycle.py); a
Cloud Task carries only the id.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from common.checkpoints.models import ArtifactType
from common.checkpoints.repair_models import RepairAttempt, RepairResult
from common.jobs.models import JobKind, JobRecord

RegenerationKind = Literal[JobKind.REGENERATE_BEAT, JobKind.REGENERATE_CHUNK]

# What each kind of regeneration makes a new version of.
ARTIFACT_OF: dict[JobKind, ArtifactType] = {
    JobKind.REGENERATE_BEAT: ArtifactType.BEAT_IMAGE,
    JobKind.REGENERATE_CHUNK: ArtifactType.CHUNK_CLIP,
}


class RegenerationJob(JobRecord):
    """A new version of one checkpoint artifact: which one, and what the caller asked to change."""

    kind: RegenerationKind
    project_id: str
    checkpoint_id: str
    artifact_key: str
    prompt_override: str | None = None
    model_override: str | None = None
    result_version: int | None = None  # the job's output: this version of the artifact

    @property
    def artifact_type(self) -> ArtifactType:
        return ARTIFACT_OF[self.kind]


class RepairJob(JobRecord):
    """Regenerate one beat image or chunk clip with its scene's pack, steered by its continuity
    report, and judge each attempt in the same job until one holds (common/checkpoints/repair.py
    starts it, gpu_service/repair.py runs it)."""

    kind: Literal[JobKind.REPAIR] = JobKind.REPAIR
    project_id: str
    checkpoint_id: str
    artifact_type: ArtifactType
    artifact_key: str
    from_version: int  # the version repaired: every attempt starts from it
    max_attempts: int
    reserved: float  # dollars held on the project's repair budget until the job settles
    auto: bool = False  # started by the project's auto_repair, not by a person
    repair_attempts: list[RepairAttempt] = Field(default_factory=list)
    result: RepairResult | None = None
    settled: bool = False  # the reservation was replaced by what the attempts cost
    spent: float | None = None  # what its generations cost, once settled
