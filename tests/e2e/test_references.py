"""GET /api/projects/{id}/scenes/{n}/references on the emulators: a processed cast, a project on
its snapshot, scenes the pipeline recorded; the owner and the pipeline read the pack, others 404."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support.api import Api
from tests.support.engine import manifest_of_photos, process

pytestmark = pytest.mark.usefixtures("worker")


def scene(  # noqa: PLR0917 - a scene as the pipeline records it
    pipeline: Api, project_id: str, index: int, text: str, tags: list[str], shot: str | None
) -> None:
    body = {"storyboard_text": text, "scene_manifest": {"asset_tags": tags, "composition_shot_type": shot}}
    assert pipeline.put(f"/api/pipeline/projects/{project_id}/scenes/{index}", json=body).status_code == 200


def test_a_scene_gets_its_cast_as_references(alice: Api, mallory: Api, pipeline: Api, photos: Path) -> None:
    people = [
        ("Obama", photos / "obama.jpg"),
        ("Obama", photos / "obama2.jpg"),
        ("Biden", photos / "biden.jpg"),
    ]
    manifest = manifest_of_photos(alice, people)
    done = process(alice, manifest["id"])
    handles = {m["name"]: m["handle"] for m in done["cast"]}
    assert handles == {"Obama": "CHAR_01", "Biden": "CHAR_03"}
    project = alice.post("/api/generate", json={"prompt": "a walk", "manifest_id": manifest["id"]}).json()
    pid = project["project_id"]
    scene(pipeline, pid, 0, "@biden meets CHAR_01 in the park. CHAR_01 waves.", ["CHAR_01"], "medium shot")
    scene(pipeline, pid, 1, "", [], None)

    url = f"/api/projects/{pid}/scenes/0/references"
    pack = alice.get(url).json()
    assert (pack["scene_index"], pack["target"], pack["limit"]) == (0, "video", 3)
    assert [r["handle"] for r in pack["references"]] == ["CHAR_01", "CHAR_03", "CHAR_01"]
    assert all(r["role"] == "character" and r["why"] for r in pack["references"])
    first = requests.get(pack["references"][0]["image_url"], timeout=10)
    assert first.status_code == 200 and first.headers["Content-Type"].startswith("image/")
    assert pack["uncovered"] == [] and pack["unresolved"] == []
    assert pack["prompt"].startswith("CHAR_03 (Biden: ") and " CHAR_01 (Obama: " in pack["prompt"]
    assert pack["prompt"].endswith("CHAR_01 waves.")
    again = alice.get(url).json()  # the same snapshot and scene: the same pack
    assert [(r["asset_id"], r["why"]) for r in again["references"]] == [
        (r["asset_id"], r["why"]) for r in pack["references"]
    ]
    assert alice.get(url, params={"target": "image"}).json()["target"] == "image"

    # The pipeline recorded neither references nor rewritten prompts: filled from the packs.
    held = alice.get(f"/api/projects/{pid}").json()["scenes"][0]["scene_manifest"]
    assert held["selected_reference_tags"] == list(
        dict.fromkeys(r["manifest_tag"] for r in pack["references"])
    )
    assert held["rewritten_video_prompt"] == held["rewritten_keyframe_prompt"] == pack["prompt"]
    mine = {"storyboard_text": "CHAR_03 alone", "scene_manifest": {"selected_reference_tags": ["CHAR_02"]}}
    assert pipeline.put(f"/api/pipeline/projects/{pid}/scenes/2", json=mine).status_code == 200
    kept = alice.get(f"/api/projects/{pid}").json()["scenes"][2]["scene_manifest"]
    assert kept["selected_reference_tags"] == ["CHAR_02"]  # what the pipeline sends wins
    assert kept["rewritten_video_prompt"].startswith("CHAR_03 (Biden: ")

    assert pipeline.get(url).status_code == 200  # the pipeline reads any project's packs
    assert mallory.get(url).status_code == 404
    assert alice.get(url, params={"target": "audio"}).status_code == 422
    assert alice.get(f"/api/projects/{pid}/scenes/7/references").status_code == 404
    empty = alice.get(f"/api/projects/{pid}/scenes/1/references")
    assert empty.status_code == 409 and "nothing to choose" in empty.json()["error"]["message"]


def test_a_project_without_a_snapshot_has_no_pack(alice: Api, pipeline: Api) -> None:
    project = alice.post("/api/generate", json={"prompt": "no manifest"}).json()
    scene(pipeline, project["project_id"], 0, "CHAR_01 runs", ["CHAR_01"], None)
    response = alice.get(f"/api/projects/{project['project_id']}/scenes/0/references")
    assert response.status_code == 409 and "snapshot" in response.json()["error"]["message"]
