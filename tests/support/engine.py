"""Helpers for the engine's tests: manifests of real photos, runs, and what a run left behind."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from google.cloud.firestore import FieldFilter

from common.gcp import db
from common.gcp.config import settings
from common.gcp.tasks import LOCAL_SECRET_HEADER
from common.ids import new_id
from common.jobs import lifecycle
from common.jobs.models import ManifestJob
from common.library.progress_models import ProcessingLease
from common.records import utcnow
from tests.support.api import Api
from tests.support.gemini_standin import GeminiStandIn


def manifest_of_photos(
    api: Api, photos: list[tuple[str, Path]], category: str = "CHARACTERS"
) -> dict[str, Any]:
    manifest = api.manifest(name="Cast", category=category)
    for order, (name, path) in enumerate(photos):
        asset = api.asset(manifest["id"], name=name, asset_type="CHARACTER", sort_order=order)
        response = api.upload(asset["id"], path.read_bytes(), filename=path.name)
        assert response.status_code == 200, response.text
    return manifest


def start(api: Api, manifest_id: str) -> str:
    response = api.post(f"/api/manifests/{manifest_id}/process")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "PROCESSING" and body["manifest_id"] == manifest_id
    return body["task_id"]


def wait_until_done(api: Api, manifest_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = api.get(f"/api/manifests/{manifest_id}/progress").json()
        if progress["status"] != "PROCESSING":
            return progress
        time.sleep(0.25)
    raise AssertionError(f"manifest {manifest_id} still processing after {timeout} s: {progress}")


def process(api: Api, manifest_id: str) -> dict[str, Any]:
    start(api, manifest_id)
    progress = wait_until_done(api, manifest_id)
    assert progress["status"] == "READY", progress
    return api.get(f"/api/manifests/{manifest_id}").json()


def deliver(
    worker_url: str,
    job_id: str,
    manifest_id: str | None = None,
    kind: str = "process_manifest",
    **headers: str,
) -> requests.Response:
    """Deliver a task to the GPU service the way Cloud Tasks does (used to deliver one again)."""
    ids = {"manifest_id": manifest_id} if manifest_id else {}
    return requests.post(
        f"{worker_url}/tasks",
        json={"job_id": job_id, "kind": kind, **ids},
        headers={LOCAL_SECRET_HEADER: settings().local_task_secret or "", **headers},
        timeout=300,
    )


def assert_consistent(manifest: dict[str, Any]) -> None:
    """Invariants of every finished run: counts match, tags are gapless and unique per type,
    and each extracted asset exists once."""
    assets = manifest["assets"]
    assert manifest["asset_count"] == len(assets)
    stored = [
        s
        for s in db.collection(db.ASSETS)
        .where(filter=FieldFilter("manifest_id", "==", manifest["id"]))
        .stream()
    ]
    assert len(stored) == len(assets)
    by_type: dict[str, list[int]] = {}
    for asset in assets:
        _, number = asset["manifest_tag"].rsplit("_", 1)
        by_type.setdefault(asset["asset_type"], []).append(int(number))
    for numbers in by_type.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), by_type
    keys = Counter(
        (a["source_asset_id"], a["is_face_crop"], a["crop_bbox"] and tuple(a["crop_bbox"]))
        for a in assets
        if a["source"] == "extracted"
    )
    assert all(count == 1 for count in keys.values()), keys


def worker_env(gemini: GeminiStandIn) -> dict[str, str]:
    """The GPU service's settings in tests: Gemini is the local stand-in."""
    return {
        "GEMINI_API_KEY": "local-test-key",
        "GEMINI_BASE_URL": gemini.url,
        "GEMINI_RETRY_INITIAL_DELAY_S": "0.05",
        "VIDEO_POLL_S": "0.05",
        "TASK_MAX_ATTEMPTS": "1000",  # the emulator retries at once, without backoff
        "PROCESSING_LEASE_S": "8",  # a killed worker's run is taken over in seconds, not minutes
    }


def recorded_run(api: Api, manifest_id: str) -> ManifestJob:
    """A run's job and lease, as POST /process leaves them, but no task: the test delivers it."""
    job = ManifestJob(id=new_id(), owner_id=api.uid or "", manifest_id=manifest_id, created_at=utcnow())
    lifecycle.job_ref(job.id).create(lifecycle.job_doc(job))
    hold_lease(manifest_id, job.id, expires_in=timedelta(minutes=10))
    return job


def hold_lease(manifest_id: str, job_id: str, *, expires_in: timedelta) -> None:
    """Leave the manifest as a run under `job_id` does: PROCESSING, with its lease (a negative
    `expires_in` makes it a run whose worker died)."""
    now = utcnow()
    lease = ProcessingLease(
        job_id=job_id, started_at=now - timedelta(hours=1), lease_expires_at=now + expires_in
    )
    db.collection(db.MANIFESTS).document(manifest_id).update(
        {"status": "PROCESSING", "processing": lease.model_dump()}
    )
