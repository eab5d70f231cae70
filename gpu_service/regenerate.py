"""Run one regeneration job: the artifact's previous version and a prompt in, its next version out.

The output is stored under a name made of the job id and a per-delivery suffix, then written as the
next version together with a marker named after the job (common/checkpoints.add_version). Two
deliveries of one job at once both generate, but only one version is written; the loser's object
is removed.
"""

from __future__ import annotations

from typing import Any

from common.checkpoints import checkpoints, media
from common.checkpoints.models import Artifact, ArtifactType
from common.checkpoints.regeneration import ARTIFACT_OF
from common.jobs.models import RegenerationJob
from common.records import new_id
from gpu_service.generators import GenerationFailed, generator

DEFAULT_PROMPT = "the same shot, generated again"


def run_regeneration(job: RegenerationJob) -> int:
    """Returns the artifact's version that holds this job's output."""
    artifact_type = ARTIFACT_OF[job.kind]
    current = checkpoints.get_artifact(job.checkpoint_id, artifact_type, job.artifact_key)
    applied = checkpoints.applied_version(job.checkpoint_id, job.id)
    if applied is not None:
        return applied  # a redelivery after the version was written
    if not current.media_path:
        raise GenerationFailed("the artifact has no media to start from")
    previous = media.load(current.media_path)
    prompt = job.prompt_override or current.prompt or DEFAULT_PROMPT
    make = generator()
    if artifact_type == ArtifactType.BEAT_IMAGE:
        out = make.beat(previous, prompt)
    else:
        out = make.chunk(previous, prompt, job.model_override)
    stored = media.Media(out.data, out.mime_type, out.extension)
    # Each delivery stores under its own name: the losing one removes only its own object.
    path = media.object_path(
        job.checkpoint_id, artifact_type, job.artifact_key, f"job-{job.id}-{new_id()[:12]}", out.extension
    )
    media.store(path, stored)

    def version(_current: Artifact) -> dict[str, Any]:
        return {
            "generator": out.generator,
            "media_path": path,
            "mime_type": stored.mime_type,
            "digest": stored.digest,
            "prompt": prompt,
            "cost": out.cost,
        }

    written, created = checkpoints.add_version(
        job.checkpoint_id, artifact_type, job.artifact_key, version, job_id=job.id
    )
    if not created:
        media.discard(path)  # the other delivery's output is the version
        return checkpoints.applied_version(job.checkpoint_id, job.id) or written.version
    return written.version
