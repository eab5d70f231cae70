"""The built-in pipeline's first phase for a project (docs/pipeline.md): its storyboard.

The snapshot's cast (its characters by handle, then its uploaded objects, places and styles) and
the prompt, each @Name spelled out with its handle, go to the storyboarder (generate/storyboard.py).
Its scenes are recorded as the pipeline endpoints record them (`storyboard_text`, `scene_manifest`),
a project without a title gets the storyboard's, and phase 1's checkpoint gets the spec and is made
ready: with `auto_continue` it continues at once (the hand-off), else it waits for approval.

A fork storyboards only the scenes it does not inherit, at its parent's lengths and with its own
cast (a removed character is not in it, so no scene asks for him); a scene the fork's request
edited keeps its words. Its spec lists the inherited scenes first, as they were.

Safe to deliver twice: one delivery at a time asks for the storyboard (a claim: another is answered
Busy), which is kept on the job's document the first time one is made (first writer wins), and
every delivery writes the scenes and the spec from the kept one, so they always match; a delivery
after the checkpoint is ready does nothing.
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
from common.ids import new_id
from common.jobs import lifecycle
from common.jobs.lease import Busy
from common.projects import film, projects, scene_references
from common.projects.models import (
    TERMINAL_STATUSES,
    PipelineProjectUpdate,
    PipelineSceneUpdate,
    Project,
    ProjectStage,
    ProjectStatus,
    Scene,
    SceneManifest,
)
from common.projects.references import cast_entries, spelled_out
from common.projects.storyboard import (
    VEO_SECONDS,
    Plan,
    Storyboard,
    StoryboardJob,
    StoryboardScene,
    plan,
    scene_manifest,
    short_title,
)
from common.records import utcnow
from gpu_service.generate.generated import GenerationFailed
from gpu_service.generate.storyboard import storyboarder
from gpu_service.jobs import claims

log = logging.getLogger(__name__)
CLAIM_S = 300  # a storyboard call and its one retry, with room


def run_storyboard(job: StoryboardJob) -> dict[str, Any]:
    project = projects.get(job.project_id)
    if project.status in TERMINAL_STATUSES:
        return {"skipped": f"the project is {project.status.value}"}
    checkpoint, _ = checkpoints.record(project.id, CheckpointCreate(phase=Phase.SPEC, branch=project.branch))
    if checkpoint.ready:  # a delivery after the phase ended: the project has moved on since
        return {"checkpoint_id": checkpoint.id}
    first = project.inherited_scenes
    ahead = projects.scenes_of(project.id)
    board = _board(job, project, _rest(job, project))
    whole = board.model_copy(
        update={"scenes": [_as_written(s) for s in ahead if s.index < first] + board.scenes}
    )
    spec = _spec(project, whole)
    edited = {s.index: s.storyboard_text for s in ahead if s.source == "edited"}
    for index, scene in enumerate(board.scenes, start=first):
        update = PipelineSceneUpdate(
            storyboard_text=edited.get(index) or scene.storyboard_text,  # a fork's edit stands
            scene_manifest=scene_manifest(scene),
            duration_s=scene.duration_s,
        )
        scene_references.record_scene(project.id, index, update)
    if project.title is None:
        projects.project_ref(project.id).update({"title": board.title, "updated_at": utcnow()})
    record = ArtifactRecord(artifact_type=ArtifactType.SPEC, artifact_key=SPEC_KEY, content=spec)
    edits.record(checkpoint, record)  # the same spec again is a no-op: it comes from the kept board
    waiting = ProjectStatus.RUNNING if project.auto_continue else ProjectStatus.PENDING
    film.advance(project.id, PipelineProjectUpdate(stage=ProjectStage.STORYBOARDING, status=waiting))
    continuation.on_ready(checkpoint.id)
    return {"checkpoint_id": checkpoint.id, "scenes": len(whole.scenes), "written": len(board.scenes)}


def _rest(job: StoryboardJob, project: Project) -> Plan:
    """The scenes to write: a new film's from its length; a fork's, those it does not inherit, at
    its parent's lengths (with the fork's cast: a removed character is written out of them)."""
    if project.parent_project_id is None:
        return plan(job.target_duration_s)
    lengths = tuple(
        s.duration_s or max(VEO_SECONDS)
        for s in projects.scenes_of(project.parent_project_id)
        if s.index >= project.inherited_scenes
    )
    return Plan(sum(lengths), lengths)


def _as_written(scene: Scene) -> StoryboardScene:
    """An inherited scene as the spec lists it beside the written ones."""
    manifest = scene.scene_manifest or SceneManifest()
    text = scene.storyboard_text or ""
    return StoryboardScene(
        storyboard_text=text,
        asset_tags=manifest.asset_tags,
        selected_reference_tags=manifest.selected_reference_tags,
        composition_shot_type=manifest.composition_shot_type or "medium",
        composition_camera_movement=manifest.composition_camera_movement or "static",
        rewritten_keyframe_prompt=manifest.rewritten_keyframe_prompt or text,
        rewritten_video_prompt=manifest.rewritten_video_prompt or text,
        duration_s=scene.duration_s or max(VEO_SECONDS),
    )


def _board(job: StoryboardJob, project: Project, rest: Plan) -> Storyboard:
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
    if not rest.scenes:  # a fork that inherits every scene: nothing to write
        return Storyboard(title=project.title or short_title(project.prompt), scenes=[])
    # Asked for by one delivery at a time (paid once): another is answered Busy and comes back.
    claim = claims.key("storyboard", job.id)
    if not claims.take(claim, new_id(), CLAIM_S):
        raise Busy("another delivery of this storyboard is writing it")
    try:
        written = storyboarder().write(prompt, project.style, cast, rest)
    finally:
        claims.release([claim])
    _spec(project, written.board)  # a board no retry makes a valid spec fails here, nothing kept
    log.info(
        "storyboard written",
        extra={"project_id": project.id, "source": written.source, "cost": written.cost},
    )

    def keep(transaction: firestore.Transaction) -> Storyboard:
        stored = (ref.get(transaction=transaction).to_dict() or {}).get("storyboard")
        if stored:
            return Storyboard.model_validate(stored)
        board = written.board.model_dump(mode="json")
        transaction.update(ref, {"storyboard": board, "cost": round(written.cost, 6)})
        # What it cost counts against the run's budget (once: with the board that is kept).
        transaction.update(
            projects.project_ref(project.id), {"spent": firestore.Increment(round(written.cost, 6))}
        )
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
    if project.stage == ProjectStage.STORYBOARDING:
        film.ended(job.project_id, f"storyboarding failed: {message}")
