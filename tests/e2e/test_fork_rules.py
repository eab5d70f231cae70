"""Forks and snapshots at their edges: no dead end when the engine's run fails, the snapshot's
contact sheet kept, the story kept when keyframes are redone, crops that follow their source."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import requests

from common.gcp import tasks
from tests.support.api import Api, jpeg, wait_for
from tests.support.engine import manifest_of_photos, process, wait_until_done
from tests.support.forks import finished_project

pytestmark = pytest.mark.usefixtures("worker")


def fork(alice: Api, project_id: str, body: dict) -> dict:
    r = alice.post(f"/api/projects/{project_id}/fork", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_fork_whose_run_cannot_be_queued_recovers(
    alice: Api, pipeline: Api, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue fails while forking: the fork exists, its snapshot answers 409 with the run's
    status, and POST /process runs it again incrementally (inherited crops and tags untouched)."""
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg")])
    parent_assets = process(alice, manifest["id"])["assets"]
    parent = finished_project(alice, pipeline, manifest["id"])
    upload = {
        "image_data": base64.b64encode((photos / "biden.jpg").read_bytes()).decode(),
        "name": "Biden",
        "asset_type": "CHARACTER",
    }

    def queue_down(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Cloud Tasks is unavailable")

    monkeypatch.setattr(tasks, "enqueue", queue_down)
    made = fork(alice, parent["project_id"], {"asset_changes": {"new_uploads": [upload]}})
    monkeypatch.undo()

    progress = alice.get(f"/api/manifests/{made['manifest_id']}/progress").json()
    assert progress["status"] == "ERROR" and "could not be queued" in progress["error"]
    pending = alice.get(f"/api/projects/{made['project_id']}/snapshot")
    assert pending.status_code == 409
    error = pending.json()["error"]
    assert (
        error["details"]["status"] == "ERROR"
        and f"/api/manifests/{made['manifest_id']}/process" in error["message"]
    )
    before = {a["id"]: a for a in alice.get(f"/api/manifests/{made['manifest_id']}").json()["assets"]}

    assert alice.post(f"/api/manifests/{made['manifest_id']}/process").status_code == 202
    done = wait_until_done(alice, made["manifest_id"])
    assert done["status"] == "READY" and "tags" not in done["progress"]  # incremental: nothing renumbered
    after = {a["id"]: a for a in alice.get(f"/api/manifests/{made['manifest_id']}").json()["assets"]}
    for asset_id, asset in before.items():
        if asset["is_inherited"]:  # never re-extracted under new ids, never renumbered
            assert after[asset_id]["manifest_tag"] == asset["manifest_tag"]
    assert len([a for a in after.values() if a["is_inherited"]]) == len(parent_assets)
    biden = next(a for a in after.values() if a["name"] == "Biden")
    assert any(a["source_asset_id"] == biden["id"] and a["is_face_crop"] for a in after.values())
    snapshot = wait_for(
        lambda: (
            (r := alice.get(f"/api/projects/{made['project_id']}/snapshot")).status_code == 200 and r.json()
        ),
        timeout=30,
    )
    assert {a["id"] for a in snapshot["assets"]} == set(after)


def test_the_snapshot_keeps_its_contact_sheet(alice: Api, photos: Path) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg")])
    process(alice, manifest["id"])
    project = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "p", "manifest_id": manifest["id"]}
    ).json()
    snapshot = alice.get(f"/api/projects/{project['project_id']}/snapshot").json()
    sheet = requests.get(snapshot["contact_sheet_url"], timeout=10)
    assert sheet.status_code == 200 and sheet.content[:8] == b"\x89PNG\r\n\x1a\n"
    # the manifest's next run draws a new sheet; the snapshot's stays where it points
    process(alice, manifest["id"])
    live = alice.get(f"/api/manifests/{manifest['id']}").json()["contact_sheet_url"]
    assert live.split("?")[0] != snapshot["contact_sheet_url"].split("?")[0]
    again = alice.get(f"/api/projects/{project['project_id']}/snapshot").json()
    assert requests.get(again["contact_sheet_url"], timeout=10).content == sheet.content


def test_a_fork_resuming_at_keyframing_keeps_its_story(alice: Api, pipeline: Api) -> None:
    manifest = alice.manifest(name="Cast", category="MIXED")
    hero = alice.asset(manifest["id"], name="Hero")  # CHAR_01
    parent = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "p", "manifest_id": manifest["id"]}
    ).json()
    url = f"/api/pipeline/projects/{parent['project_id']}"
    for index in range(3):
        scene = {
            "storyboard_text": f"beat {index}",
            "keyframe_url": f"gs://k/{index}.png",
            "clip_url": f"gs://c/{index}.mp4",
            "scene_manifest": {
                "asset_tags": ["CHAR_01"] if index else ["ENV_09"],
                "composition_shot_type": "wide",
                "composition_camera_movement": "dolly",
                "selected_reference_tags": ["CHAR_01"],
                "rewritten_keyframe_prompt": "kf",
                "rewritten_video_prompt": "vid",
            },
        }
        assert pipeline.put(f"{url}/scenes/{index}", json=scene).status_code == 200
    assert pipeline.put(url, json={"stage": "complete", "status": "complete"}).status_code == 200
    edit = {"modified_assets": {hero["id"]: {"changes": {"reverse_prompt": "older"}}}}
    made = fork(alice, parent["project_id"], {"asset_changes": edit})
    assert (made["resume_stage"], made["scene_copy_boundary"]) == ("keyframing", 1)
    scenes = alice.get(f"/api/projects/{made['project_id']}").json()["scenes"]
    assert [(s["source"], s["storyboard_text"], s["keyframe_url"]) for s in scenes] == [
        ("inherited", "beat 0", "gs://k/0.png"),
        ("storyboard", "beat 1", None),
        ("storyboard", "beat 2", None),
    ]
    story = scenes[1]["scene_manifest"]
    assert (story["asset_tags"], story["composition_shot_type"], story["composition_camera_movement"]) == (
        ["CHAR_01"],
        "wide",
        "dolly",
    )
    assert (
        story["selected_reference_tags"],
        story["rewritten_keyframe_prompt"],
        story["rewritten_video_prompt"],
    ) == (
        [],
        None,
        None,
    )
    # clear_keyframes alone: the same, from scene 0
    cleared = fork(alice, parent["project_id"], {"clear_keyframes": True})
    sources = [s["source"] for s in alice.get(f"/api/projects/{cleared['project_id']}").json()["scenes"]]
    assert (cleared["resume_stage"], sources) == ("keyframing", ["storyboard"] * 3)


def test_crops_follow_their_source(alice: Api, pipeline: Api, photos: Path) -> None:
    """Removing an upload removes what was cut from it; a scene that uses only a crop's tag is
    invalidated when the crop's source is removed or re-imaged."""
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    assets = process(alice, manifest["id"])["assets"]
    by_id = {a["id"]: a for a in assets}
    obama = next(a for a in assets if a["name"] == "Obama")
    biden = next(a for a in assets if a["name"] == "Biden")
    obama_crops = [a for a in assets if a["source_asset_id"] == obama["id"]]
    biden_crop = next(a for a in assets if a["source_asset_id"] == biden["id"] and a["is_face_crop"])
    assert obama_crops and all(by_id[c["id"]]["source"] == "extracted" for c in obama_crops)

    project = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "p", "manifest_id": manifest["id"]}
    ).json()
    url = f"/api/pipeline/projects/{project['project_id']}"
    uses = [["ENV_99"], [obama_crops[0]["manifest_tag"]], [biden_crop["manifest_tag"]]]  # crops' tags only
    for index, tags in enumerate(uses):
        scene = {"storyboard_text": f"s{index}", "scene_manifest": {"asset_tags": tags}}
        assert pipeline.put(f"{url}/scenes/{index}", json=scene).status_code == 200
    assert pipeline.put(url, json={"stage": "complete", "status": "complete"}).status_code == 200

    removed = fork(alice, project["project_id"], {"asset_changes": {"removed_asset_ids": [obama["id"]]}})
    assert (removed["resume_stage"], removed["scene_copy_boundary"]) == ("keyframing", 1)
    left = alice.get(f"/api/manifests/{removed['manifest_id']}").json()["assets"]
    assert {a["inherited_from_asset"] for a in left}.isdisjoint(
        {obama["id"], *(c["id"] for c in obama_crops)}
    )
    assert all(a["source_asset_id"] is not None for a in left if a["source"] == "extracted")
    assert alice.get(f"/api/manifests/{removed['manifest_id']}").json()["asset_count"] == len(left)

    recast = {biden["id"]: {"changes": {"reference_image": base64.b64encode(jpeg(400, 500)).decode()}}}
    reimaged = fork(alice, project["project_id"], {"asset_changes": {"modified_assets": recast}})
    assert (reimaged["resume_stage"], reimaged["scene_copy_boundary"]) == ("keyframing", 2)

    # A character removed as a whole: every asset of it goes, with what was cut from them, and the
    # scenes that used any of their tags are redone.
    character = biden["character_id"]
    theirs = {a["id"] for a in assets if a["character_id"] == character}
    theirs |= {a["id"] for a in assets if a["source_asset_id"] in theirs}
    assert character and {biden["id"], biden_crop["id"]} <= theirs
    gone = fork(alice, project["project_id"], {"asset_changes": {"removed_character_ids": [character]}})
    assert (gone["resume_stage"], gone["scene_copy_boundary"]) == ("keyframing", 2)
    left = alice.get(f"/api/manifests/{gone['manifest_id']}").json()["assets"]
    assert left and {a["inherited_from_asset"] for a in left}.isdisjoint(theirs)
    stranger = {"asset_changes": {"removed_character_ids": ["f" * 32]}}
    refused = alice.post(f"/api/projects/{project['project_id']}/fork", json=stranger)
    assert refused.status_code == 422 and "not characters" in refused.json()["error"]["message"], refused.text


def test_a_fork_whose_run_fails_recovers(
    alice: Api, pipeline: Api, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fork's engine run dies on its last attempt (the worker crashes every time): the fork's
    snapshot answers 409 with ERROR, and the next POST /process finishes it incrementally."""
    from common.gcp import db
    from common.jobs import lifecycle
    from gpu_service import delivery as jobs

    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg")])
    process(alice, manifest["id"])
    parent = finished_project(alice, pipeline, manifest["id"])

    monkeypatch.setattr(tasks, "enqueue", lambda *_a, **_k: None)  # we deliver the task ourselves
    upload = {
        "image_data": base64.b64encode((photos / "biden.jpg").read_bytes()).decode(),
        "name": "Biden",
        "asset_type": "CHARACTER",
    }
    made = fork(alice, parent["project_id"], {"asset_changes": {"new_uploads": [upload]}})
    monkeypatch.undo()
    job_id = db.manifests().document(made["manifest_id"]).get().to_dict()["processing"]["job_id"]

    def crash(_job: object) -> None:
        raise RuntimeError("the GPU worker died")

    monkeypatch.setattr(jobs, "run_manifest", crash)
    assert jobs.handle(job_id, last_attempt=True) == "failed"
    monkeypatch.undo()
    assert (lifecycle.read_doc(job_id) or {}).get("status") == "ERROR"
    pending = alice.get(f"/api/projects/{made['project_id']}/snapshot")
    assert pending.status_code == 409 and pending.json()["error"]["details"]["status"] == "ERROR"

    assert alice.post(f"/api/manifests/{made['manifest_id']}/process").status_code == 202
    assert wait_until_done(alice, made["manifest_id"])["status"] == "READY"
    snapshot = wait_for(
        lambda: (
            (r := alice.get(f"/api/projects/{made['project_id']}/snapshot")).status_code == 200 and r.json()
        ),
        timeout=30,
    )
    assert "Biden" in {a["name"] for a in snapshot["assets"]}
