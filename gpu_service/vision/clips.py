"""Video clips in and out (OpenCV's FFmpeg backend, which ultralytics already brings)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from gpu_service.errors import Permanent

MAX_FRAMES = 24 * 10  # regenerations read at most 10 s of the previous clip


class UnreadableClip(Permanent):
    """The clip could not be decoded."""


@dataclass(frozen=True)
class Clip:
    frames: list[Image.Image]  # RGB
    fps: float

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.fps


def read(data: bytes, max_frames: int = MAX_FRAMES) -> Clip:
    import cv2

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        path.write_bytes(data)
        capture = cv2.VideoCapture(str(path))
        try:
            fps = capture.get(cv2.CAP_PROP_FPS) or 24.0
            frames: list[Image.Image] = []
            while len(frames) < max_frames:
                ok, frame = capture.read()
                if not ok:
                    break
                frames.append(Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
        finally:
            capture.release()
    if not frames:
        raise UnreadableClip("the clip has no decodable frame")
    return Clip(frames, float(fps))


def sample(data: bytes, fps: float, max_frames: int) -> Clip:
    """Frames `fps` times a second (every frame if the clip has fewer), at most `max_frames`;
    skipped frames are only grabbed, never converted. The Clip's fps is the sampling rate."""
    import cv2

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        path.write_bytes(data)
        capture = cv2.VideoCapture(str(path))
        try:
            native = capture.get(cv2.CAP_PROP_FPS) or 24.0
            step = max(1, round(native / fps))
            frames: list[Image.Image] = []
            index = 0
            while len(frames) < max_frames and capture.grab():
                if index % step == 0:
                    ok, frame = capture.retrieve()
                    if not ok:
                        break
                    frames.append(Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
                index += 1
        finally:
            capture.release()
    if not frames:
        raise UnreadableClip("the clip has no decodable frame")
    return Clip(frames, float(native) / step)


def write(frames: Iterable[Image.Image], fps: float, size: tuple[int, int]) -> bytes:
    """Encode RGB frames (resized to `size`) as an MP4 (MPEG-4 Part 2, which every FFmpeg build has)."""
    import cv2

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
        if not writer.isOpened():
            raise RuntimeError("OpenCV cannot write MP4 here")
        try:
            for frame in frames:
                rgb = np.asarray(frame.convert("RGB").resize(size))
                writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        finally:
            writer.release()
        return path.read_bytes()
