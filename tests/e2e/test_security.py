"""Authentication and ownership, over every operation in the live OpenAPI document."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from common.ids import new_id
from common.jobs import lifecycle
from common.jobs.models import ReprocessJob
from common.records import utcnow
from devstack.emulators import free_port
from devstack.tokens import emulator_token
from tests.support.api import Api, jpeg

ROOT = Path(__file__).resolve().parents[2]


def operations(spec: dict) -> list[tuple[str, str]]:
    return [(m.upper(), p) for p, ops in spec["paths"].items() for m, op in ops.items() if op.get("security")]


def fill(path: str, ids: dict[str, str]) -> str:
    return path.format(**ids)


@pytest.fixture
def victim_ids(alice: Api, pipeline: Api) -> dict[str, str]:
    from tests.support.checkpoints import checkpoint

    m = alice.manifest()
    a = alice.asset(m["id"])
    assert alice.upload(a["id"], jpeg()).status_code == 200
    view = alice.post(f"/api/assets/{a['id']}/views", files={"file": ("v.jpg", jpeg())}).json()["views"][0]
    # A job of alice's, written as the API writes them (running it needs no worker here).
    job = ReprocessJob(
        id=new_id(), owner_id=alice.uid or "", manifest_id=m["id"], asset_id=a["id"], created_at=utcnow()
    )
    lifecycle.job_ref(job.id).create(job.model_dump(exclude={"id"}))
    p = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "a heist at dawn", "manifest_id": m["id"]}
    ).json()
    storyboard = checkpoint(pipeline, p["project_id"], 2)
    return {
        "manifest_id": m["id"],
        "asset_id": a["id"],
        "task_id": job.id,
        "project_id": p["project_id"],
        "scene_index": "0",
        "checkpoint_id": storyboard,
        "view_id": view["id"],
    }


BODIES_BY_SUFFIX = {
    "/upload": {"files": {"file": ("x.jpg", jpeg())}},
    "/views": {"files": {"file": ("x.jpg", jpeg())}},
    "/upload-image": {"files": {"file": ("x.jpg", jpeg())}, "data": {"beat_index": "0"}},
    "/regenerate-beat": {"json": {"beat_index": 0}},
    "/regenerate-chunk": {"json": {"chunk_index": 0}},
    "/repair": {"json": {"artifact_key": "0"}},
    "/spec": {"json": {"title": "taken over"}},
    "/upload-url": {"json": {"content_type": "image/jpeg"}},
    "/promote": {"json": {"artifact_key": "0", "name": "taken over", "asset_type": "CHARACTER"}},
}


def body_for(method: str, path: str) -> dict:
    """A request that would succeed for the owner, so only identity decides the answer."""
    suffix = "/" + path.rsplit("/", 1)[-1]
    if suffix in BODIES_BY_SUFFIX:
        return BODIES_BY_SUFFIX[suffix]
    if path.endswith("/assets") and method == "POST":
        return {"json": {"name": "x", "asset_type": "CHARACTER"}}
    if method == "POST" and path == "/api/manifests":
        return {"json": {"name": "x", "category": "MIXED"}}
    if path == "/api/generate":
        return {"json": {"pipeline": "external", "prompt": "x"}}
    if path.startswith("/api/pipeline/"):
        pipeline_update = path.endswith("}") and "scenes" not in path
        return {"json": {"status": "running"} if pipeline_update else {"storyboard_text": "x"}}
    if method == "PATCH" and path.startswith("/api/projects/"):
        return {"json": {"auto_continue": True}}
    return {"json": {"name": "taken over"}} if method == "PUT" else {}


def test_every_protected_operation_needs_a_token(spec: dict, anonymous: Api, victim_ids: dict) -> None:
    ops = operations(spec)
    assert len(ops) >= 12
    foreign_project = emulator_token("x", project_id="another-project")
    bad_headers = [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic abc"},
        {"Authorization": f"Bearer {foreign_project}"},
    ]
    for method, path in ops:
        url = fill(path, victim_ids)
        for headers in bad_headers:
            r = anonymous.request(method, url, headers=headers, **body_for(method, path))
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.json()["error"]["code"] == "unauthenticated"


def test_other_owners_ids_answer_404_and_change_nothing(
    spec: dict, alice: Api, mallory: Api, victim_ids: dict
) -> None:
    before = alice.get(f"/api/manifests/{victim_ids['manifest_id']}").json()
    id_ops = [(m, p) for m, p in operations(spec) if "{" in p]
    assert len(id_ops) >= 10
    for method, path in id_ops:
        r = mallory.request(method, fill(path, victim_ids), **body_for(method, path))
        expected = (403, "forbidden") if path.startswith("/api/pipeline/") else (404, "not_found")
        assert (r.status_code, r.json()["error"]["code"]) == expected, (method, path, r.text)
    after = alice.get(f"/api/manifests/{victim_ids['manifest_id']}").json()
    for image in ("reference_image_url", "thumbnail_url"):
        before["assets"][0].pop(image)
        after["assets"][0].pop(image)
    assert after == before
    assert mallory.get("/api/manifests").json() == []


def test_malformed_and_unknown_ids_answer_404(alice: Api) -> None:
    for path in (
        "/api/manifests/0",
        "/api/manifests/..%2F..%2Fetc",
        "/api/assets/" + "f" * 32,
        "/api/manifests/__name__",
        "/api/assets/" + "A" * 32,
    ):
        r = alice.get(path)
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_json_405(alice: Api) -> None:
    r = alice.session.patch(alice.base_url + "/api/manifests", timeout=10)
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_a_deployment_without_the_emulator_variable_rejects_emulator_tokens(stack, alice: Api) -> None:
    """Run the `api` target with functions-framework as production does, minus the emulator flag."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "FIREBASE_AUTH_EMULATOR_HOST"}
    env["GOOGLE_APPLICATION_CREDENTIALS"] = str(stack.signing_key_file)  # a deployment always has ADC
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "functions_framework",
            "--target",
            "api",
            "--source",
            "functions/main.py",
            "--signature-type",
            "http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/manifests"
        for _ in range(100):
            try:
                r = requests.get(
                    url, headers={"Authorization": f"Bearer {emulator_token(alice.uid)}"}, timeout=5
                )
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthenticated"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_clients_may_read_only_their_own_progress_documents(stack, alice: Api, mallory: Api) -> None:
    """What a browser's Firestore SDK may do under infra/firestore.rules (loaded by the emulator):
    read (and so listen to) its own manifest document, nothing of anyone else's, never write."""
    manifest = alice.manifest()
    asset = alice.asset(manifest["id"])
    documents = f"http://127.0.0.1:{stack.firestore_port}/v1/projects/{stack.project_id}/databases/(default)/documents"

    def as_user(uid: str | None, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {emulator_token(uid)}"} if uid else {}
        return requests.request(method, f"{documents}/{path}", headers=headers, timeout=10, **kwargs)

    own = as_user(alice.uid, "GET", f"manifests/{manifest['id']}")
    assert own.status_code == 200 and own.json()["fields"]["owner_id"]["stringValue"] == alice.uid
    assert as_user(mallory.uid, "GET", f"manifests/{manifest['id']}").status_code == 403
    assert as_user(None, "GET", f"manifests/{manifest['id']}").status_code == 403
    assert as_user(alice.uid, "GET", f"assets/{asset['id']}").status_code == 403
    write = as_user(
        alice.uid,
        "PATCH",
        f"manifests/{manifest['id']}?updateMask.fieldPaths=status",
        json={"fields": {"status": {"stringValue": "READY"}}},
    )
    assert write.status_code == 403
    assert alice.get(f"/api/manifests/{manifest['id']}").json()["status"] == "DRAFT"


def test_clients_may_listen_to_their_own_checkpoints(stack, alice: Api, mallory: Api, pipeline: Api) -> None:
    """Regenerations finish in the background: the owner's browser may listen to the checkpoint, its
    artifacts and versions; nobody else may, and nobody writes."""
    from tests.support.checkpoints import checkpoint, project

    cid = checkpoint(pipeline, project(alice)["project_id"], 1)
    documents = f"http://127.0.0.1:{stack.firestore_port}/v1/projects/{stack.project_id}/databases/(default)/documents"

    def as_user(uid: str, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {emulator_token(uid)}"}
        return requests.request(method, f"{documents}/{path}", headers=headers, timeout=10, **kwargs)

    for path in (
        f"checkpoints/{cid}",
        f"checkpoints/{cid}/artifacts/spec:spec",
        f"checkpoints/{cid}/versions/spec:spec:000001",
    ):
        assert as_user(alice.uid or "", "GET", path).status_code == 200, path
        assert as_user(mallory.uid or "", "GET", path).status_code == 403, path
    assert as_user(alice.uid or "", "GET", f"checkpoints/{cid}/continued/0").status_code == 403
    write = as_user(
        alice.uid or "",
        "PATCH",
        f"checkpoints/{cid}?updateMask.fieldPaths=status",
        json={"fields": {"status": {"stringValue": "approved"}}},
    )
    assert write.status_code == 403
