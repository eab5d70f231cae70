"""A continuity report: who a generated beat or clip shows, measured against the project's snapshot cast.

Imports nothing of the project but its base modules (common.records, common.ids): every checkpoint
version carries one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from common.ids import derived_id
from common.records import Model, utcnow


class ContinuityStatus(StrEnum):
    OK = "ok"  # every expected character seen, every identifiable face someone of the cast
    MISSING = "missing"  # a character the scene asks for was not seen, and no face could have been them
    UNSURE = "unsure"  # an expected character not seen while a face nobody could tell was there
    UNKNOWN = "unknown"  # an identifiable face that is nobody of the cast
    UNEXPECTED = "unexpected"  # a character of the cast the scene did not ask for
    DRIFT = "drift"  # a clip's character whose likeness falls below the match over a stretch of frames
    NO_FACES = "no_faces"  # no identifiable face, and none was asked for
    PENDING = "pending"  # queued or being checked
    ERROR = "error"  # the check could not be made (`error` says why)


MAX_FACES_PER_FRAME = 12  # a report's faces stay bounded: 48 sampled frames x 12 faces at most

# Worst first: a project's summary lists scenes in this order.
SEVERITY = (
    ContinuityStatus.ERROR,
    ContinuityStatus.MISSING,
    ContinuityStatus.UNKNOWN,
    ContinuityStatus.UNEXPECTED,
    ContinuityStatus.UNSURE,
    ContinuityStatus.DRIFT,
    ContinuityStatus.PENDING,
    ContinuityStatus.NO_FACES,
    ContinuityStatus.OK,
)


# What a repair stops at, and the reports it acts on (pending and error need a check first).
HOLDS = (ContinuityStatus.OK, ContinuityStatus.NO_FACES)
REPAIRABLE = (
    ContinuityStatus.MISSING,
    ContinuityStatus.UNSURE,
    ContinuityStatus.UNKNOWN,
    ContinuityStatus.UNEXPECTED,
    ContinuityStatus.DRIFT,
)
# What an automatic repair acts on: every repairable report but `unsure`, which waits for a person
# (a face nobody could tell may be the one asked for).
AUTO_REPAIRABLE = tuple(s for s in REPAIRABLE if s != ContinuityStatus.UNSURE)


def severity(status: ContinuityStatus | None) -> int:
    """A status's place in SEVERITY: 0 is the worst; None (never checked) comes after them all."""
    return SEVERITY.index(status) if status is not None else len(SEVERITY)


def worst(statuses: list[ContinuityStatus]) -> ContinuityStatus | None:
    return min(statuses, key=severity) if statuses else None


class CharacterSeen(Model):
    character_id: str
    handle: str  # the character's tag in the cast
    name: str
    expected: bool  # the scene asked for this character
    similarity: float  # median cosine to the character's references over the frames it was seen in
    frames_seen: int  # sampled frames in which one face matched it
    drift_frames: int = 0  # sampled frames in a drift stretch (clips)
    lowest_similarity: float | None = None  # the weakest likeness of it in the clip, drift stretches included


class FaceInFrame(Model):
    """One face a check found in one of the frames it looked at, for drawing over that frame."""

    frame: int  # the checked frame's index (0 for a beat image; see frames_at_s for a clip's)
    box: list[int]  # [x1, y1, x2, y2] in the frame's pixels
    character_id: str | None  # whom it resembles (at or above the drift floor); None: nobody of the cast
    matched: bool  # at or above the match threshold: it is that character
    similarity: float  # cosine to that character (to the closest one when None)
    identifiable: bool  # False: too small, unsure or blurred to tell who


class ContinuityReport(Model):
    status: ContinuityStatus
    characters: list[CharacterSeen] = Field(default_factory=list)  # expected first, then by frames seen
    missing: list[str] = Field(default_factory=list)  # handles the scene asked for and no frame shows
    # handles the scene asked for that no frame confirms, while a face too small, unsure or blurred
    # to tell who was there (it may be them)
    unsure: list[str] = Field(default_factory=list)
    unexpected: list[str] = Field(default_factory=list)  # handles seen that the scene did not ask for
    unchecked: list[str] = Field(
        default_factory=list
    )  # the scene's person tags whose references show no face
    unknown_faces: int = 0  # most identifiable faces of nobody in the cast in one frame
    unidentifiable_faces: int = 0  # most faces too small, unsure or blurred to tell who, in one frame
    frames_checked: int = 0
    frames_at_s: list[float] = Field(default_factory=list)  # when each checked frame is (a clip's)
    # every face found, frame by frame (at most MAX_FACES_PER_FRAME a frame, the surest first)
    faces: list[FaceInFrame] = Field(default_factory=list)
    snapshot_id: str | None = None  # the cast it was measured against
    job_id: str  # the check that wrote (or will write) this report
    requested_at: datetime
    checked_at: datetime | None = None
    gpu_seconds: float = 0.0
    cost: float = 0.0  # dollars of GPU time, also on the version's cost
    error: str | None = None


def first_check(checkpoint_id: str, artifact_id: str, version: int) -> ContinuityReport:
    """The pending report a new version starts with. Its check's id is derived from the version,
    so recording the same version again queues nothing new."""
    job_id = derived_id("continuity", checkpoint_id, artifact_id, version)
    return ContinuityReport(status=ContinuityStatus.PENDING, job_id=job_id, requested_at=utcnow())
