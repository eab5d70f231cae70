"""The film's cut: clips joined in scene order into one H.264 MP4 of one frame size, without
re-encoding when they already are, and a poster frame."""

from __future__ import annotations

import io

import av
import pytest
from PIL import Image, ImageDraw

from gpu_service.generate import cut
from gpu_service.vision import clips

FPS = 24


def clip(colour: tuple[int, int, int], seconds: float, size: tuple[int, int] = (320, 240)) -> bytes:
    """A clip as the offline generator writes one (OpenCV: MPEG-4 part 2), a square moving across."""
    frames = []
    for i in range(int(seconds * FPS)):
        image = Image.new("RGB", size, colour)
        ImageDraw.Draw(image).rectangle((i * 2, 10, i * 2 + 40, 60), fill=(255, 255, 255))
        frames.append(image)
    return clips.write(frames, FPS, size)


def shape(video: bytes) -> tuple[str, int, int, list[int]]:
    """codec, width, height, and each frame's colour at (5, 200) as its red channel."""
    with av.open(io.BytesIO(video), "r") as container:
        stream = container.streams.video[0]
        reds = [f.to_image().getpixel((5, 200))[0] for f in container.decode(stream)]
        return stream.codec_context.name, stream.width, stream.height, reds


def test_clips_of_another_codec_and_sizes_are_encoded_once_as_h264_of_the_first_size() -> None:
    red, blue = clip((200, 0, 0), 2), clip((0, 0, 200), 1, size=(300, 200))
    made = cut.join([red, blue])
    assert made.reencoded
    codec, width, height, reds = shape(made.video)
    assert (codec, width, height) == ("h264", 320, 240)
    assert len(reds) == 3 * FPS and made.duration_s == pytest.approx(3.0, abs=0.05)
    # in scene order: red frames, then blue
    assert all(r > 150 for r in reds[: 2 * FPS - 2]) and all(r < 60 for r in reds[2 * FPS + 2 :])
    poster = Image.open(io.BytesIO(made.poster_jpeg))
    assert poster.size == (320, 240) and poster.getpixel((5, 200))[0] > 150  # the first scene's middle


def test_h264_clips_of_one_size_are_joined_without_re_encoding() -> None:
    scene = cut.join([clip((200, 0, 0), 1), clip((0, 0, 200), 1)]).video
    joined = cut.join([scene, scene])
    assert not joined.reencoded
    codec, width, height, reds = shape(joined.video)
    assert (codec, width, height) == ("h264", 320, 240)
    assert len(reds) == 4 * FPS and joined.duration_s == pytest.approx(4.0, abs=0.05)
    assert shape(scene)[3] * 2 == reds  # the same frames, twice: copied, not made again


def test_no_clips_or_a_clip_that_is_not_video_is_refused() -> None:
    with pytest.raises(cut.CutFailed):
        cut.join([])
    with pytest.raises(cut.CutFailed):
        cut.join([b"not a video at all"])


def test_a_clip_of_another_frame_rate_keeps_its_length() -> None:
    frames = [Image.new("RGB", (320, 240), (0, 200, 0)) for _ in range(60)]
    thirty = clips.write(frames, 30, (320, 240))  # 2 s at 30 fps
    made = cut.join([clip((200, 0, 0), 1), thirty])
    assert made.reencoded and made.duration_s == pytest.approx(3.0, abs=0.1)  # not 1 + 60/24 = 3.5
