"""How a repair reads (common/checkpoints/repair_view.py): each attempt's line from its version's
report, the outcome's sentence, and which attempt is best. The CLI and the studio print these
lines as the API carries them, so this is the one place they are checked word for word."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.checkpoints.repair_models import RepairAttempt, RepairResult
from common.checkpoints.repair_view import attempt_out, best_of, result_out
from common.checkpoints.report import ContinuityReport, ContinuityStatus

AT = datetime(2026, 12, 7, tzinfo=UTC)


def attempt(n: int, *, references: tuple[str, ...] = ("CHAR_01",), steer: str = "") -> RepairAttempt:
    return RepairAttempt(
        attempt=n, version=n + 1, references=list(references), steer=steer, cost=0.012, at=AT
    )


def report(status: ContinuityStatus, **found: object) -> ContinuityReport:
    return ContinuityReport(status=status, job_id="check", requested_at=AT, **found)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("made", "checked", "said"),
    [
        (attempt(1), report(ContinuityStatus.OK), "Attempt 1: v2 ok with CHAR_01, $0.0120"),
        (
            attempt(2, references=("CHAR_01", "CHAR_02"), steer="CHAR_02 must appear."),
            report(ContinuityStatus.MISSING, missing=["CHAR_02"], unknown_faces=1),
            "Attempt 2: v3 missing (missing CHAR_02, 1 unknown face) with CHAR_01, CHAR_02, $0.0120; "
            "asked: CHAR_02 must appear.",
        ),
        (
            attempt(1, references=()),
            report(ContinuityStatus.UNSURE, unsure=["CHAR_01"], unexpected=["CHAR_03"], unknown_faces=2),
            "Attempt 1: v2 unsure (unconfirmed CHAR_01, unexpected CHAR_03, 2 unknown faces) with no "
            "references, $0.0120",
        ),
        (attempt(3), None, "Attempt 3: v4 error with CHAR_01, $0.0120"),
    ],
)
def test_an_attempt_reads_as_its_versions_report(
    made: RepairAttempt, checked: ContinuityReport | None, said: str
) -> None:
    shown = attempt_out(made, checked)
    assert shown.said == said
    assert shown.status == (checked.status if checked else ContinuityStatus.ERROR)


@pytest.mark.parametrize(
    ("result", "said"),
    [
        (
            RepairResult(attempts=1, best_version=2, outcome=ContinuityStatus.OK, repaired=True),
            "Repaired: v2 is ok after 1 attempt.",
        ),
        (
            RepairResult(attempts=3, best_version=3, outcome=ContinuityStatus.UNSURE, repaired=False),
            "Not repaired after 3 attempts: the best is v3 (unsure). Every attempt is kept as a version.",
        ),
    ],
)
def test_an_outcome_reads_as_one_sentence(result: RepairResult, said: str) -> None:
    assert result_out(result).said == said


@pytest.mark.parametrize(
    ("statuses", "best"),
    [
        ([ContinuityStatus.MISSING, ContinuityStatus.OK, ContinuityStatus.OK], 2),  # the first that holds
        ([ContinuityStatus.MISSING, ContinuityStatus.UNSURE], 2),  # else the least severe
        ([ContinuityStatus.UNSURE, ContinuityStatus.UNSURE], 1),  # ties: the earlier
        ([ContinuityStatus.PENDING, ContinuityStatus.MISSING], 2),  # an unfinished check ranks as an error
        ([ContinuityStatus.NO_FACES, ContinuityStatus.DRIFT], 1),  # no_faces holds
    ],
)
def test_the_best_attempt(statuses: list[ContinuityStatus], best: int) -> None:
    judged = [attempt_out(attempt(n), report(s)) for n, s in enumerate(statuses, start=1)]
    chosen = best_of(judged)
    assert chosen is not None and chosen.attempt == best


def test_no_attempt_has_no_best() -> None:
    assert best_of([]) is None
