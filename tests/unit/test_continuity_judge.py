"""The continuity verdict from what each frame shows (gpu_service/continuity/judge.py), as a table."""

from __future__ import annotations

import pytest

from common.checkpoints.report import SEVERITY, ContinuityStatus, worst
from gpu_service.continuity.judge import Rules, Sighting, judge

RULES = Rules(match=0.6, drift_floor=0.35, drift_frames=2)
A, B = "a" * 32, "b" * 32


def face(character: str | None, similarity: float) -> Sighting:
    return Sighting(character, similarity)


BLURRED = Sighting(None, 0.0, identifiable=False)

CASES = [
    # (name, frames, expected, clip) -> (status, seen frames per character, missing, unexpected, unknown)
    ("the expected person", [[face(A, 0.8)]], [A], False, ("ok", {A: 1}, [], [], 0)),
    ("nobody asked for, nobody seen", [[]], [], False, ("no_faces", {}, [], [], 0)),
    ("asked for, nobody seen", [[]], [A], False, ("missing", {}, [A], [], 0)),
    ("someone outside the cast", [[face(A, 0.2)]], [A], False, ("missing", {}, [A], [], 1)),
    ("only a stranger, nothing asked", [[face(A, 0.1)]], [], False, ("unknown", {}, [], [], 1)),
    ("a cast member not asked for", [[face(B, 0.7)]], [], False, ("ok", {B: 1}, [], [B], 0)),
    (
        "two people, one expected",
        [[face(A, 0.9), face(B, 0.7)]],
        [A],
        False,
        ("unexpected", {A: 1, B: 1}, [], [B], 0),
    ),
    ("a resembling face in a still is not named", [[face(A, 0.5)]], [A], False, ("missing", {}, [A], [], 1)),
    ("a face too small to tell may be them: unsure", [[BLURRED]], [A], False, ("unsure", {}, [], [], 0)),
    (
        "a blurred face and a stranger: the stranger is certain",
        [[BLURRED, face(A, 0.1)]],
        [A],
        False,
        ("unknown", {}, [], [], 1),
    ),
    (
        "one seen, one unconfirmed beside a blurred face",
        [[face(A, 0.9), BLURRED]],
        [A, B],
        False,
        ("unsure", {A: 1}, [], [], 0),
    ),
    ("a face too small, nothing asked", [[BLURRED]], [], False, ("no_faces", {}, [], [], 0)),
    # clips
    (
        "a clip that changes person",
        [[face(A, 0.8)], [face(A, 0.8)], [face(A, 0.1)], [face(A, 0.12)]],
        [A],
        True,
        ("unknown", {A: 2}, [], [], 1),
    ),
    (
        "a clip whose likeness slips for two frames: drift",
        [[face(A, 0.8)], [face(A, 0.5)], [face(A, 0.45)], [face(A, 0.7)]],
        [A],
        True,
        ("drift", {A: 2}, [], [], 0),
    ),
    (
        "one weak frame is a head turn, not drift",
        [[face(A, 0.8)], [face(A, 0.5)], [face(A, 0.7)]],
        [A],
        True,
        ("ok", {A: 2}, [], [], 0),
    ),
    (
        "resembling a character the clip never shows is somebody else",
        [[face(A, 0.5)], [face(A, 0.5)]],
        [],
        True,
        ("unknown", {}, [], [], 1),
    ),
    (
        "missing outranks unknown",
        [[face(B, 0.1)], [face(A, 0.9)]],
        [A, B],
        True,
        ("missing", {A: 1}, [B], [], 1),
    ),
    ("no cast to compare with", [[face(None, 0.0)]], [], False, ("unknown", {}, [], [], 1)),
]


@pytest.mark.parametrize(("name", "frames", "expected", "clip", "outcome"), CASES, ids=[c[0] for c in CASES])
def test_verdicts(
    name: str,
    frames: list[list[Sighting]],
    expected: list[str],
    clip: bool,
    outcome: tuple[str, dict[str, int], list[str], list[str], int],
) -> None:
    status, seen, missing, unexpected, unknown = outcome
    verdict = judge(frames, expected, RULES, clip=clip)
    assert verdict.status.value == status
    assert {c: len(s.frames) for c, s in verdict.seen.items()} == seen
    assert (verdict.missing, verdict.unexpected, verdict.unknown_faces) == (missing, unexpected, unknown)
    assert verdict.frames_checked == len(frames)


def test_unsure_lists_whom_a_blurred_face_may_be() -> None:
    verdict = judge([[face(A, 0.9), BLURRED]], [A, B], RULES, clip=False)
    assert (verdict.missing, verdict.unsure) == ([], [B])
    clip = judge([[face(A, 0.9)], [face(A, 0.9), BLURRED]], [A, B], RULES, clip=True)
    assert (clip.status, clip.unsure) == (ContinuityStatus.UNSURE, [B])
    nobody = judge([[face(A, 0.9)]], [A, B], RULES, clip=False)
    assert (nobody.status, nobody.missing, nobody.unsure) == (ContinuityStatus.MISSING, [B], [])


def test_drift_counts_its_frames_and_the_lowest_likeness() -> None:
    frames = [[face(A, 0.8)], [face(A, 0.55)], [face(A, 0.4)], [face(A, 0.38)], [face(A, 0.9)]]
    verdict = judge(frames, [A], RULES, clip=True)
    seen = verdict.seen[A]
    assert (seen.drift_frames, seen.lowest, seen.similarity) == (3, 0.38, 0.85)


def test_unknown_faces_are_the_most_in_one_frame_not_a_sum_over_frames() -> None:
    stranger = face(A, 0.05)
    verdict = judge([[stranger], [stranger, stranger], [stranger]], [], RULES, clip=True)
    assert verdict.unknown_faces == 2
    assert judge([[BLURRED, BLURRED]], [], RULES, clip=False).unidentifiable_faces == 2


def test_the_worst_status_comes_first() -> None:
    assert (
        worst([ContinuityStatus.OK, ContinuityStatus.DRIFT, ContinuityStatus.PENDING])
        == ContinuityStatus.DRIFT
    )
    assert worst([ContinuityStatus.NO_FACES, ContinuityStatus.ERROR]) == ContinuityStatus.ERROR
    assert worst([]) is None
    assert set(SEVERITY) == set(ContinuityStatus)
