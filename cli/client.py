"""A small HTTP client for the vidpipe API: the calls the command line needs, with clear errors."""

from __future__ import annotations

import mimetypes
import time
from functools import cached_property
from pathlib import Path
from typing import Any

import requests

RETRIES = 5
# Python's own table of file name extensions (the system's files left out: the same everywhere).
KNOWN_TYPES = mimetypes.MimeTypes()


class ApiFailure(Exception):
    """The API said no; the message is its own."""


def _field_problems(details: Any) -> list[str]:
    """A 422's problems as a person reads them: "category: Input should be 'CHARACTERS', ..."."""
    if not isinstance(details, list):
        return []
    found = [d for d in details if isinstance(d, dict) and isinstance(d.get("msg"), str)]
    return [".".join(str(part) for part in d.get("loc") or []) + ": " + d["msg"] for d in found]


class Client:
    def __init__(self, base_url: str, token: str | None, timeout: float = 120) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        for _ in range(RETRIES):  # a 503 with Retry-After (contention, a service starting) is asked again
            try:
                response = self.session.request(
                    method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs
                )
            except requests.ConnectionError as exc:
                raise ApiFailure(f"cannot reach {self.base_url}; is the service running (make run)?") from exc
            if response.status_code != 503 or "Retry-After" not in response.headers:
                break
            time.sleep(min(float(response.headers["Retry-After"]), 10.0))
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                message = str(error["message"])
                if problems := _field_problems(error.get("details")):  # a 422 names its fields
                    message += ": " + "; ".join(problems)
                message += f" ({response.status_code} {error['code']})"
            except (ValueError, KeyError, TypeError):
                message = f"{response.status_code} {response.reason}"
            raise ApiFailure(message)
        return response.json() if response.content else None

    @cached_property
    def rules(self) -> dict[str, Any]:
        """The rules the server states once for every client (GET /api/studio/config): a step
        order, the asset type a category suggests, the images it takes. Asked, not copied, so this
        command follows whichever server it talks to."""
        return dict(self.call("GET", "/api/studio/config")["rules"])

    def image_type(self, path: Path) -> str | None:
        """The content type the server takes that the file's name says, else None (the server then
        judges the bytes themselves)."""
        suffix = path.suffix.lower()
        accepted = {t["content_type"]: t["extension"] for t in self.rules["image_types"]}
        for content_type, extension in accepted.items():
            if suffix == f".{extension}":
                return content_type
        guessed, _ = KNOWN_TYPES.guess_type(path.name)  # other names of the same type: .jpeg
        return guessed if guessed in accepted else None

    def image_types_in_words(self) -> str:
        """The server's image types as a person reads them: "JPEG, PNG or WebP"."""
        *others, last = (t["name"] for t in self.rules["image_types"])
        return f"{', '.join(others)} or {last}" if others else last

    def create_manifest(self, name: str, category: str) -> dict[str, Any]:
        return self.call("POST", "/api/manifests", json={"name": name, "category": category})

    def create_asset(self, manifest_id: str, name: str, asset_type: str, sort_order: int) -> dict[str, Any]:
        body = {"name": name, "asset_type": asset_type, "sort_order": sort_order}
        return self.call("POST", f"/api/manifests/{manifest_id}/assets", json=body)

    def upload(self, asset_id: str, path: Path) -> dict[str, Any]:
        with path.open("rb") as handle:
            files = {"file": (path.name, handle, self.image_type(path))}
            return self.call("POST", f"/api/assets/{asset_id}/upload", files=files)

    def search_faces(self, path: Path, limit: int, min_similarity: float | None) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if min_similarity is not None:
            params["min_similarity"] = min_similarity
        with path.open("rb") as handle:
            files = {"file": (path.name, handle, self.image_type(path))}
            return dict(self.call("POST", "/api/faces/search", params=params, files=files))

    def process(self, manifest_id: str) -> dict[str, Any]:
        return self.call("POST", f"/api/manifests/{manifest_id}/process")

    def progress(self, manifest_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/manifests/{manifest_id}/progress")

    def manifest(self, manifest_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/manifests/{manifest_id}")

    def promote(self, checkpoint_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("POST", f"/api/checkpoints/{checkpoint_id}/promote", json=body))

    def continuity(self, project_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/projects/{project_id}/continuity")

    def references(self, project_id: str, scene_index: int, target: str) -> dict[str, Any]:
        path = f"/api/projects/{project_id}/scenes/{scene_index}/references"
        return self.call("GET", path, params={"target": target})

    def repair(self, checkpoint_id: str, artifact_key: str, max_attempts: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"artifact_key": artifact_key}
        if max_attempts is not None:
            body["max_attempts"] = max_attempts
        return dict(self.call("POST", f"/api/checkpoints/{checkpoint_id}/repair", json=body))

    def job(self, task_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/api/jobs/{task_id}"))

    def download(self, url: str) -> bytes:
        response = requests.get(url, timeout=self.timeout)
        response.raise_for_status()
        return response.content
