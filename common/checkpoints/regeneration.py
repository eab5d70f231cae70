"""Regenerating one beat image (phase 2) or one chunk clip (phase 3) as a job on the GPU service.

The request is checked here (phase, the checkpoint is ready, the artifact exists); the job
document records what to change and a Cloud Task carries its id. The worker writes the result as
the artifact's next version (gpu_service/regenerate.py).
"""

from __future__ import annotations

from common.checkpoints import checkpoints as ops
from common.checkpoints.jobs import ARTIFACT_OF, RegenerationJob, RegenerationKind
from common.checkpoints.models import PHASE_OF, Checkpoint, RegenerateBeat, RegenerateChunk
from common.ids import new_id
from common.jobs import lifecycle
from common.jobs.models import JobKind
from common.records import utcnow


def regenerate_beat(checkpoint: Checkpoint, request: RegenerateBeat) -> RegenerationJob:
    return _start(
        checkpoint, JobKind.REGENERATE_BEAT, request.beat_index, request.prompt_override, model_override=None
    )


def regenerate_chunk(checkpoint: Checkpoint, request: RegenerateChunk) -> RegenerationJob:
    return _start(
        checkpoint,
        JobKind.REGENERATE_CHUNK,
        request.chunk_index,
        request.prompt_override,
        request.model_override,
    )


def _start(
    checkpoint: Checkpoint,
    kind: RegenerationKind,
    index: int,
    prompt_override: str | None,
    model_override: str | None,
) -> RegenerationJob:
    artifact_type = ARTIFACT_OF[kind]
    action = f"regenerating a {'beat' if kind == JobKind.REGENERATE_BEAT else 'chunk'}"
    ops.require_editable(checkpoint, PHASE_OF[artifact_type], action)
    key = str(index)
    ops.get_artifact(checkpoint.id, artifact_type, key)  # 404: no such beat or chunk
    job = RegenerationJob(
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
    lifecycle.submit(job)
    return job
