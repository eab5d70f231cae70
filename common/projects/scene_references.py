"""A scene's reference pack, read from the project's snapshot (the choice itself: references.py),
and the scene fields the pipeline leaves empty filled from it."""

from __future__ import annotations

from functools import lru_cache

from common.errors import Conflict, NotFound
from common.gcp.config import settings
from common.projects import projects, references, snapshots
from common.projects.models import PipelineSceneUpdate, Project, Scene, SceneManifest, SnapshotAsset
from common.projects.reference_models import PackTarget
from common.projects.references import Pack


def limit_for(target: PackTarget) -> int:
    cfg = settings()
    return cfg.reference_limit_video if target == "video" else cfg.reference_limit_image


def scene_pack(project: Project, scene_index: int, target: PackTarget) -> tuple[Scene, Pack]:
    """The pack for one scene of the project (409 when there is nothing to choose from)."""
    if project.snapshot_id is None:
        raise Conflict(
            "the project has no manifest snapshot: it was started without a manifest, or its run is not done"
        )
    found = projects.scene_ref(project.id, scene_index).get()
    if not found.exists:
        raise NotFound("scene not found")
    scene = Scene.model_validate(found.to_dict() or {})
    chosen = pack_for(project.snapshot_id, scene, target)
    if chosen is None:  # the scene is not packable
        raise Conflict("the scene has no storyboard text and no asset tags: nothing to choose references for")
    return scene, chosen


def pack_for(
    snapshot_id: str,
    scene: Scene,
    target: PackTarget,
    *,
    prompt: str | None = None,
    focus: tuple[str, ...] = (),
    setback: tuple[str, ...] = (),
) -> Pack | None:
    """The scene's pack from that snapshot; None when the scene names nothing (it is not
    `packable`) and no prompt is given. `prompt`: a regeneration's words, spelled out instead of the
    scene's text; `focus` and `setback`: a repair's steering (references.pack)."""
    if not scene.packable and not prompt:
        return None
    manifest = scene.scene_manifest
    return references.pack(
        list(snapshot_assets(snapshot_id)),
        scene_tags=manifest.asset_tags if manifest else [],
        text=scene.storyboard_text or "",
        shot_type=manifest.composition_shot_type if manifest else None,
        target=target,
        limit=limit_for(target),
        prompt=prompt,
        focus=focus,
        setback=setback,
    )


@lru_cache(maxsize=4)  # a 1,000-asset snapshot with its embeddings is a few MB parsed
def snapshot_assets(snapshot_id: str) -> tuple[SnapshotAsset, ...]:
    """A snapshot never changes after it is written: each instance reads and parses it once."""
    _, stored = snapshots.read(snapshot_id)
    return tuple(SnapshotAsset.model_validate(a) for a in stored)


def record_scene(project_id: str, index: int, update: PipelineSceneUpdate) -> Scene:
    """The pipeline's scene, recorded; on a project with a snapshot, the scene manifest's
    `selected_reference_tags`, `rewritten_keyframe_prompt` and `rewritten_video_prompt` that it
    holds no value for are filled from the scene's packs (what the pipeline sends wins)."""
    scene = projects.record_scene(project_id, index, update)
    project = projects.get(project_id)
    if project.snapshot_id is None:
        return scene
    video, image = (pack_for(project.snapshot_id, scene, t) for t in ("video", "image"))
    if video is None or image is None:
        return scene
    held = scene.scene_manifest or SceneManifest()
    filled = {
        "selected_reference_tags": held.selected_reference_tags
        or list(dict.fromkeys(r.manifest_tag for r in video.references)),
        "rewritten_keyframe_prompt": held.rewritten_keyframe_prompt or image.prompt,
        "rewritten_video_prompt": held.rewritten_video_prompt or video.prompt,
    }
    changes = {f"scene_manifest.{k}": v for k, v in filled.items() if getattr(held, k) != v}
    if not changes:
        return scene
    projects.scene_ref(project_id, index).update(changes)
    return scene.model_copy(update={"scene_manifest": held.model_copy(update=filled)})
