"""The offline generator: a real image or clip derived from the previous version and the prompt
(a prompt-seeded grade, reframing and caption) with the reference images it was given placed in
the frame at a person's scale, side by side (each subject once, by its first image), marked
`offline`; deterministic and free. So the local stack runs a regeneration (and the continuity
check of its result, and a repair) end to end.

Given references, the previous frame is the setting only: it is softened, so the people in it give
way to the references as a model redraws them (a stranger the frame showed does not stay).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from gpu_service.generate.generated import Generated, ReferenceImage
from gpu_service.vision import clips
from gpu_service.vision.imaging import png

MAX_ENLARGE = 2.0  # a model draws a person at the frame's scale; past this it would be inventing them
FRAME = (1280, 720)  # a first frame's size (16:9, as Veo makes clips)
FPS = 24


class OfflineGenerator:
    """Deterministic for a given previous version and prompt; free."""

    def beat(self, previous: bytes, prompt: str, references: Sequence[ReferenceImage] = ()) -> Generated:
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(previous))).convert("RGB")
        placed = _placed(references)
        frame = _with(placed, _restyle(image, prompt, progress=1.0))
        return Generated(png(frame), "image/png", "png", "offline")

    def chunk(
        self, previous: bytes, prompt: str, model: str | None, references: Sequence[ReferenceImage] = ()
    ) -> Generated:
        before = clips.read(previous)
        start = before.frames[0]
        count = len(before.frames)
        placed = _placed(references)
        frames = (
            _with(placed, _restyle(start, prompt, progress=i / max(1, count - 1))) for i in range(count)
        )
        return Generated(clips.write(frames, before.fps, start.size), "video/mp4", "mp4", "offline")

    def first_beat(self, prompt: str, references: Sequence[ReferenceImage] = ()) -> Generated:
        """A scene's first frame: its subjects standing on a set drawn from its environment
        reference (the pack's first), or on a plain plate of the prompt's colour."""
        setting = next((r for r in references if r.role == "environment"), None)
        subjects = [r for r in references if r.role != "environment"]
        if setting is not None:
            plate = ImageOps.fit(
                ImageOps.exif_transpose(Image.open(io.BytesIO(setting.data))).convert("RGB"), FRAME
            )
        else:
            seed = hashlib.sha256(prompt.encode()).digest()
            plate = Image.new("RGB", FRAME, (64 + seed[4] // 2, 64 + seed[5] // 2, 64 + seed[6] // 2))
        frame = _with(_placed(subjects), _restyle(plate, prompt, progress=0.0))
        return Generated(png(frame), "image/png", "png", "offline")

    def clip(
        self, first_frame: bytes, prompt: str, seconds: int, references: Sequence[ReferenceImage] = ()
    ) -> Generated:
        """A scene's clip from its first frame: a slow push-in at 24 fps for `seconds` (the pack is
        in the frame already: its beat was drawn from it)."""
        start = ImageOps.exif_transpose(Image.open(io.BytesIO(first_frame))).convert("RGB")
        count = max(1, seconds * FPS)
        w, h = start.size

        def frame(i: int) -> Image.Image:
            zoom = 1.0 + 0.12 * i / max(1, count - 1)
            cw, ch = round(w / zoom), round(h / zoom)
            left, top = (w - cw) // 2, (h - ch) // 2
            return start.crop((left, top, left + cw, top + ch)).resize(start.size, Image.Resampling.BILINEAR)

        return Generated(
            clips.write((frame(i) for i in range(count)), FPS, start.size), "video/mp4", "mp4", "offline"
        )


def _placed(references: Sequence[ReferenceImage]) -> list[Image.Image]:
    return _subjects([(r.handle, r.data) for r in references])


def _subjects(references: Sequence[tuple[str, bytes]]) -> list[Image.Image]:
    """Each subject once, by its first image (the pack's best of it), as a model draws a person once
    however many images of them it is given."""
    first = dict(reversed(references))  # handle -> its first image
    return [
        ImageOps.exif_transpose(Image.open(io.BytesIO(first[h]))).convert("RGB")
        for h in dict.fromkeys(h for h, _ in references)
    ]


def standing(frame: Image.Image, references: Sequence[tuple[str, bytes]]) -> Image.Image:
    """The subjects of (handle, image) references standing in a softened copy of the frame (as _with)."""
    return _with(_subjects(references), frame)


def _with(references: list[Image.Image], frame: Image.Image) -> Image.Image:
    """The references standing in the frame, softened: each up to 80 % of its height (a small one
    enlarged at most MAX_ENLARGE times), side by side."""
    if not references:
        return frame
    w, h = frame.size
    frame = frame.filter(ImageFilter.GaussianBlur(max(4, h // 40)))
    slot = w // len(references)
    for n, reference in enumerate(references):
        box = (max(1, slot - 8), round(h * 0.8))
        fit = min(box[0] / reference.width, box[1] / reference.height, MAX_ENLARGE)
        person = reference.resize(
            (max(1, round(reference.width * fit)), max(1, round(reference.height * fit))),
            Image.Resampling.LANCZOS,
        )
        frame.paste(person, (n * slot + (slot - person.width) // 2, h - person.height - max(12, h // 12)))
    return frame


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
