"""Forks of finished projects: inherit what is unchanged, apply the asset edits, redo what they touch.

The fork gets its own manifest holding a copy of every asset of the parent's snapshot that is not
removed (`is_inherited`, same tags, same stored images), with edits applied; new uploads and new
reference images are stored under the fork's manifest and go through the engine incrementally.
Scenes below the invalidation boundary are copied. Nothing of the parent is ever written: the
parent project, its manifest and its assets are only read (through its immutable snapshot).

`fork` reads as its steps: validate everything (images decoded) before the first write, build
the fork's records, write what nothing points at yet side by side, then commit the project (with
its branch name and, when nothing needs the engine, its snapshot) and start the engine if needed.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

from google.cloud.firestore import WriteBatch

from common.errors import Conflict, ValidationFailed
from common.gcp import db
from common.ids import new_id
from common.jobs import lifecycle
from common.jobs.models import ManifestJob
from common.library import manifests as manifest_ops
from common.projects import branches, covers, fork_assets, projects, snapshots
from common.projects.invalidation import Invalidation, invalidate
from common.projects.models import (
    TERMINAL_STATUSES,
    AssetChanges,
    ForkPreview,
    ForkRequest,
    Project,
    ProjectStage,
    ProjectStatus,
    RedoneScene,
    Scene,
)
from common.records import utcnow

log = logging.getLogger(__name__)


@dataclass
class Fork:
    project: Project
    invalidation: Invalidation


class _Plan(NamedTuple):
    """What a fork of `parent` with a request would do, checked whole and written nowhere."""

    parent: Project
    edits: fork_assets.AssetEdits | None
    scenes: list[Scene]
    result: Invalidation


def _plan(owner_id: str, parent_id: str, request: ForkRequest) -> _Plan:
    parent = projects.get_owned(owner_id, parent_id)
    edits = _validate(parent, request)
    scenes = projects.scenes_of(parent.id)
    return _Plan(parent, edits, scenes, _invalidation(parent, request, scenes, edits))


def preview(owner_id: str, parent_id: str, request: ForkRequest) -> ForkPreview:
    """What `fork` would resume from and keep, by the same plan, writing nothing (a request `fork`
    would refuse is refused here with the same error)."""
    plan = _plan(owner_id, parent_id, request)
    return ForkPreview(
        resume_stage=plan.result.resume_stage,
        scene_copy_boundary=plan.result.scene_copy_boundary,
        scene_count=len(plan.scenes),
        redone=_redone(plan, request),
    )


def _prompt_changed(parent: Project, request: ForkRequest) -> bool:
    return request.prompt is not None and request.prompt != parent.prompt


def _style_changed(parent: Project, request: ForkRequest) -> bool:
    return request.style is not None and request.style != parent.style


def _edited(request: ForkRequest) -> list[int]:
    return [int(i) for i in request.scene_edits]  # keys are digits ("01" is scene 1)


def _redone(plan: _Plan, request: ForkRequest) -> list[RedoneScene]:
    """Each scene from the boundary on with why it is made again: what the request changes in it,
    or, changing nothing itself, that it follows one that changes (a story is told in order)."""
    story = [
        words
        for words, changed in (
            ("the prompt changes", _prompt_changed(plan.parent, request)),
            ("the style changes", _style_changed(plan.parent, request)),
            ("every keyframe is made again", request.clear_keyframes),
        )
        if changed
    ]
    edited = set(_edited(request))
    why = plan.edits.why_changed() if plan.edits is not None else {}
    out = []
    for scene in plan.scenes[plan.result.scene_copy_boundary :]:
        tags = [t for t in (scene.scene_manifest.asset_tags if scene.scene_manifest else []) if t in why]
        because = [
            *story,
            *(["its text is edited"] if scene.index in edited else []),
            *(["it is deleted"] if scene.index in request.deleted_scenes else []),
            *dict.fromkeys(why[t] for t in tags),  # a person's tags say one thing once
        ]
        if not because and why and not (scene.scene_manifest and scene.scene_manifest.asset_tags):
            because = ["it lists nobody, so it may show what changes"]
        because = because or ["it follows a scene that changes"]
        out.append(RedoneScene(index=scene.index, because=because, tags=tags))
    return out


def fork(owner_id: str, parent_id: str, request: ForkRequest) -> Fork:
    parent, edits, scenes, result = _plan(owner_id, parent_id, request)
    project = _new_project(parent, request, result)
    forked = fork_assets.fork_manifest(parent, project, edits) if edits is not None else None
    snapshot = _write(project, forked, scenes, result, request)
    _commit(parent, project, snapshot)
    if forked is not None and forked.edits.needs_engine:
        job = ManifestJob(
            id=new_id(),
            owner_id=owner_id,
            manifest_id=forked.manifest.id,
            incremental=True,
            project_id=project.id,
            created_at=project.created_at,
        )
        try:
            lifecycle.start_run(job)
        except lifecycle.QueueUnavailable:
            # The fork stands; its manifest says ERROR and the next POST /process retries the run.
            log.warning("fork's engine run not queued", extra={"project_id": project.id, "job_id": job.id})
    elif project.pipeline == "built_in":
        projects.start_film(project)  # else once its snapshot is written (projects.attach_snapshot)
    return Fork(project, result)


# ---------------------------------------------------------------- 1. validate
def _validate(parent: Project, request: ForkRequest) -> fork_assets.AssetEdits | None:
    """The parent's snapshot and the asset changes, checked whole (ids, images) before any write;
    None when the parent was generated without a manifest."""
    if parent.status not in TERMINAL_STATUSES:
        raise Conflict(f"only finished projects can be forked; this one is {parent.status.value}")
    changes = request.asset_changes
    if parent.snapshot_id is None:
        if changes is not None:
            raise ValidationFailed(
                "asset_changes need a project that was generated with a manifest; this one has none"
            )
        return None
    source, inherited = snapshots.read(parent.snapshot_id)
    return fork_assets.validate(source, inherited, changes or AssetChanges())


def _invalidation(
    parent: Project, request: ForkRequest, scenes: list[Scene], edits: fork_assets.AssetEdits | None
) -> Invalidation:
    return invalidate(
        scene_count=len(scenes),
        scene_asset_tags={
            s.index: (s.scene_manifest.asset_tags if s.scene_manifest else None) for s in scenes
        },
        prompt_changed=_prompt_changed(parent, request),
        style_changed=_style_changed(parent, request),
        edited_scenes=_edited(request),
        deleted_scenes=request.deleted_scenes,
        clear_keyframes=request.clear_keyframes,
        changed_asset_tags=edits.changed_tags() if edits is not None else [],
    )


# ---------------------------------------------------------------- 2. build
def _new_project(parent: Project, request: ForkRequest, result: Invalidation) -> Project:
    """The fork's record; it shows its parent's cover (the same object) while it inherits the
    scene the cover is of, until it records an image that replaces it."""
    now = utcnow()
    inherited = covers.inherits(parent.cover_scene, result.scene_copy_boundary)
    return Project(
        id=new_id(),
        owner_id=parent.owner_id,
        prompt=request.prompt or parent.prompt,
        style=request.style if request.style is not None else parent.style,
        title=parent.title,
        parent_project_id=parent.id,
        lineage_id=parent.lineage_id or parent.id,
        stage=result.resume_stage,
        # A built-in parent's fork makes its film by its own run; a caller's pipeline resumes one.
        pipeline=parent.pipeline,
        status=ProjectStatus.RUNNING if parent.pipeline == "built_in" else ProjectStatus.PENDING,
        inherited_scenes=result.scene_copy_boundary,
        budget=parent.budget,
        auto_repair=parent.auto_repair,
        repair_budget=parent.repair_budget,
        auto_continue=parent.auto_continue,
        cover_path=parent.cover_path if inherited else None,
        cover_scene=parent.cover_scene if inherited else None,
        created_at=now,
        updated_at=now,
    )


# ---------------------------------------------------------------- 3. write
def _write(
    project: Project,
    forked: fork_assets.ForkedManifest | None,
    scenes: list[Scene],
    result: Invalidation,
    request: ForkRequest,
) -> dict[str, Any] | None:
    """Write everything nothing points at until the project is committed, side by side: the fork's
    scenes, its manifest and assets, and (when no image needs the engine) its snapshot's chunks.
    Returns the snapshot document to commit with the project, if there is one now."""
    snapshot = None
    with ThreadPoolExecutor(max_workers=3) as pool:
        written = [pool.submit(_copy_scenes, project, scenes, result, request)]
        if forked is not None:
            written.append(pool.submit(fork_assets.write_manifest, forked))
            if not forked.edits.needs_engine:
                # Built from what is being written: the fork's manifest is new, nobody else touches it.
                doc = manifest_ops.to_doc(forked.manifest)
                snapshot = snapshots.for_project(
                    project, forked.manifest.id, doc, fork_assets.written_assets(forked.writes)
                )
            project.manifest_id = forked.manifest.id
        for done in written:
            done.result()  # the first failure, if any, stops the fork here: no project points at it
    return snapshot


def _copy_scenes(project: Project, scenes: list[Scene], result: Invalidation, request: ForkRequest) -> None:
    """Scenes below the boundary are copied whole. When the pipeline resumes at keyframing the story
    stands, so every later scene keeps its storyboard (and the composition chosen with it); only its
    keyframe, clip and what keyframing wrote into its scene manifest are dropped."""
    keeps_story = result.resume_stage == ProjectStage.KEYFRAMING
    writes: db.Writes = []
    for scene in scenes:
        if scene.index < result.scene_copy_boundary:
            doc = {**scene.model_dump(exclude={"packable"}), "source": "inherited"}  # derived, not stored
        elif keeps_story and scene.storyboard_text is not None:
            doc = story_of(scene)
        else:
            continue
        writes.append((projects.scene_ref(project.id, scene.index), doc))
    for index, edit in request.scene_edits.items():
        doc = {
            "index": int(index),
            "storyboard_text": edit.storyboard_text,
            "source": "edited",
            "updated_at": utcnow(),
        }
        writes.append((projects.scene_ref(project.id, int(index)), doc))
    db.set_all(writes)


# Scene-manifest fields the storyboard decides; the others are written at keyframing.
STORY_FIELDS = {"asset_tags", "composition_shot_type", "composition_camera_movement"}


def story_of(scene: Scene) -> dict[str, Any]:
    manifest = scene.scene_manifest.model_dump(include=STORY_FIELDS) if scene.scene_manifest else None
    return {
        "index": scene.index,
        "storyboard_text": scene.storyboard_text,
        "scene_manifest": manifest,
        "source": "storyboard",
        "updated_at": utcnow(),
    }


# ---------------------------------------------------------------- 4. commit
def _commit(parent: Project, project: Project, snapshot: dict[str, Any] | None) -> None:
    """Create the project (and its snapshot) under the next free branch name of the parent's."""

    def commit(batch: WriteBatch, branch: str) -> None:
        project.branch = branch
        batch.create(projects.project_ref(project.id), project.model_dump(exclude={"id"}))
        if snapshot is not None:
            snapshots.create_in(batch, snapshot)

    branches.claim_child(
        project.lineage_id or parent.id, parent.branch, commit, details={"project_id": project.id}
    )
