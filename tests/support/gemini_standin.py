"""A local server that speaks Gemini's REST protocol, for running the real google-genai client.

Only tests and benches use it (Gemini is a paid API that cannot be reached here). Its answers are
computed from the request it gets (the image's real size and colour, the asset name in the prompt),
so a test can tell a real round trip from a canned string. Faults are scripted per request: "429",
"500", "malformed" (JSON that breaks the response schema), "refused" (a finished Veo operation that
carries an error), and for batched descriptions "out_of_order", "missing" (the last item left
out), "extra" (an item nobody asked for), "wrong_key" (the first item's key changed).

usageMetadata is counted the way the Gemini API counts for Gemini 2.x models (ai.google.dev, "Image
understanding" and "Understand and count tokens"): an image whose sides are both <= 384 px is 258
tokens; a larger one is cut into tiles of crop unit floor(min(w, h) / 1.5), ceil(w / unit) x
ceil(h / unit) tiles of 258 tokens each; text by the documented approximation of 4 characters a
token; a generated image is 1290 output tokens. Every call's counts are kept in `usage`.

It speaks three methods: `generateContent` (structured text: a description, a batch of them or a
storyboard, as the response schema asks; or an IMAGE response: the input image
inverted; given reference images too, the offline generator's picture of them standing in the
frame, so a repair can succeed through the real client), and Vertex AI's `predictLongRunning` +
`fetchPredictOperation` (Veo: an MP4 made from the input frame, or of the asset references standing
on a grey set; ready on the second poll), on the Gemini API and Vertex AI express paths.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import uuid
from collections import deque
from typing import Any

from PIL import Image, ImageOps, ImageStat
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack.emulators import free_port
from gpu_service.generate.offline import standing

IMAGE_TOKENS = 1290  # what Gemini bills for one generated image
VEO_FRAME = (640, 360)  # a clip made from asset references alone
TILE_TOKENS = 258
SMALL_IMAGE_PX = 384
CHARS_PER_TOKEN = 4
CLIP_FPS = 4


def image_tokens(width: int, height: int) -> int:
    if width <= SMALL_IMAGE_PX and height <= SMALL_IMAGE_PX:
        return TILE_TOKENS
    unit = max(1, min(width, height) * 2 // 3)  # floor(min / 1.5)
    return -(-width // unit) * -(-height // unit) * TILE_TOKENS


def text_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def prompt_tokens(body: dict[str, Any]) -> int:
    total = 0
    for content in body.get("contents", []):
        for part in content.get("parts", []):
            if "text" in part:
                total += text_tokens(part["text"])
            inline = part.get("inlineData") or part.get("inline_data")
            if inline:
                total += image_tokens(*_decode_image(inline["data"]).size)
    return total


class GeminiStandIn:
    def __init__(self, latency_s: float = 0.05, simulated: dict[str, float] | None = None) -> None:
        """`simulated`: seconds a production call takes, per kind ("storyboard", "image", "video":
        a Veo operation is done that long after it starts), for benches (bench/pipeline.py)."""
        self.port = free_port()
        self.latency_s = latency_s
        self.simulated = simulated or {}
        self.faults: deque[str] = deque()
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.operations: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []  # (method, body) of every accepted call
        self.usage: list[tuple[int, int]] = []  # (input, output) tokens of every generateContent answered
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
            self.requests.clear()
            self.usage.clear()

    @Request.application
    def app(self, request: Request) -> Response:
        route = re.fullmatch(
            r"/(?:v1(?:beta)?/models|v1beta1/publishers/google/models)/([\w.-]+):"
            r"(generateContent|predictLongRunning|fetchPredictOperation)",
            request.path,
        )
        if route is None:
            return _error(404, "NOT_FOUND", f"no such method {request.path}")
        model, method = route.groups()
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
            with self.lock:
                self.requests.append((method, body))
            if method != "generateContent":
                return self._veo(model, method, body, fault)
            if body.get("generationConfig", {}).get("responseModalities") == ["IMAGE"]:
                time.sleep(self.simulated.get("image", 0.0))
                return self._counted(body, _image_answer(body), IMAGE_TOKENS)
            config = body["generationConfig"]
            schema = config.get("responseSchema") or config.get("responseJsonSchema")
            if schema is None:
                return _error(400, "INVALID_ARGUMENT", "the client did not ask for structured output")
            if "scenes" in schema.get("properties", {}):
                time.sleep(self.simulated.get("storyboard", 0.0))
                text = json.dumps(_storyboard_answer(body))
            elif "items" in json.dumps(schema.get("properties", {})):
                text = _batch_answer(body, fault)
            elif fault == "malformed":
                text = '{"reverse_prompt": "half an answer"'
            else:
                text = json.dumps(_answer(body))
            candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
            return self._counted(body, {"candidates": [candidate]}, text_tokens(text))
        finally:
            with self.lock:
                self.in_flight -= 1

    def _counted(self, body: dict[str, Any], answer: dict[str, Any], output: int) -> Response:
        used = prompt_tokens(body)
        with self.lock:
            self.usage.append((used, output))
        answer["usageMetadata"] = {
            "promptTokenCount": used,
            "candidatesTokenCount": output,
            "totalTokenCount": used + output,
        }
        return _json(answer)

    def _veo(self, model: str, method: str, body: dict[str, Any], fault: str | None) -> Response:
        if method == "predictLongRunning":
            instance = body["instances"][0]
            name = f"publishers/google/models/{model}/operations/{uuid.uuid4().hex}"
            seconds = body.get("parameters", {}).get("durationSeconds", 4)
            with self.lock:
                ready = time.monotonic() + self.simulated.get("video", 0.0)
                self.operations[name] = {
                    "polls": 0,
                    "instance": instance,
                    "fault": fault,
                    "seconds": seconds,
                    "ready": ready,
                }
            return _json({"name": name})
        with self.lock:
            operation = self.operations.get(body.get("operationName", ""))
            if operation is None:
                return _error(404, "NOT_FOUND", "no such operation")
            operation["polls"] += 1
        name = body["operationName"]
        if operation["polls"] < 2 or time.monotonic() < operation["ready"]:
            return _json({"name": name, "done": False})
        if operation["fault"] == "refused":
            return _json({"name": name, "done": True, "error": {"code": 3, "message": "prompt refused"}})
        # A starting frame, or (with asset references, which Veo takes instead of one) the first reference.
        instance = operation["instance"]
        if "referenceImages" in instance:
            sent = [decode_bytes(r["image"]["bytesBase64Encoded"]) for r in instance["referenceImages"]]
            image = standing(Image.new("RGB", VEO_FRAME, (90, 90, 90)), _named(instance["prompt"], sent, 1))
        else:
            image = ImageOps.invert(_decode_image(instance["image"]["bytesBase64Encoded"]))
        clip = _clip_from(image, operation["seconds"])
        video = {"bytesBase64Encoded": base64.b64encode(clip).decode(), "mimeType": "video/mp4"}
        return _json({"name": name, "done": True, "response": {"videos": [video]}})


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    parts = body["contents"][0]["parts"]
    image = next(_part_image(p) for p in parts if p.get("inlineData") or p.get("inline_data"))
    prompt = next(p["text"] for p in parts if "text" in p)
    name = re.search(r"named '([^']*)'", prompt)
    return _described(name.group(1) if name else "subject", image)


def _storyboard_answer(body: dict[str, Any]) -> dict[str, Any]:
    """As many scenes as asked, of the lengths asked, each with the next cast member by handle; the
    first also names CHAR_99, a handle nobody has (a model's slip the product must drop)."""
    prompt = "\n".join(p["text"] for p in body["contents"][0]["parts"] if "text" in p)
    count = int(re.search(r"Write exactly (\d+) scenes", prompt).group(1))  # type: ignore[union-attr]
    lengths = [int(n) for n in re.search(r"in order: ([\d, ]+)", prompt).group(1).split(",")]  # type: ignore[union-attr]
    cast = re.findall(r"^- ([A-Z]+_\d{2,}): (.+?) \(", prompt, flags=re.MULTILINE) or [("", "")]
    scenes = []
    for n in range(count):
        handle, name = cast[n % len(cast)]
        scenes.append(
            {
                "storyboard_text": f"Scene {n + 1}: {name} looks ahead.",
                "asset_tags": [handle, *(["CHAR_99"] if n == 0 else [])],
                "selected_reference_tags": [handle],
                "composition_shot_type": "medium",
                "composition_camera_movement": "static",
                "rewritten_keyframe_prompt": f"A medium shot of {handle}.",
                "rewritten_video_prompt": f"{handle} turns slowly.",
                "duration_s": lengths[n % len(lengths)],
            }
        )
    return {"title": "The Stand-in Film", "scenes": scenes}


def _batch_answer(body: dict[str, Any], fault: str | None) -> str:
    """One item per "Item N:" text part, described from the image after it (or the source's)."""
    if fault == "malformed":
        return '{"items": [{"key": "1", "reverse_prompt": '
    parts = body["contents"][0]["parts"]
    images = [_part_image(p) for p in parts if p.get("inlineData") or p.get("inline_data")]
    source, grids = images[0], images[1:]
    items = []
    for part in parts:
        found = re.match(r"Item (\w+)(?: \(grid (\d+), cell (\d+)\))?: ", part.get("text", ""))
        if not found:
            continue
        key, grid, cell = found.groups()
        image = source if grid is None else _cell(grids[int(grid) - 1], int(cell))
        label = re.search(r"named '([^']*)'", part["text"])
        items.append({"key": key, **_described(label.group(1) if label else "subject", image)})
    if fault == "out_of_order":
        items.reverse()
    elif fault == "missing":
        items.pop()
    elif fault == "extra":
        items.append({"key": "99", **_described("nobody", source)})
    elif fault == "wrong_key":
        items[0]["key"] = "X9"
    return json.dumps({"items": items})


def _cell(grid: Image.Image, cell: int, side: int = 2) -> Image.Image:
    """The numbered cell of a 2 x 2 grid image (describe.py's layout)."""
    size = grid.width // side
    x, y = (cell - 1) % side * size, (cell - 1) // side * size
    return grid.crop((x, y, x + size, y + size))


def _part_image(part: dict[str, Any]) -> Image.Image:
    inline = part.get("inlineData") or part.get("inline_data")
    return _decode_image(inline["data"])


def _described(label: str, image: Image.Image) -> dict[str, Any]:
    mean = [round(v) for v in ImageStat.Stat(image).mean]
    return {
        "reverse_prompt": f"gemini: {label}, {image.width}x{image.height} reference, mean rgb{tuple(mean)}",
        "visual_description": f"gemini sees {label} in a {image.width}x{image.height} image",
        "quality_score": round(min(1.0, min(image.size) / 768), 3),
    }


def _image_answer(body: dict[str, Any]) -> dict[str, Any]:
    parts = body["contents"][0]["parts"]
    inlines = [
        p.get("inlineData") or p.get("inline_data") for p in parts if "inlineData" in p or "inline_data" in p
    ]
    prompt = " ".join(p.get("text", "") for p in parts)
    if "Draw the first frame" in prompt:  # no image before it: the references on a grey set
        sent = [decode_bytes(i["data"]) for i in inlines]
        image = standing(Image.new("RGB", VEO_FRAME, (90, 90, 90)), _named(prompt, sent, 1))
    else:
        frame = _decode_image(inlines[0]["data"])
        references = [decode_bytes(i["data"]) for i in inlines[1:]]
        image = standing(frame, _named(prompt, references, 2)) if references else ImageOps.invert(frame)
    out = io.BytesIO()
    image.save(out, "PNG")
    data = {"mimeType": "image/png", "data": base64.b64encode(out.getvalue()).decode()}
    candidate = {"content": {"role": "model", "parts": [{"inlineData": data}]}, "finishReason": "STOP"}
    return {"candidates": [candidate]}


def _named(prompt: str, images: list[bytes], first: int) -> list[tuple[str, bytes]]:
    """Each reference image with the handle the prompt gives it ("image 2 is CHAR_04 (character)")."""
    handles = dict(re.findall(r"image (\d+) is (\S+) \(", prompt))
    return [(handles.get(str(n), f"image {n}"), data) for n, data in enumerate(images, start=first)]


def decode_bytes(data: str) -> bytes:
    """Bytes as the client sends them: base64, standard or URL-safe, padded or not."""
    return base64.urlsafe_b64decode(data.replace("+", "-").replace("/", "_") + "=" * (-len(data) % 4))


def _decode_image(data: str) -> Image.Image:
    return Image.open(io.BytesIO(decode_bytes(data))).convert("RGB")


def _clip_from(image: Image.Image, seconds: int) -> bytes:
    from gpu_service.vision import clips

    return clips.write([image] * (seconds * CLIP_FPS), CLIP_FPS, image.size)


def _json(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), 200, mimetype="application/json")


def _error(status: int, code: str, message: str) -> Response:
    body = {"error": {"code": status, "message": message, "status": code}}
    return Response(json.dumps(body), status, mimetype="application/json")
