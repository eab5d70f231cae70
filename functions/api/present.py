"""Records -> public responses, with URLs the client can fetch images and media from.

Domain operations return records; every response shape is built here, at the HTTP edge.
"""

from __future__ import annotations

from typing import Any

from common.checkpoints import checkpoints as checkpoint_ops
from common.checkpoints import media
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
)
from common.gcp import cdn
from common.gcp.config import settings
from common.jobs.models import Job, JobOut, ProgressOut, RegenerationJob
from common.library import cast
from common.library.models import (
    Asset,
    AssetOut,
    AssetView,
    AssetViewOut,
    Manifest,
    ManifestDetail,
    ManifestOut,
    ManifestPublic,
)
from common.projects.forks import Fork
from common.projects.models import (
    ForkOut,
    Project,
    ProjectDetail,
    ProjectOut,
    ProjectPublic,
    Scene,
    SnapshotAsset,
    SnapshotOut,
)

_MANIFEST_FIELDS = set(ManifestPublic.model_fields)


def asset_out(asset: Asset) -> AssetOut:
    # From the asset's own attributes: AssetOut ignores the private ones, and nested records pass
    # as they are (half the cost of dumping and re-validating on a 1,000-asset read).
    urls = {
        "reference_image_url": cdn.read_url(asset.image_path),
        "thumbnail_url": cdn.read_url(asset.thumbnail_path),
        "views": [view_out(v) for v in asset.views],
    }
    return AssetOut.model_validate({**asset.__dict__, **urls})


def view_out(view: AssetView | dict[str, Any]) -> AssetViewOut:
    fields = view if isinstance(view, dict) else view.__dict__
    return AssetViewOut.model_validate(
        {
            **fields,
            "image_url": cdn.read_url(fields.get("image_path")),
            "thumbnail_url": cdn.read_url(fields.get("thumbnail_path")),
        }
    )


def manifest_out(manifest: Manifest) -> ManifestOut:
    return ManifestOut(
        **manifest.model_dump(include=_MANIFEST_FIELDS),
        contact_sheet_url=cdn.read_url(manifest.contact_sheet_path, bucket_name=settings().derived_bucket),
    )


def manifest_detail(manifest: Manifest, assets: list[Asset]) -> ManifestDetail:
    return ManifestDetail(
        **manifest_out(manifest).model_dump(),
        assets=[asset_out(a) for a in assets],
        cast=cast.cast_of(assets),
    )


def progress_out(manifest: Manifest) -> ProgressOut:
    lease = manifest.processing
    return ProgressOut(
        manifest_id=manifest.id,
        status=manifest.status,
        current_step=manifest.current_step,
        progress=manifest.progress,
        error=manifest.error,
        task_id=lease.job_id if lease else None,
        started_at=lease.started_at if lease else None,
        finished_at=lease.finished_at if lease else None,
        lease_expires_at=lease.lease_expires_at if lease else None,
        total_processing_cost=manifest.total_processing_cost,
        cost_breakdown=manifest.cost_breakdown,
        updated_at=manifest.updated_at,
    )


def job_out(job: Job) -> JobOut:
    return JobOut(task_id=job.id, **job.model_dump(exclude={"id", "owner_id", "attempts"}))


# ---------------------------------------------------------------- checkpoints
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
    return ArtifactVersionOut(
        media_url=media.url(version.media_path), **version.model_dump(include=_VERSION_FIELDS)
    )


def artifact_out(artifact: Artifact, versions: list[ArtifactVersion] | None = None) -> ArtifactOut:
    return ArtifactOut(
        **version_out(artifact).model_dump(),
        checkpoint_id=artifact.checkpoint_id,
        artifact_type=artifact.artifact_type,
        artifact_key=artifact.artifact_key,
        updated_at=artifact.updated_at,
        versions=[version_out(v) for v in versions or []],
    )


def checkpoint_detail(checkpoint: Checkpoint) -> CheckpointDetail:
    history = checkpoint_ops.versions_of(checkpoint.id)
    artifacts = [
        artifact_out(a, history.get(checkpoint_ops.artifact_id(a.artifact_type, a.artifact_key), []))
        for a in checkpoint_ops.artifacts_of(checkpoint.id)
    ]
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


# ---------------------------------------------------------------- projects
_PROJECT_FIELDS = set(ProjectPublic.model_fields)


def project_out(project: Project) -> ProjectOut:
    return ProjectOut(project_id=project.id, **project.model_dump(include=_PROJECT_FIELDS))


def project_detail(project: Project, scenes: list[Scene]) -> ProjectDetail:
    return ProjectDetail(**project_out(project).model_dump(), scenes=scenes)


def snapshot_out(project: Project, snapshot: dict[str, Any], assets: list[dict[str, Any]]) -> SnapshotOut:
    sheet = cdn.read_url(
        snapshot["manifest"].get("contact_sheet_path"), bucket_name=settings().derived_bucket
    )
    shown = [snapshot_asset(asset) for asset in assets]
    return SnapshotOut(
        snapshot_id=project.snapshot_id or "",
        project_id=project.id,
        manifest_id=snapshot["manifest_id"],
        manifest_version=snapshot["manifest_version"],
        created_at=snapshot["created_at"],
        manifest=ManifestOut.model_validate({**snapshot["manifest"], "contact_sheet_url": sheet}),
        contact_sheet_url=sheet,
        assets=shown,
        cast=cast.cast_of(shown),
    )


def snapshot_asset(asset: dict[str, Any]) -> SnapshotAsset:
    """A stored asset as the pipeline sees it: every field, embedding included, and image URLs."""
    uploads = settings().uploads_bucket
    return SnapshotAsset.model_validate(
        {
            **asset,
            "reference_image_url": cdn.read_url(asset.get("image_path"), bucket_name=uploads),
            "thumbnail_url": cdn.read_url(asset.get("thumbnail_path"), bucket_name=uploads),
            "views": [view_out(v) for v in asset.get("views") or []],
        }
    )


def fork_out(made: Fork) -> ForkOut:
    return ForkOut(
        project_id=made.project.id,
        resume_stage=made.invalidation.resume_stage,
        scene_copy_boundary=made.invalidation.scene_copy_boundary,
        manifest_id=made.project.manifest_id,
        branch=made.project.branch,
    )
