"""Processing jobs and a manifest's progress as the API shows them."""

from __future__ import annotations

from common.jobs.models import Job, JobOut, ProgressOut
from common.library.models import Manifest


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


def job_out(job: Job) -> JobOut:
    return JobOut(task_id=job.id, **job.model_dump(exclude={"id", "owner_id", "attempts"}))
