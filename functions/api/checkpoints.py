"""/api/checkpoints: what each pipeline phase left, edits with versions, regenerations, continuing;
and the pipeline's own recording endpoints (/api/pipeline/..., its service identity only)."""

from __future__ import annotations

from common.checkpoints import checkpoints as ops
from common.checkpoints import continuation, promotion, regeneration, repair
from common.checkpoints import edits as artifact_edits
from common.checkpoints.models import (
    ArtifactOut,
    ArtifactRecord,
    CheckpointCreate,
    CheckpointDetail,
    CheckpointListQuery,
    CheckpointOut,
    ContinueOut,
    PromoteRequest,
    RegenerateAccepted,
    RegenerateBeat,
    RegenerateChunk,
    RepairAccepted,
    RepairRequest,
    SpecPatch,
)
from common.continuity import checks
from common.errors import ValidationFailed
from common.ids import INDEX_MAX
from common.library.models import AssetOut
from functions.api.present.checkpoints import (
    artifact_out,
    checkpoint_detail,
    checkpoint_out,
    continue_out,
    regeneration_accepted,
    repair_accepted,
)
from functions.api.present.library import asset_out
from functions.api.router import Call, route

TAG = "checkpoints"
MEDIA_BODY_BYTES = 72 * 1024 * 1024  # one clip of at most 50 MB, base64


@route(
    "GET",
    "/api/projects/{project_id}/checkpoints",
    summary="A project's checkpoints (of one branch)",
    tag=TAG,
    response=list[CheckpointOut],
    query=CheckpointListQuery,
    errors=(404,),
)
def list_checkpoints(call: Call) -> list[CheckpointOut]:
    found = ops.list_for_project(call.uid, call.params["project_id"], call.query.branch)
    return [checkpoint_out(c) for c in found]


@route(
    "GET",
    "/api/checkpoints/{checkpoint_id}",
    summary="A checkpoint with its artifacts and every version",
    tag=TAG,
    response=CheckpointDetail,
    errors=(404,),
)
def get_checkpoint(call: Call) -> CheckpointDetail:
    return checkpoint_detail(*ops.owned_with_project(call.uid, call.params["checkpoint_id"]))


@route(
    "PATCH",
    "/api/checkpoints/{checkpoint_id}/spec",
    summary="Phase 1: edit the video spec (a new version)",
    tag=TAG,
    response=ArtifactOut,
    body=SpecPatch,
    errors=(404, 409),
)
def edit_spec(call: Call) -> ArtifactOut:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    return artifact_out(artifact_edits.edit_spec(checkpoint, call.body))


@route(
    "POST",
    "/api/checkpoints/{checkpoint_id}/upload-image",
    summary="Phase 2: replace one beat's image (JPEG, PNG or WebP, at most 20 MB; a new version)",
    tag=TAG,
    response=ArtifactOut,
    multipart=("file", "beat_index"),
    errors=(404, 409),
)
def upload_beat_image(call: Call) -> ArtifactOut:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    file = call.image_file()
    index = call.request.form.get("beat_index", "")
    if not (
        index.isascii() and index.isdigit() and len(index) <= len(str(INDEX_MAX)) and int(index) <= INDEX_MAX
    ):
        raise ValidationFailed(f"send the beat's index (0-{INDEX_MAX}) in the multipart field 'beat_index'")
    artifact = artifact_edits.upload_beat_image(checkpoint, int(index), file.read())
    checks.queue(checkpoint, artifact)
    return artifact_out(artifact)


@route(
    "POST",
    "/api/checkpoints/{checkpoint_id}/regenerate-beat",
    summary="Phase 2: generate a beat's image again (a job; its output is the next version)",
    tag=TAG,
    status=202,
    response=RegenerateAccepted,
    body=RegenerateBeat,
    errors=(404, 409, 503),
)
def regenerate_beat(call: Call) -> RegenerateAccepted:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    return regeneration_accepted(regeneration.regenerate_beat(checkpoint, call.body))


@route(
    "POST",
    "/api/checkpoints/{checkpoint_id}/regenerate-chunk",
    summary="Phase 3: generate a chunk's clip again (a job; its output is the next version)",
    tag=TAG,
    status=202,
    response=RegenerateAccepted,
    body=RegenerateChunk,
    errors=(404, 409, 503),
)
def regenerate_chunk(call: Call) -> RegenerateAccepted:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    return regeneration_accepted(regeneration.regenerate_chunk(checkpoint, call.body))


@route(
    "POST",
    "/api/checkpoints/{checkpoint_id}/repair",
    summary="Regenerate a beat image or clip with its scene's references until its continuity check holds "
    "(a job; each attempt is a version; its quote must fit the project's repair_budget)",
    tag=TAG,
    status=202,
    response=RepairAccepted,
    body=RepairRequest,
    errors=(404, 409, 503),
)
def repair_artifact(call: Call) -> RepairAccepted:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    return repair_accepted(repair.start(checkpoint, call.body))


@route(
    "POST",
    "/api/checkpoints/{checkpoint_id}/continue",
    summary="Approve the checkpoint and hand the next phase to the pipeline (a new branch if edited)",
    tag=TAG,
    response=ContinueOut,
    errors=(404, 409, 503),  # 503: contention outlasted the request's retries (Retry-After)
)
def continue_checkpoint(call: Call) -> ContinueOut:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    return continue_out(checkpoint, continuation.continue_checkpoint(checkpoint))


@route(
    "POST",
    "/api/checkpoints/{checkpoint_id}/promote",
    summary="Make a storyboard image (or a clip's frame) a reference asset of a manifest, processed at once",
    tag=TAG,
    status=201,
    response=AssetOut,
    body=PromoteRequest,
    errors=(404, 409, 503),
)
def promote_frame(call: Call) -> AssetOut:
    checkpoint = ops.get_owned(call.uid, call.params["checkpoint_id"])
    return asset_out(promotion.promote(call.uid, checkpoint, call.body))


# ---------------------------------------------------------------- the pipeline's records
@route(
    "POST",
    "/api/pipeline/projects/{project_id}/checkpoints",
    summary="Pipeline: record the checkpoint of a phase reached on a branch (repeatable)",
    tag="pipeline",
    status=201,
    response=CheckpointOut,
    body=CheckpointCreate,
    errors=(404,),
    pipeline=True,
)
def record_checkpoint(call: Call) -> CheckpointOut:
    checkpoint, _ = ops.record(call.params["project_id"], call.body)
    return checkpoint_out(checkpoint)


@route(
    "POST",
    "/api/pipeline/checkpoints/{checkpoint_id}/artifacts",
    summary="Pipeline: record an artifact of the checkpoint's phase (version 1; repeatable)",
    tag="pipeline",
    status=201,
    response=ArtifactOut,
    body=ArtifactRecord,
    errors=(404, 409, 413, 415),
    pipeline=True,
    body_limit=MEDIA_BODY_BYTES,
)
def record_artifact(call: Call) -> ArtifactOut:
    checkpoint = ops.get(call.params["checkpoint_id"])
    artifact, _ = artifact_edits.record(checkpoint, call.body)
    checks.queue(checkpoint, artifact)  # again for a repeated recording: its check may not be queued yet
    return artifact_out(artifact)


@route(
    "POST",
    "/api/pipeline/checkpoints/{checkpoint_id}/ready",
    summary="Pipeline: every artifact is recorded; with auto_continue the checkpoint continues at once",
    tag="pipeline",
    response=CheckpointOut,
    errors=(404,),
    pipeline=True,
)
def checkpoint_ready(call: Call) -> CheckpointOut:
    return checkpoint_out(continuation.on_ready(call.params["checkpoint_id"]))
