"""The built-in pipeline's first phase for a project (docs/pipeline.md): its storyboard.

The snapshot's cast (its characters by handle, then its uploaded objects, places and styles) and
the prompt, each @Name spelled out with its handle, go to the storyboarder (generate/storyboard.py).
Its scenes are recorded as the pipeline endpoints record them (`storyboard_text`, `scene_manifest`),
a project without a title gets the storyboard's, and phase 1's checkpoint gets the spec and is made
ready: with `auto_continue` it continues at once (the hand-off), else it waits for approval.

Safe to deliver twice: a spec already recorded on the checkpoint is where a redelivery picks up (the
storyboard is not asked for again); a delivery that died before recording it storyboards again and
writes every scene again, so the scenes always match the spec.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from common.checkpoints import checkpoints, continuation, edits
from common.checkpoints.models import (
    SPEC_KEY,
    ArtifactRecord,
    ArtifactType,
    Checkpoint,
    CheckpointCreate,
    Phase,
    SpecBeat,
    VideoSpec,
)
from common.errors import NotFound
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
from common.projects.storyboard import StoryboardJob, plan, scene_manifest
from common.records import utcnow
from gpu_service.generate.generated import GenerationFailed
from gpu_service.generate.storyboard import storyboarder

log = logging.getLogger(__name__)


def run_storyboard(job: StoryboardJob) -> dict[str, Any]:
    project = projects.get(job.project_id)
    if project.status in TERMINAL_STATUSES:
        return {"skipped": f"the project is {project.status.value}"}
    checkpoint, _ = checkpoints.record(project.id, CheckpointCreate(phase=Phase.SPEC, branch=project.branch))
    try:
        checkpoints.get_artifact(checkpoint.id, ArtifactType.SPEC, SPEC_KEY)
    except NotFound:
        _storyboard(job, project, checkpoint)
    projects.record_progress(
        project.id, PipelineProjectUpdate(stage=ProjectStage.STORYBOARDING, status=ProjectStatus.PENDING)
    )
    continuation.on_ready(checkpoint.id)
    return {"checkpoint_id": checkpoint.id}


def _storyboard(job: StoryboardJob, project: Project, checkpoint: Checkpoint) -> None:
    assets = scene_references.snapshot_assets(project.snapshot_id) if project.snapshot_id else ()
    cast = cast_entries(assets)
    prompt, unresolved = spelled_out(assets, project.prompt)
    if unresolved:
        log.info("the prompt names nobody in the cast", extra={"project_id": project.id, "names": unresolved})
    scenes = plan(job.target_duration_s)
    written = storyboarder().write(prompt, project.style, cast, scenes)
    board = written.board
    try:  # checked before anything is written: no retry makes this storyboard a valid spec
        spec = VideoSpec(
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
    except ValidationError as exc:
        raise GenerationFailed(f"the storyboard is not a valid spec: {exc.errors()[0]['msg']}") from exc
    for index, scene in enumerate(board.scenes):
        update = PipelineSceneUpdate(
            storyboard_text=scene.storyboard_text, scene_manifest=scene_manifest(scene)
        )
        scene_references.record_scene(project.id, index, update)
    if project.title is None:
        projects.project_ref(project.id).update({"title": board.title, "updated_at": utcnow()})
    edits.record(
        checkpoint, ArtifactRecord(artifact_type=ArtifactType.SPEC, artifact_key=SPEC_KEY, content=spec)
    )
    log.info(
        "storyboard written",
        extra={
            "project_id": project.id,
            "scenes": len(board.scenes),
            "source": written.source,
            "cost": written.cost,
        },
    )


def fail(job: StoryboardJob, message: str) -> None:
    """The storyboard cannot be made (its last delivery failed): the project says why."""
    update = PipelineProjectUpdate(status=ProjectStatus.FAILED, error=f"storyboarding failed: {message}")
    try:
        projects.record_progress(job.project_id, update)
    except NotFound:
        return  # the project is gone
