"""The cut (phase 4): a film's clips, the latest version of each (edits and repairs count), joined
in scene order into one MP4 with a poster (generate/cut.py), stored with the project's media; the
project gets its film, its length, and is complete.

Safe to deliver twice: the film's object is named after the job, and the project's fields are
written in a transaction that leaves a stopped (or deleted) project alone.
"""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

from common.checkpoints import checkpoints, media
from common.checkpoints.models import ArtifactType
from common.gcp import db
from common.jobs.lease import Superseded
from common.projects import film, projects
from common.projects.film import StitchJob
from common.projects.models import TERMINAL_STATUSES, PipelineProjectUpdate, ProjectStage, ProjectStatus
from common.records import utcnow
from gpu_service.generate import cut
from gpu_service.generate.generated import GenerationFailed


def run_stitch(job: StitchJob) -> dict[str, Any]:
    project = projects.get(job.project_id)
    if project.status in TERMINAL_STATUSES:
        raise Superseded(f"the project is {project.status.value}")
    film.advance(
        project.id, PipelineProjectUpdate(stage=ProjectStage.STITCHING, status=ProjectStatus.RUNNING)
    )
    clips = sorted(
        (
            a
            for a in checkpoints.artifacts_of(job.checkpoint_id)
            if a.artifact_type == ArtifactType.CHUNK_CLIP
        ),
        key=lambda a: int(a.artifact_key),
    )
    if not clips or [a.artifact_key for a in clips] != [str(n) for n in range(len(clips))]:
        raise GenerationFailed("the clips checkpoint is missing a scene's clip")
    try:
        made = cut.join([media.load(a.media_path or "") for a in clips])
    except cut.CutFailed as exc:
        raise GenerationFailed(f"the clips could not be joined: {exc}") from exc
    film_path = f"films/{project.id}/{job.id}.mp4"
    poster_path = f"films/{project.id}/{job.id}-poster.jpg"
    media.store(film_path, media.Media(made.video, "video/mp4", "mp4"))
    media.store(poster_path, media.Media(made.poster_jpeg, "image/jpeg", "jpg"))
    ref = projects.project_ref(project.id)

    def finish(transaction: firestore.Transaction) -> None:
        current = projects.read_project(ref.get(transaction=transaction))
        if current.status in TERMINAL_STATUSES or current.deleted_at is not None:
            raise Superseded(f"the project is {current.status.value}")
        transaction.update(
            ref,
            {
                "final_video_path": film_path,
                "poster_path": poster_path,
                "duration_s": made.duration_s,
                "stage": ProjectStage.COMPLETE.value,
                "status": ProjectStatus.COMPLETE.value,
                "error": None,
                "updated_at": utcnow(),
            },
        )

    db.run_transaction(finish, serial_on=ref)
    return {"duration_s": made.duration_s, "reencoded": made.reencoded, "scenes": len(clips)}


def fail(job: StitchJob, message: str) -> None:
    """The film cannot be cut: the project says why (unless it ended meanwhile)."""
    film.ended(job.project_id, f"the cut failed: {message}")
