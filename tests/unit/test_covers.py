"""A project's cover (common/projects/covers.py), as tables: which image version becomes the
cover, and when a fork keeps its parent's."""

from __future__ import annotations

import pytest

from common.projects.covers import inherits, replaces

REPLACES = [
    ("no cover yet: scene 0", None, 0, True),
    ("no cover yet: a later scene", None, 3, True),
    ("a newer version of the cover's scene", 0, 0, True),
    ("a newer version of a later cover's scene", 2, 2, True),
    ("an earlier scene than the cover's", 2, 0, True),
    ("the scene just before the cover's", 2, 1, True),
    ("a later scene than the cover's", 0, 1, False),
    ("a much later scene", 0, 40, False),
    ("a later scene than a later cover's", 2, 3, False),
]


@pytest.mark.parametrize(
    ("label", "cover_scene", "scene", "expected"), REPLACES, ids=[c[0] for c in REPLACES]
)
def test_which_image_becomes_the_cover(
    label: str, cover_scene: int | None, scene: int, expected: bool
) -> None:
    assert replaces(cover_scene, scene) is expected


INHERITS = [
    ("the parent has no cover", None, 4, False),
    ("scene 0 inherited", 0, 4, True),
    ("scene 0 is the only one inherited", 0, 1, True),
    ("nothing inherited (new prompt, cleared keyframes)", 0, 0, False),
    ("the cover's scene is the first one redone", 2, 2, False),
    ("the cover's scene is below the boundary", 2, 3, True),
    ("the cover's scene is past the boundary", 3, 1, False),
]


@pytest.mark.parametrize(
    ("label", "cover_scene", "boundary", "expected"), INHERITS, ids=[c[0] for c in INHERITS]
)
def test_when_a_fork_keeps_its_parents_cover(
    label: str, cover_scene: int | None, boundary: int, expected: bool
) -> None:
    assert inherits(cover_scene, boundary) is expected


SEQUENCES = [
    ("in order", [0, 1, 2], 0),
    ("later scenes first", [2, 1, 0, 2], 0),
    ("scene 0 has no image", [3, 1, 2], 1),
    ("scene 0's new versions", [0, 1, 0, 2, 0], 0),
]


@pytest.mark.parametrize(("label", "recorded", "cover"), SEQUENCES, ids=[c[0] for c in SEQUENCES])
def test_the_cover_is_the_latest_image_of_the_first_scene_that_has_one(
    label: str, recorded: list[int], cover: int
) -> None:
    """Images recorded one after another (scene, version): the cover ends on the latest version of
    the lowest scene recorded."""
    current: tuple[int, int] | None = None
    for version, scene in enumerate(recorded):
        if replaces(current[0] if current else None, scene):
            current = (scene, version)
    latest = max(v for v, s in enumerate(recorded) if s == cover)
    assert current == (cover, latest)
