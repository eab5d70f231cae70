"""One asset again (POST /assets/{id}/reprocess), the worker's door, and the offline describer."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from PIL import Image

from common.gcp import db
from common.gcp.config import settings
from tests.support.api import Api, jpeg, wait_for
from tests.support.engine import (
    hold_lease,
    manifest_of_photos,
    process,
)
from tests.support.gemini_standin import GeminiStandIn

pytestmark = pytest.mark.usefixtures("worker")

REPROCESSED = {
    "reverse_prompt",
    "visual_description",
    "quality_score",
    "detection_class",
    "detection_confidence",
    "is_face_crop",
    "crop_bbox",
}
BOOKKEEPING = {
    "reverse_prompt_source",
    "processing_cost",
    "processing_error",
    "updated_at",
    "reference_image_url",
    "thumbnail_url",
}


def test_reprocess_updates_exactly_its_fields(alice: Api, gemini: GeminiStandIn, street_photos: Path) -> None:
    manifest = manifest_of_photos(alice, [("Street", street_photos / "bus.jpg")])
    done = process(alice, manifest["id"])
    person = max(
        (a for a in done["assets"] if a["detection_class"] == "person"),
        key=lambda a: a["detection_confidence"],
    )
    db.collection(db.ASSETS).document(person["id"]).update(
        {"reverse_prompt": "stale", "detection_class": "stale"}
    )
    before = alice.get(f"/api/assets/{person['id']}").json()
    gemini.reset()
    gemini.script("429", "malformed")  # one rate limit, one broken answer: both recovered
    response = alice.post(f"/api/assets/{person['id']}/reprocess")
    assert response.status_code == 202
    task_id = response.json()["task_id"]
    job = wait_for(
        lambda: (j := alice.get(f"/api/jobs/{task_id}").json())["status"] in ("DONE", "ERROR") and j,
        timeout=120,
    )
    assert job and job["status"] == "DONE", job
    after = alice.get(f"/api/assets/{person['id']}").json()
    changed = {k for k in after if after[k] != before[k]}
    assert changed - BOOKKEEPING <= REPROCESSED
    assert after["detection_class"] == "person" and after["reverse_prompt"].startswith("gemini: ")
    assert gemini.calls == 3
    x1, y1, x2, y2 = after["crop_bbox"]
    ox1, oy1, ox2, oy2 = before["crop_bbox"]
    assert ox1 <= x1 < x2 <= ox2 and oy1 <= y1 < y2 <= oy2  # refined inside the crop, in source pixels

    gemini.script("malformed", "malformed", "malformed")  # never a valid answer: recorded, not lost
    task_id = alice.post(f"/api/assets/{person['id']}/reprocess").json()["task_id"]
    job = wait_for(
        lambda: (j := alice.get(f"/api/jobs/{task_id}").json())["status"] in ("DONE", "ERROR") and j,
        timeout=120,
    )
    assert job["status"] == "ERROR"
    failed = alice.get(f"/api/assets/{person['id']}").json()
    assert failed["processing_error"]["step"] == "reverse_prompting"
    assert failed["reverse_prompt"] == after["reverse_prompt"]


def test_reprocess_guards(alice: Api, mallory: Api, photos: Path) -> None:
    manifest = alice.manifest()
    bare = alice.asset(manifest["id"])
    assert alice.post(f"/api/assets/{bare['id']}/reprocess").status_code == 409
    assert mallory.post(f"/api/assets/{bare['id']}/reprocess").status_code == 404
    assert mallory.get(f"/api/jobs/{'a' * 32}").status_code == 404

    busy = manifest_of_photos(alice, [("Biden", photos / "biden.jpg")])
    asset = alice.get(f"/api/manifests/{busy['id']}").json()["assets"][0]
    hold_lease(busy["id"], "f" * 32, expires_in=timedelta(minutes=5))
    refused = alice.post(f"/api/assets/{asset['id']}/reprocess")
    assert refused.status_code == 409 and "being processed" in refused.json()["error"]["message"]


def test_the_worker_only_takes_tasks_from_the_queue(worker, alice: Api) -> None:
    url = f"{worker.worker_url}/tasks"
    body = {"job_id": "a" * 32, "kind": "process_manifest", "manifest_id": "b" * 32}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert (
        requests.post(url, json=body, headers={"X-Vidpipe-Task-Secret": "guess"}, timeout=10).status_code
        == 401
    )
    secret = {"X-Vidpipe-Task-Secret": settings().local_task_secret}
    assert requests.post(url, data=b"not json", headers=secret, timeout=10).status_code == 400
    assert requests.post(url, json={"job_id": "../x"}, headers=secret, timeout=10).status_code == 400
    unknown = requests.post(url, json=body, headers=secret, timeout=10)
    assert unknown.status_code == 200 and unknown.json()["outcome"] == "unknown job"


def test_offline_reverse_prompts_come_from_the_image(photos: Path) -> None:
    pytest.importorskip("gpu_service.describe")
    from gpu_service.describe.describer import OfflineDescriber, Subject

    texts = []
    for name in ("obama.jpg", "biden.jpg"):
        image = Image.open(photos / name).convert("RGB")
        result = OfflineDescriber().describe(Subject(image=image, name=name, asset_type="CHARACTER", faces=1))
        assert result.source == "offline" and result.cost == 0
        assert f"{image.width}x{image.height}" in result.text.visual_description
        texts.append(result.text)
    assert texts[0].reverse_prompt != texts[1].reverse_prompt
    plain = OfflineDescriber().describe(
        Subject(image=Image.open(io.BytesIO(jpeg(400, 300, "navy"))), name="Night", asset_type="ENVIRONMENT")
    )
    assert "navy" in plain.text.reverse_prompt and "person" not in plain.text.reverse_prompt
