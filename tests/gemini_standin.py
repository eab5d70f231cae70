"""A local server that speaks Gemini's REST protocol, for running the real google-genai client.

Only tests use it (Gemini is a paid API that cannot be reached here). Its answers are computed from
the request it gets (the image's real size and colour, the asset name in the prompt), so a test can
tell a real round trip from a canned string. Faults are scripted per request: "429", "500",
"malformed" (JSON that breaks the response schema).
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
from collections import deque
from typing import Any

from PIL import Image, ImageStat
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack.emulators import free_port

PROMPT_TOKENS = 1290
OUTPUT_TOKENS = 140


class GeminiStandIn:
    def __init__(self, latency_s: float = 0.05) -> None:
        self.port = free_port()
        self.latency_s = latency_s
        self.faults: deque[str] = deque()
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()

    def script(self, *faults: str) -> None:
        with self.lock:
            self.faults.extend(faults)

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.calls = self.in_flight = self.max_in_flight = 0

    @Request.application
    def app(self, request: Request) -> Response:
        if not re.fullmatch(r"/v1(beta)?/models/[\w.-]+:generateContent", request.path):
            return _error(404, "NOT_FOUND", f"no such method {request.path}")
        if not request.headers.get("x-goog-api-key"):
            return _error(401, "UNAUTHENTICATED", "API key missing")
        with self.lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            fault = self.faults.popleft() if self.faults else None
        try:
            time.sleep(self.latency_s)
            if fault in ("429", "500"):
                status = "RESOURCE_EXHAUSTED" if fault == "429" else "INTERNAL"
                return _error(int(fault), status, "scripted fault")
            body = request.get_json()
            if (
                "responseSchema" not in body["generationConfig"]
                and "responseJsonSchema" not in body["generationConfig"]
            ):
                return _error(400, "INVALID_ARGUMENT", "the client did not ask for structured output")
            text = (
                '{"reverse_prompt": "half an answer"' if fault == "malformed" else json.dumps(_answer(body))
            )
            candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
            usage = {"promptTokenCount": PROMPT_TOKENS, "candidatesTokenCount": OUTPUT_TOKENS,
                     "totalTokenCount": PROMPT_TOKENS + OUTPUT_TOKENS}  # fmt: skip
            return Response(
                json.dumps({"candidates": [candidate], "usageMetadata": usage}),
                200,
                mimetype="application/json",
            )  # fmt: skip
        finally:
            with self.lock:
                self.in_flight -= 1


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    parts = body["contents"][0]["parts"]
    inline = next(
        p.get("inlineData") or p.get("inline_data")
        for p in parts
        if p.get("inlineData") or p.get("inline_data")
    )
    prompt = next(p["text"] for p in parts if "text" in p)
    data = inline["data"]  # google-genai sends URL-safe base64
    image = Image.open(io.BytesIO(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))).convert("RGB")
    mean = [round(v) for v in ImageStat.Stat(image).mean]
    name = re.search(r"named '([^']*)'", prompt)
    label = name.group(1) if name else "subject"
    return {
        "reverse_prompt": f"gemini: {label}, {image.width}x{image.height} reference, mean rgb{tuple(mean)}",
        "visual_description": f"gemini sees {label} in a {image.width}x{image.height} image",
        "quality_score": round(min(1.0, min(image.size) / 768), 3),
    }


def _error(status: int, code: str, message: str) -> Response:
    body = {"error": {"code": status, "message": message, "status": code}}
    return Response(json.dumps(body), status, mimetype="application/json")
