"""google-genai clients, configured once: Gemini (describe, beat images) and Vertex AI (Veo clips).

Both retry 429 and 5xx answers with exponential backoff inside the library. Veo is served on
Vertex AI only: with GOOGLE_GENAI_USE_VERTEXAI the runtime's service account is used (project and
location from GOOGLE_CLOUD_PROJECT / GOOGLE_CLOUD_LOCATION); with an API key only, Vertex AI
express mode.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from gpu_service.config import worker_settings

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504]


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


@cache
def client() -> genai.Client:
    from google import genai

    cfg = worker_settings()
    if cfg.use_vertex:
        return genai.Client(vertexai=True, http_options=http_options())
    return genai.Client(api_key=cfg.gemini_api_key, http_options=http_options())


@cache
def vertex_client() -> genai.Client:
    from google import genai

    cfg = worker_settings()
    if cfg.use_vertex:
        return genai.Client(vertexai=True, http_options=http_options())
    return genai.Client(vertexai=True, api_key=cfg.gemini_api_key, http_options=http_options())
