"""Repair on the emulators: a beat that shows one of the two characters its scene asks for is
regenerated with the scene's pack through the real google-genai client (the stand-in draws what it
is given, as the offline generator does) and checked with the real face models, until it holds."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from google.cloud.firestore import FieldFilter
from PIL import Image, ImageOps

from common.gcp import db
from common.jobs import lifecycle
from devstack.emulators import Stack
from devstack.testdata import stranger_photo
from tests.e2e.test_continuity import jpeg, record, reports
from tests.support.api import Api, wait_for
from tests.support.checkpoints import checkpoint, detail, project, wait_for_job
from tests.support.cli import vidpipe
from tests.support.engine import deliver, manifest_of_photos, process
from tests.support.gemini_standin import GeminiStandIn, decode_bytes

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture(scope="module")
def cast(worker: Stack, base_url: str, spec: dict[str, Any], photos: Path) -> dict[str, Any]:
    """Obama and Biden, processed once for the module."""
    owner = Api(base_url, spec, "repair-owner")
    manifest = manifest_of_photos(owner, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    handles = {m["name"]: m["handle"] for m in process(owner, manifest["id"])["cast"]}
    return {
        "owner": owner,
        "manifest_id": manifest["id"],
        "obama": handles["Obama"],
        "biden": handles["Biden"],
    }


def scene_project(cast: dict[str, Any], pipeline: Api, tags: list[str], **fields: Any) -> str:
    """A project on the cast whose scene 0 asks for `tags`."""
    made = project(cast["owner"], manifest_id=cast["manifest_id"], **fields)
    text = " and ".join(tags) + " talk on a bench"
    scene = {
        "storyboard_text": text,
        "scene_manifest": {"asset_tags": tags, "composition_shot_type": "medium"},
    }
    answer = pipeline.put(f"/api/pipeline/projects/{made['project_id']}/scenes/0", json=scene)
    assert answer.status_code == 200, answer.text
    return str(made["project_id"])


def beat(owner: Api, checkpoint_id: str) -> dict[str, Any]:
    return detail(owner, checkpoint_id)["artifacts"][0]  # type: ignore[no-any-return]


def framed(path: Path) -> bytes:
    """A photo as a generated 640 x 480 frame shows it (letterboxed), as JPEG."""
    out = io.BytesIO()
    ImageOps.pad(Image.open(path).convert("RGB"), (640, 480), color=(40, 40, 40)).save(
        out, "JPEG", quality=92
    )
    return out.getvalue()


def image_of(owner: Api, asset_id: str) -> bytes:
    url = owner.get(f"/api/assets/{asset_id}").json()["reference_image_url"]
    return requests.get(url, timeout=10).content


def test_a_beat_missing_a_character_is_repaired_to_ok(
    cast: dict[str, Any], pipeline: Api, gemini: GeminiStandIn, photos: Path, base_url: str
) -> None:
    owner, obama, biden = cast["owner"], cast["obama"], cast["biden"]
    project_id = scene_project(cast, pipeline, [obama, biden])
    checkpoint_id = record(pipeline, project_id, 2, [jpeg(photos / "obama2.jpg")])
    first = reports(owner, checkpoint_id)["0"]
    assert first["status"] == "missing" and first["missing"] == [biden], first
    pack = owner.get(f"/api/projects/{project_id}/scenes/0/references", params={"target": "image"}).json()

    gemini.reset()
    printed = vidpipe(base_url, owner.uid or "", "repair", checkpoint_id, "0", "--wait")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.splitlines()[0].startswith("Attempt 1: v2 ok with ")
    assert "Repaired: v2 is ok after 1 attempt." in printed.stderr

    # The image model got the frame, then the steered pack: Biden (missing) first, named in the prompt.
    (body,) = [b for m, b in gemini.requests if m == "generateContent"]
    parts = body["contents"][0]["parts"]
    sent = [decode_bytes(p["inlineData"]["data"]) for p in parts if "inlineData" in p][1:]
    repaired = beat(owner, checkpoint_id)
    references = repaired["references"]
    assert references[0]["handle"] == biden and {r["handle"] for r in references} == {obama, biden}
    assert len(references) == len(pack["references"])  # as many as the scene's pack holds
    assert sent == [image_of(owner, r["asset_id"]) for r in references]  # exactly those, in that order
    assert f"{biden} (Biden" in repaired["prompt"] and "must appear" in repaired["prompt"]
    assert repaired["prompt"] in parts[-1]["text"]

    # The repaired version is the latest and holds; the first is kept as it was.
    assert (repaired["version"], repaired["continuity"]["status"]) == (2, "ok")
    assert repaired["repair"]["attempt"] == 1 and repaired["repair"]["outcome"] == "ok"
    job = owner.get(f"/api/jobs/{repaired['repair']['job_id']}").json()
    assert job["kind"] == "repair" and job["status"] == "DONE" and job["from_version"] == 1
    assert job["result"] == {
        "attempts": 1,
        "best_version": 2,
        "outcome": "ok",
        "repaired": True,
        "said": "Repaired: v2 is ok after 1 attempt.",
    }
    (attempt,) = job["repair_attempts"]
    assert attempt["missing"] == [] and attempt["references"][0] == biden
    assert attempt["steer"].startswith(f"{biden} must appear")
    assert (attempt["status"], attempt["version"]) == ("ok", 2)
    assert attempt["said"].startswith(f"Attempt 1: v2 ok with {biden}")
    # The checkpoint carries the artifact's latest repair, so a reload follows it from there.
    latest = repaired["latest_repair"]
    assert (latest["task_id"], latest["status"], latest["outcome"]) == (job["task_id"], "DONE", "ok")
    assert latest["attempts"] == job["repair_attempts"] and latest["said"] == job["result"]["said"]
    assert (latest["max_attempts"], latest["error"]) == (job["max_attempts"], None)
    original = repaired["versions"][0]
    assert (original["version"], original["generator"], original["continuity"]["status"]) == (
        1,
        "pipeline",
        "missing",
    )
    assert original["repair"] is None

    # What its generation cost replaced the quote it held; the check's GPU time is on the version.
    spent = owner.get(f"/api/projects/{project_id}").json()["repair_spent"]
    assert spent == pytest.approx(attempt["generation_cost"]) and 0 < spent < 0.05
    assert attempt["cost"] == pytest.approx(spent + repaired["continuity"]["cost"])

    # Asked again for the version that now holds: nothing to repair.
    again = owner.post(f"/api/checkpoints/{checkpoint_id}/repair", json={"artifact_key": "0"})
    assert again.status_code == 409 and "already holds" in again.json()["error"]["message"]

    # A new image that misses Biden again, repaired again: the prompt is built from the scene again,
    # not from the last repair's (which would ask for him twice).
    url = f"/api/checkpoints/{checkpoint_id}/upload-image"
    replaced = owner.post(
        url, files={"file": ("b.jpg", jpeg(photos / "obama2.jpg"))}, data={"beat_index": "0"}
    )
    assert replaced.status_code == 200, replaced.text
    wait_for(lambda: beat(owner, checkpoint_id)["continuity"]["status"] == "missing", timeout=60)
    printed = vidpipe(base_url, owner.uid or "", "repair", checkpoint_id, "0", "--wait")
    assert printed.returncode == 0, printed.stderr
    second = beat(owner, checkpoint_id)
    assert second["version"] == 4 and second["prompt"].count("must appear") == 1, second["prompt"]
    assert second["repair"]["job_id"] != repaired["repair"]["job_id"]


def test_a_stranger_in_the_frame_is_replaced_and_a_redelivery_adds_nothing(
    cast: dict[str, Any], pipeline: Api, gemini: GeminiStandIn, worker: Stack
) -> None:
    owner, obama = cast["owner"], cast["obama"]
    project_id = scene_project(cast, pipeline, [obama])
    checkpoint_id = record(pipeline, project_id, 2, [framed(stranger_photo())])
    assert reports(owner, checkpoint_id)["0"]["status"] == "missing"
    accepted = owner.post(
        f"/api/checkpoints/{checkpoint_id}/repair", json={"artifact_key": "0", "max_attempts": 2}
    )
    assert accepted.status_code == 202, accepted.text
    task = accepted.json()
    assert (task["checkpoint_id"], task["artifact_key"]) == (checkpoint_id, "0")
    twice = owner.post(
        f"/api/checkpoints/{checkpoint_id}/repair", json={"artifact_key": "0", "max_attempts": 2}
    )
    job = wait_for_job(owner, task["task_id"])
    # Asked again: the running repair's own job, or (if it was done already) nothing to repair.
    assert twice.json().get("task_id") == task["task_id"] or (
        twice.status_code == 409 and "already holds" in twice.text
    ), twice.text
    repairs = db.jobs().where(filter=FieldFilter("checkpoint_id", "==", checkpoint_id)).stream()
    assert [j.id for j in repairs if (j.to_dict() or {}).get("kind") == "repair"] == [task["task_id"]]
    assert job["status"] == "DONE" and job["result"]["outcome"] == "ok", json.dumps(job, indent=1)
    versions = beat(owner, checkpoint_id)["versions"]

    # Delivered again as if the first delivery died after its last attempt's commit (which recorded the
    # attempt on the job with its version), before the job was done: one set of versions, nothing paid again.
    lifecycle.mark(task["task_id"], {"status": "RUNNING", "result": None})
    gemini.reset()
    again = deliver(worker.worker_url, task["task_id"], kind="repair")
    for _ in range(60):  # the emulator's own second dispatch may hold the job: 503, deliver later
        if again.status_code != 503:
            break
        time.sleep(0.5)
        again = deliver(worker.worker_url, task["task_id"], kind="repair")
    assert again.status_code == 200 and again.json()["outcome"] in ("done", "already done"), again.text
    assert beat(owner, checkpoint_id)["versions"] == versions
    assert [m for m, _ in gemini.requests] == []  # nothing generated twice
    redone = owner.get(f"/api/jobs/{task['task_id']}").json()
    assert redone["result"] == job["result"] and len(redone["repair_attempts"]) == len(job["repair_attempts"])


def test_bad_repairs_get_a_json_4xx_and_change_nothing(
    cast: dict[str, Any], pipeline: Api, mallory: Api, photos: Path
) -> None:
    owner, obama, biden = cast["owner"], cast["obama"], cast["biden"]
    project_id = scene_project(cast, pipeline, [obama, biden])
    checkpoint_id = record(pipeline, project_id, 2, [jpeg(photos / "obama2.jpg")])
    assert reports(owner, checkpoint_id)["0"]["status"] == "missing"
    url = f"/api/checkpoints/{checkpoint_id}/repair"
    before = detail(owner, checkpoint_id)

    for body in (
        {"artifact_key": "0", "max_attempts": 0},
        {"artifact_key": "0", "max_attempts": 9},
        {"artifact_key": "0", "max_attempts": "three"},
        {"max_attempts": 2},
        {"artifact_key": "../0"},
        {"artifact_key": "7"},
        {"artifact_key": "spec"},
    ):
        answer = owner.post(url, json=body)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "validation_error", (
            body,
            answer.text,
        )
    assert mallory.post(url, json={"artifact_key": "0"}).status_code == 404

    # A spent budget: 422 with the figures; the budget and nothing else changed.
    patched = owner.patch(f"/api/projects/{project_id}", json={"repair_budget": 0.05})
    assert patched.status_code == 200 and patched.json()["repair_budget"] == 0.05
    refused = owner.post(url, json={"artifact_key": "0"})
    assert refused.status_code == 422, refused.text
    figures = refused.json()["error"]["details"]
    assert figures["max_attempts"] == 3 and figures["left"] == 0.05
    assert figures["quote"] == pytest.approx(3 * figures["price_per_call"]) and figures["quote"] > 0.05
    assert "repair budget" in refused.json()["error"]["message"]
    for bad in ({"repair_budget": -1}, {"repair_budget": "lots"}, {"auto_repair": "yes"}):
        assert owner.patch(f"/api/projects/{project_id}", json=bad).status_code == 422
    after = owner.get(f"/api/projects/{project_id}").json()
    assert (after["repair_budget"], after["repair_spent"], after["auto_repair"]) == (0.05, 0.0, False)
    assert detail(owner, checkpoint_id)["artifacts"] == before["artifacts"]

    # Not a phase that has faces, and a project without a cast: 409 with the reason.
    spec_checkpoint = checkpoint(pipeline, project_id, 1)
    refused = owner.post(f"/api/checkpoints/{spec_checkpoint}/repair", json={"artifact_key": "spec"})
    assert refused.status_code == 409 and "phase 1" in refused.json()["error"]["message"]
    plain = project(owner)["project_id"]
    beats = checkpoint(pipeline, plain, 2)
    refused = owner.post(f"/api/checkpoints/{beats}/repair", json={"artifact_key": "0"})
    assert refused.status_code == 409 and "snapshot" in refused.json()["error"]["message"]


def test_auto_repair_starts_one_repair_for_a_pipeline_beat_that_misses_someone(
    cast: dict[str, Any], pipeline: Api, photos: Path
) -> None:
    owner, obama, biden = cast["owner"], cast["obama"], cast["biden"]
    project_id = scene_project(cast, pipeline, [obama, biden])
    assert (
        owner.patch(f"/api/projects/{project_id}", json={"auto_repair": True}).json()["auto_repair"] is True
    )
    checkpoint_id = record(pipeline, project_id, 2, [jpeg(photos / "biden.jpg")])

    def repaired() -> dict[str, Any] | None:
        latest = beat(owner, checkpoint_id)
        held = latest["version"] >= 2 and (latest.get("repair") or {}).get("outcome")
        return latest if held else None

    latest = wait_for(repaired, timeout=120, interval=0.5)
    assert latest, beat(owner, checkpoint_id)
    assert latest["repair"]["outcome"] == "ok" and latest["references"][0]["handle"] == obama
    job = wait_for_job(owner, latest["repair"]["job_id"])
    assert job["result"]["best_version"] == latest["version"]
    assert latest["versions"][0]["generator"] == "pipeline"
    assert len(latest["versions"]) == 2  # one repair, not one per report
