"""Forks: inheritance, edits, removals, uploads through the engine, scene copying, branch names, and
a parent that never changes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.support.api import Api, jpeg, wait_for
from tests.support.engine import manifest_of_photos, process
from tests.support.forks import finished_project

EMPTY_SCENE_MANIFEST = {
    "asset_tags": [],
    "selected_reference_tags": [],
    "composition_shot_type": None,
    "composition_camera_movement": None,
    "rewritten_keyframe_prompt": None,
    "rewritten_video_prompt": None,
}


def everything(alice: Api, project_id: str, manifest_id: str | None) -> dict:
    return {
        "project": alice.get(f"/api/projects/{project_id}").json(),
        "snapshot": alice.get(f"/api/projects/{project_id}/snapshot").json(),
        "manifest": alice.get(f"/api/manifests/{manifest_id}").json() if manifest_id else None,
    }


def without_urls(value: object) -> object:
    if isinstance(value, dict):
        return {k: without_urls(v) for k, v in value.items() if not k.endswith("_url")}
    if isinstance(value, list):
        return [without_urls(v) for v in value]
    return value


@pytest.fixture
def cast(alice: Api) -> dict:
    manifest = alice.manifest(name="Cast", category="MIXED")
    hero = alice.asset(manifest["id"], name="Hero")  # CHAR_01
    villain = alice.asset(manifest["id"], name="Villain")  # CHAR_02
    city = alice.asset(manifest["id"], name="City", asset_type="ENVIRONMENT")  # ENV_01
    for asset in (hero, villain, city):
        assert alice.upload(asset["id"], jpeg(320, 240, "navy")).status_code == 200
    return {"manifest": manifest, "hero": hero, "villain": villain, "city": city}


def test_fork_inherits_edits_and_removes_without_touching_the_parent(
    alice: Api, pipeline: Api, cast: dict
) -> None:
    parent = finished_project(alice, pipeline, cast["manifest"]["id"])
    before = everything(alice, parent["project_id"], cast["manifest"]["id"])
    edit = {"changes": {"name": "Boss", "reverse_prompt": "a boss"}}
    body = {
        "asset_changes": {
            "modified_assets": {cast["villain"]["id"]: edit},
            "removed_asset_ids": [cast["city"]["id"]],
        }
    }
    r = alice.post(f"/api/projects/{parent['project_id']}/fork", json=body)
    assert r.status_code == 201, r.text
    fork = r.json()
    # CHAR_02 is first used by scene 2, ENV_01 by scene 0: nothing can be inherited
    assert (fork["resume_stage"], fork["scene_copy_boundary"], fork["branch"]) == ("keyframing", 0, "main-1")
    assert fork["manifest_id"] not in (None, cast["manifest"]["id"])
    manifest = alice.get(f"/api/manifests/{fork['manifest_id']}").json()
    assert manifest["parent_manifest_id"] == cast["manifest"]["id"] and manifest["asset_count"] == 2
    assets = {a["name"]: a for a in manifest["assets"]}
    assert set(assets) == {"Hero", "Boss"}
    hero = assets["Hero"]
    assert hero["is_inherited"] and hero["inherited_from_asset"] == cast["hero"]["id"]
    assert hero["inherited_from_project"] == parent["project_id"] and hero["manifest_tag"] == "CHAR_01"
    assert assets["Boss"]["manifest_tag"] == "CHAR_02" and assets["Boss"]["reverse_prompt"] == "a boss"
    assert not assets["Boss"]["is_inherited"]
    assert hero["reference_image_url"].split("?")[0] == cast_image_url(
        alice, cast["hero"]["id"]
    )  # same object
    project = alice.get(f"/api/projects/{fork['project_id']}").json()
    assert project["parent_project_id"] == parent["project_id"]
    # resuming at keyframing: every scene keeps its story, none its keyframe or clip
    kept = [
        (s["index"], s["source"], s["storyboard_text"], s["keyframe_url"], s["clip_url"])
        for s in project["scenes"]
    ]
    assert kept == [(i, "storyboard", f"scene {i}", None, None) for i in range(4)]
    assert project["snapshot_id"] and project["prompt"] == "a chase at night"
    after = everything(alice, parent["project_id"], cast["manifest"]["id"])
    assert without_urls(after) == without_urls(before)  # the parent, its manifest and its assets


def cast_image_url(alice: Api, asset_id: str) -> str:
    return alice.get(f"/api/assets/{asset_id}").json()["reference_image_url"].split("?")[0]


def test_scenes_below_the_boundary_are_inherited_and_branches_nest(
    alice: Api, pipeline: Api, cast: dict
) -> None:
    parent = finished_project(alice, pipeline, cast["manifest"]["id"])
    body = {
        "asset_changes": {
            "modified_assets": {cast["villain"]["id"]: {"changes": {"reverse_prompt": "taller"}}}
        }
    }
    fork = alice.post(f"/api/projects/{parent['project_id']}/fork", json=body).json()
    assert (fork["resume_stage"], fork["scene_copy_boundary"]) == ("keyframing", 2)
    scenes = alice.get(f"/api/projects/{fork['project_id']}").json()["scenes"]
    copied = [(s["index"], s["source"], s["clip_url"]) for s in scenes]
    assert copied == [
        (0, "inherited", "gs://c/0.mp4"),
        (1, "inherited", "gs://c/1.mp4"),
        (2, "storyboard", None),  # from the boundary on: the story stays, keyframes are redone
        (3, "storyboard", None),
    ]
    assert [s["storyboard_text"] for s in scenes] == ["scene 0", "scene 1", "scene 2", "scene 3"]
    assert scenes[2]["scene_manifest"] == {**EMPTY_SCENE_MANIFEST, "asset_tags": ["CHAR_02"]}
    assert scenes[1]["scene_manifest"]["asset_tags"] == ["CHAR_01", "ENV_01"]
    second = alice.post(
        f"/api/projects/{parent['project_id']}/fork",
        json={"scene_edits": {"3": {"storyboard_text": "new end"}}},
    ).json()
    assert (second["branch"], second["resume_stage"], second["scene_copy_boundary"]) == (
        "main-2",
        "storyboarding",
        3,
    )
    assert [s["source"] for s in alice.get(f"/api/projects/{second['project_id']}").json()["scenes"]] == [
        "inherited"
    ] * 3 + ["edited"]
    assert (
        alice.post(f"/api/projects/{fork['project_id']}/fork", json={}).status_code == 409
    )  # not finished yet
    assert (
        pipeline.put(f"/api/pipeline/projects/{fork['project_id']}", json={"status": "stopped"}).status_code
        == 200
    )
    grandchild = alice.post(
        f"/api/projects/{fork['project_id']}/fork", json={"prompt": "a chase at dawn"}
    ).json()
    assert (grandchild["branch"], grandchild["resume_stage"], grandchild["scene_copy_boundary"]) == (
        "main-1-1",
        "storyboarding",
        0,
    )


def test_fork_refuses_bad_requests_and_creates_nothing(
    alice: Api, mallory: Api, pipeline: Api, cast: dict
) -> None:
    bare = finished_project(alice, pipeline, None)
    with_manifest = finished_project(alice, pipeline, cast["manifest"]["id"])
    projects_before = alice.get("/api/projects").json()
    manifests_before = alice.get("/api/manifests").json()
    url = f"/api/projects/{with_manifest['project_id']}/fork"
    not_an_image = {
        "image_data": base64.b64encode(b"not an image").decode(),
        "name": "X",
        "asset_type": "CHARACTER",
    }
    bad_base64 = {"changes": {"reference_image": "%%%"}}
    cases = [
        (f"/api/projects/{bare['project_id']}/fork", {"asset_changes": {}}, 422, "manifest"),
        (url, {"asset_changes": {"removed_asset_ids": ["f" * 32]}}, 422, "unknown asset"),
        (url, {"asset_changes": {"new_uploads": [not_an_image]}}, 422, "new_uploads[0]"),
        (url, {"asset_changes": {"modified_assets": {cast["hero"]["id"]: bad_base64}}}, 422, "base64"),
    ]
    for path, body, status, words in cases:
        r = alice.post(path, json=body)
        assert r.status_code == status and words in r.json()["error"]["message"], r.text
    assert mallory.post(url, json={}).status_code == 404
    running = alice.post("/api/generate", json={"pipeline": "external", "prompt": "x"}).json()
    assert alice.post(f"/api/projects/{running['project_id']}/fork", json={}).status_code == 409
    assert alice.get("/api/projects").json()[1:] == projects_before
    assert alice.get("/api/manifests").json() == manifests_before


@pytest.mark.usefixtures("worker")
def test_new_uploads_are_processed_incrementally_and_join_inherited_faces(
    alice: Api, pipeline: Api, photos: Path
) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg")])
    alice.asset(manifest["id"], name="Stand-in")  # CHAR_02, which scene 2 uses: no image yet
    biden_asset = alice.asset(manifest["id"], name="Biden", asset_type="CHARACTER")  # CHAR_03: no scene
    assert (
        alice.upload(biden_asset["id"], (photos / "biden.jpg").read_bytes(), "biden.jpg").status_code == 200
    )
    processed = process(alice, manifest["id"])
    parent = finished_project(alice, pipeline, manifest["id"])
    image = base64.b64encode((photos / "obama2.jpg").read_bytes()).decode()
    upload = {"image_data": image, "name": "Obama again", "asset_type": "CHARACTER"}
    biden = next(a for a in processed["assets"] if a["name"] == "Biden")
    recast = {"changes": {"reference_image": base64.b64encode(jpeg(400, 500, "darkred")).decode()}}
    changes = {"new_uploads": [upload], "modified_assets": {biden["id"]: recast}}
    r = alice.post(f"/api/projects/{parent['project_id']}/fork", json={"asset_changes": changes})
    assert r.status_code == 201, r.text
    fork = r.json()
    # No scene uses Biden's tag, and uploads invalidate nothing: every scene is inherited.
    assert (fork["resume_stage"], fork["scene_copy_boundary"]) == ("complete", 4)
    done = wait_for(
        lambda: (
            (p := alice.get(f"/api/manifests/{fork['manifest_id']}/progress").json())["status"]
            != "PROCESSING"
            and p
        ),
        timeout=180,
    )
    assert done["status"] == "READY", done
    assert "tags" not in done["progress"]  # nothing renumbered
    assets = alice.get(f"/api/manifests/{fork['manifest_id']}").json()["assets"]
    inherited = [a for a in assets if a["is_inherited"]]
    # All but the recast Biden and what was cut from its old image (the new image yields no face).
    biden_family = {biden["id"]} | {
        a["id"] for a in processed["assets"] if a["source_asset_id"] == biden["id"]
    }
    assert {a["inherited_from_asset"] for a in inherited} == {
        a["id"] for a in processed["assets"]
    } - biden_family
    recast_biden = next(a for a in assets if a["inherited_from_asset"] == biden["id"])
    assert not recast_biden["is_inherited"]
    assert (recast_biden["image_width"], recast_biden["image_height"]) == (400, 500)
    assert recast_biden["reverse_prompt"].startswith("gemini: Biden, 400x500")  # described again
    assert alice.get(f"/api/assets/{biden['id']}").json()["image_width"] == biden["image_width"]
    old = {a["id"]: a for a in processed["assets"]}
    for asset in inherited:  # untouched by the run: same tags and text as in the parent
        source = old[asset["inherited_from_asset"]]
        assert (asset["manifest_tag"], asset["reverse_prompt"]) == (
            source["manifest_tag"],
            source["reverse_prompt"],
        )
    new_face = next(a for a in assets if a["is_face_crop"] and not a["is_inherited"])
    obama_face = next(a for a in inherited if a["is_face_crop"] and a["name"].startswith("Obama"))
    assert (
        new_face["face_group_id"] == obama_face["face_group_id"]
        and new_face["duplicate_of"] == obama_face["id"]
    )
    # ...and the new photo joins the inherited character: one Obama in the fork's cast
    cast = alice.get(f"/api/manifests/{fork['manifest_id']}").json()["cast"]
    (obama,) = [m for m in cast if obama_face["id"] in m["asset_ids"]]
    new_upload = next(a for a in assets if a["name"] == "Obama again")
    assert new_upload["id"] in obama["asset_ids"] and new_face["id"] in obama["asset_ids"]
    assert obama["counts"]["uploads"] == 2
    numbers = sorted(int(a["manifest_tag"].split("_")[1]) for a in assets)
    assert len(numbers) == len(set(numbers))  # never a collision with inherited tags
    highest_inherited = max(int(a["manifest_tag"].split("_")[1]) for a in inherited)
    assert all(  # what the fork added; the recast Biden keeps its handle (tags never move)
        int(a["manifest_tag"].split("_")[1]) > highest_inherited
        for a in assets
        if not a["is_inherited"] and a["inherited_from_asset"] is None
    )
    assert recast_biden["manifest_tag"] == biden["manifest_tag"] == "CHAR_03"
    project = wait_for(
        lambda: (p := alice.get(f"/api/projects/{fork['project_id']}").json())["snapshot_id"] and p,
        timeout=30,
    )
    snapshot = alice.get(f"/api/projects/{project['project_id']}/snapshot").json()
    assert {a["id"] for a in snapshot["assets"]} == {a["id"] for a in assets}
    assert len(project["scenes"]) == 4 and {s["source"] for s in project["scenes"]} == {"inherited"}


def test_a_preview_tells_what_the_fork_would_get_and_creates_nothing(
    alice: Api, mallory: Api, pipeline: Api, cast: dict
) -> None:
    parent = finished_project(alice, pipeline, cast["manifest"]["id"])
    url = f"/api/projects/{parent['project_id']}/fork"
    edit = {
        "asset_changes": {"modified_assets": {cast["villain"]["id"]: {"changes": {"name": "Tall villain"}}}}
    }
    follows = (3, ["it follows a scene that changes"], [])
    cases = [
        # the villain is in scene 2; scene 3 follows it
        (edit, ("keyframing", 2), [(2, ["Villain is edited"], ["CHAR_02"]), follows]),
        (
            {"scene_edits": {"3": {"storyboard_text": "new end"}}},
            ("storyboarding", 3),
            [(3, ["its text is edited"], [])],
        ),
        (
            {"prompt": "a chase at dawn"},
            ("storyboarding", 0),
            [(i, ["the prompt changes"], []) for i in range(4)],
        ),
        ({}, ("complete", 4), []),
    ]
    projects_before = alice.get("/api/projects").json()
    manifests_before = alice.get("/api/manifests").json()
    for body, expected, redone in cases:
        answer = alice.post(f"{url}/preview", json=body)
        assert answer.status_code == 200, answer.text
        seen = answer.json()
        assert (seen["resume_stage"], seen["scene_copy_boundary"], seen["scene_count"]) == (*expected, 4)
        # Each scene made again says why, in a creator's words (the asset by its name in the parent).
        assert [(r["index"], r["because"], r["tags"]) for r in seen["redone"]] == redone
    assert alice.get("/api/projects").json() == projects_before  # nothing was created
    assert alice.get("/api/manifests").json() == manifests_before
    # The same refusals as the fork itself.
    unknown = {"asset_changes": {"removed_asset_ids": ["f" * 32]}}
    assert alice.post(f"{url}/preview", json=unknown).status_code == 422
    assert mallory.post(f"{url}/preview", json={}).status_code == 404
    # And the fork then gets what the preview said.
    made = alice.post(url, json=edit).json()
    assert (made["resume_stage"], made["scene_copy_boundary"]) == ("keyframing", 2)
    # Its manifest lives with it: it names the fork project it was made for.
    forked = alice.get(f"/api/manifests/{made['manifest_id']}").json()
    assert (forked["fork_project_id"], forked["parent_manifest_id"]) == (
        made["project_id"],
        cast["manifest"]["id"],
    )
