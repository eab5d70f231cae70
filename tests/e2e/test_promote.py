"""Promoting a generated frame to a reference asset: a storyboard image or a clip's frame becomes a
new asset (new tag, lineage recorded), processed at once and alone; refusals change nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import requests
from PIL import Image

from tests.support.api import Api
from tests.support.checkpoints import b64, checkpoint, project
from tests.support.engine import hold_lease, manifest_of_photos, process, wait_until_done

pytestmark = pytest.mark.usefixtures("worker")


def storyboard_with(pipeline: Api, project_id: str, extra: bytes) -> str:
    """A phase 2 checkpoint whose beat 3 is `extra` (a real photo), the others the usual PNGs."""
    checkpoint_id = checkpoint(pipeline, project_id, 2, ready=False)
    record = {"artifact_type": "beat_image", "artifact_key": "3", "media_data": b64(extra)}
    assert (
        pipeline.post(f"/api/pipeline/checkpoints/{checkpoint_id}/artifacts", json=record).status_code == 201
    )
    assert pipeline.post(f"/api/pipeline/checkpoints/{checkpoint_id}/ready").status_code == 200
    return checkpoint_id


def test_a_storyboard_frame_becomes_a_reference_and_joins_its_identity(
    alice: Api, pipeline: Api, photos: Path
) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg")])
    before = {a["id"]: a["manifest_tag"] for a in process(alice, manifest["id"])["assets"]}
    made = project(alice, manifest_id=manifest["id"])
    checkpoint_id = storyboard_with(pipeline, made["project_id"], (photos / "obama2.jpg").read_bytes())
    snapshot_before = alice.get(f"/api/projects/{made['project_id']}/snapshot").json()

    r = alice.post(
        f"/api/checkpoints/{checkpoint_id}/promote",
        json={"artifact_key": "3", "name": "Obama, storyboard", "asset_type": "CHARACTER"},
    )
    assert r.status_code == 201, r.text
    promoted = r.json()
    assert promoted["source"] == "generated" and promoted["manifest_id"] == manifest["id"]
    assert promoted["generated_from"] == {
        "project_id": made["project_id"],
        "checkpoint_id": checkpoint_id,
        "artifact_key": "3",
        "version": 1,
        "frame_s": None,
    }
    highest = max(int(t.split("_")[1]) for t in before.values() if t.startswith("CHAR_"))
    assert promoted["manifest_tag"] == f"CHAR_{highest + 1:02d}"
    original = Image.open(photos / "obama2.jpg")
    assert (promoted["image_width"], promoted["image_height"]) == original.size

    done = wait_until_done(alice, manifest["id"])
    assert done["status"] == "READY" and "tags" not in done["progress"]  # processed alone, nothing renumbered
    assets = {a["id"]: a for a in alice.get(f"/api/manifests/{manifest['id']}").json()["assets"]}
    assert {i: assets[i]["manifest_tag"] for i in before} == before
    mine = assets[promoted["id"]]
    assert mine["reverse_prompt"] and mine["reverse_prompt_source"] == "gemini"
    face = next(a for a in assets.values() if a["source_asset_id"] == promoted["id"] and a["is_face_crop"])
    obama = next(a for a in assets.values() if a["is_face_crop"] and a["source_asset_id"] != promoted["id"])
    assert face["face_group_id"] == obama["face_group_id"] and face["duplicate_of"] == obama["id"]
    # the project's snapshot is immutable: the promoted asset is not in it
    assert alice.get(f"/api/projects/{made['project_id']}/snapshot").json() == snapshot_before


def test_a_clip_frame_is_promoted_at_frame_s(alice: Api, pipeline: Api, photos: Path) -> None:
    manifest = alice.manifest(name="Props", category="OBJECTS")
    made = project(alice, manifest_id=manifest["id"])
    chunks = checkpoint(pipeline, made["project_id"], 3)
    r = alice.post(
        f"/api/checkpoints/{chunks}/promote",
        json={"artifact_key": "1", "frame_s": 1.0, "name": "Frame", "asset_type": "OBJECT"},
    )
    assert r.status_code == 201, r.text
    promoted = r.json()
    assert promoted["generated_from"]["frame_s"] == 1.0 and promoted["reference_image_url"] is None
    assert wait_until_done(alice, manifest["id"])["status"] == "READY"
    frame = alice.get(f"/api/assets/{promoted['id']}").json()
    assert (frame["image_width"], frame["image_height"]) == (160, 96)  # the clip's size
    picture = Image.open(requests.get(frame["reference_image_url"], stream=True, timeout=10).raw).convert(
        "RGB"
    )
    red, _, blue = picture.getpixel((150, 90))
    assert red > 180 and blue < 90  # chunk 1 is dark orange: a real frame of it
    late = alice.post(
        f"/api/checkpoints/{chunks}/promote",
        json={"artifact_key": "1", "frame_s": 30, "name": "Late", "asset_type": "OBJECT"},
    ).json()
    wait_until_done(alice, manifest["id"])
    failed = alice.get(f"/api/assets/{late['id']}").json()
    assert failed["reference_image_url"] is None
    assert "past its end" in failed["processing_error"]["message"]


def test_promote_refuses_bad_requests_and_creates_nothing(
    alice: Api, mallory: Api, pipeline: Api, photos: Path
) -> None:
    manifest = alice.manifest(name="Cast")
    made = project(alice, manifest_id=manifest["id"])
    storyboard = storyboard_with(pipeline, made["project_id"], (photos / "biden.jpg").read_bytes())
    chunks = checkpoint(pipeline, made["project_id"], 3)
    spec = checkpoint(pipeline, made["project_id"], 1)
    theirs = mallory.manifest(name="Theirs")
    bare = project(alice)  # no manifest
    bare_storyboard = storyboard_with(pipeline, bare["project_id"], (photos / "biden.jpg").read_bytes())
    good = {"artifact_key": "3", "name": "X", "asset_type": "CHARACTER"}
    cases = [
        (mallory, storyboard, good, 404),  # another owner's checkpoint
        (alice, storyboard, good | {"manifest_id": theirs["id"]}, 404),  # another owner's manifest
        (alice, storyboard, good | {"artifact_key": "9"}, 422),  # no such beat
        (alice, storyboard, good | {"version": 7}, 422),  # no such version
        (alice, storyboard, good | {"frame_s": 1.0}, 422),  # a beat has no frames to pick
        (alice, chunks, good | {"artifact_key": "0"}, 422),  # a clip needs frame_s
        (alice, spec, good | {"artifact_key": "spec"}, 422),  # a spec is no image
        (alice, bare_storyboard, good, 422),  # no manifest to put it in
        (alice, storyboard, good | {"asset_type": "HERO"}, 422),
        (alice, storyboard, {"artifact_key": "3"}, 422),
    ]
    for user, checkpoint_id, body, status in cases:
        r = user.post(f"/api/checkpoints/{checkpoint_id}/promote", json=body)
        assert r.status_code == status, (body, r.text)
    hold_lease(manifest["id"], "a" * 32, expires_in=timedelta(minutes=5))
    busy = alice.post(f"/api/checkpoints/{storyboard}/promote", json=good)
    assert busy.status_code == 409 and "being processed" in busy.json()["error"]["message"]
    assert alice.get(f"/api/manifests/{manifest['id']}").json()["asset_count"] == 0


def test_vidpipe_promote(base_url: str, alice: Api, pipeline: Api, photos: Path) -> None:
    from tests.support.cli import vidpipe

    manifest = alice.manifest(name="Cast")
    made = project(alice, manifest_id=manifest["id"])
    storyboard = storyboard_with(pipeline, made["project_id"], (photos / "biden.jpg").read_bytes())
    done = vidpipe(base_url, alice.uid, "promote", storyboard, "--key", "3", "--name", "Biden, drawn")
    assert done.returncode == 0, done.stderr
    tag, asset_id = done.stdout.split()[:2]
    assert tag == "CHAR_01" and alice.get(f"/api/assets/{asset_id}").json()["name"] == "Biden, drawn"
    missing = vidpipe(base_url, alice.uid, "promote", storyboard, "--key", "8", "--name", "Nobody")
    assert missing.returncode == 1 and "has no beat_image 8" in missing.stderr
    wait_until_done(alice, manifest["id"])
