"""Bad input on every JSON endpoint: a JSON 4xx, and nothing changes."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.checkpoints import checkpoint


@pytest.fixture
def target(alice: Api, pipeline: Api) -> dict[str, str]:
    m = alice.manifest()
    a = alice.asset(m["id"])
    p = alice.post("/api/generate", json={"pipeline": "external", "prompt": "a heist at dawn"}).json()
    storyboard = checkpoint(pipeline, p["project_id"], 2)
    return {
        "manifest_id": m["id"],
        "asset_id": a["id"],
        "project_id": p["project_id"],
        "scene_index": "0",
        "checkpoint_id": storyboard,
    }


def json_operations(spec: dict) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]


BAD_BODIES = [
    ("invalid JSON", {"data": b'{"name": ', "headers": {"Content-Type": "application/json"}}, {400}),
    ("a JSON array", {"json": [1, 2, 3]}, {422}),
    ("a JSON string", {"json": "name"}, {422}),
    ("wrong types", {"json": {"name": ["x"], "category": 5, "asset_type": 1, "content_type": 7}}, {422}),
    ("unknown fields only", {"json": {"owner_id": "someone-else"}}, {422}),
    ("form encoded", {"data": {"name": "x"}}, {415}),
    ("text/plain", {"data": b'{"name": "x"}', "headers": {"Content-Type": "text/plain"}}, {415}),
    ("2 MB of JSON", {"json": {"name": "x" * (2 * 1024 * 1024)}}, {413}),
    ("null bytes", {"data": b"\x00\x01\x02", "headers": {"Content-Type": "application/json"}}, {400}),
]


# Images (and clips) travel inline: up to 64 / 72 MB.
LARGE_BODIES = {
    "/api/projects/{project_id}/fork",
    "/api/projects/{project_id}/fork/preview",  # the fork's own request, so the fork's limit
    "/api/pipeline/checkpoints/{checkpoint_id}/artifacts",
}


def test_a_body_over_a_large_limit_is_still_refused(alice: Api, pipeline: Api, target: dict) -> None:
    for path in ("fork", "fork/preview"):
        r = alice.post(
            f"/api/projects/{target['project_id']}/{path}",
            data=b"{" + b" " * (65 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large", path
    url = f"/api/pipeline/checkpoints/{target['checkpoint_id']}/artifacts"
    r = pipeline.post(
        url, data=b"{" + b" " * (73 * 1024 * 1024) + b"}", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("case", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_bodies_on_every_json_endpoint(
    spec: dict, alice: Api, pipeline: Api, target: dict, case: tuple
) -> None:
    label, kwargs, statuses = case
    ops = json_operations(spec)
    assert len(ops) >= 5
    before_manifests = alice.get("/api/manifests").json()
    before = alice.get(f"/api/manifests/{target['manifest_id']}").json()
    project = alice.get(f"/api/projects/{target['project_id']}").json()
    checkpoint_state = alice.get(f"/api/checkpoints/{target['checkpoint_id']}").json()
    for method, path in ops:
        caller = pipeline if path.startswith("/api/pipeline/") else alice
        r = caller.request(method, path.format(**target), **kwargs)
        expected = {422} if label == "2 MB of JSON" and path in LARGE_BODIES else statuses
        assert r.status_code in expected, (label, method, path, r.status_code, r.text[:300])
        error = r.json()["error"]
        assert error["code"]
        assert error["message"]
    assert alice.get(f"/api/manifests/{target['manifest_id']}").json() == before
    assert alice.get("/api/manifests").json() == before_manifests
    assert alice.get(f"/api/projects/{target['project_id']}").json() == project
    assert alice.get(f"/api/checkpoints/{target['checkpoint_id']}").json() == checkpoint_state


def test_validation_errors_name_the_field_and_do_not_echo_input(alice: Api) -> None:
    secret = "s3cr3t-" * 10
    r = alice.post("/api/manifests", json={"name": secret, "category": "NOPE"})
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert details[0]["loc"] == ["category"]
    assert secret not in r.text


def test_unknown_routes_are_json_404(alice: Api) -> None:
    r = alice.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
