"""Multi-view assets: up to four more angles of an asset, checked like uploads, judged by the engine,
and carried through duplicate, snapshot (pinned), fork (inherited, edited, removed) and the sheet."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from PIL import Image

from common.gcp import db, storage
from common.library import embeddings
from common.records import utcnow
from gpu_service.run import contact_sheet
from tests.support.api import Api, jpeg, wait_for
from tests.support.engine import manifest_of_photos, process
from tests.support.forks import finished_project
from tests.support.images import oriented_jpeg, png_bomb


def add_view(
    api: Api, asset_id: str, data: bytes, view: str = "other", filename: str = "v.jpg"
) -> requests.Response:
    return api.post(f"/api/assets/{asset_id}/views", params={"view": view}, files={"file": (filename, data)})


def opens(url: str) -> bytes:
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    return r.content


def test_views_are_added_listed_limited_and_removed(alice: Api, mallory: Api, photos: Path) -> None:
    manifest = alice.manifest()
    asset = alice.asset(manifest["id"])
    left = (photos / "obama2.jpg").read_bytes()
    r = add_view(alice, asset["id"], left, "left", filename="../../etc/passwd.jpg")
    assert r.status_code == 201, r.text
    (view,) = r.json()["views"]
    assert view["view"] == "left" and view["identity"] is None
    assert opens(view["image_url"]) == left
    assert max(Image.open(io.BytesIO(opens(view["thumbnail_url"]))).size) == 512
    assert "/views/" in view["image_url"] and "etc" not in view["image_url"]
    listed = alice.get(f"/api/assets/{asset['id']}").json()["views"]
    assert [v["id"] for v in listed] == [view["id"]]
    in_manifest = alice.get(f"/api/manifests/{manifest['id']}").json()["assets"][0]["views"]
    assert [v["id"] for v in in_manifest] == [view["id"]]

    for angle in ("front", "right", "back"):
        assert add_view(alice, asset["id"], jpeg(320, 240), angle).status_code == 201
    fifth = add_view(alice, asset["id"], jpeg(320, 240))
    assert fifth.status_code == 409 and fifth.json()["error"]["code"] == "conflict"
    grant = alice.post(f"/api/assets/{asset['id']}/views/upload-url", json={"content_type": "image/jpeg"})
    assert grant.status_code == 409
    assert len(alice.get(f"/api/assets/{asset['id']}").json()["views"]) == 4

    # Another owner can neither add nor remove; a view id that is not the asset's is 404.
    assert add_view(mallory, asset["id"], jpeg(320, 240)).status_code == 404
    assert mallory.delete(f"/api/assets/{asset['id']}/views/{view['id']}").status_code == 404
    assert alice.delete(f"/api/assets/{asset['id']}/views/{'f' * 32}").status_code == 404
    r = alice.delete(f"/api/assets/{asset['id']}/views/{view['id']}")
    assert r.status_code == 200 and view["id"] not in [v["id"] for v in r.json()["views"]]
    # Nothing else uses its objects: they are gone.
    assert requests.get(view["image_url"], timeout=10).status_code == 404


def test_view_uploads_are_checked_like_reference_images(alice: Api, photos: Path) -> None:
    asset = alice.asset(alice.manifest()["id"])
    whole = (photos / "obama.jpg").read_bytes()
    for kwargs, status in (
        ({"files": {"file": ("a.txt", b"plain text")}}, 415),
        ({"files": {"file": ("a.jpg", whole[: len(whole) // 2])}}, 422),
        ({"files": {"file": ("b.png", png_bomb(20000, 20000))}}, 422),
        ({"files": {"file": ("t.jpg", jpeg(20, 20))}}, 422),
        ({"files": {"other": ("a.jpg", whole)}}, 422),
        ({"files": {"file": ("a.jpg", whole)}, "params": {"view": "upside-down"}}, 422),
        ({"json": {"view": "left"}}, 415),
    ):
        r = alice.post(f"/api/assets/{asset['id']}/views", **kwargs)
        assert r.status_code == status, (kwargs.get("params"), r.text)
        assert r.json()["error"]["code"]
    assert alice.get(f"/api/assets/{asset['id']}").json()["views"] == []


def test_a_view_uploaded_with_a_signed_url_is_added_by_the_trigger(alice: Api, photos: Path) -> None:
    asset = alice.asset(alice.manifest()["id"])
    data = (photos / "obama3.jpg").read_bytes()
    r = alice.post(
        f"/api/assets/{asset['id']}/views/upload-url", json={"content_type": "image/jpeg", "view": "right"}
    )
    assert r.status_code == 200, r.text
    grant = r.json()
    assert grant["object_name"].endswith(f"/views/{asset['id']}/{grant['view_id']}.jpg")
    assert (
        requests.put(grant["upload_url"], data=data, headers=grant["headers"], timeout=10).status_code == 200
    )
    views = wait_for(lambda: alice.get(f"/api/assets/{asset['id']}").json()["views"])
    assert [(v["id"], v["view"]) for v in views] == [(grant["view_id"], "right")]
    assert opens(views[0]["image_url"]) == data
    # A PUT of something that is not an image is refused by the trigger and removed.
    bad = alice.post(f"/api/assets/{asset['id']}/views/upload-url", json={"content_type": "image/png"}).json()
    assert (
        requests.put(bad["upload_url"], data=b"not a png", headers=bad["headers"], timeout=10).status_code
        == 200
    )
    wait_for(lambda: not storage.bucket().blob(bad["object_name"]).exists())
    assert len(alice.get(f"/api/assets/{asset['id']}").json()["views"]) == 1
    url = f"/api/assets/{asset['id']}/views/upload-url"
    assert alice.post(url, json={"content_type": "image/gif"}).status_code == 415
    # Unused URLs hold a place until they expire: one view + three in flight is the limit.
    for _ in range(3):
        assert alice.post(url, json={"content_type": "image/jpeg"}).status_code == 200
    full = alice.post(url, json={"content_type": "image/jpeg"})
    assert full.status_code == 409 and full.json()["error"]["details"]["uploads_in_flight"] == 3
    ref = db.assets().document(asset["id"])
    past = utcnow() - timedelta(minutes=1)
    ref.update({f"pending_views.{i}.expires_at": past for i in ref.get().to_dict()["pending_views"]})
    assert alice.post(url, json={"content_type": "image/jpeg"}).status_code == 200
    assert len(ref.get().to_dict()["pending_views"]) == 1  # the expired ones were dropped


def test_a_sideways_view_uploaded_with_a_signed_url_is_stored_upright(alice: Api) -> None:
    """As the reference image is: the trigger applies the EXIF orientation in place."""
    asset = alice.asset(alice.manifest()["id"])
    grant = alice.post(
        f"/api/assets/{asset['id']}/views/upload-url", json={"content_type": "image/jpeg", "view": "left"}
    ).json()
    sideways = oriented_jpeg(300, 200, orientation=8)
    assert (
        requests.put(grant["upload_url"], data=sideways, headers=grant["headers"], timeout=10).status_code
        == 200
    )
    (view,) = wait_for(lambda: alice.get(f"/api/assets/{asset['id']}").json()["views"])
    stored = Image.open(io.BytesIO(opens(view["image_url"])))
    assert (view["image_width"], view["image_height"]) == stored.size == (200, 300)
    assert stored.getexif().get(0x0112, 1) == 1


@pytest.mark.usefixtures("worker")
def test_processing_judges_every_view_and_strengthens_the_identity(alice: Api, photos: Path) -> None:
    manifest = manifest_of_photos(alice, [("Barack", photos / "obama.jpg")])
    first = process(alice, manifest["id"])
    (face,) = [a for a in first["assets"] if a["is_face_crop"]]
    alone = np.asarray(embeddings.of_manifest(manifest["id"])[face["id"]].embedding)
    barack = next(a for a in first["assets"] if a["name"] == "Barack")
    for data, angle in (
        ((photos / "obama2.jpg").read_bytes(), "left"),
        ((photos / "biden.jpg").read_bytes(), "right"),
        (jpeg(400, 400, "olive"), "back"),
    ):
        assert add_view(alice, barack["id"], data, angle).status_code == 201
    done = process(alice, manifest["id"])
    barack = next(a for a in done["assets"] if a["name"] == "Barack")
    found = {v["view"]: v for v in barack["views"]}
    assert found["left"]["identity"] == "same" and found["left"]["similarity"] >= 0.6
    assert found["right"]["identity"] == "different" and found["right"]["similarity"] < 0.6
    assert "someone else" in found["right"]["identity_note"]
    assert found["back"]["identity"] == "no_face"
    warnings = {c["code"] for c in barack["quality_checks"] if c["severity"] == "warning"}
    assert {"view_other_person", "view_no_face"} <= warnings
    # Biden's face was flagged, not merged: no new face asset, one face, still its own person.
    assert [a["id"] for a in done["assets"] if a["is_face_crop"]] == [face["id"]]
    both = np.asarray(embeddings.of_manifest(manifest["id"])[face["id"]].embedding)
    assert abs(np.linalg.norm(both) - 1) < 1e-3 and float(both @ alone) < 0.999  # the left view joined in
    # The sheet shows the views as a strip under the main image: taller rows.
    sheet = Image.open(io.BytesIO(opens(done["contact_sheet_url"])))
    tiles = len(done["cast"]) + len([a for a in done["assets"] if not a["duplicate_of"]])
    rows = -(-tiles // contact_sheet.COLUMNS)
    cell = contact_sheet.THUMB + contact_sheet.STRIP_H + contact_sheet.LABEL_H + contact_sheet.PAD
    assert sheet.height == contact_sheet.TITLE_H + rows * cell + contact_sheet.PAD
    # Views removed: the warnings go with them on the next run.
    for view in barack["views"]:
        assert alice.delete(f"/api/assets/{barack['id']}/views/{view['id']}").status_code == 200
    again = next(a for a in process(alice, manifest["id"])["assets"] if a["name"] == "Barack")
    assert not {c["code"] for c in again["quality_checks"]} & {"view_other_person", "view_no_face"}


def test_views_travel_through_duplicate_snapshot_and_fork(alice: Api, pipeline: Api) -> None:
    manifest = alice.manifest(category="MIXED")
    hero = alice.asset(manifest["id"], name="Hero")
    assert alice.upload(hero["id"], jpeg(320, 240, "navy")).status_code == 200
    left = add_view(alice, hero["id"], jpeg(300, 300, "red"), "left").json()["views"][0]
    back = add_view(alice, hero["id"], jpeg(300, 300, "green"), "back").json()["views"][1]

    # Duplicate: the copy lists the same views and shares their objects; removing one there keeps
    # the original's.
    copy = alice.post(f"/api/manifests/{manifest['id']}/duplicate").json()
    copied = alice.get(f"/api/manifests/{copy['id']}").json()["assets"][0]
    assert [(v["id"], v["view"]) for v in copied["views"]] == [(left["id"], "left"), (back["id"], "back")]
    assert alice.delete(f"/api/assets/{copied['id']}/views/{left['id']}").status_code == 200
    assert opens(left["image_url"]) == opens(
        alice.get(f"/api/assets/{hero['id']}").json()["views"][0]["image_url"]
    )

    # Snapshot: pinned as it was, whatever happens to the manifest afterwards.
    project = finished_project(alice, pipeline, manifest["id"])
    assert alice.delete(f"/api/assets/{hero['id']}/views/{back['id']}").status_code == 200
    snapshot = alice.get(f"/api/projects/{project['project_id']}/snapshot").json()
    (pinned,) = [a for a in snapshot["assets"] if a["name"] == "Hero"]
    assert [v["view"] for v in pinned["views"]] == ["left", "back"]
    assert Image.open(io.BytesIO(opens(pinned["views"][1]["image_url"]))).getpixel((5, 5))[1] > 100  # green

    # Fork: views inherited; an edit removes one and adds another; the parent's stay as they were.
    parent_before = alice.get(f"/api/assets/{hero['id']}").json()
    new_view = {"view": "front", "image_data": base64.b64encode(jpeg(300, 300, "blue")).decode()}
    edit = {"changes": {"removed_view_ids": [left["id"]], "new_views": [new_view]}}
    r = alice.post(
        f"/api/projects/{project['project_id']}/fork",
        json={"asset_changes": {"modified_assets": {pinned["id"]: edit}}},
    )
    assert r.status_code == 201, r.text
    fork_manifest = alice.get(f"/api/manifests/{r.json()['manifest_id']}").json()
    forked: dict[str, Any] = next(a for a in fork_manifest["assets"] if a["name"] == "Hero")
    assert [v["view"] for v in forked["views"]] == ["back", "front"]
    assert forked["views"][0]["id"] == back["id"]  # inherited: the same view, the same objects
    assert (
        "/views/" in forked["views"][1]["image_url"]
        and fork_manifest["id"] in forked["views"][1]["image_url"]
    )
    fork_snapshot = alice.get(f"/api/projects/{r.json()['project_id']}/snapshot").json()
    (in_fork,) = [a for a in fork_snapshot["assets"] if a["name"] == "Hero"]
    assert [v["view"] for v in in_fork["views"]] == ["back", "front"]
    assert Image.open(io.BytesIO(opens(in_fork["views"][1]["image_url"]))).getpixel((5, 5))[2] > 150  # blue
    after = alice.get(f"/api/assets/{hero['id']}").json()
    assert [v["id"] for v in after["views"]] == [v["id"] for v in parent_before["views"]]
    assert opens(after["views"][0]["image_url"])  # the removed-in-the-fork view still opens for the parent
    # Edits that name views the asset lacks, or go past four, create nothing.
    for bad in (
        {"changes": {"removed_view_ids": ["e" * 32]}},
        {"changes": {"new_views": [new_view] * 4}},
        {"changes": {"new_views": [{"view": "left", "image_data": base64.b64encode(b"nope").decode()}]}},
    ):
        r = alice.post(
            f"/api/projects/{project['project_id']}/fork",
            json={"asset_changes": {"modified_assets": {pinned["id"]: bad}}},
        )
        assert r.status_code == 422, r.text
