"""Continuity's API shapes: asking for a check again, and a project's summary."""

from __future__ import annotations

from pydantic import Field

from common.checkpoints.models import ArtifactKey
from common.checkpoints.report import ContinuityReport, ContinuityStatus
from common.records import Input, Model


class RecheckRequest(Input):
    """Check a checkpoint's artifacts again, against the project's snapshot as it is."""

    artifact_key: ArtifactKey | None = None  # default: every beat image or chunk clip of the checkpoint


class ArtifactCheck(Model):
    artifact_key: str
    version: int
    job_id: str


class RecheckAccepted(Model):
    checkpoint_id: str
    checks: list[ArtifactCheck]


class ArtifactContinuity(Model):
    checkpoint_id: str
    artifact_key: str
    version: int
    media_url: str | None = None  # the version's image or clip (signed), to show beside its report
    report: ContinuityReport | None = None  # None: not checked (made before continuity existed)


class SceneContinuity(Model):
    branch: str
    scene_index: int
    status: ContinuityStatus | None  # the worse of the beat's and the chunk's
    beat: ArtifactContinuity | None = None  # the latest version of the beat image
    chunk: ArtifactContinuity | None = None  # the latest version of the chunk clip


class ProjectContinuity(Model):
    project_id: str
    snapshot_id: str | None
    counts: dict[str, int] = Field(default_factory=dict)  # scenes per status
    scenes: list[SceneContinuity] = Field(default_factory=list)  # worst first, then branch and index
