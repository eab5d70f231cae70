"""/api/checkpoints: what each pipeline phase left, edits with versions, regenerations, continuing;
and the pipeline's own recording endpoints (/api/pipeline/..., its service identity only)."""

from __future__ import annotations

from common import artifact_edits, continuation, media, regeneration
from common import checkpoints as ops
from common import projects as project_ops
from common.errors import ValidationFailed
from common.models import (
    Artifact,
    ArtifactOut,
    ArtifactRecord,
    CheckpointCreate,
    CheckpointDetail,
    CheckpointListQuery,
    CheckpointOut,
    ContinueOut,
    Job,
    Phase,
    RegenerateAccepted,
    RegenerateBeat,
    RegenerateChunk,
    SpecPatch,
)
from functions.api.router import Call, route

TAG = "checkpoints"
MEDIA_BODY_BYTES = 72 * 1024 * 1024  # one clip of at most 50 MB, base64


def artifact_out(artifact: Artifact) -> ArtifactOut:
    return ops.artifact_out(artifact, media.url)


def accepted(job: Job) -> RegenerateAccepted:
    return RegenerateAccepted(task_id=job.id, status=job.status, checkpoint_id=job.checkpoint_id or "",
                              artifact_key=job.artifact_key or "")  # fmt: skip


@route(
    "GET", "/api/projects/{project_id}/checkpoints", summary="A project's checkpoints (of one branch)",
    tag=TAG, response=list[CheckpointOut], query=CheckpointListQuery, errors=(404,),
)  # fmt: skip
def list_checkpoints(call: Call) -> list[CheckpointOut]:
    found = ops.list_for_project(call.uid, call.params["project_id"], call.query.branch)
    return [ops.checkpoint_out(c) for c in found]


@route(
    "GET", "/api/checkpoints/{checkpoint_id}", summary="A checkpoint with its artifacts and every version",
    tag=TAG, response=CheckpointDetail, errors=(404,),
)  # fmt: skip
def get_checkpoint(call: Call) -> CheckpointDetail:
    return ops.detail(ops.get_owned(call.uid, call.params["checkpoint_id"]), media.url)


@route(
    "PATCH", "/api/checkpoints/{checkpoint_id}/spec", summary="Phase 1: edit the video spec (a new version)",
    tag=TAG, response=ArtifactOut, body=SpecPatch, errors=(404, 409),
)  # fmt: skip
def edit_spec(call: Call) -> ArtifactOut:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    ops.require_ready(checkpoint)
    return artifact_out(artifact_edits.edit_spec(checkpoint, call.body))


@route(
    "POST", "/api/checkpoints/{checkpoint_id}/upload-image",
    summary="Phase 2: replace one beat's image (JPEG, PNG or WebP, at most 20 MB; a new version)",
    tag=TAG, response=ArtifactOut, multipart=("file", "beat_index"), errors=(404, 409),
)  # fmt: skip
def upload_beat_image(call: Call) -> ArtifactOut:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    ops.require_phase(checkpoint, Phase.STORYBOARD, "uploading a beat image")
    ops.require_ready(checkpoint)
    file = call.request.files.get("file")
    index = call.request.form.get("beat_index", "")
    if file is None:
        raise ValidationFailed("send the image in the multipart field 'file'")
    if not index.isdigit() or len(index) > 4:
        raise ValidationFailed("send the beat's index (0-9999) in the multipart field 'beat_index'")
    return artifact_out(artifact_edits.upload_beat_image(checkpoint, int(index), file.read()))


@route(
    "POST", "/api/checkpoints/{checkpoint_id}/regenerate-beat",
    summary="Phase 2: generate a beat's image again (a job; its output is the next version)",
    tag=TAG, status=202, response=RegenerateAccepted, body=RegenerateBeat, errors=(404, 409, 503),
)  # fmt: skip
def regenerate_beat(call: Call) -> RegenerateAccepted:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    return accepted(regeneration.regenerate_beat(checkpoint, call.body))


@route(
    "POST", "/api/checkpoints/{checkpoint_id}/regenerate-chunk",
    summary="Phase 3: generate a chunk's clip again (a job; its output is the next version)",
    tag=TAG, status=202, response=RegenerateAccepted, body=RegenerateChunk, errors=(404, 409, 503),
)  # fmt: skip
def regenerate_chunk(call: Call) -> RegenerateAccepted:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    return accepted(regeneration.regenerate_chunk(checkpoint, call.body))


@route(
    "POST", "/api/checkpoints/{checkpoint_id}/continue",
    summary="Approve the checkpoint and hand the next phase to the pipeline (a new branch if edited)",
    tag=TAG, response=ContinueOut, errors=(404, 409),
)  # fmt: skip
def continue_checkpoint(call: Call) -> ContinueOut:
    return continuation.continue_checkpoint(ops.get_owned(call.uid, call.params["checkpoint_id"]))


# ---------------------------------------------------------------- the pipeline's records
@route(
    "POST", "/api/pipeline/projects/{project_id}/checkpoints",
    summary="Pipeline: record the checkpoint of a phase reached on a branch (repeatable)",
    tag="pipeline", status=201, response=CheckpointOut, body=CheckpointCreate, errors=(404,), pipeline=True,
)  # fmt: skip
def record_checkpoint(call: Call) -> CheckpointOut:
    checkpoint, _ = ops.record(call.params["project_id"], call.body)
    return ops.checkpoint_out(checkpoint)


@route(
    "POST", "/api/pipeline/checkpoints/{checkpoint_id}/artifacts",
    summary="Pipeline: record an artifact of the checkpoint's phase (version 1; repeatable)",
    tag="pipeline", status=201, response=ArtifactOut, body=ArtifactRecord, errors=(404, 409, 413, 415),
    pipeline=True, body_limit=MEDIA_BODY_BYTES,
)  # fmt: skip
def record_artifact(call: Call) -> ArtifactOut:
    artifact, _ = artifact_edits.record(call.params["checkpoint_id"], call.body)
    return artifact_out(artifact)


@route(
    "POST", "/api/pipeline/checkpoints/{checkpoint_id}/ready",
    summary="Pipeline: every artifact is recorded; with auto_continue the checkpoint continues at once",
    tag="pipeline", response=CheckpointOut, errors=(404,), pipeline=True,
)  # fmt: skip
def checkpoint_ready(call: Call) -> CheckpointOut:
    checkpoint = ops.mark_ready(call.params["checkpoint_id"])
    if project_ops.get(checkpoint.project_id).auto_continue and not checkpoint.continuations:
        continuation.continue_checkpoint(checkpoint)
        checkpoint = ops.get(checkpoint.id)
    return ops.checkpoint_out(checkpoint)
