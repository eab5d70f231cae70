"""The offline generator: a real image or clip derived from the previous version and the prompt
(a prompt-seeded grade, reframing and caption), marked `offline`; deterministic and free."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageOps

from gpu_service.generate.generated import Generated
from gpu_service.vision import clips
from gpu_service.vision.imaging import png


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
