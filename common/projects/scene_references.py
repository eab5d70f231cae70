"""A scene's reference pack, read from the project's snapshot (the choice itself: references.py)."""

from __future__ import annotations

from common.errors import Conflict, NotFound
from common.gcp.config import settings
from common.projects import projects, references, snapshots
from common.projects.models import Project, Scene
from common.projects.reference_models import PackTarget
from common.projects.references import Pack, PackAsset


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
    manifest = scene.scene_manifest
    tags = manifest.asset_tags if manifest else []
    text = scene.storyboard_text or ""
    if not text.strip() and not tags:
        raise Conflict("the scene has no storyboard text and no asset tags: nothing to choose references for")
    _, stored = snapshots.read(project.snapshot_id)
    chosen = references.pack(
        [PackAsset.model_validate(a) for a in stored],
        scene_tags=tags,
        text=text,
        shot_type=manifest.composition_shot_type if manifest else None,
        target=target,
        limit=limit_for(target),
    )
    return scene, chosen
