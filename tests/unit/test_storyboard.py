"""What is kept of a storyboarder's answer, and how a film's length becomes scenes (pure rules)."""

from __future__ import annotations

import pytest

from common.projects.references import CastEntry
from common.projects.storyboard import Plan, Storyboard, StoryboardScene, kept, plan, short_title

CAST = [
    CastEntry("CHAR_01", "Ann", "character", "a woman in a red coat"),
    CastEntry("ENV_01", "Harbour", "environment", "a grey harbour at dawn"),
]


@pytest.mark.parametrize(
    ("target", "durations"),
    [
        (None, (8, 8, 8)),  # the default: 24 s
        (24, (8, 8, 8)),
        (10, (6, 4)),
        (4, (4,)),
        (1, (4,)),  # the shortest clip Veo makes
        (30, (8, 8, 8, 6)),
        (200, (8,) * 20),  # at most 20 scenes
    ],
)
def test_a_length_becomes_scenes_of_veo_lengths(target: int | None, durations: tuple[int, ...]) -> None:
    assert plan(target).durations == durations


def scene(tags: list[str], selected: list[str], duration: int) -> StoryboardScene:
    return StoryboardScene(
        storyboard_text="Ann waits.",
        asset_tags=tags,
        selected_reference_tags=selected,
        composition_shot_type="wide",
        composition_camera_movement="static",
        rewritten_keyframe_prompt="A wide shot of CHAR_01.",
        rewritten_video_prompt="CHAR_01 waits.",
        duration_s=duration,
    )


def test_only_the_casts_handles_are_kept_and_lengths_snap_to_veos() -> None:
    board = Storyboard(
        title="  Ann at the harbour, waiting for the boat that never comes  ",
        scenes=[
            scene(["CHAR_01", "CHAR_99", "CHAR_01"], ["CHAR_99", "ENV_01", "CHAR_01"], 7),
            scene(["ENV_01"], [], 30),
            scene(["CHAR_01"], [], 8),  # past the plan: dropped
        ],
    )
    out = kept(board, CAST, Plan(16, (8, 8)))
    assert [s.asset_tags for s in out.scenes] == [["CHAR_01"], ["ENV_01"]]
    # references are among the scene's own tags (ENV_01 is not in the first scene)
    assert [s.selected_reference_tags for s in out.scenes] == [["CHAR_01"], []]
    assert [s.duration_s for s in out.scenes] == [8, 8]  # 7 -> 8 (a tie goes to the longer), 30 -> 8
    assert out.title == "Ann at the harbour, waiting for"


def test_a_title_is_never_empty() -> None:
    assert short_title("  ") == "Untitled"
