"""The fork invalidation rules, as a table."""

from __future__ import annotations

import pytest

from common.projects.invalidation import Invalidation, invalidate
from common.projects.models import ProjectStage as S

TAGS = {0: ["ENV_01"], 1: ["CHAR_01", "ENV_01"], 2: ["CHAR_02"], 3: ["CHAR_01", "OBJ_01"]}
UNKNOWN = {**TAGS, 2: None}
EMPTY = {**TAGS, 2: []}  # the seed's rule: null or empty asset_tags are unknown

CASES = [
    ("nothing changed", {}, TAGS, Invalidation(S.COMPLETE, 4)),
    ("new prompt", {"prompt_changed": True}, TAGS, Invalidation(S.STORYBOARDING, 0)),
    ("new style", {"style_changed": True, "edited_scenes": [3]}, TAGS, Invalidation(S.STORYBOARDING, 0)),
    ("scene 2 edited", {"edited_scenes": [2]}, TAGS, Invalidation(S.STORYBOARDING, 2)),
    ("scenes 3 and 1 deleted", {"deleted_scenes": [3, 1]}, TAGS, Invalidation(S.STORYBOARDING, 1)),
    ("keyframes cleared", {"clear_keyframes": True}, TAGS, Invalidation(S.KEYFRAMING, 0)),
    ("CHAR_01 changed", {"changed_asset_tags": ["CHAR_01"]}, TAGS, Invalidation(S.KEYFRAMING, 1)),
    ("CHAR_02 changed", {"changed_asset_tags": ["CHAR_02"]}, TAGS, Invalidation(S.KEYFRAMING, 2)),
    ("an unused asset changed", {"changed_asset_tags": ["OBJ_09"]}, TAGS, Invalidation(S.COMPLETE, 4)),
    ("two assets changed", {"changed_asset_tags": ["OBJ_01", "ENV_01"]}, TAGS, Invalidation(S.KEYFRAMING, 0)),
    ("unknown scene tags", {"changed_asset_tags": ["OBJ_01"]}, UNKNOWN, Invalidation(S.KEYFRAMING, 0)),
    ("unknown tags, nothing changed", {}, UNKNOWN, Invalidation(S.COMPLETE, 4)),
    ("empty scene tags", {"changed_asset_tags": ["OBJ_01"]}, EMPTY, Invalidation(S.KEYFRAMING, 0)),
    (
        "empty scene tags, unused asset",
        {"changed_asset_tags": ["OBJ_09"]},
        EMPTY,
        Invalidation(S.KEYFRAMING, 0),
    ),
    ("empty scene tags, nothing changed", {}, EMPTY, Invalidation(S.COMPLETE, 4)),
    (
        "empty tags after an edit",
        {"edited_scenes": [1], "changed_asset_tags": ["OBJ_09"]},
        EMPTY,
        Invalidation(S.STORYBOARDING, 0),
    ),
    (
        "asset and earlier edit",
        {"changed_asset_tags": ["CHAR_02"], "edited_scenes": [1]},
        TAGS,
        Invalidation(S.STORYBOARDING, 1),
    ),
    (
        "asset before an edit",
        {"changed_asset_tags": ["CHAR_01"], "edited_scenes": [3]},
        TAGS,
        Invalidation(S.STORYBOARDING, 1),
    ),
]


@pytest.mark.parametrize(("label", "changes", "tags", "expected"), CASES, ids=[c[0] for c in CASES])
def test_invalidation_table(label: str, changes: dict, tags: dict, expected: Invalidation) -> None:
    assert invalidate(scene_count=len(tags), scene_asset_tags=tags, **changes) == expected


def test_a_project_without_scenes_starts_over() -> None:
    assert invalidate(scene_count=0, scene_asset_tags={}) == Invalidation(S.STORYBOARDING, 0)
