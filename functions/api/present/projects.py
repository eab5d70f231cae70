"""Projects, their snapshots and forks as the API shows them."""

from __future__ import annotations

from typing import Any

from common.checkpoints import media
from common.gcp import cdn
from common.gcp.config import settings
from common.library import cast
from common.library.models import ManifestOut
from common.projects import film
from common.projects.forks import Fork
from common.projects.models import (
    ForkOut,
    Project,
    ProjectDetail,
    ProjectOut,
    ProjectPublic,
    Scene,
    SnapshotAssetOut,
    SnapshotOut,
)
from functions.api.present.library import view_out

_PROJECT_FIELDS = set(ProjectPublic.model_fields)


def project_out(project: Project) -> ProjectOut:
    """Signing the cover's URL is an HMAC, no read: a page of projects costs its query alone."""
    return ProjectOut(
        project_id=project.id,
        cover_url=media.url(project.cover_path),
        final_video_url=media.url(project.final_video_path),
        poster_url=media.url(project.poster_path),
        **project.model_dump(include=_PROJECT_FIELDS),
    )


def project_detail(project: Project, scenes: list[Scene]) -> ProjectDetail:
    phases = film.phases(project) if project.pipeline == "built_in" else []
    return ProjectDetail(**project_out(project).model_dump(), scenes=scenes, phases=phases)


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


def snapshot_asset(asset: dict[str, Any]) -> SnapshotAssetOut:
    """A stored asset as the pipeline sees it: every field, embedding included, and image URLs."""
    uploads = settings().uploads_bucket
    return SnapshotAssetOut.model_validate(
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
