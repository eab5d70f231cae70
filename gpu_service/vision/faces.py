"""Faces: detection (SCRFD) and 512-d embeddings (ArcFace); grouping them is clustering.py.

Close-ups are the known weak spot of face detectors (the face fills the frame and nothing around
it looks like a head). When the plain pass finds nothing, the image is padded so the face has
context, then tried at a smaller input size: the same idea as InstantID's 640 -> 192 retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from insightface.utils import face_align

from gpu_service.config import worker_settings
from gpu_service.vision.clustering import normalize
from gpu_service.vision.runtime import DET_SIZE, RETRIES, models

if TYPE_CHECKING:
    from collections.abc import Sequence

EMBED_SIZE = 112


@dataclass(frozen=True)
class FoundFace:
    bbox: tuple[int, int, int, int]  # x1, y1, x2, y2 in the image's pixels
    score: float
    landmarks: np.ndarray  # 5 x 2: eyes, nose, mouth corners (what alignment needs)

    @property
    def area(self) -> int:
        x1, y1, x2, y2 = self.bbox
        return (x2 - x1) * (y2 - y1)


def detect(image_bgr: np.ndarray) -> list[FoundFace]:
    found = _detect_once(image_bgr, pad=0.0, size=DET_SIZE)
    for pad, size in RETRIES:
        if found:
            break
        found = _detect_once(image_bgr, pad=pad, size=size)
    return sorted(found, key=lambda f: (-f.score, f.bbox))  # the one order (seen.py)


def _detect_once(image_bgr: np.ndarray, *, pad: float, size: int) -> list[FoundFace]:
    height, width = image_bgr.shape[:2]
    border = round(pad * max(height, width))
    canvas = image_bgr
    if border:
        canvas = cv2.copyMakeBorder(image_bgr, border, border, border, border, cv2.BORDER_CONSTANT)
    loaded = models()
    with loaded.faces_lock:
        boxes, landmarks = loaded.faces.det_model.detect(canvas, input_size=(size, size))
    min_score = worker_settings().face_min_score
    faces = []
    for i, (x1, y1, x2, y2, score) in enumerate(boxes):
        if score < min_score:
            continue
        box = (
            max(0, round(x1) - border),
            max(0, round(y1) - border),
            min(width, round(x2) - border),
            min(height, round(y2) - border),
        )
        if box[2] - box[0] < 8 or box[3] - box[1] < 8:
            continue
        faces.append(FoundFace(box, round(float(score), 4), landmarks[i] - border))
    return faces


def align(image_bgr: np.ndarray, faces: Sequence[FoundFace]) -> list[np.ndarray]:
    """Each face cut out upright by its landmarks, at the embedder's input size."""
    return [face_align.norm_crop(image_bgr, f.landmarks, image_size=EMBED_SIZE) for f in faces]


def embed(image_bgr: np.ndarray, faces: Sequence[FoundFace]) -> np.ndarray:
    """Unit-length embeddings (n x 512) of the faces of one image, in one batch."""
    return embed_aligned(align(image_bgr, faces))


def embed_aligned(crops: Sequence[np.ndarray]) -> np.ndarray:
    if not crops:
        return np.zeros((0, 512), dtype=np.float32)
    loaded = models()
    with loaded.faces_lock:
        features = loaded.faces.models["recognition"].get_feat(crops)
    return normalize(np.asarray(features, dtype=np.float32))


def embed_one_by_one(image_bgr: np.ndarray, faces: Sequence[FoundFace]) -> np.ndarray:
    """The unbatched baseline the benchmark compares `embed` with."""
    return np.concatenate([embed(image_bgr, [f]) for f in faces]) if faces else embed(image_bgr, [])


def sharpness(aligned: np.ndarray) -> float:
    """Variance of the Laplacian of an aligned face crop: low means blurred (or upscaled from few pixels)."""
    return float(cv2.Laplacian(cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())
