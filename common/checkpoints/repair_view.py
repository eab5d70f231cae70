"""How a repair reads: each attempt with its version's verdict and a line that says it, the outcome
in a sentence, the best attempt, and an artifact's latest repair as its checkpoint shows it.

The one home of a repair's words: the API carries them (`said`), the CLI and the studio print them.
"""

from __future__ import annotations

from collections.abc import Mapping

from common.checkpoints import checkpoints as ops
from common.checkpoints.jobs import RepairJob
from common.checkpoints.models import ArtifactVersion
from common.checkpoints.repair_models import (
    LatestRepair,
    RepairAttempt,
    RepairAttemptOut,
    RepairResult,
    RepairResultOut,
)
from common.checkpoints.report import HOLDS, ContinuityReport, ContinuityStatus, severity
from common.gcp import db
from common.jobs import lifecycle


def attempt_out(attempt: RepairAttempt, report: ContinuityReport | None) -> RepairAttemptOut:
    """The attempt with its version's verdict (no report: the check could not be made)."""
    status = report.status if report is not None else ContinuityStatus.ERROR
    missing, unsure = (report.missing, report.unsure) if report else ([], [])
    unexpected, unknown = (report.unexpected, report.unknown_faces) if report else ([], 0)
    problems = [
        *(f"missing {h}" for h in missing),
        *(f"unconfirmed {h}" for h in unsure),
        *(f"unexpected {h}" for h in unexpected),
        *([f"{unknown} unknown face{'' if unknown == 1 else 's'}"] if unknown else []),
    ]
    found = f" ({', '.join(problems)})" if problems else ""
    made_with = ", ".join(attempt.references) or "no references"
    asked = f"; asked: {attempt.steer}" if attempt.steer else ""
    said = (
        f"Attempt {attempt.attempt}: v{attempt.version} {status.value}{found} with {made_with}, "
        f"${attempt.cost:.4f}{asked}"
    )
    return RepairAttemptOut(
        **attempt.model_dump(),
        status=status,
        missing=missing,
        unsure=unsure,
        unexpected=unexpected,
        unknown_faces=unknown,
        said=said,
    )


def result_out(result: RepairResult) -> RepairResultOut:
    tries = f"{result.attempts} attempt{'' if result.attempts == 1 else 's'}"
    said = (
        f"Repaired: v{result.best_version} is {result.outcome.value} after {tries}."
        if result.repaired
        else f"Not repaired after {tries}: the best is v{result.best_version} ({result.outcome.value}). "
        "Every attempt is kept as a version."
    )
    return RepairResultOut(**result.model_dump(), said=said)


def best_of(attempts: list[RepairAttemptOut]) -> RepairAttemptOut | None:
    """The first attempt whose version holds, else the least severe; a check that did not finish
    ranks with the errors."""

    def badness(a: RepairAttemptOut) -> tuple[bool, int, int]:
        status = ContinuityStatus.ERROR if a.status == ContinuityStatus.PENDING else a.status
        return a.status not in HOLDS, -severity(status), a.attempt

    return min(attempts, key=badness, default=None)


def attempts_of(
    job: RepairJob, versions: Mapping[int, ArtifactVersion] | None = None
) -> list[RepairAttemptOut]:
    """The job's attempts with their versions' verdicts (`versions`: those already read, by number)."""
    known = dict(versions or {})
    wanted = [a.version for a in job.repair_attempts if a.version not in known]
    if wanted:
        known.update(ops.get_versions(job.checkpoint_id, job.artifact_type, job.artifact_key, wanted))
    ordered = sorted(job.repair_attempts, key=lambda a: a.attempt)
    return [attempt_out(a, known[a.version].continuity if a.version in known else None) for a in ordered]


def latest_repairs(
    checkpoint_id: str, history: Mapping[str, list[ArtifactVersion]]
) -> dict[str, LatestRepair]:
    """Each repaired artifact's latest repair by artifact id (the repair lock names it), its attempts'
    verdicts taken from `history` (every version of the checkpoint, by artifact id)."""
    locks = ops.checkpoint_ref(checkpoint_id).collection(db.REPAIRS).stream()
    named = {lock.id: (lock.to_dict() or {}).get("job_id") for lock in locks}
    refs = [lifecycle.job_ref(job_id) for job_id in named.values() if job_id]
    found = db.client().get_all(refs) if refs else []
    jobs = {s.id: RepairJob.model_validate({**(s.to_dict() or {}), "id": s.id}) for s in found if s.exists}
    out = {}
    for artifact, job_id in named.items():
        job = jobs.get(job_id or "")
        if job is None:
            continue
        versions = {v.version: v for v in history.get(artifact, [])}
        result = result_out(job.result) if job.result is not None else None
        out[artifact] = LatestRepair(
            task_id=job.id,
            status=job.status,
            max_attempts=job.max_attempts,
            outcome=result.outcome if result else None,
            attempts=attempts_of(job, versions),
            said=result.said if result else None,
            error=job.error,
        )
    return out
