"""How a repair steers its next attempt by the latest continuity report: whose references go first
in the pack, and the words added to the prompt. Pure; table tests in tests/unit/test_steering.py.

- a missing (or unconfirmed) character: its references first, most representative face first, and
  named: "CHAR_04 must appear";
- an unknown or unexpected face: "Only CHAR_01 and CHAR_04 appear" (the handles asked for);
- drift: the drifting character's most representative references first, and its face held.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.checkpoints.report import ContinuityReport


@dataclass(frozen=True)
class Steer:
    focus: tuple[str, ...]  # handles whose images go first in the pack, by their most telling face
    words: str  # added to the prompt ("" when the report asks for nothing)


def steer(report: ContinuityReport | None) -> Steer:
    if report is None:
        return Steer((), "")
    absent = list(dict.fromkeys([*report.missing, *report.unsure]))
    drifting = [c.handle for c in report.characters if c.expected and c.drift_frames > 0]
    expected = list(dict.fromkeys([*(c.handle for c in report.characters if c.expected), *absent]))
    words = []
    if absent:
        words.append(f"{_joined(absent)} must appear, with the face of the reference images.")
    if report.unexpected or report.unknown_faces:
        if expected:
            verb = "appears" if len(expected) == 1 else "appear"
            words.append(f"Only {_joined(expected)} {verb}; no one else is in the frame.")
        else:
            words.append("No person is in the frame.")
    if drifting:
        words.append(
            f"{_joined(drifting)} keep{'s' if len(drifting) == 1 else ''} the reference face throughout."
        )
    return Steer(tuple(dict.fromkeys([*absent, *drifting])), " ".join(words))


def _joined(handles: list[str]) -> str:
    return handles[0] if len(handles) == 1 else f"{', '.join(handles[:-1])} and {handles[-1]}"
