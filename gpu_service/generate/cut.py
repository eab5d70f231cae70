"""The cut (the pipeline's last phase): the scenes' clips joined in scene order into one MP4, and a
poster frame, with PyAV (FFmpeg's libraries).

Clips that are already H.264 of one frame size are joined without re-encoding: their packets are
copied in order, each clip's timestamps moved on by the length of the clips before it (Veo's clips
are H.264; a film of them costs no quality and almost no time). Any other set (the offline
generator's MPEG-4 part 2, mixed sizes) is decoded and encoded once as H.264 (libx264, yuv420p) at
the first clip's size and frame rate, every frame scaled to it: one codec, one frame size.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import av
from av.video.stream import VideoStream

CODEC = "h264"
POSTER_QUALITY = 90


@dataclass(frozen=True)
class Cut:
    video: bytes  # MP4, H.264
    poster_jpeg: bytes  # the middle frame of the first scene
    duration_s: float
    reencoded: bool  # False: the clips' packets were copied as they were


class CutFailed(Exception):
    """A clip that cannot be read as video."""


def join(clips: Sequence[bytes]) -> Cut:
    if not clips:
        raise CutFailed("no clips to join")
    shapes = [_shape(clip) for clip in clips]
    same = all(shape == shapes[0] and shape[0] == CODEC for shape in shapes)
    video = _copied(clips) if same else _encoded(clips, shapes[0][1], shapes[0][2])
    return Cut(video, _poster(clips[0]), round(_length(video), 3), reencoded=not same)


def _shape(clip: bytes) -> tuple[str, tuple[int, int], Fraction]:
    """(codec, frame size, frame rate) of a clip's video."""
    try:
        with av.open(io.BytesIO(clip), "r") as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or Fraction(24)
            return stream.codec_context.name, (stream.width, stream.height), Fraction(rate)
    except (av.FFmpegError, IndexError) as exc:
        raise CutFailed(f"a clip is not a readable video: {exc}") from exc


def _copied(clips: Sequence[bytes]) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as output:
        target: VideoStream | None = None
        offset = Fraction(0)  # seconds: the clips before this one
        for clip in clips:
            with av.open(io.BytesIO(clip), "r") as container:
                source = container.streams.video[0]
                base = source.time_base or Fraction(1, 90_000)
                if target is None:
                    target = output.add_stream_from_template(source)
                shift = round(offset / base)
                end = offset
                for packet in container.demux(source):
                    if packet.dts is None:
                        continue  # the demuxer's flush packet
                    packet.pts, packet.dts = (packet.pts or 0) + shift, packet.dts + shift
                    end = max(end, (packet.pts + (packet.duration or 0)) * base)
                    packet.stream = target  # muxed in the output's time base
                    output.mux(packet)
                offset = end
    return out.getvalue()


def _encoded(clips: Sequence[bytes], size: tuple[int, int], rate: Fraction) -> bytes:
    out = io.BytesIO()
    width, height = size[0] - size[0] % 2, size[1] - size[1] % 2  # yuv420p wants even sides
    with av.open(out, "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        number = 0
        for clip in clips:
            with av.open(io.BytesIO(clip), "r") as container:
                for frame in container.decode(video=0):
                    scaled = frame.reformat(width=width, height=height, format="yuv420p")
                    scaled.pts, number = number, number + 1  # one frame after another, at `rate`
                    scaled.time_base = 1 / rate
                    output.mux(stream.encode(scaled))
        output.mux(stream.encode(None))
    return out.getvalue()


def _length(video: bytes) -> float:
    """Seconds from the first frame's start to the last one's end."""
    with av.open(io.BytesIO(video), "r") as container:
        stream = container.streams.video[0]
        base = stream.time_base or Fraction(1, 90_000)
        ends = [(p.pts + (p.duration or 0)) * base for p in container.demux(stream) if p.pts is not None]
    return float(max(ends, default=Fraction(0)))


def _poster(clip: bytes) -> bytes:
    with av.open(io.BytesIO(clip), "r") as container:
        frames = [f.to_image() for f in container.decode(video=0)]
    if not frames:
        raise CutFailed("the first clip has no frames")
    poster = io.BytesIO()
    frames[len(frames) // 2].convert("RGB").save(poster, "JPEG", quality=POSTER_QUALITY)
    return poster.getvalue()
