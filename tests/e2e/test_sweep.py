"""The sweep: what no live record references goes, after retention and grace; what a record
references (or a snapshot pins) stays, even when the record is written while the sweep runs.

The sweep is run "31 days from now" (`plan(now=...)`), so this suite's own soft-deleted records are
past retention and its objects past the grace period. It sweeps the whole emulator, other tests'
leftovers included; the assertions are about this module's own records.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from google.cloud.firestore import FieldFilter

from common.gcp import cdn, db, storage
from common.gcp.config import settings
from common.ids import new_id
from common.library import copies, face_index
from common.maintenance import sweep
from common.records import utcnow
from tests.support.api import Api, jpeg
from tests.support.checkpoints import checkpoint, detail
from tests.support.forks import finished_project


def later() -> datetime:
    return utcnow() + timedelta(days=settings().sweep_retention_days + 1, hours=2)


def stored(asset_id: str) -> dict:
    return db.assets().document(asset_id).get().to_dict() or {}


def exists(path: str, bucket: str | None = None) -> bool:
    return storage.bucket(bucket).blob(path).exists()


def with_image(alice: Api, manifest_id: str, name: str) -> dict:
    asset = alice.asset(manifest_id, name=name)
    assert alice.upload(asset["id"], jpeg(320, 240, "teal")).status_code == 200
    return stored(asset["id"]) | {"id": asset["id"]}


def test_the_sweep_removes_what_nothing_references_and_keeps_the_rest(alice: Api, pipeline: Api) -> None:
    # kept: a live manifest's images
    live = alice.manifest(name="Live")
    kept = with_image(alice, live["id"], "Kept")
    # removed: a manifest soft-deleted past retention, with its asset, images and tag claims
    deleted = alice.manifest(name="Deleted")
    doomed = with_image(alice, deleted["id"], "Doomed")
    assert (
        alice.post(f"/api/assets/{doomed['id']}/views", files={"file": ("v.jpg", jpeg())}).status_code == 201
    )
    doomed_view_path = stored(doomed["id"])["views"][0]["image_path"]
    assert alice.delete(f"/api/manifests/{deleted['id']}").status_code == 200
    # kept: images a live project's snapshot shows, though their asset was hard-deleted (pinned)
    shown = alice.manifest(name="Shown")
    pinned = with_image(alice, shown["id"], "Pinned")
    in_use = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "p", "manifest_id": shown["id"]}
    ).json()
    assert alice.delete(f"/api/assets/{pinned['id']}").status_code == 200
    # removed: a project soft-deleted past retention, its snapshot, its checkpoint and media; then
    # its pin is stale, and the images of its manifest's hard-deleted asset go
    gone_manifest = alice.manifest(name="Gone")
    released = with_image(alice, gone_manifest["id"], "Released")
    gone = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "p", "manifest_id": gone_manifest["id"]}
    ).json()
    gone_checkpoint = checkpoint(pipeline, gone["project_id"], 2)
    gone_media = [a["media_url"] for a in detail(alice, gone_checkpoint)["artifacts"]]
    assert alice.delete(f"/api/assets/{released['id']}").status_code == 200
    assert exists(released["image_path"])  # pinned by the snapshot of a project that still exists
    assert alice.delete(f"/api/projects/{gone['project_id']}").status_code == 200
    # kept: a live project's checkpoint media
    live_checkpoint = checkpoint(pipeline, in_use["project_id"], 2)
    # removed: an object no record names, and a face whose asset is gone
    stray = f"manifests/{new_id()}/uploads/{new_id()}_stray.jpg"
    storage.upload(stray, jpeg(), "image/jpeg")
    lost_face = new_id()
    db.faces().document(lost_face).set({"manifest_id": live["id"], "owner_id": alice.uid, "at": utcnow()})
    # removed: a face index segment whose manifest never came (an interrupted duplicate)
    lost_segment = face_index.segment_writes(new_id(), alice.uid or "", [(new_id(), None, [0.1] * 512)])
    db.set_all(lost_segment)
    lost_segment_id = lost_segment[0][0].id
    # kept: a live asset's view (the doomed asset's view goes with its manifest)
    assert alice.post(f"/api/assets/{kept['id']}/views", files={"file": ("v.jpg", jpeg())}).status_code == 201
    kept_view_path = stored(kept["id"])["views"][0]["image_path"]

    found = sweep.plan(now=later())
    report = json.loads(json.dumps(found.report(), default=str))
    assert deleted["id"] in report["expired_manifests"] and gone["project_id"] in report["expired_projects"]
    assert (
        live["id"] not in report["expired_manifests"]
        and in_use["project_id"] not in report["expired_projects"]
    )
    assert lost_face in report["orphan_faces"]
    assert lost_segment_id in report["orphan_face_segments"]
    objects = {path for _, path in found.orphan_objects}
    assert {stray, doomed["image_path"], released["image_path"], released["thumbnail_path"]} <= objects
    assert doomed_view_path in objects
    assert not {kept["image_path"], kept["thumbnail_path"], pinned["image_path"], kept_view_path} & objects
    assert exists(doomed["image_path"]) and exists(stray)  # the plan is the dry run: nothing removed

    outcome = sweep.apply(found)
    assert outcome.removed["manifests"] >= 1 and outcome.removed["projects"] >= 1
    assert not db.manifests().document(deleted["id"]).get().exists
    assert not db.assets().document(doomed["id"]).get().exists
    assert not list(db.manifests().document(deleted["id"]).collection(db.TAG_CLAIMS).stream())
    assert not exists(doomed["image_path"]) and not exists(stray)
    assert not exists(released["image_path"]) and not exists(released["thumbnail_path"])
    assert not db.projects().document(gone["project_id"]).get().exists
    assert not db.checkpoints().document(gone_checkpoint).get().exists
    assert not db.faces().document(lost_face).get().exists
    assert not db.face_index().document(lost_segment_id).get().exists
    assert not exists(doomed_view_path) and exists(kept_view_path)
    for url in gone_media:
        path = unquote(url.split(f"/{cdn.bucket_alias(settings().derived_bucket)}/", 1)[1].split("?")[0])
        assert not exists(path, settings().derived_bucket)
    # what records reference, or a live snapshot pins, is all still there
    assert exists(kept["image_path"]) and exists(kept["thumbnail_path"]) and exists(pinned["image_path"])
    snapshot = alice.get(f"/api/projects/{in_use['project_id']}/snapshot").json()
    assert [a["name"] for a in snapshot["assets"]] == ["Pinned"]
    assert all(a["media_url"] for a in detail(alice, live_checkpoint)["artifacts"])
    assert alice.get(f"/api/manifests/{live['id']}").status_code == 200

    again = sweep.plan(now=later())  # idempotent: nothing of this test is left to remove
    leftovers = {deleted["id"], gone["project_id"], lost_face, stray, doomed["image_path"]}
    assert not leftovers & {
        *again.expired_manifests,
        *again.expired_projects,
        *again.orphan_faces,
        *(p for _, p in again.orphan_objects),
    }


def test_records_written_during_the_sweep_keep_what_they_reference(
    alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: between the plan and its removal, an interrupted duplicate finishes, an asset takes
    an object the plan found unreferenced, and a new snapshot pins a folder the plan found stale."""
    source = alice.manifest(name="Source")
    with_image(alice, source["id"], "Original")

    def interrupted(*_args: object) -> dict:
        raise RuntimeError("the instance was stopped mid-copy")

    monkeypatch.setattr(copies.manifest_ops, "to_doc", interrupted)
    with pytest.raises(RuntimeError):  # the assets are written, the manifest document is not
        copies.duplicate(alice.uid or "", source["id"], None)
    monkeypatch.undo()
    copied = [
        s
        for s in db.assets().where(filter=FieldFilter("owner_id", "==", alice.uid)).stream()
        if (s.to_dict() or {}).get("manifest_id") != source["id"]
    ]
    assert len(copied) == 1
    copy_id = copied[0].to_dict()["manifest_id"]
    stray = f"manifests/{copy_id}/uploads/{new_id()}_late.jpg"
    storage.upload(stray, jpeg(), "image/jpeg")
    folder = new_id()
    db.object_pins().document(folder).set({"pinned_at": utcnow() - timedelta(days=2)})

    found = sweep.plan(now=later())
    assert copied[0].id in found.orphan_assets
    assert (settings().uploads_bucket, stray) in found.orphan_objects
    assert folder in {f for f, _ in found.stale_pins}

    # meanwhile: the duplicate's manifest lands, its asset now names the stray object, and a new
    # snapshot pins the folder again
    original = alice.get(f"/api/manifests/{source['id']}").json()
    manifest_doc = {k: v for k, v in original.items() if k not in ("id", "assets", "contact_sheet_url")}
    db.manifests().document(copy_id).set({**manifest_doc, "owner_id": alice.uid, "name": "Copy"})
    db.assets().document(copied[0].id).update({"image_path": stray})
    db.object_pins().document(folder).set({"pinned_at": utcnow()})

    outcome = sweep.apply(found)
    assert db.assets().document(copied[0].id).get().exists and exists(stray)
    assert db.object_pins().document(folder).get().exists
    assert outcome.kept["assets"] >= 1 and outcome.kept["objects"] >= 1 and outcome.kept["pins"] >= 1
    assert alice.get(f"/api/manifests/{copy_id}").json()["assets"][0]["id"] == copied[0].id


def test_a_forks_cover_outlives_its_parent(alice: Api, pipeline: Api) -> None:
    """A fork's inherited cover is its parent's checkpoint media (never copied): when the deleted
    parent goes with its checkpoints, that one object stays while the fork lives; the rest goes."""
    parent = finished_project(alice, pipeline, None)
    parent_checkpoint = checkpoint(pipeline, parent["project_id"], 2)
    media = {
        a["artifact_key"]: object_of(a["media_url"]) for a in detail(alice, parent_checkpoint)["artifacts"]
    }
    body = {"scene_edits": {"2": {"storyboard_text": "a new ending"}}}
    fork = alice.post(f"/api/projects/{parent['project_id']}/fork", json=body).json()
    assert alice.delete(f"/api/projects/{parent['project_id']}").status_code == 200

    found = sweep.plan(now=later())
    assert parent["project_id"] in found.expired_projects
    objects = {path for _, path in found.orphan_objects}
    assert media["0"] not in objects and {media["1"], media["2"]} <= objects
    assert sweep.referenced(settings().derived_bucket, media["0"])
    sweep.apply(found)
    assert not db.checkpoints().document(parent_checkpoint).get().exists
    derived = settings().derived_bucket
    assert exists(media["0"], derived) and not exists(media["1"], derived)
    cover = alice.get(f"/api/projects/{fork['project_id']}").json()["cover_url"]
    assert object_of(cover) == media["0"]
    fetched = requests.get(cover, timeout=10)
    assert fetched.status_code == 200 and fetched.headers["content-type"].startswith("image/")


def object_of(url: str) -> str:
    """The derived bucket's object a signed URL opens."""
    return unquote(url.split(f"/{cdn.bucket_alias(settings().derived_bucket)}/", 1)[1].partition("?")[0])


@pytest.mark.after_suite
def test_report_what_the_sweep_finds_after_the_suite(stack) -> None:
    """The dry run on the local stack as the suite leaves it, today and as it would run in 31 days
    (written to the stack's folder and printed); nothing is removed. The 31-day view pretends that
    objects written a moment ago (a run still going) are past the grace period: it is a count only."""
    today, month = sweep.run(dry_run=True), sweep.plan(now=later()).report()
    path = Path(stack.state_dir) / "sweep-report.json"
    path.write_text(json.dumps({"today": today, "in_31_days": month}, indent=2, default=str))
    print(f"\nsweep dry run after the suite: today {today['counts']}; in 31 days {month['counts']} ({path})")
    assert today["counts"]["expired_manifests"] == today["counts"]["expired_projects"] == 0
    for bucket, object_path in today["orphan_objects"]:  # every object it lists is one no record names
        assert not sweep.referenced(bucket, object_path), object_path


def test_the_sweep_function_takes_only_its_options(stack) -> None:
    """The deployed target: `{"dry_run": true}` answers the report; anything else is a JSON 4xx."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    import functions.main

    def call(body: bytes) -> tuple[int, dict]:
        request = Request(
            EnvironBuilder(method="POST", data=body, content_type="application/json").get_environ()
        )
        response = functions.main.sweep(request)
        return response.status_code, json.loads(response.get_data())

    status, report = call(b'{"dry_run": true}')
    assert status == 200 and set(report["counts"]) >= {"expired_manifests", "orphan_objects"}
    assert "removed" not in report  # a dry run removes nothing
    for bad in (b'{"dry_run": "yes"}', b'{"dry_run": true, "force": 1}', b"[1]"):
        status, body = call(bad)
        assert status == 422 and body["error"]["code"] == "validation_error", bad
    status, body = call(b"not json")
    assert status == 400 and body["error"]["code"] == "bad_request"
