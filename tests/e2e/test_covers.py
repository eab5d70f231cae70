"""Each project's cover in the projects list: the latest image of its first scene that has one, moved
in the same commit as the version that makes it (common/projects/covers.py), inherited by a fork
that keeps that scene."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from devstack.emulators import Stack
from tests.support.api import Api, jpeg
from tests.support.checkpoints import artifact, b64, checkpoint, png, project, wait_for_job
from tests.support.forks import finished_project
from tests.support.gemini_standin import GeminiStandIn


def listed(user: Api, project_id: str) -> dict[str, Any]:
    response = user.get("/api/projects")
    assert response.status_code == 200, response.text
    (found,) = [p for p in response.json() if p["project_id"] == project_id]
    return found


def where(url: str | None) -> str | None:
    """The object a signed URL opens (its signature's window may turn between two reads)."""
    return url.split("?", 1)[0] if url else None


def beat_url(user: Api, checkpoint_id: str, key: str) -> str | None:
    return where(artifact(user, checkpoint_id, "beat_image", key)["media_url"])


def record_beat(pipeline: Api, checkpoint_id: str, key: int, colour: str) -> None:
    body = {"artifact_type": "beat_image", "artifact_key": str(key), "media_data": b64(png(colour))}
    response = pipeline.post(f"/api/pipeline/checkpoints/{checkpoint_id}/artifacts", json=body)
    assert response.status_code == 201, response.text


def upload(user: Api, checkpoint_id: str, key: int, image: bytes) -> None:
    response = user.post(
        f"/api/checkpoints/{checkpoint_id}/upload-image",
        files={"file": ("beat.jpg", image)},
        data={"beat_index": str(key)},
    )
    assert response.status_code == 200, response.text


def test_the_list_shows_the_first_scenes_latest_image(alice: Api, pipeline: Api, mallory: Api) -> None:
    project_id = project(alice)["project_id"]
    assert listed(alice, project_id)["cover_url"] is None  # no image yet
    response = pipeline.post(f"/api/pipeline/projects/{project_id}/checkpoints", json={"phase": 2})
    cid = response.json()["checkpoint_id"]

    # Recorded out of order: scene 2's image is the cover until scene 0's comes; scene 1's is not.
    record_beat(pipeline, cid, 2, "seagreen")
    assert where(listed(alice, project_id)["cover_url"]) == beat_url(alice, cid, "2")
    record_beat(pipeline, cid, 0, "steelblue")
    record_beat(pipeline, cid, 1, "darkorange")
    cover = listed(alice, project_id)["cover_url"]
    assert cover and where(cover) == beat_url(alice, cid, "0")
    fetched = requests.get(cover, timeout=10)
    assert fetched.status_code == 200 and fetched.headers["content-type"].startswith("image/")
    assert fetched.content == png("steelblue")
    # The project's other answers carry it too; its stored path and scene stay private.
    detail = alice.get(f"/api/projects/{project_id}").json()
    assert where(detail["cover_url"]) == where(cover)
    assert not {"cover_path", "cover_scene"} & set(detail)
    renamed = alice.patch(f"/api/projects/{project_id}", json={"title": "Renamed"}).json()
    assert where(renamed["cover_url"]) == where(cover)
    assert mallory.get(f"/api/projects/{project_id}").status_code == 404

    # A new version of a later scene leaves the cover; a new version of scene 0 becomes it.
    assert pipeline.post(f"/api/pipeline/checkpoints/{cid}/ready").status_code == 200
    upload(alice, cid, 2, jpeg(200, 120, "purple"))
    assert where(listed(alice, project_id)["cover_url"]) == where(cover)
    replacement = jpeg(200, 120, "gold")
    upload(alice, cid, 0, replacement)
    moved = listed(alice, project_id)["cover_url"]
    assert where(moved) != where(cover) and where(moved) == beat_url(alice, cid, "0")
    assert requests.get(moved, timeout=10).content == replacement
    # The old version's object stays what it was (versions are never overwritten).
    assert requests.get(cover, timeout=10).content == png("steelblue")

    # Clips are videos: a chunks checkpoint leaves the cover where it is.
    checkpoint(pipeline, project_id, 3)
    assert where(listed(alice, project_id)["cover_url"]) == where(moved)


def test_a_regenerated_first_scene_moves_the_cover(
    alice: Api, pipeline: Api, worker: Stack, gemini: GeminiStandIn
) -> None:
    project_id = project(alice)["project_id"]
    cid = checkpoint(pipeline, project_id, 2)
    first = where(listed(alice, project_id)["cover_url"])
    assert first == beat_url(alice, cid, "0")

    for key, moves in ((1, False), (0, True)):
        accepted = alice.post(f"/api/checkpoints/{cid}/regenerate-beat", json={"beat_index": key})
        assert accepted.status_code == 202, accepted.text
        assert wait_for_job(alice, accepted.json()["task_id"])["status"] == "DONE"
        cover = listed(alice, project_id)["cover_url"]
        assert where(cover) == (beat_url(alice, cid, "0") if moves else first)
    assert artifact(alice, cid, "beat_image", "0")["version"] == 2
    assert where(cover) != first
    fetched = requests.get(cover or "", timeout=10)
    assert fetched.status_code == 200 and fetched.headers["content-type"].startswith("image/")


def test_a_fork_shows_its_parents_cover_until_it_makes_its_own(alice: Api, pipeline: Api) -> None:
    parent = finished_project(alice, pipeline, None)  # four scenes
    parent_cid = checkpoint(pipeline, parent["project_id"], 2)
    parent_cover = where(listed(alice, parent["project_id"])["cover_url"])
    assert parent_cover == beat_url(alice, parent_cid, "0")

    # Scenes 0 and 1 inherited: the parent's cover, the same object.
    body = {"scene_edits": {"2": {"storyboard_text": "the chase ends on a rooftop"}}}
    fork = alice.post(f"/api/projects/{parent['project_id']}/fork", json=body)
    assert fork.status_code == 201, fork.text
    fork_id, branch = fork.json()["project_id"], fork.json()["branch"]
    cover = listed(alice, fork_id)["cover_url"]
    assert where(cover) == parent_cover
    fetched = requests.get(cover or "", timeout=10)
    assert fetched.status_code == 200 and fetched.headers["content-type"].startswith("image/")
    assert fetched.content == png("steelblue")

    # A new story inherits no scene: no cover until its own pipeline makes one.
    restory = alice.post(f"/api/projects/{parent['project_id']}/fork", json={"prompt": "a chase by day"})
    assert restory.status_code == 201, restory.text
    assert listed(alice, restory.json()["project_id"])["cover_url"] is None

    # The fork redoes scene 2: its image is no cover; its own scene 0 image becomes it.
    response = pipeline.post(
        f"/api/pipeline/projects/{fork_id}/checkpoints", json={"phase": 2, "branch": branch}
    )
    assert response.status_code == 201, response.text
    fork_cid = response.json()["checkpoint_id"]
    record_beat(pipeline, fork_cid, 2, "crimson")
    assert where(listed(alice, fork_id)["cover_url"]) == parent_cover
    record_beat(pipeline, fork_cid, 0, "khaki")
    own = listed(alice, fork_id)["cover_url"]
    assert where(own) == beat_url(alice, fork_cid, "0") != parent_cover
    assert requests.get(own or "", timeout=10).content == png("khaki")
    # The parent is untouched.
    assert where(listed(alice, parent["project_id"])["cover_url"]) == parent_cover


def test_images_recorded_at_once_leave_the_first_scenes_cover(alice: Api, pipeline: Api) -> None:
    """Eight beats recorded concurrently, the project written meanwhile: each cover change commits
    only on the project as it read it, so a later scene's never lands on top of scene 0's."""
    project_id = project(alice)["project_id"]
    response = pipeline.post(f"/api/pipeline/projects/{project_id}/checkpoints", json={"phase": 2})
    cid = response.json()["checkpoint_id"]
    colours = ["navy", "teal", "olive", "maroon", "purple", "gray", "orange", "pink"]

    def record(key: int) -> None:
        record_beat(pipeline, cid, key, colours[key])
        scene = {"storyboard_text": f"scene {key}"}
        assert (
            pipeline.put(f"/api/pipeline/projects/{project_id}/scenes/{key}", json=scene).status_code == 200
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(record, reversed(range(8))))
    cover = listed(alice, project_id)["cover_url"]
    assert where(cover) == beat_url(alice, cid, "0")
    assert requests.get(cover or "", timeout=10).content == png("navy")
