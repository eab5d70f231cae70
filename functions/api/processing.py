"""The engine from the API's side: start a run, reprocess one asset, watch progress and jobs."""

from __future__ import annotations

from common.jobs import lifecycle
from common.jobs import processing as ops
from common.jobs.models import ProcessAccepted, ProgressOut, ReprocessAccepted
from common.library.models import ManifestStatus
from functions.api.present.jobs import JobOut, job_out, progress_out
from functions.api.router import Call, route

TAG = "processing"


@route(
    "POST",
    "/api/manifests/{manifest_id}/process",
    summary="Process the manifest on the GPU service (detection, faces, reverse prompts, tags, sheet)",
    tag=TAG,
    status=202,
    response=ProcessAccepted,
    errors=(404, 409, 422, 503),
)
def process_manifest(call: Call) -> ProcessAccepted:
    job = ops.start_manifest_run(call.uid, call.params["manifest_id"])
    return ProcessAccepted(task_id=job.id, status=ManifestStatus.PROCESSING, manifest_id=job.manifest_id)


@route(
    "GET",
    "/api/manifests/{manifest_id}/progress",
    summary="Status, current step and per-step progress of the manifest's latest run",
    tag=TAG,
    response=ProgressOut,
    errors=(404,),
)
def manifest_progress(call: Call) -> ProgressOut:
    return progress_out(ops.progress(call.uid, call.params["manifest_id"]))


@route(
    "POST",
    "/api/assets/{asset_id}/reprocess",
    summary="Re-run detection and reverse-prompting for one asset",
    tag=TAG,
    status=202,
    response=ReprocessAccepted,
    errors=(404, 409, 422, 503),
)
def reprocess_asset(call: Call) -> ReprocessAccepted:
    job = ops.start_asset_reprocess(call.uid, call.params["asset_id"])
    return ReprocessAccepted(
        task_id=job.id, status=job.status, asset_id=job.asset_id, manifest_id=job.manifest_id
    )


@route("GET", "/api/jobs/{task_id}", summary="One engine job", tag=TAG, response=JobOut, errors=(404,))
def get_job(call: Call) -> JobOut:
    return job_out(lifecycle.get_owned_doc(call.uid, call.params["task_id"]))
