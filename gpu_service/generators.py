"""Regenerating checkpoint media: beat images and chunk clips, from a prompt and the previous version.

With Gemini configured, beats come from a Gemini image model (google-genai `generate_content`
with an IMAGE response, the previous image given as the starting point) and chunks from Veo
(`generate_videos`, a long-running operation polled until done, conditioned on the previous
clip's first frame). Without credentials, the offline generator derives a real image or clip from
the previous version and the prompt (a prompt-seeded grade, reframing and caption) and marks it
`offline`, so the local stack behaves end to end without a paid API.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from dataclasses import dataclass
from functools import cache
from typing import Literal, Protocol

from PIL import Image, ImageDraw, ImageOps

from gpu_service import clips, gemini
from gpu_service.config import worker_settings

log = logging.getLogger(__name__)

VEO_SECONDS = (4, 6, 8)  # the clip lengths Veo generates


class GenerationFailed(Exception):
    """The model would not produce this output (a refusal, a bad request): retrying cannot help."""


@dataclass(frozen=True)
class Generated:
    data: bytes
    mime_type: str
    extension: str
    generator: Literal["gemini", "veo", "offline"]
    cost: float = 0.0


class Generator(Protocol):
    def beat(self, previous: bytes, prompt: str) -> Generated: ...

    def chunk(self, previous: bytes, prompt: str, model: str | None) -> Generated: ...


@cache
def generator() -> Generator:
    if worker_settings().gemini_configured:
        return GoogleGenerator()
    log.info("no Gemini or Vertex AI credentials configured: regenerations use the offline generator")
    return OfflineGenerator()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class GoogleGenerator:
    def beat(self, previous: bytes, prompt: str) -> Generated:
        from google.genai import errors, types

        cfg = worker_settings()
        config = types.GenerateContentConfig(response_modalities=["IMAGE"])
        contents: list[types.PartUnionDict] = [
            types.Part.from_bytes(data=previous, mime_type=_image_mime(previous)),
            f"Redraw this storyboard frame: {prompt}. Keep the characters, framing and style consistent.",
        ]
        try:
            response = gemini.client().models.generate_content(
                model=cfg.image_model, contents=contents, config=config
            )
        except errors.ClientError as exc:
            raise GenerationFailed(f"the image model answered {exc.code}: {exc.message}") from exc
        image = next(
            (p.inline_data for p in response.parts or [] if p.inline_data and p.inline_data.data), None
        )
        if image is None or image.data is None:
            raise GenerationFailed("the image model returned no image (it may have declined the prompt)")
        usage = response.usage_metadata
        tokens_in = (usage.prompt_token_count or 0) if usage else 0
        tokens_out = (usage.candidates_token_count or 0) if usage else 0
        cost = (
            tokens_in * cfg.image_price_input_per_mtok + tokens_out * cfg.image_price_output_per_mtok
        ) / 1e6
        checked = Image.open(io.BytesIO(image.data))  # an undecodable answer fails here, not for the user
        checked.load()
        return Generated(png(checked), "image/png", "png", "gemini", round(cost, 6))

    def chunk(self, previous: bytes, prompt: str, model: str | None) -> Generated:
        from google.genai import errors, types

        cfg = worker_settings()
        before = clips.read(previous)
        seconds = min(VEO_SECONDS, key=lambda s: abs(s - before.seconds))
        client = gemini.vertex_client()
        source = types.GenerateVideosSource(
            prompt=prompt, image=types.Image(image_bytes=png(before.frames[0]), mime_type="image/png")
        )
        config = types.GenerateVideosConfig(number_of_videos=1, duration_seconds=seconds)
        try:
            operation = client.models.generate_videos(
                model=model or cfg.video_model, source=source, config=config
            )
            deadline = time.monotonic() + cfg.video_timeout_s
            while not operation.done:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Veo did not finish within {cfg.video_timeout_s:g} s")
                time.sleep(cfg.video_poll_s)
                operation = client.operations.get(operation)
        except errors.ClientError as exc:
            raise GenerationFailed(f"the video model answered {exc.code}: {exc.message}") from exc
        if operation.error:
            raise GenerationFailed(
                f"the video model failed: {operation.error.get('message', operation.error)}"
            )
        videos = operation.result.generated_videos if operation.result else None
        if not videos or videos[0].video is None or not videos[0].video.video_bytes:
            reasons = operation.result.rai_media_filtered_reasons if operation.result else None
            raise GenerationFailed(
                f"the video model returned no clip (filtered: {reasons or 'no reason given'})"
            )
        data = videos[0].video.video_bytes
        clips.read(data, max_frames=1)  # decodable, or it is not stored
        return Generated(data, "video/mp4", "mp4", "veo", round(seconds * cfg.video_price_per_s, 6))


class OfflineGenerator:
    """Deterministic for a given previous version and prompt; free."""

    def beat(self, previous: bytes, prompt: str) -> Generated:
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(previous))).convert("RGB")
        return Generated(png(_restyle(image, prompt, progress=1.0)), "image/png", "png", "offline")

    def chunk(self, previous: bytes, prompt: str, model: str | None) -> Generated:
        before = clips.read(previous)
        start = before.frames[0]
        count = len(before.frames)
        frames = (_restyle(start, prompt, progress=i / max(1, count - 1)) for i in range(count))
        return Generated(clips.write(frames, before.fps, start.size), "video/mp4", "mp4", "offline")


def _restyle(image: Image.Image, prompt: str, progress: float) -> Image.Image:
    """A prompt-seeded colour grade and a slow push-in (by `progress`), captioned with the prompt."""
    seed = hashlib.sha256(prompt.encode()).digest()
    tint = Image.new("RGB", image.size, (seed[0], seed[1], seed[2]))
    graded = Image.blend(image, tint, 0.25)
    zoom = 1.0 + (0.05 + seed[3] / 255 * 0.1) * progress
    w, h = image.size
    cw, ch = round(w / zoom), round(h / zoom)
    left, top = (w - cw) // 2, (h - ch) // 2
    framed = graded.crop((left, top, left + cw, top + ch)).resize(image.size)
    draw = ImageDraw.Draw(framed)
    band = max(12, h // 12)
    draw.rectangle((0, h - band, w, h), fill=(0, 0, 0))
    draw.text((6, h - band + 2), prompt[:120], fill=(255, 255, 255))
    return framed


def _image_mime(data: bytes) -> str:
    kind = Image.open(io.BytesIO(data)).format or "PNG"
    return {"JPEG": "image/jpeg", "WEBP": "image/webp"}.get(kind, "image/png")
