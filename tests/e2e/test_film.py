"""The built-in run makes the film (docs/pipeline.md): storyboard, a keyframe and a clip per scene
with its references, each checked by the continuity models, and the cut; on its own (auto_continue)
or waiting for approval at each checkpoint; stopped by its owner or a delete, within one step; its
quote checked against its budget before anything is written. Generation goes through the real
google-genai client against the local stand-in (Gemini's image model, Veo)."""

from __future__ import annotations

import base64
import io
import json
import time
from pathlib import Path
from typing import Any

import av
import pytest
import requests

from common.jobs.shards import shard_id
from common.projects import film, projects
from common.projects.film import PhaseJob, StitchJob
from common.projects.storyboard import StoryboardJob
from tests.support.api import Api, wait_for
from tests.support.cli import vidpipe
from tests.support.engine import deliver, manifest_of_photos, process
from tests.support.gemini_standin import GeminiStandIn, decode_bytes

FILM_S = 240  # a two-scene film on two cores: the face models judge every keyframe and clip


def until(alice: Api, project_id: str, done: set[str], timeout: float = FILM_S) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        detail = alice.get(f"/api/projects/{project_id}").json()
        if detail["status"] in done:
            return detail
        assert time.monotonic() < deadline, detail
        time.sleep(0.5)


def checkpoints(alice: Api, project_id: str) -> list[dict[str, Any]]:
    return sorted(alice.get(f"/api/projects/{project_id}/checkpoints").json(), key=lambda c: c["phase"])


def artifacts(alice: Api, checkpoint_id: str) -> list[dict[str, Any]]:
    return alice.get(f"/api/checkpoints/{checkpoint_id}").json()["artifacts"]


def two_people(alice: Api, photos: Path) -> str:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    process(alice, manifest["id"])
    return manifest["id"]


def test_a_film_from_a_prompt_goes_on_by_itself_to_the_cut(
    alice: Api, worker, photos: Path, gemini: GeminiStandIn
) -> None:
    manifest_id = two_people(alice, photos)
    answer = alice.post(
        "/api/generate",
        json={
            "prompt": "@Obama waits at the harbour. @Biden arrives by boat.",
            "manifest_id": manifest_id,
            "pipeline": "built_in",
            "auto_continue": True,
            "target_duration_s": 12,
        },
    )
    assert answer.status_code == 201, answer.text
    project_id = answer.json()["project_id"]
    project = until(alice, project_id, {"complete", "failed", "stopped"})
    assert (project["status"], project["stage"], project["error"]) == ("complete", "complete", None)
    phases = [(p["name"], p["status"], p["done"], p["total"]) for p in project["phases"]]
    assert phases == [
        ("storyboard", "done", 1, 1),
        ("keyframes", "done", 2, 2),
        ("clips", "done", 2, 2),
        ("cut", "done", 1, 1),
    ]
    # What the run spent is what its phases cost (the stand-in's token counts, Veo by the second).
    assert project["spent"] == pytest.approx(sum(p["cost"] for p in project["phases"]))
    assert project["phases"][2]["cost"] == pytest.approx(12 * 0.40)
    # Each scene's keyframe and clip: version 1, made by the run with the scene's pack, and judged.
    _, beats_at, clips_at = checkpoints(alice, project_id)
    for checkpoint in (beats_at, clips_at):
        made = artifacts(alice, checkpoint["checkpoint_id"])
        assert [a["artifact_key"] for a in made] == ["0", "1"]
        for artifact in made:
            assert artifact["generator"] == "pipeline" and artifact["version"] == 1
            assert artifact["continuity"]["status"] not in ("pending", "error"), artifact["continuity"]
            assert [r["handle"] for r in artifact["references"]]  # the scene's pack
    # The image model got each scene's pack in pack order, no image before it; Veo the same pack
    # as asset references (a pack wins over a first frame: Veo takes one or the other).
    first_frames = [
        b for m, b in gemini.requests if m == "generateContent" and "Draw the first frame" in str(b)
    ]
    beats = artifacts(alice, beats_at["checkpoint_id"])
    for body, beat in zip(first_frames[-2:], beats, strict=True):
        sent = [p for p in body["contents"][0]["parts"] if "inlineData" in p or "inline_data" in p]
        assert len(sent) == len(beat["references"])
    veo = [b for m, b in gemini.requests if m == "predictLongRunning"][-2:]
    clips = artifacts(alice, clips_at["checkpoint_id"])
    for body, clip in zip(veo, clips, strict=True):
        instance = body["instances"][0]
        assert "image" not in instance
        assert len(instance["referenceImages"]) == len(clip["references"])
        assert body["parameters"]["durationSeconds"] == 6  # 12 s: two scenes of 6
    # The film: one H.264 MP4 of both clips, with its poster.
    film = requests.get(project["final_video_url"], timeout=30)
    assert film.status_code == 200
    with av.open(io.BytesIO(film.content)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert abs(float(container.duration / av.time_base) - 12.0) < 0.6
    assert abs(project["duration_s"] - 12.0) < 0.6
    assert requests.get(project["poster_url"], timeout=30).content[:3] == b"\xff\xd8\xff"


def test_without_auto_continue_the_film_waits_at_each_checkpoint(alice: Api, worker) -> None:
    created = alice.post(
        "/api/generate",
        json={
            "prompt": "A lighthouse at night. The sea calms.",
            "pipeline": "built_in",
            "target_duration_s": 8,
        },
    ).json()
    project_id = created["project_id"]
    assert created["budget"] == 10.0  # the default budget, kept: each scene is checked against it
    for phase in (1, 2, 3):
        project = until(alice, project_id, {"pending", "failed", "stopped"}, timeout=120)
        assert project["status"] == "pending", project
        at = checkpoints(alice, project_id)[-1]
        assert (at["phase"], at["ready"], at["status"]) == (phase, True, "pending")
        assert [p["status"] for p in project["phases"]][phase - 1] == "done"
        answer = alice.post(f"/api/checkpoints/{at['checkpoint_id']}/continue")
        assert answer.status_code == 200, answer.text
        wait_for(lambda: alice.get(f"/api/projects/{project_id}").json()["status"] != "pending", timeout=30)
    project = until(alice, project_id, {"complete", "failed", "stopped"})
    assert project["status"] == "complete" and project["final_video_url"]
    # No manifest: nobody to check, so the versions carry no continuity report.
    (beat,) = artifacts(alice, checkpoints(alice, project_id)[1]["checkpoint_id"])
    assert beat["continuity"] is None and beat["references"] == []


def test_the_owner_stops_a_run_within_one_step(alice: Api, mallory: Api, worker) -> None:
    created = alice.post(
        "/api/generate",
        json={
            "prompt": "Four seasons in a garden.",
            "pipeline": "built_in",
            "auto_continue": True,
            "target_duration_s": 32,
            "budget": 20.0,  # four 8 s clips: $12.80 at most
        },
    ).json()
    project_id = created["project_id"]

    def keyframing() -> bool:
        phases = alice.get(f"/api/projects/{project_id}").json()["phases"]
        return phases[1]["done"] >= 1

    wait_for(keyframing, timeout=120)
    assert mallory.as_a_client("POST", f"/api/projects/{project_id}/stop").status_code == 404
    stopped = alice.as_a_client("POST", f"/api/projects/{project_id}/stop")
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["status"], stopped.json()["error"]) == ("stopped", "stopped by its owner")
    beats_at = checkpoints(alice, project_id)[1]["checkpoint_id"]
    made = len(artifacts(alice, beats_at))
    time.sleep(6)  # long enough for every queued scene to be delivered on the emulator
    assert len(artifacts(alice, beats_at)) <= made + 1  # the one being written may land, nothing after
    project = alice.get(f"/api/projects/{project_id}").json()
    assert project["status"] == "stopped"
    assert project["phases"][1]["status"] == "stopped" and project["phases"][2]["status"] == "pending"
    assert project["phases"][1]["done"] < 4
    again = alice.as_a_client("POST", f"/api/projects/{project_id}/stop")
    assert (again.status_code, again.json()["status"]) == (200, "stopped")


def test_deleting_a_project_stops_its_run(alice: Api, worker) -> None:
    created = alice.post(
        "/api/generate",
        json={"prompt": "A train crosses a bridge.", "pipeline": "built_in", "auto_continue": True},
    ).json()
    project_id = created["project_id"]
    assert alice.as_a_client("DELETE", f"/api/projects/{project_id}").status_code == 200
    assert alice.get(f"/api/projects/{project_id}").status_code == 404
    time.sleep(4)  # for a storyboard already delivered to end
    gone = projects.read_project(projects.project_ref(project_id).get())
    assert gone.deleted_at is not None
    assert (gone.status, gone.error) == ("stopped", "the project was deleted")
    phases = film.phases(gone)
    assert phases[0].status == "stopped" and all(p.status == "pending" for p in phases[1:]), phases


def test_a_film_over_its_budget_is_refused_before_anything_is_written(alice: Api) -> None:
    before = alice.get("/api/projects").json()
    answer = alice.post(
        "/api/generate",
        json={"prompt": "An epic.", "pipeline": "built_in", "target_duration_s": 160, "budget": 5.0},
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    quote = error["details"]["quote"]
    assert quote["scenes"] == 20 and quote["total"] > 5.0 and error["details"]["budget"] == 5.0
    assert quote["total"] == round(quote["storyboard"] + quote["keyframes"] + quote["clips"], 6)
    assert "$5.00" in error["message"]
    assert alice.get("/api/projects").json() == before
    # The same quote is there to read before asking (the studio shows it), with the default budget.
    asked = alice.get("/api/generate/quote", params={"target_duration_s": 160})
    assert asked.status_code == 200, asked.text
    assert asked.json() == {**quote, "default_budget": 10.0} and quote["duration_s"] == 160
    assert alice.get("/api/generate/quote", params={"target_duration_s": 161}).status_code == 422
    assert (
        alice.post("/api/generate", json={"prompt": "x", "pipeline": "built_in", "budget": -1}).status_code
        == 422
    )


def test_the_reference_bytes_reach_the_models_in_pack_order(
    alice: Api, worker, photos: Path, gemini: GeminiStandIn
) -> None:
    """The first frame's request carries each pack image's bytes, as stored, in pack order."""
    manifest_id = two_people(alice, photos)
    created = alice.post(
        "/api/generate",
        json={
            "prompt": "@Obama and @Biden shake hands.",
            "manifest_id": manifest_id,
            "pipeline": "built_in",
            "auto_continue": True,
            "target_duration_s": 4,
        },
    ).json()
    project = until(alice, created["project_id"], {"complete", "failed", "stopped"})
    assert project["status"] == "complete", project
    (beat,) = artifacts(alice, checkpoints(alice, created["project_id"])[1]["checkpoint_id"])
    pack = alice.get(f"/api/projects/{created['project_id']}/scenes/0/references?target=image").json()
    assert [r["handle"] for r in pack["references"]] == [r["handle"] for r in beat["references"]]
    stored = [requests.get(r["image_url"], timeout=30).content for r in pack["references"]]
    body = [b for m, b in gemini.requests if "Draw the first frame" in str(b)][-1]
    sent = [
        decode_bytes((p.get("inlineData") or p.get("inline_data"))["data"])
        for p in body["contents"][0]["parts"]
        if "inlineData" in p or "inline_data" in p
    ]
    assert sent == stored and len(sent) >= 1
    assert base64.b64encode(sent[0])  # real bytes, not a URL
    # Veo: the scene's pack for a video, as asset references, in pack order, bytes as stored.
    clip_pack = alice.get(f"/api/projects/{created['project_id']}/scenes/0/references?target=video").json()
    stored = [requests.get(r["image_url"], timeout=30).content for r in clip_pack["references"]]
    veo = [b for m, b in gemini.requests if m == "predictLongRunning"][-1]["instances"][0]
    assert [decode_bytes(r["image"]["bytesBase64Encoded"]) for r in veo["referenceImages"]] == stored
    assert {r["referenceType"] for r in veo["referenceImages"]} == {"ASSET"}


def test_a_scene_the_model_refuses_fails_and_the_phase_stops_at_its_checkpoint(
    alice: Api, worker, gemini: GeminiStandIn
) -> None:
    created = alice.post(
        "/api/generate",
        json={"prompt": "A kite over the dunes.", "pipeline": "built_in", "target_duration_s": 4},
    ).json()
    project_id = created["project_id"]
    for _ in (1, 2):
        until(alice, project_id, {"pending", "failed"}, timeout=120)
        at = checkpoints(alice, project_id)[-1]
        if at["phase"] == 2:
            gemini.script("refused")  # the next call is the clip's: Veo answers with an error
        assert alice.post(f"/api/checkpoints/{at['checkpoint_id']}/continue").status_code == 200
        wait_for(lambda: alice.get(f"/api/projects/{project_id}").json()["status"] != "pending", timeout=30)
    project = until(alice, project_id, {"failed", "complete", "stopped"})
    assert project["status"] == "failed" and project["stage"] == "video_generation"
    assert project["error"] == "scene 1 could not be made: the video model failed: prompt refused"

    def clips() -> dict[str, Any]:  # the phase's job ends just after the project says so
        return alice.get(f"/api/projects/{project_id}").json()["phases"][2]

    wait_for(lambda: clips()["status"] != "running", timeout=30)
    assert (clips()["status"], clips()["done"], clips()["total"]) == ("failed", 1, 1)
    at = checkpoints(alice, project_id)[-1]
    assert (at["phase"], at["ready"], at["status"]) == (3, True, "pending")  # stopped there, no film
    assert artifacts(alice, at["checkpoint_id"]) == [] and project["final_video_url"] is None


def test_a_step_delivered_again_makes_nothing_twice(alice: Api, worker, gemini: GeminiStandIn) -> None:
    created = alice.post(
        "/api/generate",
        json={
            "prompt": "Rain on a tin roof.",
            "pipeline": "built_in",
            "auto_continue": True,
            "target_duration_s": 4,
        },
    ).json()
    project_id = created["project_id"]
    project = until(alice, project_id, {"complete", "failed", "stopped"})
    assert project["status"] == "complete", project
    calls = len(gemini.requests)
    phase_ids = [PhaseJob.id_for(project_id, "main", n) for n in (2, 3)]
    steps = [
        (StoryboardJob.id_for(project_id, "main"), "storyboard"),
        *[(i, "phase") for i in phase_ids],
        *[(shard_id(i, 0), "scene") for i in phase_ids],
        (StitchJob.id_for(project_id, "main"), "stitch"),
    ]
    for job_id, kind in steps:
        answer = deliver(worker.worker_url, job_id, kind=kind)
        assert (answer.status_code, answer.json()["outcome"]) == (200, "already done"), (kind, answer.text)
    assert len(gemini.requests) == calls  # nothing asked of a model again, nothing paid again
    again = alice.get(f"/api/projects/{project_id}").json()
    assert again["spent"] == project["spent"] and again["final_video_url"] == project["final_video_url"]
    for checkpoint in checkpoints(alice, project_id)[1:]:
        assert [a["version"] for a in artifacts(alice, checkpoint["checkpoint_id"])] == [1]


def test_the_cli_makes_a_film_and_saves_it(base_url: str, alice: Api, worker, tmp_path: Path) -> None:
    out = tmp_path / "film.mp4"
    made = vidpipe(
        base_url,
        alice.uid,
        "generate",
        "A paper boat on a pond.",
        "--auto",
        "--seconds",
        "4",
        "--wait",
        "--interval",
        "0.2",
        "--out",
        str(out),
    )
    assert made.returncode == 0, made.stderr
    lines = made.stderr.splitlines()
    for name in ("storyboard", "keyframes", "clips", "cut"):
        assert any(line.startswith(f"{name}: done 1/1") for line in lines), made.stderr
    assert "the film: 4.0 s" in made.stderr
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    # Without --auto it stops at the first checkpoint and says how to go on.
    waiting = vidpipe(
        base_url, alice.uid, "generate", "A fox.", "--seconds", "4", "--wait", "--interval", "0.2"
    )
    assert waiting.returncode == 3, waiting.stderr
    assert "vidpipe continue " in waiting.stderr
    project_id = waiting.stdout.strip()
    stopped = vidpipe(base_url, alice.uid, "stop", project_id)
    assert (stopped.returncode, stopped.stderr.strip()) == (0, "stopped: stopped by its owner")


def test_a_fork_without_a_character_makes_its_own_film_and_never_asks_for_him(
    alice: Api, worker, photos: Path, gemini: GeminiStandIn
) -> None:
    manifest_id = two_people(alice, photos)
    body = {
        "prompt": "@Obama waits at the harbour. @Biden arrives by boat.",
        "manifest_id": manifest_id,
        "pipeline": "built_in",
        "auto_continue": True,
        "target_duration_s": 16,
    }
    parent = until(alice, alice.post("/api/generate", json=body).json()["project_id"], {"complete", "failed"})
    assert parent["status"] == "complete", parent
    cast = alice.get(f"/api/manifests/{manifest_id}").json()["cast"]
    biden = next(m for m in cast if m["name"] == "Biden")
    assert [s["scene_manifest"]["asset_tags"] for s in parent["scenes"]] == [["CHAR_01"], [biden["handle"]]]
    gemini.reset()

    removal = {"asset_changes": {"removed_character_ids": [biden["character_id"]]}}
    forked = alice.post(f"/api/projects/{parent['project_id']}/fork", json=removal)
    assert forked.status_code == 201, forked.text
    fork = forked.json()
    assert (fork["resume_stage"], fork["scene_copy_boundary"]) == ("keyframing", 1)
    project = until(alice, fork["project_id"], {"complete", "failed", "stopped"})
    assert (project["status"], project["pipeline"], project["error"]) == ("complete", "built_in", None)
    # Scene 2 was written again with the fork's cast: Biden is not in it, and nothing asks for him.
    scenes = project["scenes"]
    assert (
        scenes[0]["source"] == "inherited"
        and scenes[0]["storyboard_text"] == parent["scenes"][0]["storyboard_text"]
    )
    assert all(biden["handle"] not in (s["scene_manifest"]["asset_tags"] or []) for s in scenes)
    asked = " ".join(json.dumps(b) for _, b in gemini.requests)
    assert f"{biden['handle']}: Biden" not in asked and "Biden (character)" not in asked
    # Only scene 2 was made again (one image, one clip); scene 1's keyframe and clip are the parent's.
    assert sum("Draw the first frame" in json.dumps(b) for _, b in gemini.requests) == 1
    assert sum(m == "predictLongRunning" for m, _ in gemini.requests) == 1
    parent_at, fork_at = checkpoints(alice, parent["project_id"]), checkpoints(alice, fork["project_id"])
    for phase in (1, 2):
        theirs, ours = (
            artifacts(alice, parent_at[phase]["checkpoint_id"]),
            artifacts(alice, fork_at[phase]["checkpoint_id"]),
        )
        same, made = [requests.get(a["media_url"], timeout=30).content for a in ours]
        assert same == requests.get(theirs[0]["media_url"], timeout=30).content  # the parent's object
        assert made != requests.get(theirs[1]["media_url"], timeout=30).content
        assert ours[1]["continuity"]["status"] not in ("pending", "error")
    assert project["final_video_url"] != parent["final_video_url"] and abs(project["duration_s"] - 16.0) < 0.6
    assert [p["status"] for p in project["phases"]] == ["done"] * 4
