"""Checkpoints, their artifacts and versions as the API shows them, media URLs signed."""

from __future__ import annotations

from common.checkpoints import checkpoints as checkpoint_ops
from common.checkpoints import media, prices, repair_view
from common.checkpoints.jobs import RegenerationJob, RepairJob
from common.checkpoints.models import (
    CHECKED,
    PHASE_NAMES,
    Artifact,
    ArtifactOut,
    ArtifactVersion,
    ArtifactVersionOut,
    ArtifactVersionPublic,
    Checkpoint,
    CheckpointDetail,
    CheckpointOut,
    CheckpointPublic,
    CheckpointStatus,
    Continuation,
    ContinueOut,
    RegenerateAccepted,
    RepairAccepted,
)
from common.checkpoints.repair_models import LatestRepair, RepairMarkOut
from common.projects.models import Project

_VERSION_FIELDS = set(ArtifactVersionPublic.model_fields)
_CHECKPOINT_FIELDS = set(CheckpointPublic.model_fields)


def checkpoint_out(checkpoint: Checkpoint) -> CheckpointOut:
    return CheckpointOut(
        checkpoint_id=checkpoint.id,
        phase_name=PHASE_NAMES[checkpoint.phase],
        edited=checkpoint.revision > 0,
        **checkpoint.model_dump(include=_CHECKPOINT_FIELDS),
    )


def version_out(version: ArtifactVersion) -> ArtifactVersionOut:
    fields = version.model_dump(include=_VERSION_FIELDS - {"repair"})
    return ArtifactVersionOut(media_url=media.url(version.media_path), repair=_mark(version), **fields)


def _mark(version: ArtifactVersion) -> RepairMarkOut | None:
    """A repair's version with what its check said (its report: the verdict is stored there only)."""
    if version.repair is None:
        return None
    outcome = version.continuity.status if version.continuity is not None else None
    return RepairMarkOut(**version.repair.model_dump(), outcome=outcome)


def artifact_out(
    artifact: Artifact,
    versions: list[ArtifactVersion] | None = None,
    latest_repair: LatestRepair | None = None,
) -> ArtifactOut:
    return ArtifactOut(
        **version_out(artifact).model_dump(),
        checkpoint_id=artifact.checkpoint_id,
        artifact_type=artifact.artifact_type,
        artifact_key=artifact.artifact_key,
        updated_at=artifact.updated_at,
        versions=[version_out(v) for v in versions or []],
        latest_repair=latest_repair,
        repair_price=prices.per_call(artifact.artifact_type) if artifact.artifact_type in CHECKED else 0.0,
    )


def checkpoint_detail(checkpoint: Checkpoint, project: Project) -> CheckpointDetail:
    # The artifacts first: a version is written in the commit that moves its artifact, so every
    # version an artifact names is in the history read after it (a version written between the two
    # reads is left for the next read, so an artifact's history never runs past it).
    latest = checkpoint_ops.artifacts_of(checkpoint.id)
    history = checkpoint_ops.versions_of(checkpoint.id)
    repairs = repair_view.latest_repairs(checkpoint.id, history)
    artifacts = []
    for artifact in latest:
        name = checkpoint_ops.artifact_id(artifact.artifact_type, artifact.artifact_key)
        versions = [v for v in history.get(name, []) if v.version <= artifact.version]
        artifacts.append(artifact_out(artifact, versions, repairs.get(name)))
    left = max(0.0, round(project.repair_budget - project.repair_spent, 6))
    return CheckpointDetail(
        **checkpoint_out(checkpoint).model_dump(), artifacts=artifacts, repair_budget_left=left
    )


def continue_out(checkpoint: Checkpoint, done: Continuation) -> ContinueOut:
    return ContinueOut(
        checkpoint_id=checkpoint.id,
        status=CheckpointStatus.APPROVED,
        branch=done.branch,
        new_branch=done.new_branch,
        next_step=done.next_step,
        handed_off=done.handed_off,
    )


def regeneration_accepted(job: RegenerationJob) -> RegenerateAccepted:
    return RegenerateAccepted(
        task_id=job.id, status=job.status, checkpoint_id=job.checkpoint_id, artifact_key=job.artifact_key
    )


def repair_accepted(job: RepairJob) -> RepairAccepted:
    return RepairAccepted(
        task_id=job.id, status=job.status, checkpoint_id=job.checkpoint_id, artifact_key=job.artifact_key
    )
