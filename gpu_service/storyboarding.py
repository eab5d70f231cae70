"""The built-in pipeline's first phase for a project (docs/pipeline.md): its storyboard.

The snapshot's cast (its characters by handle, then its uploaded objects, places and styles) and
the prompt, each @Name spelled out with its handle, go to the storyboarder (generate/storyboard.py).
Its scenes are recorded as the pipeline endpoints record them (`storyboard_text`, `scene_manifest`),
a project without a title gets the storyboard's, and phase 1's checkpoint gets the spec and is made
ready: with `auto_continue` it continues at once (the hand-off), else it waits for approval.

Safe to deliver twice: the storyboard is kept on the job's document the first time one is made
(first writer wins), and every delivery writes the scenes and the spec from the kept one, so they
always match; a delivery after the checkpoint is ready does nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from google.cloud import firestore
from pydantic import ValidationError

from common.checkpoints import checkpoints, continuation, edits
from common.checkpoints.models import (
    SPEC_KEY,
    ArtifactRecord,
    ArtifactType,
    CheckpointCreate,
    Phase,
    SpecBeat,
    VideoSpec,
)
from common.errors import NotFound
from common.gcp import db
from common.jobs import lifecycle
from common.projects import projects, scene_references
from common.projects.models import (
    TERMINAL_STATUSES,
    PipelineProjectUpdate,
    PipelineSceneUpdate,
    Project,
    ProjectStage,
    ProjectStatus,
)
from common.projects.references import cast_entries, spelled_out
from common.projects.storyboard import Storyboard, StoryboardJob, plan, scene_manifest
from common.records import utcnow
from gpu_service.generate.generated import GenerationFailed
from gpu_service.generate.storyboard import storyboarder

log = logging.getLogger(__name__)


def run_storyboard(job: StoryboardJob) -> dict[str, Any]:
    project = projects.get(job.project_id)
    if project.status in TERMINAL_STATUSES:
        return {"skipped": f"the project is {project.status.value}"}
    checkpoint, _ = checkpoints.record(project.id, CheckpointCreate(phase=Phase.SPEC, branch=project.branch))
    if checkpoint.ready:  # a delivery after the phase ended: the project has moved on since
        return {"checkpoint_id": checkpoint.id}
    board = _board(job, project)
    spec = _spec(project, board)
    for index, scene in enumerate(board.scenes):
        update = PipelineSceneUpdate(
            storyboard_text=scene.storyboard_text, scene_manifest=scene_manifest(scene)
        )
        scene_references.record_scene(project.id, index, update)
    if project.title is None:
        projects.project_ref(project.id).update({"title": board.title, "updated_at": utcnow()})
    record = ArtifactRecord(artifact_type=ArtifactType.SPEC, artifact_key=SPEC_KEY, content=spec)
    edits.record(checkpoint, record)  # the same spec again is a no-op: it comes from the kept board
    projects.record_progress(
        project.id, PipelineProjectUpdate(stage=ProjectStage.STORYBOARDING, status=ProjectStatus.PENDING)
    )
    continuation.on_ready(checkpoint.id)
    return {"checkpoint_id": checkpoint.id, "scenes": len(board.scenes)}


def _board(job: StoryboardJob, project: Project) -> Storyboard:
    """The job's storyboard: asked for once and kept on the job's document, first writer wins, so
    every delivery (a retry after a crash, a duplicate at the same moment) writes the same scenes
    and spec."""
    ref = lifecycle.job_ref(job.id)
    kept = (ref.get().to_dict() or {}).get("storyboard")
    if kept:
        return Storyboard.model_validate(kept)
    assets = scene_references.snapshot_assets(project.snapshot_id) if project.snapshot_id else ()
    cast = cast_entries(assets)
    prompt, unresolved = spelled_out(assets, project.prompt)
    if unresolved:
        log.info("the prompt names nobody in the cast", extra={"project_id": project.id, "names": unresolved})
    written = storyboarder().write(prompt, project.style, cast, plan(job.target_duration_s))
    _spec(project, written.board)  # a board no retry makes a valid spec fails here, nothing kept
    log.info(
        "storyboard written",
        extra={"project_id": project.id, "source": written.source, "cost": written.cost},
    )

    def keep(transaction: firestore.Transaction) -> Storyboard:
        stored = (ref.get(transaction=transaction).to_dict() or {}).get("storyboard")
        if stored:
            return Storyboard.model_validate(stored)
        transaction.update(ref, {"storyboard": written.board.model_dump(mode="json")})
        return written.board

    return db.run_transaction(keep)


def _spec(project: Project, board: Storyboard) -> VideoSpec:
    try:
        return VideoSpec(
            title=project.title or board.title,
            logline=project.prompt,
            style=project.style,
            duration_s=sum(s.duration_s for s in board.scenes),
            beats=[
                SpecBeat(
                    description=s.storyboard_text,
                    duration_s=s.duration_s,
                    shot_type=s.composition_shot_type,
                    camera_movement=s.composition_camera_movement,
                    asset_tags=s.asset_tags,
                )
                for s in board.scenes
            ],
        )
    except ValidationError as exc:  # no retry makes this storyboard a valid spec
        raise GenerationFailed(f"the storyboard is not a valid spec: {exc.errors()[0]['msg']}") from exc


def fail(job: StoryboardJob, message: str) -> None:
    """The storyboard cannot be made (its last delivery failed): the project says why, unless it
    has moved on or ended meanwhile."""
    try:
        project = projects.get(job.project_id)
    except NotFound:
        return  # the project is gone
    if project.status in TERMINAL_STATUSES or project.stage != ProjectStage.STORYBOARDING:
        return
    update = PipelineProjectUpdate(status=ProjectStatus.FAILED, error=f"storyboarding failed: {message}")
    projects.record_progress(job.project_id, update)
