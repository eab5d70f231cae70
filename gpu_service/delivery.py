"""Run one delivered job to its end, and decide what Cloud Tasks should do next.

Every kind of job is in one table, `KINDS`: the model its document is read as, the work it runs
(whose return value the job's document records when it is done), and what is done when it fails
for good. Answering 2xx acknowledges the task; anything else makes Cloud Tasks retry it with
backoff. Jobs already finished, superseded or gone are acknowledged without work. An unexpected
failure is retried, except on the queue's last attempt, which records the error where the client
looks instead.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from google.api_core import exceptions

from common.checkpoints.jobs import RegenerationJob, RepairJob
from common.continuity.jobs import ContinuityJob
from common.errors import NotFound
from common.jobs import lease, lifecycle
from common.jobs.lease import Busy, RunOver, Superseded, TakenOver
from common.jobs.models import JobKind, JobRecord, JobStatus, ManifestJob, ReprocessJob, ShardJob
from common.library.models import ManifestStatus
from common.projects import film
from common.projects.film import PhaseJob, SceneJob, StitchJob
from common.projects.storyboard import StoryboardJob
from gpu_service import repair, storyboarding
from gpu_service.continuity import check as continuity
from gpu_service.errors import Permanent
from gpu_service.film import phase, scene, stitch
from gpu_service.regenerate import run_regeneration
from gpu_service.reprocess import run_reprocess
from gpu_service.run import shard
from gpu_service.run.pipeline import run_manifest
from gpu_service.run.shard import run_shard

log = logging.getLogger(__name__)
J = TypeVar("J", bound=JobRecord)


@dataclass(frozen=True)
class Kind(Generic[J]):
    model: type[J]
    # The fields its document records when it is done; None: not done yet (a run handed to shards).
    run: Callable[[J], dict[str, Any] | None]
    abandon: Callable[[J, str], None]  # it failed for good: settle or record what it holds
    settled: Callable[[J], None] | None = None  # a delivery of it once it has finished


def _manifest(job: ManifestJob) -> dict[str, Any] | None:
    return {} if run_manifest(job) else None


def _storyboard(job: StoryboardJob) -> dict[str, Any]:
    return storyboarding.run_storyboard(job)


def _shard(job: ShardJob) -> dict[str, Any]:
    run_shard(job)
    return {}


def _shard_failed(job: ShardJob, message: str) -> None:
    """A shard that cannot finish ends its run: the fan-in would never come."""
    with contextlib.suppress(Superseded):
        lease.end_run(job.manifest_id, job.run_id, ManifestStatus.ERROR, f"shard {job.index + 1}: {message}")
    run = lifecycle.read_job(job.run_id, ManifestJob)
    if run is not None and not lifecycle.finished(run):
        lifecycle.mark_failed(run, f"shard {job.index + 1}: {message}")


def _reprocess(job: ReprocessJob) -> dict[str, Any]:
    run_reprocess(job)
    return {}


def _regeneration(job: RegenerationJob) -> dict[str, Any]:
    return {"result_version": run_regeneration(job)}


def _continuity(job: ContinuityJob) -> dict[str, Any]:
    continuity.run_continuity(job)
    return {}


def _repair(job: RepairJob) -> dict[str, Any]:
    return {"result": repair.run_repair(job).model_dump(mode="python")}


def _nothing_held(_job: JobRecord, _message: str) -> None:
    """Nothing to undo: the job's document says why it failed."""


def _manifest_failed(job: ManifestJob, message: str) -> None:
    with contextlib.suppress(Superseded):
        lease.end_run(job.manifest_id, job.id, ManifestStatus.ERROR, message)
    if job.project_id is not None:  # a built-in fork waits for this run: it cannot start
        film.fork_cast_failed(job.project_id, message)


def _repair_failed(job: RepairJob, _message: str) -> None:
    repair.abandon(job)


KINDS: dict[JobKind, Kind[Any]] = {
    JobKind.PROCESS_MANIFEST: Kind(ManifestJob, _manifest, _manifest_failed),
    JobKind.REPROCESS_ASSET: Kind(ReprocessJob, _reprocess, _nothing_held),
    JobKind.REGENERATE_BEAT: Kind(RegenerationJob, _regeneration, _nothing_held),
    JobKind.REGENERATE_CHUNK: Kind(RegenerationJob, _regeneration, _nothing_held),
    JobKind.CHECK_CONTINUITY: Kind(ContinuityJob, _continuity, continuity.fail),
    JobKind.REPAIR: Kind(RepairJob, _repair, _repair_failed),
    JobKind.PROCESS_SHARD: Kind(ShardJob, _shard, _shard_failed, settled=shard.settled),
    JobKind.STORYBOARD: Kind(StoryboardJob, _storyboard, storyboarding.fail),
    JobKind.PHASE: Kind(PhaseJob, phase.run_phase, phase.fail),
    JobKind.SCENE: Kind(SceneJob, scene.run_scene, scene.failed, settled=scene.settled),
    JobKind.STITCH: Kind(StitchJob, stitch.run_stitch, stitch.fail),
}


def read(job_id: str) -> tuple[Kind[Any], JobRecord] | None:
    """The job and its kind's entry, or None when there is no such job (or its kind is unknown)."""
    doc = lifecycle.read_doc(job_id)
    kind = KINDS.get(doc.get("kind", "")) if doc is not None else None  # a StrEnum key is its string
    if doc is None or kind is None:
        return None
    return kind, kind.model.model_validate(doc)


def handle(job_id: str, *, last_attempt: bool) -> str:
    found = read(job_id)
    if found is None:
        return "unknown job"
    kind, job = found
    if lifecycle.finished(job):
        if kind.settled is not None:
            with contextlib.suppress(Superseded):  # its run ended meanwhile: nothing to settle
                kind.settled(job)
        return f"already {job.status.value.lower()}"
    lifecycle.mark_running(job)
    try:
        result = kind.run(job)
    except Busy:
        raise  # another delivery is working it: this one changes nothing
    except RunOver as exc:
        return _over(job, exc)
    except Superseded as exc:
        return _superseded(job, exc)
    except (Permanent, exceptions.NotFound, NotFound) as exc:
        # The input's own problem (recorded on the asset, or gone): retrying cannot help.
        _fail(kind, job, str(exc))
        return "input failed"
    except Exception as exc:
        if not last_attempt:
            raise
        log.exception("job failed on its last attempt", extra={"job_id": job.id})
        _fail(kind, job, f"processing failed: {exc.__class__.__name__}: {exc}"[:1000])
        return "failed"
    if result is None:
        return "handed to its shards"
    lifecycle.mark_done(job, result)
    return "done"


def _over(job: JobRecord, ended: RunOver) -> str:
    """Its run ended before the job did (a delivery between READY and the job's DONE, say)."""
    if ended.status == ManifestStatus.READY:
        lifecycle.mark_done(job)
        return "already done"
    lifecycle.mark_failed(job, ended.error or "the run ended")
    return "already failed"


def _superseded(job: JobRecord, exc: Superseded) -> str:
    if isinstance(exc, TakenOver):
        return "taken over by another delivery"  # which goes on with the job: it is not failed
    current = read(job.id)
    if current is not None and current[1].status == JobStatus.DONE:
        return "already done"  # a concurrent delivery of this job finished it first
    lifecycle.mark_failed(job, f"superseded: {exc}")
    return "superseded"


def _fail(kind: Kind[Any], job: JobRecord, message: str) -> None:
    """Fail the job for good: its kind undoes or records what it holds first (should that fail,
    the retry finds the job unfinished), then the job says why."""
    kind.abandon(job, message)
    lifecycle.mark_failed(job, message)
