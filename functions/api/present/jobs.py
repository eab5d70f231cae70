"""Jobs and a manifest's progress as the API shows them.

`JobOut` is any job of any kind (GET /api/jobs/{id}): each kind's model lives in its domain, and
this view reads the stored fields it knows; a repair's attempts carry their versions' verdicts
(common/checkpoints/repair_view.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from common.checkpoints import repair_view
from common.checkpoints.jobs import RepairJob
from common.checkpoints.repair_models import RepairAttemptOut, RepairResultOut
from common.jobs.models import JobKind, JobStatus, ProgressOut
from common.library.models import Manifest
from common.records import Model


class JobOut(Model):
    task_id: str
    kind: JobKind
    status: JobStatus
    manifest_id: str | None = None
    asset_id: str | None = None
    checkpoint_id: str | None = None
    artifact_key: str | None = None
    result_version: int | None = None  # a regeneration's output
    version: int | None = None  # the artifact version a continuity check looks at
    from_version: int | None = None  # the artifact version a repair starts from
    max_attempts: int | None = None  # a repair's
    repair_attempts: list[RepairAttemptOut] = Field(default_factory=list)  # a repair's, so far
    result: RepairResultOut | None = None  # a repair's, once it is done
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None


def progress_out(manifest: Manifest) -> ProgressOut:
    lease = manifest.processing
    return ProgressOut(
        manifest_id=manifest.id,
        status=manifest.status,
        current_step=manifest.current_step,
        progress=manifest.progress,
        error=manifest.error,
        task_id=lease.job_id if lease else None,
        started_at=lease.started_at if lease else None,
        finished_at=lease.finished_at if lease else None,
        lease_expires_at=lease.lease_expires_at if lease else None,
        total_processing_cost=manifest.total_processing_cost,
        cost_breakdown=manifest.cost_breakdown,
        updated_at=manifest.updated_at,
    )


def job_out(doc: dict[str, Any]) -> JobOut:
    """A stored job (its fields and id) as the API shows it."""
    shown = {
        k: v for k, v in doc.items() if k in JobOut.model_fields and k not in {"repair_attempts", "result"}
    }
    if doc.get("kind") != JobKind.REPAIR:
        return JobOut(task_id=doc["id"], **shown)
    job = RepairJob.model_validate(doc)
    return JobOut(
        task_id=job.id,
        **shown,
        repair_attempts=repair_view.attempts_of(job),
        result=repair_view.result_out(job.result) if job.result is not None else None,
    )
