"""Who may take a claim on a paid call (gpu_service/jobs/claims.py), decided from the claim alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from common.records import utcnow
from gpu_service.jobs.claims import free_for, key

NOW = utcnow()


@pytest.mark.parametrize(
    ("current", "may"),
    [
        ({}, True),  # nobody holds it
        ({"holder": "me", "expires_at": NOW + timedelta(minutes=5)}, True),  # mine already
        ({"holder": "other", "expires_at": NOW + timedelta(minutes=5)}, False),  # alive elsewhere
        ({"holder": "other", "expires_at": NOW}, True),  # its time is up this instant: taken over
        ({"holder": "other", "expires_at": NOW - timedelta(seconds=1)}, True),  # its holder died
        ({"holder": "other", "expires_at": NOW + timedelta(minutes=5), "done": True}, False),
        (
            {"holder": "other", "expires_at": NOW - timedelta(hours=1), "done": True},
            False,
        ),  # done: never again
        ({"holder": "me", "expires_at": NOW - timedelta(hours=1), "done": True}, False),
    ],
)
def test_a_claim_is_taken_only_when_free_or_lapsed(current: dict, may: bool) -> None:
    assert free_for(current, "me", NOW) is may


def test_claim_keys_are_derived_from_the_work_not_random() -> None:
    assert key("describe", "job", "asset", "path#1") == key("describe", "job", "asset", "path#1")
    assert key("describe", "job", "asset", "path#1") != key("describe", "job", "asset", "path#2")
