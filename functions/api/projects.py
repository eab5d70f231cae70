"""/api/generate and /api/projects: projects, the manifest snapshots they use, and the pipeline's
progress reports (/api/pipeline/..., for the pipeline's service identity only)."""

from __future__ import annotations

from typing import Any

from common import forks, storage
from common import projects as ops
from common.config import settings
from common.models import (
    DeletedOut,
    ForkOut,
    ForkRequest,
    GenerateRequest,
    ManifestPublic,
    PipelineProjectUpdate,
    PipelineSceneUpdate,
    Project,
    ProjectDetail,
    ProjectOut,
    ProjectPublic,
    ProjectUpdate,
    Scene,
    SnapshotAsset,
    SnapshotOut,
)
from functions.api.router import Call, route

TAG = "projects"
FORK_BODY_BYTES = 64 * 1024 * 1024  # base64 images inline: a few 20 MB images at most
_PUBLIC = set(ProjectPublic.model_fields)


def project_out(project: Project) -> ProjectOut:
    return ProjectOut(project_id=project.id, **project.model_dump(include=_PUBLIC))


@route(
    "POST",
    "/api/generate",
    summary="Start a project; with manifest_id, on an immutable snapshot of that manifest",
    tag=TAG,
    status=201,
    response=ProjectOut,
    body=GenerateRequest,
    errors=(404, 409),
)
def generate(call: Call) -> ProjectOut:
    return project_out(ops.generate(call.uid, call.body))


@route(
    "GET", "/api/projects", summary="The caller's projects, newest first", tag=TAG, response=list[ProjectOut]
)
def list_projects(call: Call) -> list[ProjectOut]:
    return [project_out(p) for p in ops.list_owned(call.uid)]


@route(
    "GET", "/api/projects/{project_id}", summary="A project with its scenes", tag=TAG,
    response=ProjectDetail, errors=(404,),
)  # fmt: skip
def get_project(call: Call) -> ProjectDetail:
    project = ops.get_owned(call.uid, call.params["project_id"])
    return ProjectDetail(**project_out(project).model_dump(), scenes=ops.scenes_of(project.id))


@route(
    "PATCH", "/api/projects/{project_id}", summary="Rename a project or switch auto_continue (YOLO mode)",
    tag=TAG, response=ProjectOut, body=ProjectUpdate, errors=(404,),
)  # fmt: skip
def update_project(call: Call) -> ProjectOut:
    return project_out(ops.update(call.uid, call.params["project_id"], call.body))


@route(
    "DELETE", "/api/projects/{project_id}", summary="Soft-delete a project (releases its manifest)",
    tag=TAG, response=DeletedOut, errors=(404,),
)  # fmt: skip
def delete_project(call: Call) -> DeletedOut:
    ops.soft_delete(call.uid, call.params["project_id"])
    return DeletedOut()


@route(
    "GET", "/api/projects/{project_id}/snapshot", summary="The manifest as it was when the project started",
    tag=TAG, response=SnapshotOut, errors=(404,),
)  # fmt: skip
def get_snapshot(call: Call) -> SnapshotOut:
    project, snapshot, assets = ops.snapshot_of(call.uid, call.params["project_id"])
    return SnapshotOut(
        snapshot_id=project.snapshot_id or "",
        project_id=project.id,
        manifest_id=snapshot["manifest_id"],
        manifest_version=snapshot["manifest_version"],
        created_at=snapshot["created_at"],
        manifest=ManifestPublic.model_validate(snapshot["manifest"]),
        assets=[snapshot_asset(asset) for asset in assets],
    )


def snapshot_asset(asset: dict[str, Any]) -> SnapshotAsset:
    """A stored asset as the pipeline sees it: every field, embedding included, and image URLs."""
    uploads = settings().uploads_bucket
    return SnapshotAsset.model_validate(
        {
            **asset,
            "reference_image_url": storage.read_url(asset.get("image_path"), bucket_name=uploads),
            "thumbnail_url": storage.read_url(asset.get("thumbnail_path"), bucket_name=uploads),
        }
    )


@route(
    "PUT", "/api/pipeline/projects/{project_id}", summary="Pipeline: record a project's stage and status",
    tag="pipeline", response=ProjectOut, body=PipelineProjectUpdate, errors=(404,), pipeline=True,
)  # fmt: skip
def pipeline_project(call: Call) -> ProjectOut:
    return project_out(ops.record_progress(call.params["project_id"], call.body))


@route(
    "PUT", "/api/pipeline/projects/{project_id}/scenes/{scene_index}",
    summary="Pipeline: record a scene's storyboard, keyframe, clip and scene manifest",
    tag="pipeline", response=Scene, body=PipelineSceneUpdate, errors=(404,), pipeline=True,
)  # fmt: skip
def pipeline_scene(call: Call) -> Scene:
    return ops.record_scene(call.params["project_id"], call.params["scene_index"], call.body)


@route(
    "POST", "/api/projects/{project_id}/fork",
    summary="Fork a finished project: inherit assets and unchanged scenes, apply asset edits and uploads",
    tag=TAG, status=201, response=ForkOut, body=ForkRequest, errors=(404, 409), body_limit=FORK_BODY_BYTES,
)  # fmt: skip
def fork_project(call: Call) -> ForkOut:
    made = forks.fork(call.uid, call.params["project_id"], call.body)
    return ForkOut(
        project_id=made.project.id,
        resume_stage=made.invalidation.resume_stage,
        scene_copy_boundary=made.invalidation.scene_copy_boundary,
        manifest_id=made.project.manifest_id,
        branch=made.project.branch,
    )
