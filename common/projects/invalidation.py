"""What a fork must redo: the stage to resume at and the first scene that cannot be inherited.

One pure function over plain inputs, so the rules are a table (tests/unit/test_invalidation.py):
- a new prompt or style changes the story: resume at storyboarding, inherit no scene;
- edited or deleted scenes: scenes before the lowest one touched are kept;
- clear_keyframes: the story stands, keyframes are redone: resume at keyframing, from scene 0;
- a modified or removed asset: scenes before the first one whose scene manifest uses its tag are
  kept; when any scene's asset tags are unknown (null or empty: a scene that lists no asset proves
  nothing about which it shows), nothing can be proven safe: boundary 0.
Adding assets invalidates nothing. The earliest reason wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from common.projects.models import ProjectStage

STAGE_ORDER = list(ProjectStage)


@dataclass(frozen=True)
class Invalidation:
    resume_stage: ProjectStage
    scene_copy_boundary: int  # scenes with index < boundary are inherited as they are


def invalidate(
    *,
    scene_count: int,
    scene_asset_tags: Mapping[int, Sequence[str] | None],
    prompt_changed: bool = False,
    style_changed: bool = False,
    edited_scenes: Iterable[int] = (),
    deleted_scenes: Iterable[int] = (),
    clear_keyframes: bool = False,
    changed_asset_tags: Iterable[str] = (),
) -> Invalidation:
    """`scene_asset_tags`: each scene's scene-manifest asset_tags, None (or empty) where unknown."""
    if prompt_changed or style_changed:
        return Invalidation(ProjectStage.STORYBOARDING, 0)
    boundary = scene_count
    stage = ProjectStage.COMPLETE if scene_count else ProjectStage.STORYBOARDING
    touched = [*edited_scenes, *deleted_scenes]
    if touched:
        boundary = min(boundary, *touched)
        stage = ProjectStage.STORYBOARDING
    if clear_keyframes:
        boundary = 0
        stage = _earlier(stage, ProjectStage.KEYFRAMING)
    tags = set(changed_asset_tags)
    if tags:
        if any(not scene_asset_tags.get(i) for i in range(scene_count)):
            boundary = 0
        else:
            using = [i for i in range(scene_count) if tags & set(scene_asset_tags[i] or ())]
            if using:
                boundary = min(boundary, *using)
        if boundary < scene_count:
            stage = _earlier(stage, ProjectStage.KEYFRAMING)
    if boundary >= scene_count and stage == ProjectStage.COMPLETE:
        return Invalidation(ProjectStage.COMPLETE if scene_count else ProjectStage.STORYBOARDING, scene_count)
    return Invalidation(stage, max(0, boundary))


def _earlier(a: ProjectStage, b: ProjectStage) -> ProjectStage:
    return a if STAGE_ORDER.index(a) <= STAGE_ORDER.index(b) else b
