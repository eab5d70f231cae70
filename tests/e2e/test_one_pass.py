"""Architecture step 3 on the emulators: a run reads its manifest once, sees each image once, keeps
a person's text, takes fresh assets only when someone else changed them; models are ready before
the service says so; paid-call claims stay alive while their holder lives; reprocessing never
changes what `is_face_crop` means."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from common.gcp import db
from tests.support.api import Api, wait_for
from tests.support.engine import manifest_of_photos, process, recorded_run


@pytest.fixture
def in_process_run(stack, alice: Api) -> Any:  # the engine in this process, to watch what it does
    from gpu_service.run import pipeline

    def run(manifest_id: str) -> None:
        pipeline.run_manifest(recorded_run(alice, manifest_id))

    return run


def number(tag: str) -> int:
    return int(tag.rsplit("_", 1)[1])


def _queries(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Queries issued, by collection and first filter field."""
    from google.cloud.firestore_v1.services.firestore.client import FirestoreClient

    seen: Counter[str] = Counter()
    original = FirestoreClient.run_query

    def run_query(self: FirestoreClient, *args: Any, **kwargs: Any) -> Any:
        request = kwargs.get("request") or args[0]
        query = request["structured_query"]
        name = type(query).to_dict(query)["from_"][0]["collection_id"]
        seen[name] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FirestoreClient, "run_query", run_query)
    return seen


def test_a_run_reads_its_assets_once_and_each_image_once(
    alice: Api, photos: Path, in_process_run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from common.gcp import storage

    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    queries = _queries(monkeypatch)
    downloads: Counter[str] = Counter()
    original = storage.download

    def download(path: str, *args: Any, **kwargs: Any) -> bytes:
        downloads[path] += 1
        return original(path, *args, **kwargs)

    monkeypatch.setattr(storage, "download", download)
    in_process_run(manifest["id"])
    ran = Counter(queries)  # the API answers in this process too: what the run asked, before it asks
    assert ran[db.ASSETS] == 1, ran  # the list, once
    assert ran[db.FACES] == 0, ran  # every face was embedded by this run: nothing read back
    done = alice.get(f"/api/manifests/{manifest['id']}").json()
    assert done["status"] == "READY" and all(a["reverse_prompt"] for a in done["assets"])
    uploads = [a for a in done["assets"] if a["source"] == "uploaded"]
    stored = {a["id"]: db.collection(db.ASSETS).document(a["id"]).get().to_dict() for a in uploads}
    assert {downloads[s["image_path"]] for s in stored.values()} == {1}  # each picture read once
    crops = [db.collection(db.ASSETS).document(a["id"]).get().to_dict() for a in done["assets"]]
    assert not any(downloads[c["image_path"]] for c in crops if c["source"] == "extracted")


@pytest.mark.usefixtures("worker")
def test_tags_that_existed_before_a_run_never_move(alice: Api, photos: Path) -> None:
    """Four photos of two people: every upload keeps the tag it had when a prompt could first use
    it; the crops take the next numbers, in the seeds' order; a second run moves nothing."""
    people = [(name, photos / f"{name}.jpg") for name in ("obama", "obama2", "obama3", "biden")]
    manifest = manifest_of_photos(alice, people)
    before = {
        a["id"]: a["manifest_tag"] for a in alice.get(f"/api/manifests/{manifest['id']}").json()["assets"]
    }
    assert sorted(before.values()) == ["CHAR_01", "CHAR_02", "CHAR_03", "CHAR_04"]
    done = process(alice, manifest["id"])
    after = {a["id"]: a["manifest_tag"] for a in done["assets"]}
    assert {i: after[i] for i in before} == before  # Biden is still CHAR_04
    crops = [a for a in done["assets"] if a["source"] == "extracted"]
    assert all(number(a["manifest_tag"]) > 4 for a in crops if a["asset_type"] == "CHARACTER")
    order = {a["id"]: n for n, a in enumerate(sorted(done["assets"], key=lambda a: a["sort_order"]))}
    for kind in ("CHARACTER", "OBJECT"):
        mine = sorted((a for a in crops if a["asset_type"] == kind), key=lambda a: number(a["manifest_tag"]))
        seeds = [(order[a["source_asset_id"]], -(a["detection_confidence"] or 0)) for a in mine]
        assert seeds == sorted(seeds)  # parent's place, then confidence
    biden = next(m for m in done["cast"] if m["name"] == "biden")
    assert biden["handle"] == "CHAR_04"
    again = process(alice, manifest["id"])
    assert {a["id"]: a["manifest_tag"] for a in again["assets"]} == after


def test_a_duplicate_mark_keeps_a_description_written_during_the_run(alice: Api) -> None:
    from gpu_service.jobs.progress import RunProgress
    from gpu_service.run import faces_step
    from gpu_service.run.state import Run

    manifest = alice.manifest()
    asset = alice.asset(manifest["id"])
    assert alice.put(f"/api/assets/{asset['id']}", json={"description": "my own words"}).status_code == 200
    fields = {"face_group_id": "g", "duplicate_of": "p", "description": "(Duplicate of Ann) stale text"}
    job = recorded_run(alice, manifest["id"])
    progress = RunProgress(manifest["id"], job.id)
    progress.acquire()  # the fence of this delivery, as a run's
    written = faces_step._mark(Run(job, progress), asset["id"], fields, "Ann")
    after = db.collection(db.ASSETS).document(asset["id"]).get().to_dict()
    assert written == after["description"] == "(Duplicate of Ann) my own words"
    assert after["duplicate_of"] == "p"


def test_the_models_are_loaded_and_warm_before_models_returns(stack) -> None:
    from gpu_service.vision import runtime

    loaded = runtime.models()
    assert loaded.detectors and all(getattr(d, "_model", None) is not None for d in loaded.detectors)


def test_a_claim_stays_alive_while_its_holder_works(stack) -> None:
    from common.records import utcnow
    from gpu_service.jobs import claims

    claim = claims.key("bench", time.time_ns())
    assert claims.take(claim, "alive", ttl_s=0.6)
    with claims.kept([claim], ttl_s=0.6):
        time.sleep(1.5)  # past its first expiry: the heartbeat moved it on
        assert not claims.take(claim, "thief", ttl_s=0.6)
        assert db.paid_claims().document(claim).get().to_dict()["expires_at"] > utcnow()
    time.sleep(0.8)  # the holder stopped: it lapses
    assert claims.take(claim, "thief", ttl_s=0.6)


@pytest.mark.usefixtures("worker")
def test_reprocessing_never_changes_what_is_face_crop_means(alice: Api, photos: Path) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg")])  # a close-up portrait
    done = process(alice, manifest["id"])
    upload = next(a for a in done["assets"] if a["source"] == "uploaded")
    face = next(a for a in done["assets"] if a["is_face_crop"])
    for asset in (upload, face):
        task = alice.post(f"/api/assets/{asset['id']}/reprocess").json()["task_id"]
        job = wait_for(
            lambda t=task: (j := alice.get(f"/api/jobs/{t}").json())["status"] in ("DONE", "ERROR") and j,
            timeout=120,
        )
        assert job["status"] == "DONE", job
    after = {a["id"]: a for a in alice.get(f"/api/manifests/{manifest['id']}").json()["assets"]}
    assert after[upload["id"]]["is_face_crop"] is False  # an upload stays an upload, however close
    assert after[face["id"]]["is_face_crop"] is True and after[face["id"]]["detection_class"] == "face"
    cast = alice.get(f"/api/manifests/{manifest['id']}").json()["cast"]
    assert any(upload["id"] in member["asset_ids"] for member in cast)
