"""From the faces seen in each frame to a continuity verdict: a pure function (no models, no I/O).

Each identifiable face is compared with every character of the cast; a `Sighting` is its closest
character and that likeness. With the pack's rules (common/library/identity_rules.py):
- at or above `match`, the face is that character, seen in that frame;
- from `drift_floor` up to `match`, it resembles the character. In a clip where the character is
  also seen, a run of at least `drift_frames` consecutive sampled frames of such faces is **drift**
  (the likeness slipping while the shot goes on); a shorter dip (a head turn) is still the
  character. Anywhere else (a still image; a character never matched in the clip) it is unknown;
- below `drift_floor`, it is somebody outside the cast: an unknown face.
Faces too small, unsure or blurred to tell who (identity.py) are counted apart and match nobody;
but any of them could be an expected character that was not seen, so such a character is **unsure**
(not confirmed), not missing: missing means no face in the picture could have been them.
A character of the cast the scene did not ask for is **unexpected** (where the scene asked for
somebody; a scene that names nobody only reports who appears). The status is the worst finding:
missing, then unknown, then unexpected, then unsure, then drift; no identifiable face and none asked
for is no_faces; else ok.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from common.checkpoints.report import ContinuityStatus


@dataclass(frozen=True)
class Sighting:
    character_id: str | None  # the closest character (None: the cast has nobody to compare with)
    similarity: float  # cosine to that character's closest reference
    identifiable: bool = True


@dataclass(frozen=True)
class Rules:
    match: float
    drift_floor: float
    drift_frames: int  # consecutive sampled frames of a resembling face that make drift


@dataclass
class Seen:
    frames: list[int] = field(default_factory=list)  # frames where a face matched
    similarities: list[float] = field(default_factory=list)
    drift_frames: int = 0
    lowest: float = 1.0

    @property
    def similarity(self) -> float:
        return round(statistics.median(self.similarities), 4)


@dataclass(frozen=True)
class Verdict:
    status: ContinuityStatus
    seen: dict[str, Seen]  # by character id
    missing: list[str]  # character ids, in the order expected: no face could have been them
    unsure: list[str]  # expected, not seen, while a face nobody could tell was there
    unexpected: list[str]
    unknown_faces: int
    unidentifiable_faces: int
    frames_checked: int


def judge(
    frames: Sequence[Sequence[Sighting]], expected: Sequence[str], rules: Rules, *, clip: bool
) -> Verdict:
    seen: dict[str, Seen] = defaultdict(Seen)
    resembling: dict[str, dict[int, float]] = defaultdict(dict)  # character -> frame -> weakest likeness
    unknown = [0] * len(frames)
    unidentifiable = [0] * len(frames)
    for n, sightings in enumerate(frames):
        for s in sightings:
            if not s.identifiable:
                unidentifiable[n] += 1
            elif s.character_id is not None and s.similarity >= rules.match:
                mine = seen[s.character_id]
                if not mine.frames or mine.frames[-1] != n:
                    mine.frames.append(n)
                mine.similarities.append(s.similarity)
                mine.lowest = min(mine.lowest, s.similarity)
            elif s.character_id is not None and s.similarity >= rules.drift_floor:
                weakest = resembling[s.character_id].get(n, 1.0)
                resembling[s.character_id][n] = min(weakest, s.similarity)
            else:
                unknown[n] += 1
    for character_id, near in resembling.items():
        if character_id not in seen or not clip:
            for n in near:
                unknown[n] += 1  # resembling a character this picture never shows: somebody else
            continue
        drifting = seen[character_id]
        apart = sorted(set(near) - set(drifting.frames))
        drifting.drift_frames = sum(len(run) for run in _runs(apart) if len(run) >= rules.drift_frames)
        drifting.lowest = min([drifting.lowest, *near.values()])
    not_seen = [c for c in dict.fromkeys(expected) if c not in seen]
    could_be_them = any(unidentifiable)  # a face that cannot be told apart may be any of them
    missing, unsure = ([], not_seen) if could_be_them else (not_seen, [])
    unexpected = [c for c in seen if c not in expected]
    # Where the scene asked for nobody, everyone seen is only reported, not held against it.
    status = _status(missing, max(unknown, default=0), unexpected if expected else [], unsure, seen)
    return Verdict(
        status=status,
        seen=dict(seen),
        missing=missing,
        unsure=unsure,
        unexpected=unexpected,
        unknown_faces=max(unknown, default=0),
        unidentifiable_faces=max(unidentifiable, default=0),
        frames_checked=len(frames),
    )


def _status(
    missing: Collection[str],
    unknown: int,
    unexpected: Collection[str],
    unsure: Collection[str],
    seen: dict[str, Seen],
) -> ContinuityStatus:
    if missing:
        return ContinuityStatus.MISSING
    if unknown:
        return ContinuityStatus.UNKNOWN
    if unexpected:
        return ContinuityStatus.UNEXPECTED
    if unsure:
        return ContinuityStatus.UNSURE
    if any(s.drift_frames for s in seen.values()):
        return ContinuityStatus.DRIFT
    if not seen:
        return ContinuityStatus.NO_FACES
    return ContinuityStatus.OK


def _runs(frames: Sequence[int]) -> list[list[int]]:
    """Consecutive frame numbers, grouped: [1, 2, 5] -> [[1, 2], [5]]."""
    runs: list[list[int]] = []
    for n in frames:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs
