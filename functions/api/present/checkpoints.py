"""Checkpoints, their artifacts and versions as the API shows them, media URLs signed."""

from __future__ import annotations

from common.checkpoints import checkpoints as checkpoint_ops
from common.checkpoints import media, repair_view
from common.checkpoints.jobs import RegenerationJob, RepairJob
from common.checkpoints.models import (
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
    )


def checkpoint_detail(checkpoint: Checkpoint) -> CheckpointDetail:
    history = checkpoint_ops.versions_of(checkpoint.id)
    repairs = repair_view.latest_repairs(checkpoint.id, history)
    artifacts = []
    for artifact in checkpoint_ops.artifacts_of(checkpoint.id):
        name = checkpoint_ops.artifact_id(artifact.artifact_type, artifact.artifact_key)
        artifacts.append(artifact_out(artifact, history.get(name, []), repairs.get(name)))
    return CheckpointDetail(**checkpoint_out(checkpoint).model_dump(), artifacts=artifacts)


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
