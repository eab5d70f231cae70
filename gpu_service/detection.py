"""People and objects in an image (ultralytics YOLO), as boxes in the image's own pixels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from gpu_service.config import worker_settings
from gpu_service.runtime import models

if TYPE_CHECKING:
    import numpy as np
    from ultralytics.engine.results import Results


@dataclass(frozen=True)
class Detection:
    label: str
    confidence: float
    bbox: tuple[int, int, int, int]  # x1, y1, x2, y2


def detect(image_bgr: np.ndarray, *, whole_image_ok: bool = False) -> list[Detection]:
    """Confident detections, best first, without slivers, and without boxes that are the whole
    picture unless `whole_image_ok` (a crop being looked at again is expected to be all subject)."""
    cfg = worker_settings()
    loaded = models()
    with loaded.detector_lock:
        # One image, not a stream: predict returns a list of Results.
        predicted = cast(
            "list[Results]",
            loaded.detector.predict(
                image_bgr, conf=cfg.detection_confidence, device=loaded.torch_device, verbose=False
            ),
        )
    result = predicted[0]
    boxes = result.boxes
    if boxes is None:  # a classification or pose-only model finds no boxes
        return []
    height, width = image_bgr.shape[:2]
    found = []
    for box, confidence, cls in zip(
        boxes.xyxy.tolist(), boxes.conf.tolist(), boxes.cls.tolist(), strict=True
    ):
        x1, y1 = max(0, round(box[0])), max(0, round(box[1]))
        x2, y2 = min(width, round(box[2])), min(height, round(box[3]))
        if min(x2 - x1, y2 - y1) < cfg.min_crop_px:
            continue
        if not whole_image_ok and (x2 - x1) * (y2 - y1) > cfg.detection_max_coverage * width * height:
            continue
        found.append(Detection(result.names[int(cls)], round(float(confidence), 4), (x1, y1, x2, y2)))
    return sorted(found, key=lambda d: (-d.confidence, d.bbox))
