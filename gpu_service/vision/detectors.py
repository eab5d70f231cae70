"""Object detectors behind one protocol: an image in, labelled boxes in its own pixels out.

- `YoloDetector`: ultralytics weights (`.pt`). Production bakes YOLO11n (COCO-80) into its image;
  the local pack uses YOLO11n-pose, which finds people only.
- `SsdDetector`: an SSD-MobileNetV2 exported to ONNX (`.onnx`, with a `.labels.txt` beside it). The
  local pack converts MediaPipe Objectron's Open Images detector (24 classes) at `make models`.

Each loads its weights once (`_load`) and predicts under a lock (`_predict`): sessions and
ultralytics predictors are shared by request threads. Labels come out lower-case, whatever the
model's vocabulary; which label becomes which asset type is decided in detection.py.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import cv2
import numpy as np

if TYPE_CHECKING:
    from ultralytics.engine.results import Results


@dataclass(frozen=True)
class Box:
    label: str  # lower-case class name
    confidence: float
    xyxy: tuple[float, float, float, float]  # in the image's pixels, not clipped yet


class Detector(Protocol):
    name: str

    def ready(self) -> None:
        """Load the weights (before the service says it is ready)."""

    def predict(self, image_bgr: np.ndarray, min_confidence: float) -> list[Box]: ...


class _Loaded:
    """Weights loaded when the detector is made (the service is not ready before), then shared;
    predictions one at a time."""

    def __init__(self, weights: Path) -> None:
        if not weights.exists():
            raise RuntimeError(f"detector weights not found at {weights}; run `make models` or bake them in")
        self.weights = weights
        self.name = weights.name
        self._lock = threading.Lock()

    _model: Any

    def ready(self) -> None:
        self._model = self._load()

    def _load(self) -> Any:
        raise NotImplementedError

    def _predict(self, model: Any, image_bgr: np.ndarray, min_confidence: float) -> list[Box]:
        raise NotImplementedError

    def predict(self, image_bgr: np.ndarray, min_confidence: float) -> list[Box]:
        with self._lock:
            return self._predict(self._model, image_bgr, min_confidence)


class YoloDetector(_Loaded):
    def __init__(self, weights: Path, device: str) -> None:
        super().__init__(weights)
        self.device = device

    def _load(self) -> Any:
        from ultralytics import YOLO

        return YOLO(str(self.weights))

    def _predict(self, model: Any, image_bgr: np.ndarray, min_confidence: float) -> list[Box]:
        # One image, not a stream: predict returns a list of Results.
        predicted = model.predict(image_bgr, conf=min_confidence, device=self.device, verbose=False)
        result = cast("list[Results]", predicted)[0]
        boxes = result.boxes
        if boxes is None:  # a classification model finds no boxes
            return []
        return [
            Box(str(result.names[int(cls)]).lower(), float(conf), (box[0], box[1], box[2], box[3]))
            for box, conf, cls in zip(
                boxes.xyxy.tolist(), boxes.conf.tolist(), boxes.cls.tolist(), strict=True
            )
        ]


# MediaPipe's SSD configuration for its Open Images detector (objectron's
# object_detection_oid_v4 graph): the anchors (SsdAnchorsCalculator) and how raw outputs decode
# into boxes (TensorsToDetectionsCalculator).
SSD_INPUT = 300
SSD_STRIDES = (16, 32, 64, 128, 256, 512)
SSD_SCALES = (0.2, 0.95)
SSD_ASPECT_RATIOS = (1.0, 2.0, 0.5, 3.0, 0.3333)
SSD_BOX_SCALE = (10.0, 10.0, 5.0, 5.0)  # y, x, h, w
SSD_NMS_IOU = 0.45


def ssd_anchors(
    size: int = SSD_INPUT,
    strides: tuple[int, ...] = SSD_STRIDES,
    scales: tuple[float, float] = SSD_SCALES,
    aspect_ratios: tuple[float, ...] = SSD_ASPECT_RATIOS,
) -> np.ndarray:
    """Anchors (cx, cy, w, h), normalized, in the order the model's outputs use: per layer, per
    feature-map cell, per shape. The lowest layer has 3 shapes; the others every aspect ratio plus
    one square between this layer's scale and the next's (1917 anchors at 300 px)."""
    low, high = scales

    def scale(layer: int) -> float:
        return low + (high - low) * layer / (len(strides) - 1)

    out = []
    for layer, stride in enumerate(strides):
        if layer == 0:
            shapes = [(1.0, 0.1), (2.0, scale(0)), (0.5, scale(0))]
        else:
            following = 1.0 if layer == len(strides) - 1 else scale(layer + 1)
            shapes = [(ratio, scale(layer)) for ratio in aspect_ratios]
            shapes.append((1.0, math.sqrt(scale(layer) * following)))
        cells = math.ceil(size / stride)
        for y in range(cells):
            for x in range(cells):
                for ratio, s in shapes:
                    out.append(
                        ((x + 0.5) / cells, (y + 0.5) / cells, s * math.sqrt(ratio), s / math.sqrt(ratio))
                    )
    return np.asarray(out, dtype=np.float32)


class SsdDetector(_Loaded):
    def __init__(self, weights: Path, providers: list[str]) -> None:
        super().__init__(weights)
        self.providers = providers
        labels = weights.with_suffix(".labels.txt")
        self.labels = [line.strip().lower() for line in labels.read_text().splitlines()]
        self.anchors = ssd_anchors()

    def _load(self) -> Any:
        import onnxruntime

        from gpu_service.vision.sessions import session_options

        return onnxruntime.InferenceSession(
            str(self.weights), sess_options=session_options(), providers=self.providers
        )

    def _predict(self, model: Any, image_bgr: np.ndarray, min_confidence: float) -> list[Box]:
        height, width = image_bgr.shape[:2]
        resized = cv2.resize(image_bgr, (SSD_INPUT, SSD_INPUT), interpolation=cv2.INTER_LINEAR)
        rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB)
        tensor = (rgb.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]  # [-1, 1], NCHW
        raw_boxes, logits = model.run(None, {model.get_inputs()[0].name: tensor})
        scores = 1.0 / (1.0 + np.exp(-logits[0]))
        classes = scores[:, 1:].argmax(axis=1) + 1  # class 0 is the background
        best = scores[np.arange(len(classes)), classes]
        a = self.anchors
        ys, xs, hs, ws = SSD_BOX_SCALE
        cy = raw_boxes[0][:, 0] / ys * a[:, 3] + a[:, 1]
        cx = raw_boxes[0][:, 1] / xs * a[:, 2] + a[:, 0]
        h = np.exp(raw_boxes[0][:, 2] / hs) * a[:, 3]
        w = np.exp(raw_boxes[0][:, 3] / ws) * a[:, 2]
        xyxy = np.stack(
            [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height], 1
        )
        found = [
            Box(
                self.labels[int(classes[i])], float(best[i]), (xyxy[i, 0], xyxy[i, 1], xyxy[i, 2], xyxy[i, 3])
            )
            for i in np.flatnonzero(best >= min_confidence)
        ]
        return suppress(found, SSD_NMS_IOU)


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def suppress(boxes: list[Box], threshold: float, same: Any = None) -> list[Box]:
    """Non-maximum suppression: the most confident box of each overlapping set is kept; `same(a, b)`
    says which boxes compete (by default, boxes of one label)."""
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b.confidence):
        rivals = (k for k in kept if (same(k, box) if same else k.label == box.label))
        if all(iou(k.xyxy, box.xyxy) < threshold for k in rivals):
            kept.append(box)
    return kept


def load(weights: list[Path], *, device: str, providers: list[str]) -> list[Detector]:
    """A detector per weights file, by its kind: `.pt` ultralytics, `.onnx` SSD."""
    detectors: list[Detector] = []
    for path in weights:
        if path.suffix == ".pt":
            detectors.append(YoloDetector(path, device))
        elif path.suffix == ".onnx":
            detectors.append(SsdDetector(path, providers))
        else:
            raise RuntimeError(f"{path}: detector weights must be ultralytics .pt or SSD .onnx")
    for detector in detectors:
        detector.ready()
    return detectors
