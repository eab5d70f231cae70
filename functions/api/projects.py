"""/api/generate and /api/projects: projects, the manifest snapshots they use, and the pipeline's
progress reports (/api/pipeline/..., for the pipeline's service identity only)."""

from __future__ import annotations

from common.checkpoints import film as film_runs
from common.projects import film, forks, scene_references
from common.projects import projects as ops
from common.projects.models import (
    ForkOut,
    ForkPreview,
    ForkRequest,
    GenerateRequest,
    PipelineProjectUpdate,
    PipelineSceneUpdate,
    ProjectDetail,
    ProjectOut,
    ProjectUpdate,
    Scene,
    SnapshotOut,
)
from common.records import DeletedOut
from functions.api.present.projects import fork_out, project_detail, project_out, snapshot_out
from functions.api.router import Call, route

TAG = "projects"
FORK_BODY_BYTES = 64 * 1024 * 1024  # base64 images inline: a few 20 MB images at most


@route(
    "POST",
    "/api/generate",
    summary="Start a project (with manifest_id, on an immutable snapshot of that manifest); a built-in "
    "run's quote is checked against its budget first (422 with the figures)",
    tag=TAG,
    status=201,
    response=ProjectOut,
    body=GenerateRequest,
    errors=(404, 409, 503),  # 503: the first phase could not be queued
)
def generate(call: Call) -> ProjectOut:
    return project_out(film_runs.generate(call.uid, call.body))


@route(
    "GET",
    "/api/generate/quote",
    summary="What a built-in film of this length may cost at most, and the budget a request without "
    "one is checked against (nothing written)",
    tag=TAG,
    response=film_runs.QuoteOut,
    query=film_runs.QuoteQuery,
)
def quote(call: Call) -> film_runs.QuoteOut:
    return film_runs.quote_out(call.query)


@route(
    "GET", "/api/projects", summary="The caller's projects, newest first", tag=TAG, response=list[ProjectOut]
)
def list_projects(call: Call) -> list[ProjectOut]:
    return [project_out(p) for p in ops.list_owned(call.uid)]


@route(
    "GET",
    "/api/projects/{project_id}",
    summary="A project with its scenes",
    tag=TAG,
    response=ProjectDetail,
    errors=(404,),
)
def get_project(call: Call) -> ProjectDetail:
    project = ops.get_owned(call.uid, call.params["project_id"])
    return project_detail(project, ops.scenes_of(project.id))


@route(
    "PATCH",
    "/api/projects/{project_id}",
    summary="Rename a project, switch auto_continue (YOLO mode) or auto_repair, set its repair_budget "
    "(409 below what its repairs have spent or hold)",
    tag=TAG,
    response=ProjectOut,
    body=ProjectUpdate,
    errors=(404, 409, 503),  # 503: contention outlasted the request's retries (Retry-After)
)
def update_project(call: Call) -> ProjectOut:
    return project_out(ops.update(call.uid, call.params["project_id"], call.body))


@route(
    "DELETE",
    "/api/projects/{project_id}",
    summary="Soft-delete a project (releases its manifest; stops its run)",
    tag=TAG,
    response=DeletedOut,
    errors=(404, 503),
)
def delete_project(call: Call) -> DeletedOut:
    film.delete(call.uid, call.params["project_id"])
    return DeletedOut()


@route(
    "POST",
    "/api/projects/{project_id}/stop",
    summary="Stop a project's built-in run: its queued work ends within one step (409 once finished)",
    tag=TAG,
    response=ProjectOut,
    errors=(404, 409, 503),
)
def stop_project(call: Call) -> ProjectOut:
    return project_out(film.stop(call.uid, call.params["project_id"]))


@route(
    "GET",
    "/api/projects/{project_id}/snapshot",
    summary="The manifest as it was when the project started",
    tag=TAG,
    response=SnapshotOut,
    errors=(404, 409),  # 409: a fork whose snapshot waits for its manifest's run
)
def get_snapshot(call: Call) -> SnapshotOut:
    return snapshot_out(*ops.snapshot_of(call.uid, call.params["project_id"]))


@route(
    "PUT",
    "/api/pipeline/projects/{project_id}",
    summary="Pipeline: record a project's stage and status",
    tag="pipeline",
    response=ProjectOut,
    body=PipelineProjectUpdate,
    errors=(404,),
    pipeline=True,
)
def pipeline_project(call: Call) -> ProjectOut:
    return project_out(ops.record_progress(call.params["project_id"], call.body))


@route(
    "PUT",
    "/api/pipeline/projects/{project_id}/scenes/{scene_index}",
    summary="Pipeline: record a scene's storyboard, keyframe, clip and scene manifest",
    tag="pipeline",
    response=Scene,
    body=PipelineSceneUpdate,
    errors=(404,),
    pipeline=True,
)
def pipeline_scene(call: Call) -> Scene:
    # Scene manifest fields the pipeline leaves empty are filled from the scene's reference packs.
    return scene_references.record_scene(call.params["project_id"], call.params["scene_index"], call.body)


@route(
    "POST",
    "/api/projects/{project_id}/fork",
    summary="Fork a finished project: inherit assets and unchanged scenes, apply asset edits and uploads",
    tag=TAG,
    status=201,
    response=ForkOut,
    body=ForkRequest,
    errors=(404, 409, 503),  # 503: contention outlasted the request's retries (Retry-After)
    body_limit=FORK_BODY_BYTES,
)
def fork_project(call: Call) -> ForkOut:
    return fork_out(forks.fork(call.uid, call.params["project_id"], call.body))


@route(
    "POST",
    "/api/projects/{project_id}/fork/preview",
    summary="What a fork with this request would resume from and keep; creates nothing",
    tag=TAG,
    response=ForkPreview,
    body=ForkRequest,
    errors=(404, 409, 503),  # 503: contention outlasted the request's retries (Retry-After)
    body_limit=FORK_BODY_BYTES,
)
def preview_fork(call: Call) -> ForkPreview:
    return forks.preview(call.uid, call.params["project_id"], call.body)
