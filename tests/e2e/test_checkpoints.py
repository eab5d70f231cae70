"""Checkpoints through the real HTTP surface: phase restrictions, versions, branches, hand-offs."""

from __future__ import annotations

import copy
import io
from concurrent.futures import ThreadPoolExecutor

import requests
from PIL import Image

from tests.support.api import Api, jpeg
from tests.support.checkpoints import (
    PHASES,
    SPEC,
    artifact,
    b64,
    checkpoint,
    detail,
    mp4,
    png,
    project,
    three_phases,
    versions_everywhere,
)


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
