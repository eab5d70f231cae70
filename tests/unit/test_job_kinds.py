"""Every kind of job is read as its domain's model and dispatched from one table."""

from __future__ import annotations

from common.jobs import lifecycle
from common.jobs.models import JobKind
from gpu_service.delivery import KINDS


def test_the_worker_has_an_entry_for_every_kind_and_each_reads_its_own() -> None:
    assert set(KINDS) == set(JobKind)
    for kind, entry in KINDS.items():
        assert kind in lifecycle.kinds_of(entry.model), (kind, entry.model)


def test_a_model_reads_only_its_own_kinds() -> None:
    from common.checkpoints.jobs import RegenerationJob, RepairJob

    assert lifecycle.kinds_of(RegenerationJob) == {"regenerate_beat", "regenerate_chunk"}
    assert lifecycle.kinds_of(RepairJob) == {"repair"}
