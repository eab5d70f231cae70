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
# A person box that touches the border, holds no face and covers less than this share of the image
# is a sliver of someone (a sleeve, a shoulder), not a reference. On the package photos the
# slivers measure 0.037-0.064 of their image; the smallest real but faceless person, bus.jpg's man
# at the right edge, 0.076 (docs/processing.md).
SLIVER_SHARE = 0.07
BORDER_PX = 2


@dataclass(frozen=True)
class Detection:
    label: str
    confidence: float
    bbox: tuple[int, int, int, int]  # x1, y1, x2, y2

    @property
    def area(self) -> int:
        x1, y1, x2, y2 = self.bbox
        return (x2 - x1) * (y2 - y1)


def asset_type_of(label: str) -> AssetType | None:
    """The asset type a detected class becomes, or None when it is not cut out."""
    if label in NOT_CUT_OUT:
        return None
    return AssetType.CHARACTER if label in CHARACTER_CLASSES else AssetType.OBJECT


@dataclass(frozen=True)
class Scan:
    """What a run cuts from an image, and what the image itself shows."""

    crops: list[Detection]  # best first: each becomes an extracted asset
    whole: Detection | None  # the most confident detection that is the whole picture (it labels the upload)


def scan(image_bgr: np.ndarray) -> Scan:
    everything = detect(image_bgr, whole_image_ok=True)
    height, width = image_bgr.shape[:2]
    limit = worker_settings().detection_max_coverage * width * height
    whole = [d for d in everything if d.area > limit]
    return Scan([d for d in everything if d.area <= limit], whole[0] if whole else None)


def may_be_sliver(found: Detection, size: tuple[int, int]) -> bool:
    """A person box at the border covering a small share of the image: a sliver unless it holds a face."""
    width, height = size
    x1, y1, x2, y2 = found.bbox
    at_border = x1 <= BORDER_PX or y1 <= BORDER_PX or x2 >= width - BORDER_PX or y2 >= height - BORDER_PX
    return (
        asset_type_of(found.label) == AssetType.CHARACTER
        and at_border
        and found.area < SLIVER_SHARE * width * height
    )


def holds_a_face(found: Detection, faces: list[tuple[int, int, int, int]]) -> bool:
    x1, y1, x2, y2 = found.bbox
    return any(x1 <= (f[0] + f[2]) / 2 <= x2 and y1 <= (f[1] + f[3]) / 2 <= y2 for f in faces)


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
