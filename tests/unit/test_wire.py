"""The wires between the functions and the GPU service, seen from both ends: the task payload
(common/jobs/task_wire.py) and the face-embedding answer (common/library/embed_wire.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from common.ids import new_id
from common.jobs.models import JobKind, ManifestJob, ReprocessJob
from common.jobs.task_wire import TaskPayload
from common.library.embed_wire import EmbedAnswer, EmbeddedFace
from common.records import utcnow


def test_an_engine_job_travels_as_ids_only() -> None:
    job = ManifestJob(id=new_id(), owner_id="o", manifest_id=new_id(), created_at=utcnow())
    fields = TaskPayload.of(job).fields()
    assert fields == {"job_id": job.id, "kind": "process_manifest", "manifest_id": job.manifest_id}
    assert TaskPayload.model_validate(fields) == TaskPayload.of(job)


def test_each_kind_travels_and_only_engine_jobs_name_a_manifest() -> None:
    job = ReprocessJob(
        id=new_id(), owner_id="o", manifest_id=new_id(), created_at=utcnow(), asset_id=new_id()
    )
    assert TaskPayload.of(job).kind is JobKind.REPROCESS_ASSET
    payload = TaskPayload(job_id=new_id(), kind=JobKind.REGENERATE_BEAT)
    assert "manifest_id" not in payload.fields()


@pytest.mark.parametrize(
    "body",
    [
        {"job_id": "../../etc", "kind": "process_manifest"},
        {"job_id": "a" * 32, "kind": "mine_bitcoin"},
        {"kind": "process_manifest"},
        {"job_id": "a" * 32, "kind": "process_manifest", "manifest_id": "x"},
    ],
)
def test_a_malformed_task_is_refused(body: dict) -> None:
    with pytest.raises(ValidationError):
        TaskPayload.model_validate(body)


def test_the_embed_answer_round_trips() -> None:
    face = EmbeddedFace(bbox=[1, 2, 30, 40], score=0.9, embedding=[0.0] * 511 + [1.0])
    blurry = EmbeddedFace(bbox=[0, 0, 9, 9], score=0.5, identity_status="too_small", identity_note="9 px")
    answer = EmbedAnswer(faces=[face, blurry])
    again = EmbedAnswer.model_validate_json(answer.model_dump_json())
    assert again == answer
    assert again.faces[1].embedding is None
    with pytest.raises(ValidationError):
        EmbeddedFace(bbox=[1, 2, 3], score=0.9)
