"""How a repair steers its next attempt by the latest continuity report (common/continuity/steering.py)."""

from __future__ import annotations

from typing import Any

import pytest

from common.checkpoints.report import CharacterSeen, ContinuityReport, ContinuityStatus
from common.continuity.steering import Steer, steer
from common.records import utcnow


def seen(handle: str, *, expected: bool = True, drift: int = 0) -> CharacterSeen:
    return CharacterSeen(
        character_id=handle.lower(),
        handle=handle,
        name=handle,
        expected=expected,
        similarity=0.6,
        frames_seen=3,
        drift_frames=drift,
    )


def report(status: ContinuityStatus, **fields: Any) -> ContinuityReport:
    return ContinuityReport(status=status, job_id="j", requested_at=utcnow(), **fields)


@pytest.mark.parametrize(
    ("checked", "expected"),
    [
        (None, Steer((), "")),
        (report(ContinuityStatus.OK, characters=[seen("CHAR_01")]), Steer((), "")),
        (
            report(ContinuityStatus.MISSING, characters=[seen("CHAR_01")], missing=["CHAR_04"]),
            Steer(("CHAR_04",), "CHAR_04 must appear, with the face of the reference images."),
        ),
        (
            report(ContinuityStatus.UNSURE, missing=["CHAR_04"], unsure=["CHAR_01"]),
            Steer(
                ("CHAR_04", "CHAR_01"),
                "CHAR_04 and CHAR_01 must appear, with the face of the reference images.",
            ),
        ),
        (
            report(ContinuityStatus.UNKNOWN, characters=[seen("CHAR_01")], unknown_faces=1),
            Steer((), "Only CHAR_01 appears; no one else is in the frame."),
        ),
        (
            report(
                ContinuityStatus.UNKNOWN,
                characters=[seen("CHAR_01"), seen("CHAR_09", expected=False)],
                missing=["CHAR_04"],
                unexpected=["CHAR_09"],
            ),
            Steer(
                ("CHAR_04",),
                "CHAR_04 must appear, with the face of the reference images. "
                "Only CHAR_01 and CHAR_04 appear; no one else is in the frame.",
            ),
        ),
        (
            report(ContinuityStatus.UNKNOWN, unknown_faces=2),
            Steer((), "No person is in the frame."),
        ),
        (
            report(ContinuityStatus.DRIFT, characters=[seen("CHAR_01", drift=4), seen("CHAR_02")]),
            Steer(("CHAR_01",), "CHAR_01 keeps the reference face throughout."),
        ),
    ],
)
def test_the_next_attempt_is_steered_by_the_report(checked: ContinuityReport | None, expected: Steer) -> None:
    assert steer(checked) == expected
