"""The suite runs against real emulators and the real HTTP surface.

One stack per session (Firestore, Pub/Sub and storage emulators, the functions served by a
threaded werkzeug server exactly as `make run` serves them). Each test gets fresh users, so tests
never see each other's data. Every API response is checked against the live /api/openapi.json.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from common.gcp.config import settings
from devstack.emulators import Stack, free_port
from devstack.testdata import photos_dir, ultralytics_photos
from gpu_service.config import worker_settings
from tests.support import firestore_queries
from tests.support.api import Api, Inbox
from tests.support.engine import worker_env
from tests.support.gemini_standin import GeminiStandIn


@pytest.fixture(scope="session", autouse=True)
def _record_firestore_queries() -> None:
    firestore_queries.start_recording()


@pytest.fixture(scope="session")
def pipeline_inbox() -> Iterator[Inbox]:
    """Where approved checkpoints are handed off: a local endpoint standing in for the video pipeline."""
    inbox = Inbox()
    yield inbox
    inbox.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, pipeline_inbox: Inbox) -> Iterator[Stack]:
    stack = Stack(
        state_dir=tmp_path_factory.mktemp("devstack"), pipeline_url=pipeline_inbox.url, auth_emulator=True
    )
    stack.start()
    os.environ.update(stack.env())
    # Settings are read once per process: whatever read them before the stack existed read no stack.
    settings.cache_clear()
    worker_settings.cache_clear()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def base_url(stack: Stack) -> Iterator[str]:
    from devstack.app import EVENTS_PATH, build

    port = free_port()
    server = make_server("127.0.0.1", port, build(stack), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stack.push_upload_events_to(f"http://127.0.0.1:{port}{EVENTS_PATH}")
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def spec(base_url: str) -> dict[str, Any]:
    from openapi_spec_validator import validate

    document = requests.get(f"{base_url}/api/openapi.json", timeout=10).json()
    validate(document)
    return document


@pytest.fixture
def make_user(base_url: str, spec: dict[str, Any]) -> Callable[[], Api]:
    return lambda: Api(base_url, spec, f"user-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def alice(make_user: Callable[[], Api]) -> Api:
    return make_user()


@pytest.fixture
def mallory(make_user: Callable[[], Api]) -> Api:
    return make_user()


@pytest.fixture
def pipeline(base_url: str, spec: dict[str, Any]) -> Api:
    """The video pipeline's service identity (a user whose token carries role=pipeline)."""
    return Api(base_url, spec, "video-pipeline", claims={"role": "pipeline"})


@pytest.fixture
def anonymous(base_url: str, spec: dict[str, Any]) -> Api:
    return Api(base_url, spec, None)


@pytest.fixture(scope="session")
def photos() -> Path:
    return photos_dir()


@pytest.fixture(scope="session")
def gemini() -> Iterator[GeminiStandIn]:
    server = GeminiStandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def worker(stack: Stack, base_url: str, gemini: GeminiStandIn) -> Stack:
    """The GPU service as its own process (on the CPU), describing through the real google-genai
    client against the local Gemini stand-in."""
    stack.start_worker(worker_env(gemini))
    return stack


@pytest.fixture(autouse=True)
def _clean_gemini_script(request: pytest.FixtureRequest) -> None:
    if "gemini" in request.fixturenames:
        request.getfixturevalue("gemini").reset()


@pytest.fixture(scope="session")
def street_photos() -> Path:
    return ultralytics_photos()


@pytest.fixture
def paid(gemini: GeminiStandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[GeminiStandIn]:
    """Gemini configured in this process: the stand-in, through the real client."""
    from gpu_service.config import worker_settings
    from gpu_service.describe import gemini as client

    monkeypatch.setenv("GEMINI_API_KEY", "local-test-key")
    monkeypatch.setenv("GEMINI_BASE_URL", gemini.url)
    worker_settings.cache_clear()
    client.reset()
    yield gemini
    monkeypatch.undo()
    worker_settings.cache_clear()
    client.reset()
