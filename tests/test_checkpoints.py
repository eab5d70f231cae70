"""Checkpoints through the real HTTP surface: phase restrictions, versions, branches, hand-offs."""

from __future__ import annotations

import copy
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from PIL import Image

from tests.checkpoint_support import SPEC, artifact, b64, checkpoint, detail, mp4, png, project
from tests.support import Api, Inbox, jpeg, wait_for

PHASES = {1: "spec", 2: "storyboard", 3: "chunks"}


def three_phases(pipeline: Api, project_id: str) -> dict[int, str]:
    return {phase: checkpoint(pipeline, project_id, phase) for phase in PHASES}


def versions_everywhere(user: Api, checkpoint_ids: dict[int, str]) -> dict[str, int]:
    return {
        f"{phase}:{a['artifact_type']}:{a['artifact_key']}": a["version"]
        for phase, cid in checkpoint_ids.items()
        for a in detail(user, cid)["artifacts"]
    }


# ---------------------------------------------------------------- the pipeline's records
def test_the_pipeline_records_checkpoints_and_artifacts_once(alice: Api, pipeline: Api) -> None:
    project_id = project(alice)["project_id"]
    first = pipeline.post(f"/api/pipeline/projects/{project_id}/checkpoints", json={"phase": 1})
    again = pipeline.post(f"/api/pipeline/projects/{project_id}/checkpoints", json={"phase": 1})
    assert first.status_code == again.status_code == 201
    cid = first.json()["checkpoint_id"]
    assert again.json()["checkpoint_id"] == cid
    assert first.json() | {"updated_at": None} == again.json() | {"updated_at": None}
    assert first.json()["status"] == "pending" and first.json()["branch"] == "main"

    spec = {"artifact_type": "spec", "artifact_key": "spec", "content": SPEC}
    recorded = pipeline.post(f"/api/pipeline/checkpoints/{cid}/artifacts", json=spec)
    repeated = pipeline.post(f"/api/pipeline/checkpoints/{cid}/artifacts", json=spec)
    assert recorded.status_code == repeated.status_code == 201
    assert repeated.json()["version"] == 1 and repeated.json()["content"] == recorded.json()["content"]
    different = copy.deepcopy(spec)
    different["content"]["title"] = "Another title"
    clash = pipeline.post(f"/api/pipeline/checkpoints/{cid}/artifacts", json=different)
    assert clash.status_code == 409 and "edits" in clash.json()["error"]["message"]

    # Wrong phase, bad content: refused, nothing recorded.
    beat = {"artifact_type": "beat_image", "artifact_key": "0", "media_data": b64(png("red"))}
    wrong = pipeline.post(f"/api/pipeline/checkpoints/{cid}/artifacts", json=beat)
    assert wrong.status_code == 409 and "phase 1 (spec)" in wrong.json()["error"]["message"]
    too_long = copy.deepcopy(spec)
    too_long["content"]["duration_s"] = 5
    assert pipeline.post(f"/api/pipeline/checkpoints/{cid}/artifacts", json=too_long).status_code == 422
    assert [a["version"] for a in detail(alice, cid)["artifacts"]] == [1]

    # Only the pipeline's identity records; the owner reads.
    assert (
        alice.post(f"/api/pipeline/projects/{project_id}/checkpoints", json={"phase": 2}).status_code == 403
    )
    assert alice.post(f"/api/pipeline/checkpoints/{cid}/ready").status_code == 403
    unknown_branch = {"phase": 1, "branch": "main-7"}
    missing = pipeline.post(f"/api/pipeline/projects/{project_id}/checkpoints", json=unknown_branch)
    assert missing.status_code == 404 and "main-7" in missing.json()["error"]["message"]


def test_recorded_media_is_checked_and_stored(alice: Api, pipeline: Api) -> None:
    project_id = project(alice)["project_id"]
    storyboard = checkpoint(pipeline, project_id, 2, ready=False)
    chunks = checkpoint(pipeline, project_id, 3, ready=False)
    post = pipeline.post
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    for media, status in (
        ("not base64!", 422),
        (b64(b"plain text, not an image"), 415),
        (b64(png("red")[:200]), 422),
        (b64(bomb.getvalue()), 422),
    ):
        body = {"artifact_type": "beat_image", "artifact_key": "7", "media_data": media}
        assert post(f"/api/pipeline/checkpoints/{storyboard}/artifacts", json=body).status_code == status
    not_a_clip = {"artifact_type": "chunk_clip", "artifact_key": "7", "media_data": b64(png("red"))}
    assert post(f"/api/pipeline/checkpoints/{chunks}/artifacts", json=not_a_clip).status_code == 415
    no_media = {"artifact_type": "chunk_clip", "artifact_key": "7"}
    assert post(f"/api/pipeline/checkpoints/{chunks}/artifacts", json=no_media).status_code == 422
    assert {a["artifact_key"] for a in detail(alice, storyboard)["artifacts"]} == {"0", "1", "2"}

    beat = artifact(alice, storyboard, "beat_image", "1")
    assert beat["mime_type"] == "image/png" and beat["generator"] == "pipeline"
    assert requests.get(beat["media_url"], timeout=10).content == png("darkorange")
    clip = artifact(alice, chunks, "chunk_clip", "0")
    assert clip["mime_type"] == "video/mp4"
    assert requests.get(clip["media_url"], timeout=10).content == mp4("steelblue")
    # Until the pipeline says the checkpoint is ready, people cannot change it.
    early = alice.post(f"/api/checkpoints/{storyboard}/regenerate-beat", json={"beat_index": 0})
    assert early.status_code == 409 and "still recording" in early.json()["error"]["message"]


# ---------------------------------------------------------------- phase restrictions
def test_every_edit_is_refused_on_the_wrong_phase(alice: Api, pipeline: Api) -> None:
    project_id = project(alice)["project_id"]
    ids = three_phases(pipeline, project_id)
    before = versions_everywhere(alice, ids)
    attempts = {
        "spec": (1, lambda cid: alice.patch(f"/api/checkpoints/{cid}/spec", json={"title": "New"})),
        "upload-image": (
            2,
            lambda cid: alice.post(
                f"/api/checkpoints/{cid}/upload-image",
                files={"file": ("b.png", png("red"))},
                data={"beat_index": "0"},
            ),
        ),
        "regenerate-beat": (
            2,
            lambda cid: alice.post(f"/api/checkpoints/{cid}/regenerate-beat", json={"beat_index": 0}),
        ),
        "regenerate-chunk": (
            3,
            lambda cid: alice.post(f"/api/checkpoints/{cid}/regenerate-chunk", json={"chunk_index": 0}),
        ),
    }
    for name, (allowed, attempt) in attempts.items():
        for phase, cid in ids.items():
            if phase == allowed:
                continue
            response = attempt(cid)
            assert response.status_code == 409, (name, phase, response.text)
            message = response.json()["error"]["message"]
            assert f"phase {phase} ({PHASES[phase]})" in message, message
            assert f"phase {allowed} ({PHASES[allowed]})" in message, message
    assert versions_everywhere(alice, ids) == before


# ---------------------------------------------------------------- versions
def test_spec_edits_are_validated_and_keep_their_history(alice: Api, mallory: Api, pipeline: Api) -> None:
    cid = checkpoint(pipeline, project(alice)["project_id"], 1)
    bad = {"beats": [{"description": "One long beat", "duration_s": 60}]}  # longer than the video
    refused = alice.patch(f"/api/checkpoints/{cid}/spec", json=bad)
    assert refused.status_code == 422 and "longer than duration_s" in refused.text
    for wrong in ({"title": 7}, {"beats": []}, {"mood": "sad"}, {}, {"title": None}):
        assert alice.patch(f"/api/checkpoints/{cid}/spec", json=wrong).status_code == 422, wrong
    assert mallory.patch(f"/api/checkpoints/{cid}/spec", json={"title": "Mine"}).status_code == 404
    assert artifact(alice, cid, "spec", "spec")["version"] == 1

    edited = alice.patch(
        f"/api/checkpoints/{cid}/spec", json={"title": "The lighthouse at night", "duration_s": 20}
    )
    assert edited.status_code == 200, edited.text
    spec = edited.json()
    assert spec["version"] == 2 and spec["generator"] == "edit"
    assert spec["content"] == {
        **SPEC,
        "title": "The lighthouse at night",
        "duration_s": 20,
        "beats": spec["content"]["beats"],
    }
    assert [b["description"] for b in spec["content"]["beats"]] == [b["description"] for b in SPEC["beats"]]
    stored = artifact(alice, cid, "spec", "spec")
    assert [v["version"] for v in stored["versions"]] == [1, 2]
    assert [v["content"]["title"] for v in stored["versions"]] == [SPEC["title"], "The lighthouse at night"]
    state = detail(alice, cid)
    assert state["edited"] is True and state["revision"] == 1


def test_twenty_concurrent_edits_of_one_artifact_all_become_versions(alice: Api, pipeline: Api) -> None:
    cid = checkpoint(pipeline, project(alice)["project_id"], 1)
    titles = [f"Take {n}" for n in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda t: alice.patch(f"/api/checkpoints/{cid}/spec", json={"title": t}), titles)
        )
    assert [r.status_code for r in answers] == [200] * 20, [r.text for r in answers if r.status_code != 200]
    assert sorted(r.json()["version"] for r in answers) == list(range(2, 22))  # each edit its own number
    spec = artifact(alice, cid, "spec", "spec")
    assert spec["version"] == 21
    assert [v["version"] for v in spec["versions"]] == list(range(1, 22))
    assert sorted(v["content"]["title"] for v in spec["versions"][1:]) == sorted(titles)
    assert spec["content"]["title"] == spec["versions"][-1]["content"]["title"]
    assert detail(alice, cid)["revision"] == 20


def test_uploading_a_beat_image_adds_a_version(alice: Api, mallory: Api, pipeline: Api) -> None:
    cid = checkpoint(pipeline, project(alice)["project_id"], 2)
    url = f"/api/checkpoints/{cid}/upload-image"
    photo = jpeg(200, 120, "purple")
    uploaded = alice.post(url, files={"file": ("../../etc/passwd.jpg", photo)}, data={"beat_index": "2"})
    assert uploaded.status_code == 200, uploaded.text
    beat = uploaded.json()
    assert beat["version"] == 2 and beat["generator"] == "upload" and beat["mime_type"] == "image/jpeg"
    assert "passwd" not in beat["media_url"] and "/beat_image-2/upload-" in beat["media_url"]
    assert requests.get(beat["media_url"], timeout=10).content == photo
    assert beat["prompt"] == SPEC["beats"][2]["description"]  # a regeneration starts from it still
    history = artifact(alice, cid, "beat_image", "2")["versions"]
    assert [v["generator"] for v in history] == ["pipeline", "upload"]
    assert requests.get(history[0]["media_url"], timeout=10).content == png("seagreen")  # v1 kept

    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    refused = [
        alice.post(url, files={"file": ("x.png", b"GIF89a not really")}, data={"beat_index": "0"}),
        alice.post(url, files={"file": ("x.jpg", jpeg(800, 600)[:3000])}, data={"beat_index": "0"}),
        alice.post(url, files={"file": ("x.png", bomb.getvalue())}, data={"beat_index": "0"}),
        alice.post(url, files={"file": ("x.png", png("red"))}, data={"beat_index": "zero"}),
        alice.post(url, files={"file": ("x.png", png("red"))}),
        alice.post(url, data={"beat_index": "0"}),
        alice.post(url, files={"file": ("x.png", png("red"))}, data={"beat_index": "9"}),
        mallory.post(url, files={"file": ("x.png", png("red"))}, data={"beat_index": "0"}),
        alice.post(url, json={"beat_index": 0}),
    ]
    assert [r.status_code for r in refused] == [415, 422, 422, 422, 422, 415, 404, 404, 415]
    assert all("error" in r.json() for r in refused)
    assert [a["version"] for a in detail(alice, cid)["artifacts"]] == [1, 1, 2]


# ---------------------------------------------------------------- continuing and branches
def cont(user: Api, checkpoint_id: str) -> dict[str, Any]:
    response = user.post(f"/api/checkpoints/{checkpoint_id}/continue")
    assert response.status_code == 200, response.text
    return response.json()


def edit(user: Api, checkpoint_id: str, title: str) -> None:
    assert user.patch(f"/api/checkpoints/{checkpoint_id}/spec", json={"title": title}).status_code == 200


def test_continuing_names_branches_like_forks(alice: Api, pipeline: Api, pipeline_inbox: Inbox) -> None:
    project_id = project(alice)["project_id"]
    spec = checkpoint(pipeline, project_id, 1)

    plain = cont(alice, spec)  # nothing edited: the pipeline goes on where it was
    assert (plain["branch"], plain["new_branch"], plain["next_step"], plain["status"]) == (
        "main",
        False,
        "storyboard",
        "approved",
    )
    assert cont(alice, spec) == plain  # asking again changes nothing

    edit(alice, spec, "Edited once")
    first = cont(alice, spec)
    assert (first["branch"], first["new_branch"]) == ("main-1", True)
    assert cont(alice, spec)["branch"] == "main-1"  # the same revision continues once
    edit(alice, spec, "Edited twice")
    assert cont(alice, spec)["branch"] == "main-2"  # a second branch from main

    # The pipeline goes on on main-1; editing there branches from main-1.
    storyboard = checkpoint(pipeline, project_id, 2, branch="main-1")
    upload = {"file": ("b.png", png("gold"))}
    assert alice.post(
        f"/api/checkpoints/{storyboard}/upload-image", files=upload, data={"beat_index": "0"}
    ).ok
    nested = cont(alice, storyboard)
    assert (nested["branch"], nested["next_step"]) == ("main-1-1", "chunks")

    # Forks share the lineage's names: a fork of this (finished) project is main-3, not a clash.
    assert pipeline.put(f"/api/pipeline/projects/{project_id}", json={"status": "complete"}).ok
    fork = alice.post(f"/api/projects/{project_id}/fork", json={"prompt": "a stormy version"})
    assert fork.status_code == 201 and fork.json()["branch"] == "main-3"

    listed = alice.get(f"/api/projects/{project_id}/checkpoints").json()
    assert {(c["branch"], c["phase"]) for c in listed} == {("main", 1), ("main-1", 2)}
    only = alice.get(f"/api/projects/{project_id}/checkpoints", params={"branch": "main-1"}).json()
    assert [c["checkpoint_id"] for c in only] == [storyboard]
    assert alice.get(f"/api/projects/{project_id}/checkpoints", params={"branch": "../x"}).status_code == 422
    assert spec == next(c for c in listed if c["phase"] == 1)["checkpoint_id"]

    # Each continuation reached the pipeline once per revision (the queue dedupes repeats).
    def handoffs() -> list[tuple[str, int, str]]:
        return sorted(
            (b["branch"], b["revision"], b["next_step"])
            for b in pipeline_inbox.bodies()
            if b["project_id"] == project_id
        )

    expected = [
        ("main", 0, "storyboard"),
        ("main-1", 1, "storyboard"),
        ("main-1-1", 1, "chunks"),
        ("main-2", 2, "storyboard"),
    ]
    assert wait_for(lambda: handoffs() == expected, timeout=30), handoffs()
    headers = [h for h, b in pipeline_inbox.received if b["project_id"] == project_id]
    assert all(h.get("X-Vidpipe-Task-Secret") for h in headers)


def test_concurrent_continues_never_share_a_branch(alice: Api, pipeline: Api) -> None:
    project_id = project(alice)["project_id"]
    ids = three_phases(pipeline, project_id)
    edit(alice, ids[1], "Edited")
    assert alice.post(
        f"/api/checkpoints/{ids[2]}/upload-image",
        files={"file": ("b.png", png("gold"))},
        data={"beat_index": "1"},
    ).ok
    # Two edited checkpoints of main and an unedited one, each continued 6 times at once.
    targets = [ids[1]] * 6 + [ids[2]] * 6 + [ids[3]] * 6
    with ThreadPoolExecutor(max_workers=18) as pool:
        answers = list(pool.map(lambda cid: alice.post(f"/api/checkpoints/{cid}/continue"), targets))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    by_checkpoint: dict[str, set[str]] = {}
    for cid, response in zip(targets, answers, strict=True):
        by_checkpoint.setdefault(cid, set()).add(response.json()["branch"])
    assert all(len(names) == 1 for names in by_checkpoint.values()), by_checkpoint  # once per revision
    assert by_checkpoint[ids[3]] == {"main"}
    assert sorted(by_checkpoint[ids[1]] | by_checkpoint[ids[2]]) == ["main-1", "main-2"]


def test_auto_continue_needs_no_approval(alice: Api, pipeline: Api, pipeline_inbox: Inbox) -> None:
    yolo = project(alice, auto_continue=True)
    assert yolo["auto_continue"] is True
    cid = checkpoint(pipeline, yolo["project_id"], 1)
    state = detail(alice, cid)
    assert state["status"] == "approved" and state["continuations"]["0"]["branch"] == "main"
    assert wait_for(lambda: any(b["checkpoint_id"] == cid for b in pipeline_inbox.bodies()), timeout=30)

    careful = project(alice)
    switched = alice.patch(f"/api/projects/{careful['project_id']}", json={"auto_continue": True})
    assert switched.status_code == 200 and switched.json()["auto_continue"] is True
    off = alice.patch(f"/api/projects/{careful['project_id']}", json={"auto_continue": False})
    assert off.json()["auto_continue"] is False
    waiting = checkpoint(pipeline, careful["project_id"], 1)
    assert detail(alice, waiting)["status"] == "pending"
    for wrong in ({"auto_continue": "yes"}, {"auto_continue": None}, {}, {"owner_id": "x"}):
        assert alice.patch(f"/api/projects/{careful['project_id']}", json=wrong).status_code == 422


def test_other_owners_and_bad_ids_see_nothing(
    alice: Api, mallory: Api, anonymous: Api, pipeline: Api
) -> None:
    project_id = project(alice)["project_id"]
    cid = checkpoint(pipeline, project_id, 2)
    for call in (
        lambda u: u.get(f"/api/checkpoints/{cid}"),
        lambda u: u.get(f"/api/projects/{project_id}/checkpoints"),
        lambda u: u.post(f"/api/checkpoints/{cid}/continue"),
        lambda u: u.post(f"/api/checkpoints/{cid}/regenerate-beat", json={"beat_index": 0}),
        lambda u: u.patch(f"/api/projects/{project_id}", json={"auto_continue": True}),
    ):
        assert call(mallory).status_code == 404
        assert call(anonymous).status_code == 401
    assert alice.get("/api/checkpoints/not-an-id").status_code == 404
    assert alice.get(f"/api/checkpoints/{'0' * 32}").status_code == 404
    wrong_types = [
        {"beat_index": "0"},
        {"beat_index": -1},
        {"beat_index": 0, "prompt_override": 5},
        {"beat_index": 0, "extra": 1},
        {},
    ]
    for body in wrong_types:
        assert alice.post(f"/api/checkpoints/{cid}/regenerate-beat", json=body).status_code == 422, body
    huge = {"beat_index": 0, "prompt_override": "x" * (2 * 1024 * 1024)}
    assert alice.post(f"/api/checkpoints/{cid}/regenerate-beat", json=huge).status_code == 413
    missing_beat = alice.post(f"/api/checkpoints/{cid}/regenerate-beat", json={"beat_index": 40})
    assert missing_beat.status_code == 404
    assert detail(alice, cid)["status"] == "pending"
    assert all(a["version"] == 1 for a in detail(alice, cid)["artifacts"])
    # A deleted project takes its checkpoints with it.
    assert alice.delete(f"/api/projects/{project_id}").status_code == 200
    assert alice.get(f"/api/checkpoints/{cid}").status_code == 404
