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
from google.cloud.firestore import Increment

from common import processing
from common.errors import NotFound
from common.models import Job, JobKind, JobStatus, ManifestStatus, utcnow
from gpu_service import clips, describe, imaging
from gpu_service.generators import GenerationFailed
from gpu_service.pipeline import run_manifest
from gpu_service.progress import RunProgress, Superseded
from gpu_service.regenerate import run_regeneration
from gpu_service.reprocess import run_reprocess

log = logging.getLogger(__name__)


def handle(job_id: str, *, last_attempt: bool) -> str:
    job = processing.read_job(job_id)
    if job is None:
        return "unknown job"
    if job.status in (JobStatus.DONE, JobStatus.ERROR):
        return f"already {job.status.value.lower()}"
    _mark(job, {"status": JobStatus.RUNNING.value, "started_at": job.started_at or utcnow(),
                "attempts": Increment(1)})  # fmt: skip
    result: dict[str, Any] = {}
    try:
        if job.kind == JobKind.PROCESS_MANIFEST:
            run_manifest(job)
        elif job.kind == JobKind.REPROCESS_ASSET:
            run_reprocess(job)
        else:
            result["result_version"] = run_regeneration(job)
    except Superseded as exc:
        current = processing.read_job(job.id)
        if current is not None and current.status == JobStatus.DONE:
            return "already done"  # a concurrent delivery of this job finished it first
        _mark(job, {"status": JobStatus.ERROR.value, "error": f"superseded: {exc}", "finished_at": utcnow()})
        return "superseded"
    except (imaging.UnreadableImage, describe.DescribeFailed, GenerationFailed, clips.UnreadableClip,
            exceptions.NotFound, NotFound) as exc:  # fmt: skip
        # The input's own problem (recorded on the asset, or gone): retrying cannot help.
        _mark(job, {"status": JobStatus.ERROR.value, "error": str(exc), "finished_at": utcnow()})
        return "input failed"
    except Exception as exc:
        if not last_attempt:
            raise
        log.exception("job failed on its last attempt", extra={"job_id": job.id})
        message = f"processing failed: {exc.__class__.__name__}: {exc}"[:1000]
        _fail(job, message)
        return "failed"
    _mark(job, {"status": JobStatus.DONE.value, "error": None, "finished_at": utcnow(), **result})
    return "done"


def _fail(job: Job, message: str) -> None:
    _mark(job, {"status": JobStatus.ERROR.value, "error": message, "finished_at": utcnow()})
    if job.kind == JobKind.PROCESS_MANIFEST:
        with contextlib.suppress(Superseded):
            RunProgress(job.manifest_id, job.id).finish(ManifestStatus.ERROR, message)


def _mark(job: Job, changes: dict[str, Any]) -> None:
    with contextlib.suppress(exceptions.NotFound):
        processing.job_ref(job.id).update(changes)
