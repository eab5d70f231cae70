"""Continuing checkpoints: branches named like forks, races, auto-continue, and other owners."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.support.api import Api, Inbox, wait_for
from tests.support.checkpoints import (
    checkpoint,
    detail,
    png,
    project,
    three_phases,
)


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
