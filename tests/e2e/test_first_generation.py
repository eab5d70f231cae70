"""A scene's first frame and its clip (the pipeline's keyframes and clips): the real google-genai
client against the local stand-in sends each scene's reference bytes in pack order (the image
model: the pack's images then the prompt naming them; Veo: the pack as asset references, or the
beat as first frame when the pack is empty), and the offline generator makes a real first frame
(on its environment's set, or a plate) and a real clip of the scene's length from it."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from gpu_service.generate.generated import ReferenceImage
from gpu_service.vision import clips
from tests.support.gemini_standin import GeminiStandIn, decode_bytes


def pack(photos: Path) -> list[ReferenceImage]:
    return [
        ReferenceImage((photos / "obama.jpg").read_bytes(), "image/jpeg", "CHAR_01", "character"),
        ReferenceImage((photos / "biden.jpg").read_bytes(), "image/jpeg", "CHAR_02", "character"),
    ]


def test_a_first_frame_and_its_clip_send_the_pack_in_order(paid: GeminiStandIn, photos: Path) -> None:
    from gpu_service.generate.generators import GoogleGenerator, generator

    references = pack(photos)
    assert isinstance(generator.__wrapped__(), GoogleGenerator)  # configured: Gemini and Veo
    google = GoogleGenerator()
    before = len(paid.requests)
    beat = google.first_beat("CHAR_01 shakes hands with CHAR_02 on a stage", references)
    _, body = paid.requests[before]
    parts = body["contents"][0]["parts"]
    sent = [decode_bytes(p["inlineData"]["data"]) for p in parts if "inlineData" in p]
    assert sent == [r.data for r in references]  # the pack's bytes, in pack order, nothing before
    text = " ".join(p.get("text", "") for p in parts)
    assert "image 1 is CHAR_01 (character), image 2 is CHAR_02 (character)" in text
    assert body["generationConfig"]["responseModalities"] == ["IMAGE"]
    assert beat.generator == "gemini" and Image.open(io.BytesIO(beat.data)).size == (640, 360)

    made = google.clip(beat.data, "CHAR_01 and CHAR_02 walk off", 6, references)
    _, body = next((m, b) for m, b in paid.requests[before:] if m == "predictLongRunning")
    instance = body["instances"][0]
    sent = [decode_bytes(r["image"]["bytesBase64Encoded"]) for r in instance["referenceImages"]]
    assert sent == [r.data for r in references] and "image" not in instance  # references, no frame
    assert [r["referenceType"] for r in instance["referenceImages"]] == ["ASSET", "ASSET"]
    assert body["parameters"]["durationSeconds"] == 6
    assert made.generator == "veo" and clips.read(made.data).seconds > 0

    alone = len(paid.requests)
    google.clip(beat.data, "the empty stage", 4)  # an empty pack: the beat is the first frame
    _, body = next((m, b) for m, b in paid.requests[alone:] if m == "predictLongRunning")
    assert decode_bytes(body["instances"][0]["image"]["bytesBase64Encoded"]) == beat.data


def test_the_offline_generator_makes_a_first_frame_and_a_clip_of_the_scenes_length(photos: Path) -> None:
    from gpu_service.generate.offline import OfflineGenerator

    offline = OfflineGenerator()
    setting = ReferenceImage((photos / "biden.jpg").read_bytes(), "image/jpeg", "ENV_01", "environment")
    on_set = offline.first_beat("a stage", [pack(photos)[0], setting])
    plate = offline.first_beat("a stage", pack(photos)[:1])
    for made in (on_set, plate):
        assert made.generator == "offline" and Image.open(io.BytesIO(made.data)).size == (1280, 720)
    assert on_set.data != plate.data  # drawn on its environment, not on the plate
    assert offline.first_beat("a stage", pack(photos)[:1]).data == plate.data  # deterministic
    clip = clips.read(offline.clip(plate.data, "a stage", 2).data)
    assert clip.fps == 24 and len(clip.frames) == 48 and clip.frames[0].size == (1280, 720)
