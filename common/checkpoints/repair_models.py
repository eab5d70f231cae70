"""A repair's records and how they read: the mark on a version it made, each attempt as the job
records it, the result, and the views the API shows (an attempt with its version's verdict, an
artifact's latest repair). The verdict is stored once, on the version (its continuity report); the
views derive the rest (repair_view.py)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from common.checkpoints.report import ContinuityStatus
from common.jobs.models import JobStatus
from common.records import Model


class RepairMark(Model):
    """A version made by a repair: which job, which attempt."""

    job_id: str
    attempt: int


class RepairMarkOut(RepairMark):
    outcome: ContinuityStatus | None = None  # the version's continuity status


class RepairAttempt(Model):
    """One attempt of a repair as its job records it: the version it made and what it was given.
    What the attempt's check said is that version's continuity report (RepairAttemptOut)."""

    attempt: int
    version: int
    steer: str = ""  # what the attempt asked beyond the artifact's prompt, from the report before it
    references: list[str] = Field(default_factory=list)  # the handles of the images it was given, in order
    cost: float = 0.0  # its generation and its check, in dollars
    generation_cost: float = 0.0  # of which its generation: what the repair budget counts
    at: datetime


class RepairResult(Model):
    attempts: int
    best_version: int | None  # the first version that holds, else the attempt whose report is least severe
    outcome: ContinuityStatus  # that version's continuity status
    repaired: bool  # the outcome holds (ok, or no_faces where nobody is expected)


class RepairAttemptOut(RepairAttempt):
    """An attempt as people read it: its version's verdict, and a line that says it."""

    status: ContinuityStatus
    missing: list[str] = Field(default_factory=list)
    unsure: list[str] = Field(default_factory=list)
    unexpected: list[str] = Field(default_factory=list)
    unknown_faces: int = 0
    said: str  # the attempt in a line (the CLI and the studio print it as it is)


class RepairResultOut(RepairResult):
    said: str  # the outcome in a sentence


class LatestRepair(Model):
    """An artifact's latest repair, as its checkpoint shows it: a reload follows it from here."""

    task_id: str
    status: JobStatus
    max_attempts: int
    outcome: ContinuityStatus | None = None  # the best attempt's status, once the repair is done
    attempts: list[RepairAttemptOut] = Field(default_factory=list)
    said: str | None = None  # the outcome in a sentence, once done
    error: str | None = None  # why it failed, when it did
