"""When a run counts as stuck (its lease lapsed and nobody took it over): pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from common.jobs.lease import SHARDS, SHARDS_GRACE, stuck
from common.library.models import Manifest, ManifestStatus
from common.library.progress_models import ProcessingLease

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def manifest(holder: str | None, lapsed: timedelta) -> Manifest:
    lease = ProcessingLease(
        job_id="j" * 32,
        delivery_id=holder,
        started_at=NOW - timedelta(hours=1),
        lease_expires_at=NOW - lapsed,
    )
    return Manifest.model_validate(
        {
            "id": "m" * 32,
            "owner_id": "o",
            "name": "m",
            "category": "MIXED",
            "status": ManifestStatus.PROCESSING,
            "processing": lease,
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


@pytest.mark.parametrize(
    ("holder", "lapsed", "expected"),
    [
        ("d1", timedelta(seconds=-1), False),  # alive
        ("d1", timedelta(seconds=60), False),  # lapsed, inside the grace of one lease (120 s)
        ("d1", timedelta(seconds=121), True),  # nobody took it over in a whole lease
        (SHARDS, timedelta(seconds=121), False),  # shards may wait in the queue between them
        (SHARDS, SHARDS_GRACE - timedelta(seconds=1), False),
        (SHARDS, SHARDS_GRACE + timedelta(seconds=1), True),
    ],
)
def test_a_run_is_stuck_once_its_lease_lapsed_for_its_grace(
    holder: str, lapsed: timedelta, expected: bool
) -> None:
    assert stuck(manifest(holder, lapsed), NOW) is expected
