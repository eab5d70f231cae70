"""The built-in pipeline's first phase (docs/pipeline.md): `POST /api/generate` with `pipeline:
"built_in"` storyboards the film from the snapshot's cast on the GPU service (through the real
google-genai client against the local Gemini stand-in), records the scenes and phase 1's checkpoint
with the spec, and waits there for approval (the phases after it: test_film.py). `external` leaves
the project a draft for the caller's pipeline, as before."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.support.api import Api
from tests.support.engine import manifest_of_photos, process
from tests.support.gemini_standin import GeminiStandIn


def settled(alice: Api, project_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        detail = alice.get(f"/api/projects/{project_id}").json()
        if detail["status"] != "running":
            return detail
        assert time.monotonic() < deadline, detail
        time.sleep(0.2)


def test_a_built_in_run_storyboards_the_film_from_the_cast_and_waits_at_its_checkpoint(
    alice: Api, worker, photos: Path, gemini: GeminiStandIn
) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    process(alice, manifest["id"])
    answer = alice.post(
        "/api/generate",
        json={
            "prompt": "@Obama meets @Biden at the harbour. A storm rolls in. @Nobody waves from a boat.",
            "manifest_id": manifest["id"],
            "pipeline": "built_in",
            "target_duration_s": 20,
        },
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert (created["pipeline"], created["status"]) == ("built_in", "running")  # at once
    project = settled(alice, created["project_id"])
    assert (project["stage"], project["status"], project["error"]) == ("storyboarding", "pending", None)
    scenes = project["scenes"]
    assert [s["index"] for s in scenes] == [0, 1, 2]  # 20 s: 8 + 6 + 6
    # The worker storyboards through the real client against the stand-in (Gemini configured): it
    # was asked with the @Names spelled out as handles, and its invented CHAR_99 is dropped.
    asked = [
        " ".join(p.get("text", "") for p in body["contents"][0]["parts"])
        for method, body in gemini.requests
        if method == "generateContent" and "Write exactly" in json.dumps(body)
    ][-1]
    assert "CHAR_01 (Obama" in asked and "CHAR_02 (Biden" in asked and "@Nobody" in asked
    assert "- CHAR_01: Obama (character)" in asked and "in order: 8, 6, 6" in asked
    tags = [s["scene_manifest"]["asset_tags"] for s in scenes]
    assert tags == [["CHAR_01"], ["CHAR_02"], ["CHAR_01"]]
    assert all(s["scene_manifest"]["rewritten_keyframe_prompt"] for s in scenes)
    assert project["title"] == "The Stand-in Film"  # the storyboard's, not the prompt
    (checkpoint,) = alice.get(f"/api/projects/{created['project_id']}/checkpoints").json()
    assert (checkpoint["phase"], checkpoint["ready"], checkpoint["status"]) == (1, True, "pending")
    detail = alice.get(f"/api/checkpoints/{checkpoint['checkpoint_id']}").json()
    (spec,) = detail["artifacts"]
    beats = spec["content"]["beats"]
    assert [b["duration_s"] for b in beats] == [8, 6, 6] and spec["content"]["duration_s"] == 20
    assert [b["asset_tags"] for b in beats] == tags
    # Every scene names someone with references to choose: its pack is ready for phase 2.
    pack = alice.get(f"/api/projects/{created['project_id']}/scenes/0/references").json()
    assert {r["handle"] for r in pack["references"]} == {"CHAR_01"}


def test_the_built_in_run_is_the_default_and_external_leaves_a_draft(alice: Api) -> None:
    made = alice.post("/api/generate", json={"prompt": "a heist at dawn"}).json()
    assert (made["pipeline"], made["status"]) == ("built_in", "running")
    assert alice.as_a_client("POST", f"/api/projects/{made['project_id']}/stop").status_code == 200
    created = alice.post("/api/generate", json={"prompt": "a heist at dawn", "pipeline": "external"}).json()
    assert (created["pipeline"], created["status"]) == ("external", "pending")
    time.sleep(1.0)
    detail = alice.get(f"/api/projects/{created['project_id']}").json()
    assert detail["scenes"] == [] and detail["phases"] == []  # the caller's pipeline writes them
