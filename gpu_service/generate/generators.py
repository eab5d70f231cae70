"""Regenerating checkpoint media: beat images and chunk clips, from a prompt and the previous version.

With Gemini configured, beats come from a Gemini image model (google-genai `generate_content`
with an IMAGE response, the previous image given as the starting point, then the scene's reference
images, each introduced by its handle and role) and chunks from Veo (`generate_videos`, a
long-running operation polled until done). A chunk with references is made from the prompt and
up to three `reference_images` of type asset on VIDEO_REFERENCE_MODEL: the API takes no starting
frame beside them ("the image, video, or last_frame field are not supported" with reference
images), so the references win over the previous clip's first frame; a chunk without references is
conditioned on that frame, as before. Without credentials, the offline generator derives a real
image or clip from the previous version, the prompt and the references (generate/offline.py) and
marks it `offline`, so the local stack behaves end to end without a paid API.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Protocol

from PIL import Image

from common.gcp.config import settings
from common.projects.storyboard import VEO_SECONDS
from gpu_service.config import worker_settings
from gpu_service.describe import gemini, pricing
from gpu_service.generate.generated import Generated, GenerationFailed, ReferenceImage, model_call
from gpu_service.generate.offline import OfflineGenerator
from gpu_service.vision import clips
from gpu_service.vision.imaging import png

if TYPE_CHECKING:
    from google.genai import types

log = logging.getLogger(__name__)


class Generator(Protocol):
    def beat(self, previous: bytes, prompt: str, references: Sequence[ReferenceImage] = ()) -> Generated: ...

    def chunk(
        self, previous: bytes, prompt: str, model: str | None, references: Sequence[ReferenceImage] = ()
    ) -> Generated: ...

    def first_beat(self, prompt: str, references: Sequence[ReferenceImage] = ()) -> Generated: ...

    def clip(
        self, first_frame: bytes, prompt: str, seconds: int, references: Sequence[ReferenceImage] = ()
    ) -> Generated: ...


def introduced(references: Sequence[ReferenceImage], first: int) -> str:
    """How the prompt names the reference images: "image 2 is CHAR_04 (character), ..."."""
    named = [f"image {n} is {r.handle} ({r.role})" for n, r in enumerate(references, start=first)]
    return f" The reference images: {', '.join(named)}; draw each as it looks there." if named else ""


@cache
def generator() -> Generator:
    if worker_settings().gemini_configured:
        return GoogleGenerator()
    log.info("no Gemini or Vertex AI credentials configured: regenerations use the offline generator")
    return OfflineGenerator()


class GoogleGenerator:
    def beat(self, previous: bytes, prompt: str, references: Sequence[ReferenceImage] = ()) -> Generated:
        from google.genai import types

        return self._image(
            [
                types.Part.from_bytes(data=previous, mime_type=_image_mime(previous)),
                *(types.Part.from_bytes(data=r.data, mime_type=r.mime_type) for r in references),
                f"Redraw this storyboard frame (image 1): {prompt}. Keep the characters, framing and style "
                f"consistent.{introduced(references, first=2)}",
            ]
        )

    def first_beat(self, prompt: str, references: Sequence[ReferenceImage] = ()) -> Generated:
        """A scene's first frame: no image before it, the pack's images in pack order."""
        from google.genai import types

        return self._image(
            [
                *(types.Part.from_bytes(data=r.data, mime_type=r.mime_type) for r in references),
                f"Draw the first frame of this film scene, 16:9: {prompt}.{introduced(references, first=1)}",
            ]
        )

    def _image(self, contents: list[types.PartUnionDict]) -> Generated:
        from google.genai import types

        cfg = worker_settings()
        config = types.GenerateContentConfig(response_modalities=["IMAGE"])
        with model_call("the image model"):
            response = gemini.client().models.generate_content(
                model=cfg.image_model, contents=contents, config=config
            )
        image = next(
            (p.inline_data for p in response.parts or [] if p.inline_data and p.inline_data.data), None
        )
        if image is None or image.data is None:
            raise GenerationFailed("the image model returned no image (it may have declined the prompt)")
        prices = settings()
        cost = pricing.usage(
            response, prices.image_price_input_per_mtok, prices.image_price_output_per_mtok
        ).dollars
        checked = Image.open(io.BytesIO(image.data))  # an undecodable answer fails here, not for the user
        checked.load()
        return Generated(png(checked), "image/png", "png", "gemini", round(cost, 6))

    def chunk(
        self, previous: bytes, prompt: str, model: str | None, references: Sequence[ReferenceImage] = ()
    ) -> Generated:
        before = clips.read(previous)
        seconds = min(VEO_SECONDS, key=lambda s: abs(s - before.seconds))
        return self._video(prompt, seconds, references, png(before.frames[0]), model)

    def clip(
        self, first_frame: bytes, prompt: str, seconds: int, references: Sequence[ReferenceImage] = ()
    ) -> Generated:
        """A scene's clip: the pack as asset references, or (an empty pack) the beat as first frame."""
        return self._video(prompt, seconds, references, first_frame, None)

    def _video(
        self,
        prompt: str,
        seconds: int,
        references: Sequence[ReferenceImage],
        first_frame: bytes,
        model: str | None,
    ) -> Generated:
        """Veo: given references, them as asset images and no starting frame (Veo takes one or the
        other); else conditioned on `first_frame`."""
        from google.genai import types

        cfg = worker_settings()
        client = gemini.client(vertex=True)
        if references:
            source = types.GenerateVideosSource(prompt=f"{prompt}{introduced(references, first=1)}")
            config = types.GenerateVideosConfig(
                number_of_videos=1,
                duration_seconds=seconds,
                reference_images=[
                    types.VideoGenerationReferenceImage(
                        image=types.Image(image_bytes=r.data, mime_type=r.mime_type),
                        reference_type=types.VideoGenerationReferenceType.ASSET,
                    )
                    for r in references
                ],
            )
            chosen = model or cfg.video_reference_model
        else:
            source = types.GenerateVideosSource(
                prompt=prompt, image=types.Image(image_bytes=first_frame, mime_type=_image_mime(first_frame))
            )
            config = types.GenerateVideosConfig(number_of_videos=1, duration_seconds=seconds)
            chosen = model or cfg.video_model
        with model_call("the video model"):
            operation = client.models.generate_videos(model=chosen, source=source, config=config)
            deadline = time.monotonic() + cfg.video_timeout_s
            while not operation.done:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Veo did not finish within {cfg.video_timeout_s:g} s")
                time.sleep(cfg.video_poll_s)
                operation = client.operations.get(operation)
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
        return Generated(data, "video/mp4", "mp4", "veo", round(seconds * settings().video_price_per_s, 6))


def _image_mime(data: bytes) -> str:
    kind = Image.open(io.BytesIO(data)).format or "PNG"
    return {"JPEG": "image/jpeg", "WEBP": "image/webp"}.get(kind, "image/png")
