"""Run one repair: regenerate an artifact with its scene's pack, steered by its latest continuity
report, check each attempt here, and stop at the first whose report holds (ok, or no_faces where
nobody is expected).

Every attempt is a version of its own, marked `repair: {job_id, attempt, outcome}`, written under
the marker `<job>-<attempt>`, so a redelivered job resumes where the last delivery stopped: an
attempt already written is checked (if it is not yet) and recorded, not generated again. Every
attempt starts from the version repaired, so attempts do not compound each other's faults; an
image a subject led with in an attempt that still could not confirm them goes behind that
subject's other images in the next. When
the job ends, what its attempts cost replaces the quote held on the project's repair budget
(common/checkpoints/repair.py).
"""

from __future__ import annotations

import logging

from google.cloud import firestore

from common.checkpoints import checkpoints
from common.checkpoints import repair as repairs
from common.checkpoints.models import ArtifactType, ArtifactVersion, RepairMark
from common.continuity import checks
from common.continuity.report import HOLDS, SEVERITY, ContinuityReport, ContinuityStatus
from common.continuity.steering import steer
from common.gcp import db
from common.jobs import lifecycle
from common.jobs.models import RepairAttempt, RepairJob, RepairResult
from common.records import utcnow
from gpu_service.continuity import check
from gpu_service.errors import Permanent
from gpu_service.regenerate import DEFAULT_PROMPT, Order, generate

log = logging.getLogger(__name__)
CHECK_TRIES = 3  # a check asked for again meanwhile replaces the pending one: check that one


def run_repair(job: RepairJob) -> RepairResult:
    artifact_type = ArtifactType(job.artifact_type)
    base = checkpoints.get_version(job.checkpoint_id, artifact_type, job.artifact_key, job.from_version)
    done = {a.attempt: a for a in job.repair_attempts}
    report = base.continuity
    setback: list[str] = []  # images led with for a subject the check still could not confirm
    for attempt in range(1, job.max_attempts + 1):
        if report is not None and report.status in HOLDS:
            break
        steering = steer(report)
        if attempt in done:  # a redelivery: this attempt is written and recorded
            made = checkpoints.get_version(
                job.checkpoint_id, artifact_type, job.artifact_key, done[attempt].version
            )
        else:
            order = Order(
                checkpoint_id=job.checkpoint_id,
                artifact_type=artifact_type,
                artifact_key=job.artifact_key,
                base=base,
                asked=_steered(base.prompt or DEFAULT_PROMPT, steering.words),
                job_id=job.id,
                marker=f"{job.id}-{attempt}",
                focus=steering.focus,
                setback=tuple(setback),
                repair=RepairMark(job_id=job.id, attempt=attempt),
                check_here=True,
            )
            number = generate(order)
            checked = _checked(job, number)
            checkpoints.mark_repair_outcome(
                job.checkpoint_id, artifact_type, job.artifact_key, number, checked.status.value
            )
            made = checkpoints.get_version(job.checkpoint_id, artifact_type, job.artifact_key, number)
            done[attempt] = _record(job, _attempt(attempt, made, checked, steering.words))
        report = made.continuity
        setback += _led_with(made, steer(report).focus)
    result = _result(job, list(done.values()))
    repairs.settle(job.id, spent=sum(a.generation_cost for a in done.values()))
    return result


def _led_with(made: ArtifactVersion, handles: tuple[str, ...]) -> list[str]:
    """The image each of these subjects led with in the version (its first reference of them)."""
    first: dict[str, str] = {}
    for reference in made.references:
        first.setdefault(reference.handle, reference.asset_id)
    return [first[h] for h in handles if h in first]


def _steered(prompt: str, words: str) -> str:
    """The artifact's prompt, then what the report asks for, as a sentence of its own."""
    if not words:
        return prompt
    prompt = prompt.rstrip()
    return f"{prompt}{'' if prompt.endswith(('.', '!', '?')) else '.'} {words}"


def abandon(job: RepairJob) -> None:
    """The job failed for good: settle what its generations spent, then hand the checks it did not
    make to the queue."""
    artifact_type = ArtifactType(job.artifact_type)
    written = []
    for attempt in range(1, job.max_attempts + 1):
        number = checkpoints.applied_version(job.checkpoint_id, f"{job.id}-{attempt}")
        if number is not None:
            written.append(
                checkpoints.get_version(job.checkpoint_id, artifact_type, job.artifact_key, number)
            )
    repairs.settle(job.id, spent=sum(_generation_cost(v) for v in written))
    for version in written:
        checks.queue_version(job.checkpoint_id, artifact_type, job.artifact_key, version.version)


def _generation_cost(version: ArtifactVersion) -> float:
    """The version's cost without its check's (a final report's GPU time is added to it)."""
    report = version.continuity
    checked = report.cost if report is not None and report.status != ContinuityStatus.PENDING else 0.0
    return round(version.cost - checked, 6)


def _checked(job: RepairJob, number: int) -> ContinuityReport:
    """Check the version here (its report starts pending; nothing else is queued to check it)."""
    for _ in range(CHECK_TRIES):
        version = checkpoints.get_version(
            job.checkpoint_id, ArtifactType(job.artifact_type), job.artifact_key, number
        )
        pending = checks.check_job(job.owner_id, job.project_id, job.checkpoint_id, version)
        if pending is None:
            break
        check.run_continuity(pending)
    return _report(job, number)


def _report(job: RepairJob, number: int) -> ContinuityReport:
    version = checkpoints.get_version(
        job.checkpoint_id, ArtifactType(job.artifact_type), job.artifact_key, number
    )
    if version.continuity is None:  # the project lost its manifest: nothing can be checked
        raise Permanent("the repaired version has no continuity report")
    return version.continuity


def _attempt(attempt: int, made: ArtifactVersion, report: ContinuityReport, words: str) -> RepairAttempt:
    return RepairAttempt(
        attempt=attempt,
        version=made.version,
        status=report.status.value,
        missing=report.missing,
        unsure=report.unsure,
        unexpected=report.unexpected,
        unknown_faces=report.unknown_faces,
        steer=words,
        references=[r.handle for r in made.references],
        cost=made.cost,
        generation_cost=_generation_cost(made),
        at=utcnow(),
    )


def _record(job: RepairJob, attempt: RepairAttempt) -> RepairAttempt:
    """Add the attempt to the job (once: a redelivery's second record of it changes nothing)."""
    ref = lifecycle.job_ref(job.id)

    @firestore.transactional
    def put(transaction: firestore.Transaction) -> RepairAttempt:
        current = RepairJob.model_validate(
            {**(ref.get(transaction=transaction).to_dict() or {}), "id": job.id}
        )
        kept = next((a for a in current.repair_attempts if a.attempt == attempt.attempt), None)
        if kept is not None:
            return kept
        listed = [a.model_dump(mode="python") for a in [*current.repair_attempts, attempt]]
        transaction.update(ref, {"repair_attempts": listed})
        return attempt

    return put(db.client().transaction())


def _result(job: RepairJob, attempts: list[RepairAttempt]) -> RepairResult:
    holds = {s.value for s in HOLDS}
    if not attempts:  # the version held before any attempt (it was checked again meanwhile)
        base = checkpoints.get_version(
            job.checkpoint_id, ArtifactType(job.artifact_type), job.artifact_key, job.from_version
        )
        status = base.continuity.status.value if base.continuity else ContinuityStatus.ERROR.value
        return RepairResult(
            attempts=0, best_version=job.from_version, outcome=status, repaired=status in holds
        )
    # Least severe first; an attempt whose check did not finish ranks with the errors.
    rank = {s.value: n for n, s in enumerate(reversed(SEVERITY)) if s != ContinuityStatus.PENDING}
    ordered = sorted(attempts, key=lambda a: a.attempt)
    best = min(ordered, key=lambda a: (a.status not in holds, rank.get(a.status, len(rank)), a.attempt))
    return RepairResult(
        attempts=len(ordered), best_version=best.version, outcome=best.status, repaired=best.status in holds
    )
