"""GET /api/projects/{id}/scenes/{n}/references on the emulators: a processed cast, a project on
its snapshot, scenes the pipeline recorded; the owner and the pipeline read the pack, others 404."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support.api import Api
from tests.support.checkpoints import artifact, checkpoint, wait_for_job
from tests.support.cli import vidpipe
from tests.support.engine import manifest_of_photos, process
from tests.support.gemini_standin import GeminiStandIn, decode_bytes

pytestmark = pytest.mark.usefixtures("worker")


def scene(  # noqa: PLR0917 - a scene as the pipeline records it
    pipeline: Api, project_id: str, index: int, text: str, tags: list[str], shot: str | None
) -> None:
    body = {"storyboard_text": text, "scene_manifest": {"asset_tags": tags, "composition_shot_type": shot}}
    assert pipeline.put(f"/api/pipeline/projects/{project_id}/scenes/{index}", json=body).status_code == 200


def test_a_scene_gets_its_cast_as_references(
    alice: Api, mallory: Api, pipeline: Api, photos: Path, base_url: str
) -> None:
    people = [
        ("Obama", photos / "obama.jpg"),
        ("Obama", photos / "obama2.jpg"),
        ("Biden", photos / "biden.jpg"),
    ]
    manifest = manifest_of_photos(alice, people)
    done = process(alice, manifest["id"])
    handles = {m["name"]: m["handle"] for m in done["cast"]}
    assert handles == {"Obama": "CHAR_01", "Biden": "CHAR_03"}
    project = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "a walk", "manifest_id": manifest["id"]}
    ).json()
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

    printed = vidpipe(base_url, alice.uid, "references", pid, "0")  # the same pack, as a table
    assert printed.returncode == 0, printed.stderr
    assert "3 of 3" in printed.stdout and "prompt: CHAR_03 (Biden: " in printed.stdout
    assert [line.split()[1] for line in printed.stdout.splitlines()[2:5]] == ["CHAR_01", "CHAR_03", "CHAR_01"]
    refused = vidpipe(base_url, alice.uid, "references", pid, "0", "--target", "audio")
    assert refused.returncode == 1 and "422" in refused.stderr

    assert pipeline.get(url).status_code == 200  # the pipeline reads any project's packs
    assert mallory.get(url).status_code == 404
    assert alice.get(url, params={"target": "audio"}).status_code == 422
    assert alice.get(f"/api/projects/{pid}/scenes/7/references").status_code == 404
    empty = alice.get(f"/api/projects/{pid}/scenes/1/references")
    assert empty.status_code == 409 and "nothing to choose" in empty.json()["error"]["message"]
    # the project says so before anyone asks: scene 1 names nobody, scene 0 has text and tags
    assert [s["packable"] for s in alice.get(f"/api/projects/{pid}").json()["scenes"][:2]] == [True, False]


def test_a_project_without_a_snapshot_has_no_pack(alice: Api, pipeline: Api) -> None:
    project = alice.post("/api/generate", json={"pipeline": "external", "prompt": "no manifest"}).json()
    scene(pipeline, project["project_id"], 0, "CHAR_01 runs", ["CHAR_01"], None)
    response = alice.get(f"/api/projects/{project['project_id']}/scenes/0/references")
    assert response.status_code == 409 and "snapshot" in response.json()["error"]["message"]


def _inline(part: dict) -> bytes | None:
    data = part.get("inlineData") or part.get("inline_data")
    return decode_bytes(data["data"]) if data else None


def test_regenerations_send_the_scene_pack(
    alice: Api, pipeline: Api, photos: Path, gemini: GeminiStandIn
) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    process(alice, manifest["id"])
    pid = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "a talk", "manifest_id": manifest["id"]}
    ).json()["project_id"]
    scene(pipeline, pid, 0, "CHAR_01 listens to @biden", ["CHAR_01"], "close-up")
    beats, chunks = checkpoint(pipeline, pid, 2), checkpoint(pipeline, pid, 3)

    runs = (
        ("image", beats, "beat", {"beat_index": 0, "prompt_override": "@biden waves at CHAR_01"}),
        ("video", chunks, "chunk", {"chunk_index": 0}),
    )
    for target, cid, kind, request in runs:
        pack = alice.get(f"/api/projects/{pid}/scenes/0/references", params={"target": target}).json()
        stored = [requests.get(r["image_url"], timeout=10).content for r in pack["references"]]
        assert [r["handle"] for r in pack["references"]] == ["CHAR_01", "CHAR_02", "CHAR_01"]
        gemini.reset()
        accepted = alice.post(f"/api/checkpoints/{cid}/regenerate-{kind}", json=request)
        assert accepted.status_code == 202, accepted.text
        assert wait_for_job(alice, accepted.json()["task_id"])["status"] == "DONE"
        made = artifact(alice, cid, f"{kind}_{'image' if kind == 'beat' else 'clip'}", "0")
        assert [r["asset_id"] for r in made["references"]] == [r["asset_id"] for r in pack["references"]]
        if kind == "beat":  # the previous version, then exactly the stored references, in order
            (body,) = [b for m, b in gemini.requests if m == "generateContent"]
            parts = body["contents"][0]["parts"]
            images = [data for data in map(_inline, parts) if data is not None]
            assert images[1:] == stored
            # the override's handles spelled out once, each reference introduced by handle and role
            assert made["prompt"].startswith("CHAR_02 (Biden: ")
            assert " waves at CHAR_01 (Obama: " in made["prompt"]
            assert made["prompt"] in parts[-1]["text"]
            assert "image 3 is CHAR_02 (character)" in parts[-1]["text"]
        else:  # Veo: the references as asset images instead of a starting frame
            (body,) = [b for m, b in gemini.requests if m == "predictLongRunning"]
            instance = body["instances"][0]
            assert "image" not in instance
            sent = [decode_bytes(r["image"]["bytesBase64Encoded"]) for r in instance["referenceImages"]]
            assert sent == stored
            assert {r["referenceType"].lower() for r in instance["referenceImages"]} == {"asset"}
            assert made["prompt"] == "chunk 0: Dawn over the lighthouse"  # its own prompt: no handle in it
            assert instance["prompt"].startswith(made["prompt"])
            assert "image 2 is CHAR_02 (character)" in instance["prompt"]
