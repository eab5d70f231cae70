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


def _shape(clip: bytes) -> tuple[str, tuple[int, int], Fraction, str | None, bytes | None]:
    """(codec, frame size, frame rate, pixel format, codec setup) of a clip's video: packets copy
    from one clip to the next only where all of them agree (the setup: H.264's SPS and PPS)."""
    try:
        with av.open(io.BytesIO(clip), "r") as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or Fraction(24)
            context = stream.codec_context
            size = (stream.width, stream.height)
            return context.name, size, Fraction(rate), context.pix_fmt, context.extradata
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
        offset, last = 0.0, -1  # seconds of the clips before; the last frame number written
        for clip in clips:
            with av.open(io.BytesIO(clip), "r") as container:
                length = 0.0
                for frame in container.decode(video=0):
                    # Each frame at its own time on the cut's clock: a clip of another rate keeps its
                    # length (frames between two of the cut's are dropped, a gap holds the last one).
                    at = offset + (frame.time or 0.0)
                    number = round(at * rate)
                    length = max(length, (frame.time or 0.0) + 1 / float(rate))
                    if number <= last:
                        continue
                    scaled = frame.reformat(width=width, height=height, format="yuv420p")
                    scaled.pts, scaled.time_base, last = number, 1 / rate, number
                    output.mux(stream.encode(scaled))
                offset += length
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
    """The first clip's middle frame (counted from its packets; only frames up to it are decoded)."""
    with av.open(io.BytesIO(clip), "r") as container:
        count = sum(1 for p in container.demux(video=0) if p.size)
    with av.open(io.BytesIO(clip), "r") as container:
        middle = next((f for n, f in enumerate(container.decode(video=0)) if n >= count // 2), None)
        if middle is None:
            raise CutFailed("the first clip has no frames")
        poster = io.BytesIO()
        middle.to_image().convert("RGB").save(poster, "JPEG", quality=POSTER_QUALITY)
    return poster.getvalue()
