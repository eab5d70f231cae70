"""Run one delivered job to its end, and decide what Cloud Tasks should do next.

Answering 2xx acknowledges the task; anything else makes Cloud Tasks retry it with backoff. Jobs
already finished, superseded or gone are acknowledged without work. An unexpected failure is retried,
except on the queue's last attempt, which records the error where the client looks instead.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from google.api_core import exceptions

from common.errors import NotFound
from common.jobs import lifecycle
from common.jobs.lifecycle import Superseded
from common.jobs.models import ContinuityJob, Job, JobStatus, ManifestJob, RepairJob, ReprocessJob
from common.library.models import ManifestStatus
from gpu_service import repair
from gpu_service.continuity import check as continuity
from gpu_service.errors import Permanent
from gpu_service.jobs.progress import RunProgress
from gpu_service.regenerate import run_regeneration
from gpu_service.reprocess import run_reprocess
from gpu_service.run.pipeline import run_manifest

log = logging.getLogger(__name__)


def handle(job_id: str, *, last_attempt: bool) -> str:
    job = lifecycle.read_job(job_id)
    if job is None:
        return "unknown job"
    if lifecycle.finished(job):
        return f"already {job.status.value.lower()}"
    lifecycle.mark_running(job)
    try:
        result = _run(job)
    except Superseded as exc:
        current = lifecycle.read_job(job.id)
        if current is not None and current.status == JobStatus.DONE:
            return "already done"  # a concurrent delivery of this job finished it first
        lifecycle.mark_failed(job, f"superseded: {exc}")
        return "superseded"
    except (Permanent, exceptions.NotFound, NotFound) as exc:
        # The input's own problem (recorded on the asset, or gone): retrying cannot help.
        if isinstance(job, RepairJob):
            repair.abandon(job)  # first: should it fail, the retry finds the job unfinished
        lifecycle.mark_failed(job, str(exc))
        return "input failed"
    except Exception as exc:
        if not last_attempt:
            raise
        log.exception("job failed on its last attempt", extra={"job_id": job.id})
        message = f"processing failed: {exc.__class__.__name__}: {exc}"[:1000]
        _fail(job, message)
        return "failed"
    lifecycle.mark_done(job, result)
    return "done"


def _run(job: Job) -> dict[str, Any]:
    """Do the job's work; returns what its document records when it is done."""
    if isinstance(job, ManifestJob):
        run_manifest(job)
    elif isinstance(job, ReprocessJob):
        run_reprocess(job)
    elif isinstance(job, ContinuityJob):
        continuity.run_continuity(job)
    elif isinstance(job, RepairJob):
        return {"result": repair.run_repair(job).model_dump(mode="python")}
    else:
        return {"result_version": run_regeneration(job)}
    return {}


def _fail(job: Job, message: str) -> None:
    if isinstance(job, RepairJob):
        repair.abandon(job)  # first: should it fail, the retry finds the job unfinished
    lifecycle.mark_failed(job, message)
    if isinstance(job, ContinuityJob):
        continuity.fail(job, message)
    if isinstance(job, ManifestJob):
        with contextlib.suppress(Superseded):
            RunProgress(job.manifest_id, job.id).finish(ManifestStatus.ERROR, message)
