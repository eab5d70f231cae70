"""The continuity domain's job: who one version of a beat image or chunk clip shows, against the
project's snapshot cast (checks.py queues it, gpu_service/continuity/ runs it)."""

from __future__ import annotations

from typing import Literal

from common.checkpoints.models import ArtifactType
from common.jobs.models import JobKind, JobRecord


class ContinuityJob(JobRecord):
    kind: Literal[JobKind.CHECK_CONTINUITY] = JobKind.CHECK_CONTINUITY
    project_id: str
    checkpoint_id: str
    artifact_type: ArtifactType
    artifact_key: str
    version: int
