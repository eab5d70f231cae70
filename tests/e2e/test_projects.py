"""Projects, their immutable manifest snapshots, usage counts and the pipeline's progress reports."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from common.gcp import db
from common.projects import snapshots
from common.records import utcnow
from tests.support.api import Api

ASSETS = 400


def faces_doc(manifest_id: str, owner_id: str, asset_id: str, seed: int) -> dict:
    vector = [((seed * 7919 + i * 104729) % 1000) / 1000.0 for i in range(512)]
    return {
        "manifest_id": manifest_id,
        "owner_id": owner_id,
        "source_asset_id": asset_id,
        "score": 0.9,
        "embedding": vector,
        "at": utcnow(),
    }


def test_generate_without_a_manifest_has_no_snapshot(alice: Api) -> None:
    r = alice.post(
        "/api/generate",
        json={"pipeline": "external", "prompt": "a heist at dawn", "style": "noir", "title": "Heist"},
    )
    assert r.status_code == 201
    project = r.json()
    assert (project["status"], project["stage"], project["branch"]) == ("pending", "storyboarding", "main")
    assert project["manifest_id"] is None and project["snapshot_id"] is None
    assert alice.get(f"/api/projects/{project['project_id']}/snapshot").status_code == 404
    assert [p["project_id"] for p in alice.get("/api/projects").json()] == [project["project_id"]]


def test_a_snapshot_holds_the_manifest_as_it_was(alice: Api, photos: Path) -> None:
    manifest = alice.manifest(name="Cast")
    hero = alice.asset(manifest["id"], name="Hero")
    assert alice.upload(hero["id"], (photos / "obama.jpg").read_bytes()).status_code == 200
    villain = alice.asset(manifest["id"], name="Villain")
    alice.put(f"/api/assets/{villain['id']}", json={"reverse_prompt": "a man in a grey suit"})
    db.collection(db.FACES).document(hero["id"]).set(faces_doc(manifest["id"], alice.uid, hero["id"], 1))
    version = alice.get(f"/api/manifests/{manifest['id']}").json()["version"]

    r = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "a chase", "manifest_id": manifest["id"]}
    )
    assert r.status_code == 201
    project = r.json()
    assert project["manifest_id"] == manifest["id"] and project["manifest_version"] == version
    used = alice.get(f"/api/manifests/{manifest['id']}").json()
    assert used["times_used"] == 1 and used["last_used_at"] is not None
    assert used["version"] == version  # usage is not an edit

    snapshot = alice.get(f"/api/projects/{project['project_id']}/snapshot").json()
    assert snapshot["manifest"]["name"] == "Cast" and snapshot["manifest_version"] == version
    by_name = {a["name"]: a for a in snapshot["assets"]}
    assert set(by_name) == {"Hero", "Villain"}
    assert len(by_name["Hero"]["face_embedding"]) == 512 and by_name["Hero"]["reference_image_url"]
    assert by_name["Villain"]["reverse_prompt"] == "a man in a grey suit"

    # Later edits, deletions and renames never reach it.
    alice.put(f"/api/manifests/{manifest['id']}", json={"name": "Renamed"})
    alice.put(f"/api/assets/{villain['id']}", json={"reverse_prompt": "changed", "name": "Boss"})
    alice.delete(f"/api/assets/{hero['id']}")
    again = alice.get(f"/api/projects/{project['project_id']}/snapshot").json()
    image = requests.get(
        next(a for a in again["assets"] if a["name"] == "Hero")["reference_image_url"], timeout=10
    )
    assert (
        image.status_code == 200 and image.content == (photos / "obama.jpg").read_bytes()
    )  # kept for the snapshot
    assert again == snapshot | {"assets": again["assets"]}
    assert [{k: v for k, v in a.items() if not k.endswith("_url")} for a in again["assets"]] == [
        {k: v for k, v in a.items() if not k.endswith("_url")} for a in snapshot["assets"]
    ]


def test_fifty_concurrent_generates_count_fifty_uses(alice: Api) -> None:
    manifest = alice.manifest()
    alice.asset(manifest["id"])
    body = {"pipeline": "external", "prompt": "one of many", "manifest_id": manifest["id"]}
    with ThreadPoolExecutor(max_workers=25) as pool:
        codes = list(pool.map(lambda _: alice.post("/api/generate", json=body).status_code, range(50)))
    assert codes == [201] * 50
    assert alice.get(f"/api/manifests/{manifest['id']}").json()["times_used"] == 50
    assert len(alice.get("/api/projects").json()) == 50


def test_a_snapshot_larger_than_a_document_is_split_and_whole(alice: Api) -> None:
    """400 assets with embeddings are ~2 MB: more than one Firestore document may hold."""
    manifest = alice.manifest(name="Crowd")
    now = utcnow()
    writes = []
    for i in range(ASSETS):
        asset_id = f"{i:032x}"
        doc = {
            "owner_id": alice.uid,
            "manifest_id": manifest["id"],
            "name": f"extra {i}",
            "asset_type": "CHARACTER",
            "manifest_tag": f"CHAR_{i + 1:02d}",
            "sort_order": i,
            "created_at": now,
            "updated_at": now,
            "reverse_prompt": "a face in the crowd " * 20,
        }
        writes.append((db.collection(db.ASSETS).document(asset_id), doc))
        writes.append(
            (db.collection(db.FACES).document(asset_id), faces_doc(manifest["id"], alice.uid, asset_id, i))
        )
    db.set_all(writes)
    total = sum(len(json.dumps(d, default=str)) for _, d in writes)
    assert total > 1024 * 1024  # one document could not hold it

    project = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "a crowd", "manifest_id": manifest["id"]}
    ).json()
    stored = snapshots.snapshot_ref(project["snapshot_id"]).get().to_dict()
    assert stored["asset_count"] == ASSETS and stored["chunk_count"] > 1
    snapshot = alice.get(f"/api/projects/{project['project_id']}/snapshot").json()
    assert [a["sort_order"] for a in snapshot["assets"]] == list(range(ASSETS))
    assert all(len(a["face_embedding"]) == 512 for a in snapshot["assets"])


def test_generate_refuses_manifests_it_may_not_use(alice: Api, mallory: Api) -> None:
    mine = alice.manifest()
    assert (
        mallory.post(
            "/api/generate", json={"pipeline": "external", "prompt": "x", "manifest_id": mine["id"]}
        ).status_code
        == 404
    )
    assert (
        alice.post(
            "/api/generate", json={"pipeline": "external", "prompt": "x", "manifest_id": "0" * 32}
        ).status_code
        == 404
    )
    # a manifest_id naming no manifest of the caller's is 404 whatever its shape (seed 000)
    for shape in ("../etc", "not-an-id", "0" * 31, "F" * 32, "a" * 999):
        assert (
            alice.post(
                "/api/generate", json={"pipeline": "external", "prompt": "x", "manifest_id": shape}
            ).status_code
            == 404
        )
    assert alice.post("/api/generate", json={"pipeline": "external", "prompt": ""}).status_code == 422
    db.collection(db.MANIFESTS).document(mine["id"]).update({"status": "PROCESSING"})
    busy = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "x", "manifest_id": mine["id"]}
    )
    assert busy.status_code == 409
    assert alice.get(f"/api/manifests/{mine['id']}").json()["times_used"] == 0
    gone = alice.manifest()
    assert alice.delete(f"/api/manifests/{gone['id']}").status_code == 200
    assert (
        alice.post(
            "/api/generate", json={"pipeline": "external", "prompt": "x", "manifest_id": gone["id"]}
        ).status_code
        == 404
    )


def test_deleting_the_project_releases_its_manifest(alice: Api, mallory: Api) -> None:
    manifest = alice.manifest()
    project = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "x", "manifest_id": manifest["id"]}
    ).json()
    assert alice.delete(f"/api/manifests/{manifest['id']}").status_code == 409
    assert mallory.delete(f"/api/projects/{project['project_id']}").status_code == 404
    assert alice.delete(f"/api/projects/{project['project_id']}").status_code == 200
    assert alice.get(f"/api/projects/{project['project_id']}").status_code == 404
    assert alice.get("/api/projects").json() == []
    assert alice.delete(f"/api/manifests/{manifest['id']}").status_code == 200


def test_the_pipeline_records_stages_and_scenes(alice: Api, pipeline: Api) -> None:
    project = alice.post("/api/generate", json={"pipeline": "external", "prompt": "a chase"}).json()
    url = f"/api/pipeline/projects/{project['project_id']}"
    assert alice.put(url, json={"status": "running"}).status_code == 403  # a user is not the pipeline
    r = pipeline.put(url, json={"status": "running", "stage": "keyframing"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["stage"]) == ("running", "keyframing")
    assert pipeline.put(url, json={"stage": "editing"}).status_code == 422
    scene_manifest = {
        "asset_tags": ["CHAR_01", "ENV_01"],
        "selected_reference_tags": ["CHAR_01"],
        "composition_shot_type": "wide",
        "composition_camera_movement": "dolly in",
        "rewritten_keyframe_prompt": "CHAR_01 runs",
        "rewritten_video_prompt": "CHAR_01 runs fast",
    }
    scene = {
        "storyboard_text": "They run.",
        "keyframe_url": "gs://b/k0.png",
        "scene_manifest": scene_manifest,
    }
    assert pipeline.put(f"{url}/scenes/1", json={"storyboard_text": "They stop."}).status_code == 200
    assert pipeline.put(f"{url}/scenes/0", json=scene).status_code == 200
    assert pipeline.put(f"{url}/scenes/0", json={"clip_url": "gs://b/c0.mp4"}).status_code == 200
    assert pipeline.put(f"{url}/scenes/10000", json={"clip_url": "x"}).status_code == 404
    assert pipeline.put(f"/api/pipeline/projects/{'0' * 32}", json={"status": "running"}).status_code == 404
    detail = alice.get(f"/api/projects/{project['project_id']}").json()
    assert [s["index"] for s in detail["scenes"]] == [0, 1]
    first = detail["scenes"][0]
    assert (first["storyboard_text"], first["clip_url"]) == ("They run.", "gs://b/c0.mp4")
    assert first["scene_manifest"]["asset_tags"] == ["CHAR_01", "ENV_01"] and first["source"] == "generated"
    assert [s["packable"] for s in detail["scenes"]] == [True, True]  # text and tags; text alone


def test_the_document_says_whether_a_scene_is_packable(anonymous: Api) -> None:
    scene = anonymous.get("/api/openapi.json").json()["components"]["schemas"]["Scene"]
    assert scene["properties"]["packable"]["type"] == "boolean"
    assert "packable" in scene["required"] and scene["properties"]["packable"]["readOnly"] is True
