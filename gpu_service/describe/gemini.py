"""The google-genai client, configured once: Gemini (describe, beat images) and Vertex AI (Veo clips).

It retries 429 and 5xx answers with exponential backoff inside the library. Veo is served on
Vertex AI only: with GOOGLE_GENAI_USE_VERTEXAI the runtime's service account is used (project and
location from GOOGLE_CLOUD_PROJECT / GOOGLE_CLOUD_LOCATION); with an API key only, Vertex AI
express mode.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING

from gpu_service.config import worker_settings

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504]


def worth_another_delivery(code: int | None) -> bool:
    """A client error the library's own retries could not outlast (quota, a timeout): the queue
    delivers the job again later instead of failing it for good (5xx are not client errors)."""
    return code in (408, 429)


def http_options() -> types.HttpOptions:
    from google.genai import types

    cfg = worker_settings()
    retry = types.HttpRetryOptions(
        attempts=cfg.gemini_retry_attempts,
        initial_delay=cfg.gemini_retry_initial_delay_s,
        max_delay=30.0,
        exp_base=2.0,
        http_status_codes=RETRY_STATUS_CODES,
    )
    return types.HttpOptions(base_url=cfg.gemini_base_url, retry_options=retry, timeout=120_000)


_making = threading.Lock()


def client(*, vertex: bool = False) -> genai.Client:
    """The client for Gemini, or with `vertex` for what only Vertex AI serves (Veo): one per
    process. Made under a lock: two threads' first calls would each make one, and the one not kept
    is closed when it is collected, under the request still using it (scenes generated side by side
    failed with "Bad file descriptor")."""
    with _making:
        return _client(vertex)


def reset() -> None:
    """Forget the clients (settings changed: tests, benches)."""
    with _making:
        _client.cache_clear()


@cache
def _client(vertex: bool) -> genai.Client:
    from google import genai

    cfg = worker_settings()
    api_key = None if cfg.use_vertex else cfg.gemini_api_key
    return genai.Client(
        vertexai=(cfg.use_vertex or vertex) or None, api_key=api_key, http_options=http_options()
    )
