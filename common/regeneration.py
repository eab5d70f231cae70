"""Regenerating one beat image (phase 2) or one chunk clip (phase 3) as a job on the GPU service.

The request is checked here (phase, the artifact exists, the checkpoint is ready); the job
document records what to change and a Cloud Task carries its id. The worker writes the result as
the artifact's next version (gpu_service/regenerate.py).
"""

from __future__ import annotations

from common import checkpoints as ops
from common import processing
from common.models import (
    ArtifactType,
    Checkpoint,
    Job,
    JobKind,
    Phase,
    RegenerateBeat,
    RegenerateChunk,
    new_id,
    utcnow,
)


def regenerate_beat(checkpoint: Checkpoint, request: RegenerateBeat) -> Job:
    ops.require_phase(checkpoint, Phase.STORYBOARD, "regenerating a beat")
    return _start(checkpoint, JobKind.REGENERATE_BEAT, ArtifactType.BEAT_IMAGE, request.beat_index,
                  prompt_override=request.prompt_override, model_override=None)  # fmt: skip


def regenerate_chunk(checkpoint: Checkpoint, request: RegenerateChunk) -> Job:
    ops.require_phase(checkpoint, Phase.CHUNKS, "regenerating a chunk")
    return _start(checkpoint, JobKind.REGENERATE_CHUNK, ArtifactType.CHUNK_CLIP, request.chunk_index,
                  prompt_override=request.prompt_override, model_override=request.model_override)  # fmt: skip


def _start(
    checkpoint: Checkpoint,
    kind: JobKind,
    artifact_type: ArtifactType,
    index: int,
    *,
    prompt_override: str | None,
    model_override: str | None,
) -> Job:
    ops.require_ready(checkpoint)
    key = str(index)
    ops.get_artifact(checkpoint.id, artifact_type, key)  # 404: no such beat or chunk
    job = Job(
        id=new_id(),
        kind=kind,
        owner_id=checkpoint.owner_id,
        project_id=checkpoint.project_id,
        checkpoint_id=checkpoint.id,
        artifact_key=key,
        prompt_override=prompt_override,
        model_override=model_override,
        created_at=utcnow(),
    )
    processing.job_ref(job.id).create(job.model_dump(exclude={"id"}))
    processing.enqueue_or_fail(job)
    return job
