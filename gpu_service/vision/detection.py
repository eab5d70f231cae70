"""People and objects in an image, as boxes in the image's own pixels, and the asset each becomes.

Every configured detector looks at the image (gpu_service/vision/detectors.py); one table decides which
classes become which asset type, and boxes of one type that cover the same thing (two detectors,
or a class and its parent class, like `vehicle` and `car`) are one detection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from common.library.models import AssetType
from gpu_service.config import worker_settings
from gpu_service.vision.detectors import Box, suppress
from gpu_service.vision.runtime import models

if TYPE_CHECKING:
    import numpy as np

# People are characters: their faces carry identity (faces.py, grouping.py). Animals and things
# are objects: a recurring pet still gets its own reference and tag (OBJ_), and a person may retype
# it as a CHARACTER. Worn things are part of a person's look and already in the person's crop.
CHARACTER_CLASSES = frozenset({"person", "face"})
NOT_CUT_OUT = frozenset({"footwear", "boot", "high heels"})
SAME_THING_IOU = 0.6  # boxes of one asset type overlapping this much show one thing


@dataclass(frozen=True)
class Detection:
    label: str
    confidence: float
    bbox: tuple[int, int, int, int]  # x1, y1, x2, y2


def asset_type_of(label: str) -> AssetType | None:
    """The asset type a detected class becomes, or None when it is not cut out."""
    if label in NOT_CUT_OUT:
        return None
    return AssetType.CHARACTER if label in CHARACTER_CLASSES else AssetType.OBJECT


def detect(image_bgr: np.ndarray, *, whole_image_ok: bool = False) -> list[Detection]:
    """Confident detections, best first, without slivers, and without boxes that are the whole
    picture unless `whole_image_ok` (a crop being looked at again is expected to be all subject)."""
    cfg = worker_settings()
    found = [
        box
        for detector in models().detectors
        for box in detector.predict(image_bgr, cfg.detection_confidence)
        if asset_type_of(box.label) is not None
    ]
    found = suppress(found, SAME_THING_IOU, same=_same_type)
    height, width = image_bgr.shape[:2]
    kept = []
    for box in found:
        x1, y1 = max(0, round(box.xyxy[0])), max(0, round(box.xyxy[1]))
        x2, y2 = min(width, round(box.xyxy[2])), min(height, round(box.xyxy[3]))
        if min(x2 - x1, y2 - y1) < cfg.min_crop_px:
            continue
        if not whole_image_ok and (x2 - x1) * (y2 - y1) > cfg.detection_max_coverage * width * height:
            continue
        kept.append(Detection(box.label, round(box.confidence, 4), (x1, y1, x2, y2)))
    return sorted(kept, key=lambda d: (-d.confidence, d.bbox))


def _same_type(a: Box, b: Box) -> bool:
    return asset_type_of(a.label) == asset_type_of(b.label)
