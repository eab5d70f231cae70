"""The two wires between the functions and the GPU service, one model each, read by both sides.

- A Cloud Task's body (`TaskPayload`): ids only (a task must stay under 100 KB; the job itself
  lives in Firestore). The functions write it (common/jobs/lifecycle.py), the GPU service reads it.
- The answer of `POST /faces/embed` (`EmbedAnswer`): the faces of a search image, largest first,
  each embedded unless it cannot be identified. The GPU service writes it, the api reads it.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from common.ids import ID_PATTERN
from common.jobs.models import Job, JobKind
from common.library.models import IdentityStatus
from common.records import Model

ID = f"^{ID_PATTERN}$"


class TaskPayload(Model):
    model_config = ConfigDict(extra="ignore")  # a newer sender's extra ids are not an error

    job_id: str = Field(pattern=ID)
    kind: JobKind
    manifest_id: str | None = Field(None, pattern=ID)  # engine jobs only

    @classmethod
    def of(cls, job: Job) -> TaskPayload:
        return cls(job_id=job.id, kind=job.kind, manifest_id=getattr(job, "manifest_id", None))

    def fields(self) -> dict[str, str]:
        """The task's JSON body, as Cloud Tasks is given it."""
        return self.model_dump(mode="json", exclude_none=True)


class EmbeddedFace(Model):
    bbox: list[int] = Field(min_length=4, max_length=4)  # x1, y1, x2, y2 in the image's pixels
    score: float
    identity_status: IdentityStatus | None = None  # None: the face can be identified
    identity_note: str | None = None
    embedding: list[float] | None = None  # unit length, 512-d; None when the face cannot be identified


class EmbedAnswer(Model):
    faces: list[EmbeddedFace]
