"""The manifesting engine end to end: the API queues a Cloud Task, the emulator delivers it to the
GPU service (its own process, real models on the CPU), which writes the registry back."""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from google.cloud.firestore import FieldFilter
from PIL import Image

from common.gcp import db, storage
from common.library.embeddings import as_list
from common.records import utcnow
from tests.support.api import Api
from tests.support.engine import (
    assert_consistent,
    deliver,
    hold_lease,
    manifest_of_photos,
    process,
    start,
    wait_until_done,
    worker_env,
)
from tests.support.gemini_standin import GeminiStandIn

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def cast(photos: Path, street_photos: Path) -> list[tuple[str, Path]]:
    return [
        ("Street", street_photos / "bus.jpg"),
        ("Obama", photos / "obama.jpg"),
        ("Obama again", photos / "obama2.jpg"),
        ("Biden", photos / "biden.jpg"),
    ]


def by_name(manifest: dict) -> dict[str, dict]:
    return {a["name"]: a for a in manifest["assets"]}


def test_a_run_builds_the_registry_from_real_photos(
    alice: Api, cast: list, gemini: GeminiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Descriptions overlap the next images' inference: at Gemini's pace (seconds, not the stand-in's
    # 50 ms) several are in flight at once, which is what the bound below is about.
    monkeypatch.setattr(gemini, "latency_s", 1.5)
    manifest = manifest_of_photos(alice, cast)
    done = process(alice, manifest["id"])
    assets = by_name(done)
    assert_consistent(done)

    # detection: the people in bus.jpg become CHARACTER crops with their boxes in source pixels
    street = assets["Street"]
    people = [a for a in done["assets"] if a["source_asset_id"] == street["id"] and not a["is_face_crop"]]
    assert len(people) >= 3
    for person in people:
        assert person["source"] == "extracted" and person["asset_type"] == "CHARACTER"
        assert person["detection_class"] == "person" and person["detection_confidence"] >= 0.4
        x1, y1, x2, y2 = person["crop_bbox"]
        assert 0 <= x1 < x2 <= street["image_width"] and 0 <= y1 < y2 <= street["image_height"]
        crop = Image.open(io.BytesIO(requests.get(person["reference_image_url"], timeout=10).content))
        assert crop.size == (x2 - x1, y2 - y1)

    # faces: one face per portrait; the two photos of Obama are one group, Biden is not in it
    def face_of(name: str) -> dict:
        found = [
            a for a in done["assets"] if a["source_asset_id"] == assets[name]["id"] and a["is_face_crop"]
        ]
        assert len(found) == 1, (name, found)
        return found[0]

    obama, obama2, biden = face_of("Obama"), face_of("Obama again"), face_of("Biden")
    assert obama["face_group_id"] == obama2["face_group_id"] != biden["face_group_id"]
    primary, duplicate = sorted((obama, obama2), key=lambda f: -f["detection_confidence"])
    assert primary["duplicate_of"] is None and duplicate["duplicate_of"] == primary["id"]
    assert duplicate["description"].startswith(f"(Duplicate of {primary['name']}) ")
    assert biden["duplicate_of"] is None
    embeddings = {
        s.id: s.to_dict()
        for s in db.collection(db.FACES).where(filter=FieldFilter("manifest_id", "==", done["id"])).stream()
    }
    assert len(as_list(embeddings[obama["id"]]["embedding"])) == 512

    # reverse prompting through the real google-genai client, at most 5 requests in flight
    assert all(a["reverse_prompt_source"] == "gemini" for a in done["assets"])
    assert assets["Obama"]["reverse_prompt"].startswith("gemini: Obama, ")
    assert all(0.0 <= a["quality_score"] <= 1.0 for a in done["assets"])
    assert 1 < gemini.max_in_flight <= 5
    # batched: one request per uploaded photo (and its crops), paid once, shared by its items
    assert len(gemini.usage) == len(cast)
    paid = sum(used_in * 0.30 + used_out * 2.50 for used_in, used_out in gemini.usage) / 1e6
    assert sum(a["processing_cost"] for a in done["assets"]) == pytest.approx(paid)
    # the manifest's cost, split: Gemini tokens and the GPU instance's measured seconds
    costs = done["cost_breakdown"]
    assert costs["gemini_usd"] == pytest.approx(paid)
    assert costs["gemini_input_tokens"] == sum(used_in for used_in, _ in gemini.usage)
    assert costs["gemini_output_tokens"] == sum(used_out for _, used_out in gemini.usage)
    assert costs["gpu_seconds"] > 0 and costs["gpu_usd"] == pytest.approx(costs["gpu_seconds"] * 0.00029)
    assert done["total_processing_cost"] == pytest.approx(paid + costs["gpu_usd"])

    # tags: uploaded order first, each followed by its crops, most confident first
    characters = sorted(
        (a for a in done["assets"] if a["asset_type"] == "CHARACTER"), key=lambda a: a["manifest_tag"]
    )
    assert characters[0]["id"] == street["id"] and characters[0]["manifest_tag"] == "CHAR_01"
    street_crops = [a for a in characters if a["source_asset_id"] == street["id"]]
    confidences = [a["detection_confidence"] for a in street_crops]
    assert confidences == sorted(confidences, reverse=True)

    # contact sheet: a PNG, four 256 px columns, the cast first (a tile per character), then one
    # tile per asset that is not a duplicate
    sheet = Image.open(io.BytesIO(requests.get(done["contact_sheet_url"], timeout=10).content))
    assert sheet.format == "PNG" and sheet.width == 16 + 4 * (256 + 16)
    tiles = len(done["cast"]) + sum(1 for a in done["assets"] if not a["duplicate_of"])
    assert sheet.height == 64 + -(-tiles // 4) * (256 + 60 + 16) + 16  # 60 px labels, as the seed draws them

    progress = alice.get(f"/api/manifests/{done['id']}/progress").json()
    assert progress["current_step"] == "done" and progress["finished_at"] is not None
    assert set(progress["progress"]) == {"detection", "faces", "reverse_prompting", "tags", "contact_sheet"}
    assert all(p["done"] == p["total"] and p["failed"] == 0 for p in progress["progress"].values())
    steps = progress["progress"]
    assert all(p["seconds"] > 0 and p["cost"] > 0 for p in steps.values())  # per step: time and dollars
    assert sum(p["seconds"] for p in steps.values()) == pytest.approx(costs["gpu_seconds"], rel=1e-3)
    assert steps["reverse_prompting"]["cost"] > paid  # its Gemini calls and its GPU seconds
    assert progress["cost_breakdown"] == costs


def test_process_refuses_what_it_cannot_do(alice: Api, mallory: Api, photos: Path) -> None:
    empty = alice.manifest()
    alice.asset(empty["id"])
    response = alice.post(f"/api/manifests/{empty['id']}/process")
    assert response.status_code == 409 and "image" in response.json()["error"]["message"]
    assert alice.get(f"/api/manifests/{empty['id']}").json()["status"] == "DRAFT"

    manifest = manifest_of_photos(alice, [("Biden", photos / "biden.jpg")])
    assert mallory.post(f"/api/manifests/{manifest['id']}/process").status_code == 404
    assert mallory.get(f"/api/manifests/{manifest['id']}/progress").status_code == 404
    start(alice, manifest["id"])
    again = alice.post(f"/api/manifests/{manifest['id']}/process")
    assert again.status_code == 409
    assert wait_until_done(alice, manifest["id"])["status"] == "READY"


def test_the_same_task_twice_and_concurrently_gives_the_same_assets(
    alice: Api, worker, photos: Path, street_photos: Path
) -> None:
    manifest = manifest_of_photos(
        alice, [("Street", street_photos / "bus.jpg"), ("Obama", photos / "obama.jpg")]
    )
    job_id = start(alice, manifest["id"])
    # The emulator delivers it once; deliver it twice more at the same time, as Cloud Tasks may: a
    # delivery while another holds the run is answered 503 (delivered again later), one runs it.
    answers: list[int] = []

    def deliver_again() -> None:
        answers.append(deliver(worker.worker_url, job_id, manifest["id"]).status_code)

    threads = [threading.Thread(target=deliver_again) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(answers) <= {200, 503}, answers
    assert wait_until_done(alice, manifest["id"])["status"] == "READY"
    first = alice.get(f"/api/manifests/{manifest['id']}").json()
    assert_consistent(first)

    after = deliver(worker.worker_url, job_id, manifest["id"])  # a late redelivery after the end
    assert after.json()["outcome"] == "already done"
    second = alice.get(f"/api/manifests/{manifest['id']}").json()
    assert {a["id"] for a in second["assets"]} == {a["id"] for a in first["assets"]}
    # one cast however it was delivered: Obama (bus.jpg's faces are too small to tell who they are)
    assert second["cast"] == first["cast"] and [m["name"] for m in first["cast"]] == ["Obama"]

    # Processing again (a new job) keeps the same extracted assets: their ids come from their source.
    again = process(alice, manifest["id"])
    assert {a["id"] for a in again["assets"]} == {a["id"] for a in first["assets"]}
    assert_consistent(again)


def test_a_worker_killed_during_faces_is_retried_to_a_complete_manifest(
    alice: Api, worker, gemini, photos: Path, street_photos: Path
) -> None:
    cast = [(p.stem, p) for p in sorted(photos.glob("*.jpg"))] + [
        ("bus", street_photos / "bus.jpg"),
        ("zidane", street_photos / "zidane.jpg"),
    ]
    manifest = manifest_of_photos(alice, cast)
    start(alice, manifest["id"])
    ref = db.collection(db.MANIFESTS).document(manifest["id"])
    deadline = time.monotonic() + 120
    while (ref.get().to_dict() or {}).get("current_step") != "faces":
        assert time.monotonic() < deadline, "the run never reached the faces step"
        time.sleep(0.02)
    worker.kill_worker()
    killed_at = ref.get().to_dict()
    assert killed_at["status"] == "PROCESSING" and killed_at["current_step"] == "faces"
    worker.start_worker(worker_env(gemini))  # Cloud Tasks (the emulator) retries the task
    progress = wait_until_done(alice, manifest["id"])
    assert progress["status"] == "READY", progress
    done = alice.get(f"/api/manifests/{manifest['id']}").json()
    assert_consistent(done)
    sources = [a for a in done["assets"] if a["source"] == "uploaded"]
    for source in sources:
        faces = [a for a in done["assets"] if a["source_asset_id"] == source["id"] and a["is_face_crop"]]
        assert faces, f"{source['name']} lost its faces"
    assert all(a["reverse_prompt"] for a in done["assets"])


def test_a_lapsed_lease_lets_a_new_request_take_over(alice: Api, worker, photos: Path) -> None:
    manifest = manifest_of_photos(alice, [("Biden", photos / "biden.jpg")])
    # A run whose worker died long ago: PROCESSING, lease expired.
    ref = db.collection(db.MANIFESTS).document(manifest["id"])
    dead_job = "0" * 32
    hold_lease(manifest["id"], dead_job, expires_in=-timedelta(minutes=1))
    ref.update({"current_step": "faces"})
    job_id = start(alice, manifest["id"])
    assert job_id != dead_job
    assert wait_until_done(alice, manifest["id"])["status"] == "READY"

    # Read-side expiry: a stuck run shows as ERROR with a reason, not PROCESSING forever.
    ref.update(
        {
            "status": "PROCESSING",
            "processing.job_id": dead_job,
            "processing.finished_at": None,
            "processing.lease_expires_at": utcnow() - timedelta(hours=1),  # lapsed, and no retry took it
        }
    )
    progress = alice.get(f"/api/manifests/{manifest['id']}/progress").json()
    assert progress["status"] == "ERROR" and "lease expired" in progress["error"]
    # The superseded job, delivered again, changes nothing.
    before = alice.get(f"/api/manifests/{manifest['id']}").json()
    assert deliver(worker.worker_url, job_id, manifest["id"]).json()["outcome"] in (
        "already done",
        "superseded",
    )
    assert alice.get(f"/api/manifests/{manifest['id']}").json()["assets"] == before["assets"]


def test_a_corrupt_image_fails_that_asset_not_the_manifest(alice: Api, photos: Path) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Broken", photos / "biden.jpg")])
    broken = next(
        a for a in alice.get(f"/api/manifests/{manifest['id']}").json()["assets"] if a["name"] == "Broken"
    )
    stored = db.collection(db.ASSETS).document(broken["id"]).get().to_dict()
    data = (photos / "biden.jpg").read_bytes()[:5000]  # truncated after upload, e.g. by a bad copy
    generation = storage.upload(stored["image_path"], data, "image/jpeg")
    db.collection(db.ASSETS).document(broken["id"]).update({"image_generation": generation})
    start(alice, manifest["id"])
    progress = wait_until_done(alice, manifest["id"])
    assert progress["status"] == "READY"
    detection = progress["progress"]["detection"]
    assert (detection["done"], detection["total"], detection["failed"]) == (2, 2, 1)
    done = by_name(alice.get(f"/api/manifests/{manifest['id']}").json())
    assert done["Broken"]["processing_error"]["step"] == "detection"
    assert "decoded" in done["Broken"]["processing_error"]["message"]
    assert done["Obama"]["processing_error"] is None and done["Obama"]["reverse_prompt"]


def test_an_inline_edit_survives_a_run_that_started_before_it(alice: Api, photos: Path) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    asset = next(
        a for a in alice.get(f"/api/manifests/{manifest['id']}").json()["assets"] if a["name"] == "Biden"
    )
    start(alice, manifest["id"])
    edited = alice.put(f"/api/assets/{asset['id']}", json={"reverse_prompt": "my own words"})
    assert edited.status_code == 200
    assert wait_until_done(alice, manifest["id"])["status"] == "READY"
    after = alice.get(f"/api/assets/{asset['id']}").json()
    assert after["reverse_prompt"] == "my own words"
    assert after["visual_description"].startswith("gemini sees Biden")  # the rest was still filled in
