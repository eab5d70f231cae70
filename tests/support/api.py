"""Helpers for the suite: an API client that checks every answer against the live OpenAPI spec."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import jsonschema
import requests
from PIL import Image

from devstack.tokens import emulator_token


class SpecMismatch(AssertionError):
    pass


def check_against_spec(spec: dict[str, Any], method: str, path: str, response: requests.Response) -> None:
    """The live answer must be a documented status with a body matching the documented schema."""
    for template, operations in spec["paths"].items():
        if re.fullmatch(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(template)), path):
            operation = operations.get(method.lower())
            break
    else:
        return  # unknown paths answer 404 without a documented operation
    if operation is None:
        return
    documented = operation["responses"].get(str(response.status_code))
    if documented is None:
        raise SpecMismatch(
            f"{method} {path} answered {response.status_code}, which the spec does not document"
        )
    content = documented.get("content", {}).get("application/json")
    if content is None:
        return
    schema = {**content["schema"], "components": spec["components"]}
    try:
        jsonschema.Draft202012Validator(schema).validate(response.json())
    except jsonschema.ValidationError as exc:
        raise SpecMismatch(f"{method} {path} → {response.status_code}: {exc.message}") from exc


class Api:
    """A signed-in user of the API (or nobody, with token=None)."""

    def __init__(
        self, base_url: str, spec: dict[str, Any], uid: str | None, claims: dict[str, object] | None = None
    ) -> None:
        self.base_url = base_url
        self.spec = spec
        self.uid = uid
        self.session = requests.Session()
        if uid is not None:
            self.session.headers["Authorization"] = f"Bearer {emulator_token(uid, extra=claims)}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        response = self.session.request(method, self.base_url + path, **kwargs)
        check_against_spec(self.spec, method, path.split("?", maxsplit=1)[0], response)
        return response

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def as_a_client(self, method: str, path: str, **kw: Any) -> requests.Response:
        """The request, again after `Retry-After` while it answers 503 contention, as a client does
        (on the emulator, whose locks are not Firestore's wound-wait, a write can lose to a
        worker's transactions on the same documents for a few seconds)."""
        for _ in range(10):
            answer = self.request(method, path, **kw)
            if answer.status_code != 503:
                return answer
            assert answer.json()["error"]["code"] == "contention", answer.text
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        return answer

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    # shortcuts for setting up state
    def manifest(self, name: str = "Cast", category: str = "CHARACTERS", **fields: Any) -> dict[str, Any]:
        r = self.post("/api/manifests", json={"name": name, "category": category, **fields})
        assert r.status_code == 201, r.text
        return r.json()

    def asset(
        self, manifest_id: str, name: str = "Hero", asset_type: str = "CHARACTER", **fields: Any
    ) -> dict:
        r = self.post(
            f"/api/manifests/{manifest_id}/assets", json={"name": name, "asset_type": asset_type, **fields}
        )
        assert r.status_code == 201, r.text
        return r.json()

    def upload(self, asset_id: str, data: bytes, filename: str = "photo.jpg") -> requests.Response:
        return self.post(f"/api/assets/{asset_id}/upload", files={"file": (filename, data)})


def jpeg(width: int = 320, height: int = 240, color: str = "steelblue", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG", **save)
    return out.getvalue()


class Inbox:
    """A loopback HTTP endpoint that keeps every JSON POST it gets (with its headers)."""

    def __init__(self) -> None:
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        from devstack.emulators import free_port

        self.received: list[tuple[dict[str, str], Any]] = []
        self.lock = threading.Lock()

        @Request.application
        def app(request: Request) -> Response:
            with self.lock:
                self.received.append((dict(request.headers), request.get_json(silent=True)))
            return Response("{}", 200, mimetype="application/json")

        port = free_port()
        self.url = f"http://127.0.0.1:{port}/handoff"
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[Any]:
        with self.lock:
            return [body for _, body in self.received]

    def stop(self) -> None:
        self.server.shutdown()


def wait_for(check: Callable[[], Any], timeout: float = 15, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
