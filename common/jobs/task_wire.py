"""A Cloud Task's body between the functions and the GPU service: ids only (a task must stay under
100 KB; the job itself lives in Firestore). The functions write it (lifecycle.py), the GPU service
reads it (gpu_service/main.py).
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from common.ids import ID_PATTERN
from common.jobs.models import JobKind, JobRecord
from common.records import Model

ID = f"^{ID_PATTERN}$"


class TaskPayload(Model):
    model_config = ConfigDict(extra="ignore")  # a newer sender's extra ids are not an error

    job_id: str = Field(pattern=ID)
    kind: JobKind
    manifest_id: str | None = Field(None, pattern=ID)  # engine jobs only

    @classmethod
    def of(cls, job: JobRecord) -> TaskPayload:
        return cls(job_id=job.id, kind=job.kind, manifest_id=getattr(job, "manifest_id", None))

    def fields(self) -> dict[str, str]:
        """The task's JSON body, as Cloud Tasks is given it."""
        return self.model_dump(mode="json", exclude_none=True)
