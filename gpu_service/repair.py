"""Run one repair: regenerate an artifact with its scene's pack, steered by its latest continuity
report, judge each attempt in memory, and stop at the first whose report holds (ok, or no_faces
where nobody is expected).

One pass: the job reads the version repaired, its checkpoint, project, scene, the snapshot's cast
and the pack's images once (regenerate.workbench, continuity.check.expectation). Each attempt then
generates (the generator hands back the bytes), judges them through the continuity check's own
`assess`, and writes the version with its final report, its repair mark and the job's record of the
attempt in one commit (the marker `<job>-<attempt>` makes a second write of it a no-op). The verdict
is stored once, on the version; the attempt's status and words are derived where they are read
(common/checkpoints/repair_view.py). A redelivered job resumes after the attempts its document
records. Every attempt starts from the version repaired, so attempts do not compound each other's
faults; an image a subject led with in an attempt that still could not confirm them goes behind
that subject's other images in the next. One delivery works a repair at a time (a claim on the
job); when it ends, what its generations cost replaces the quote held on the project's repair
budget (common/checkpoints/repair.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from google.cloud import firestore

from common.checkpoints import checkpoints
from common.checkpoints import repair as repairs
from common.checkpoints.jobs import RepairJob
from common.checkpoints.models import ArtifactVersion, VersionReference, pack_target
from common.checkpoints.repair_models import RepairAttempt, RepairAttemptOut, RepairMark, RepairResult
from common.checkpoints.repair_view import attempt_out, best_of
from common.checkpoints.report import HOLDS, ContinuityReport, ContinuityStatus
from common.continuity.steering import Steer, steer
from common.ids import derived_id, new_id
from common.jobs import lifecycle
from common.jobs.lease import Busy
from common.projects.references import Reference
from common.records import utcnow
from gpu_service.config import worker_settings
from gpu_service.continuity import check
from gpu_service.jobs import claims
from gpu_service.regenerate import (
    CLAIM_MARGIN_S,
    DEFAULT_PROMPT,
    Made,
    Order,
    Workbench,
    make,
    workbench,
    write,
)


def run_repair(job: RepairJob) -> RepairResult:
    claim, holder = claims.key("repair", job.id), new_id()
    ttl = job.max_attempts * (worker_settings().video_timeout_s + CLAIM_MARGIN_S)
    if not claims.take(claim, holder, ttl):
        raise Busy("another delivery of this repair is running it")
    try:
        with claims.kept([claim], ttl):
            return _repair(job)
    finally:
        claims.release([claim])  # a mutex, not a receipt: each attempt's marker is the receipt


def _repair(job: RepairJob) -> RepairResult:
    base = checkpoints.get_version(job.checkpoint_id, job.artifact_type, job.artifact_key, job.from_version)
    written = _written(job)  # the attempts an earlier delivery wrote
    judged = {n: attempt_out(a, written[n].continuity) for n, a in _recorded(job, written).items()}
    firsts = {n: _firsts(v.references) for n, v in written.items()}
    report = base.continuity
    bench: Workbench | None = None
    expected: check.Expectation | None = None
    setback: list[str] = []  # images led with for a subject the check still could not confirm
    for attempt in range(1, job.max_attempts + 1):
        if report is not None and report.status in HOLDS:
            break
        steering = steer(report)
        if attempt in judged:
            report = written[attempt].continuity
        else:
            if bench is None or expected is None:
                bench = workbench(job.checkpoint_id, job.artifact_key, base)
                expected = check.expectation(bench.project, bench.scene)
            record, report, made = _attempt(
                job,
                attempt,
                base=base,
                steering=steering,
                setback=tuple(setback),
                bench=bench,
                expected=expected,
            )
            judged[attempt], firsts[attempt] = attempt_out(record, report), _firsts(made.chosen)
        led = firsts[attempt]
        setback += [led[h] for h in steer(report).focus if h in led]
    repairs.settle(job.id, spent=sum(a.generation_cost for a in judged.values()))
    return _result(job, base, list(judged.values()))


def _attempt(
    job: RepairJob,
    attempt: int,
    *,
    base: ArtifactVersion,
    steering: Steer,
    setback: tuple[str, ...],
    bench: Workbench,
    expected: check.Expectation,
) -> tuple[RepairAttempt, ContinuityReport, Made]:
    """Generate, judge in memory, and write the version, its report, its mark and the job's record
    of it in one commit."""
    order = Order(
        checkpoint_id=job.checkpoint_id,
        artifact_type=job.artifact_type,
        artifact_key=job.artifact_key,
        base=base,
        asked=_steered(_asked(job, base, bench), steering.words),
        job_id=job.id,
        marker=f"{job.id}-{attempt}",
        focus=steering.focus,
        setback=setback,
        repair=RepairMark(job_id=job.id, attempt=attempt),
    )
    made = make(order, bench)
    pending = check.Pending(derived_id("repair-check", job.id, attempt), utcnow())
    report = check.assess(job.artifact_type, made.output.data, expected, pending)
    record = RepairAttempt(
        attempt=attempt,
        version=0,  # set from the version the commit writes
        steer=steering.words,
        references=[r.handle for r in made.chosen],
        cost=round(made.output.cost + report.cost, 6),
        generation_cost=made.output.cost,
        at=utcnow(),
    )

    def recorded(batch: firestore.WriteBatch, version: ArtifactVersion) -> None:
        nonlocal record
        record = record.model_copy(update={"version": version.version})
        entry = record.model_dump(mode="python")
        batch.update(lifecycle.job_ref(job.id), {"repair_attempts": firestore.ArrayUnion([entry])})

    number = write(order, bench, made, report=report, stage=recorded)
    if record.version != number:  # another delivery wrote this attempt: its version is the one
        record = record.model_copy(update={"version": number})
    return record, report, made


def _written(job: RepairJob) -> dict[int, ArtifactVersion]:
    """The versions of the attempts the job's document records, by attempt (one read, on a
    redelivery only)."""
    numbers = {a.attempt: a.version for a in job.repair_attempts}
    if not numbers:
        return {}
    found = checkpoints.get_versions(
        job.checkpoint_id, job.artifact_type, job.artifact_key, list(numbers.values())
    )
    return {n: found[v] for n, v in numbers.items() if v in found}


def _recorded(job: RepairJob, written: dict[int, ArtifactVersion]) -> dict[int, RepairAttempt]:
    return {a.attempt: a for a in job.repair_attempts if a.attempt in written}


def _firsts(references: Sequence[VersionReference | Reference]) -> dict[str, str]:
    """The image each subject led with: its first reference, by handle."""
    first: dict[str, str] = {}
    for reference in references:
        first.setdefault(reference.handle, reference.asset_id)
    return first


def _asked(job: RepairJob, base: ArtifactVersion, bench: Workbench) -> str:
    """What each attempt starts from: the scene's own prompt, built again every time (never the
    last repair's steered one), else the version's."""
    asked = bench.scene.prompt_for(pack_target(job.artifact_type)) if bench.scene else None
    return asked or base.prompt or DEFAULT_PROMPT


def _steered(prompt: str, words: str) -> str:
    """The artifact's prompt, then what the report asks for, as a sentence of its own."""
    if not words:
        return prompt
    prompt = prompt.rstrip()
    return f"{prompt}{'' if prompt.endswith(('.', '!', '?')) else '.'} {words}"


def abandon(job: RepairJob) -> None:
    """The job failed for good: settle what the attempts it wrote spent (its document, read again,
    records each with the version in one commit)."""
    current = lifecycle.read_job(job.id, RepairJob) or job
    repairs.settle(job.id, spent=sum(a.generation_cost for a in current.repair_attempts))


def _result(job: RepairJob, base: ArtifactVersion, judged: list[RepairAttemptOut]) -> RepairResult:
    best = best_of(judged)
    if best is None:  # the version held before any attempt (it was checked again meanwhile)
        status = base.continuity.status if base.continuity else ContinuityStatus.ERROR
        return RepairResult(
            attempts=0, best_version=job.from_version, outcome=status, repaired=status in HOLDS
        )
    return RepairResult(
        attempts=len(judged), best_version=best.version, outcome=best.status, repaired=best.status in HOLDS
    )
