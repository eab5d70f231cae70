"""A film's quote and its phases as read (pure rules: no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from common.checkpoints.film import quote
from common.checkpoints.models import ArtifactType
from common.checkpoints.prices import per_call
from common.jobs.shards import Tally
from common.projects.film import phase_view
from common.projects.storyboard import plan

NOW = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.mark.parametrize("target", [None, 4, 12, 30, 160])
def test_a_quote_is_the_storyboard_and_each_scene_s_keyframe_and_clip_at_its_length(
    target: int | None,
) -> None:
    lengths = plan(target).durations
    priced = quote(target)
    assert priced.scenes == len(lengths)
    assert priced.keyframes == pytest.approx(len(lengths) * per_call(ArtifactType.BEAT_IMAGE))
    assert priced.clips == pytest.approx(sum(lengths) * 0.40)  # Veo by the second
    assert priced.total == pytest.approx(priced.storyboard + priced.keyframes + priced.clips)


def test_the_default_film_fits_the_default_budget_and_the_longest_does_not() -> None:
    assert quote(None).total < 10.0 < quote(160).total  # 24 s: $9.6 of clips; 160 s: $64


def test_a_clip_quote_follows_its_length() -> None:
    assert per_call(ArtifactType.CHUNK_CLIP, 4) * 2 == pytest.approx(per_call(ArtifactType.CHUNK_CLIP, 8))
    assert per_call(ArtifactType.CHUNK_CLIP) == per_call(
        ArtifactType.CHUNK_CLIP, 8
    )  # a repair's: the longest


def job(**fields: Any) -> dict[str, Any]:
    return {"created_at": NOW, **fields}


@pytest.mark.parametrize(
    ("number", "doc", "expected"),
    [
        (1, None, ("pending", 0, 0)),
        (1, job(status="DONE", cost=0.004), ("done", 1, 1)),
        (2, job(status="RUNNING", shards=5, shards_done=2), ("running", 2, 5)),
        (
            2,
            job(status="DONE", shards=3, shards_done=3, failed=[{"index": 1, "error": "refused"}]),
            ("failed", 3, 3),
        ),
        (
            3,
            job(status="ERROR", error="stopped: stopped by its owner", shards=4, shards_done=1),
            ("stopped", 1, 4),
        ),
        (3, job(status="ERROR", error="processing failed: boom"), ("failed", 0, 0)),
        (4, job(status="QUEUED"), ("queued", 0, 1)),
    ],
)
def test_a_phase_reads_from_its_latest_job(
    number: int, doc: dict[str, Any] | None, expected: tuple[str, int, int]
) -> None:
    phase = phase_view(number, doc)
    assert (phase.status, phase.done, phase.total) == expected
    assert phase.name == ("storyboard", "keyframes", "clips", "cut")[number - 1]


class Snapshot:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def to_dict(self) -> dict[str, Any]:
        return self.doc


@pytest.mark.parametrize(
    ("prefix", "doc", "counts"),
    [
        ("processing.", {"processing": {"shards": 4, "shards_done": 3}}, (4, 3)),  # a manifest's lease
        ("", {"shards": 2, "shards_done": 2}, (2, 2)),  # a phase's own job
        ("", {}, (0, 0)),  # not fanned out yet
    ],
)
def test_a_tally_reads_its_counts_where_its_run_keeps_them(
    prefix: str, doc: dict[str, Any], counts: tuple[int, int]
) -> None:
    tally = Tally(ref=None, prefix=prefix, running=lambda _s: None)  # type: ignore[arg-type]
    assert tally.counts(Snapshot(doc)) == counts  # type: ignore[arg-type]
