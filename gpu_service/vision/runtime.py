"""Models, loaded once per process behind a lock, on CUDA when present and on the CPU otherwise, and
warmed up by one inference each before `models()` returns (so /healthz says ready only then).

The execution provider that onnxruntime actually uses is logged: a CUDA image whose provider
silently fails to load would otherwise run on the CPU unnoticed (a lesson from Immich).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gpu_service.config import worker_settings
from gpu_service.vision.sessions import onnx_providers, session_options

if TYPE_CHECKING:
    from insightface.app import FaceAnalysis

    from gpu_service.vision.detectors import Detector

log = logging.getLogger(__name__)

# ultralytics must never reach the network or write into a read-only image.
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_CONFIG_DIR", os.path.join(tempfile.gettempdir(), "vidpipe-yolo"))


@dataclass
class Models:
    detectors: list[Detector]
    faces: FaceAnalysis
    torch_device: str
    onnx_providers: list[str]
    load_seconds: float
    # onnxruntime sessions are shared by request threads: one at a time (detectors hold their own).
    faces_lock: threading.Lock


_lock = threading.Lock()
_models: Models | None = None

# The input sizes face detection runs at (faces.py): the plain pass, then the close-up retries, each
# (padding per side as a share of the longer side, input size). Here, below faces.py, because the
# face model is prepared at the first and warmed up at every one.
DET_SIZE = 640
RETRIES = ((0.5, 640), (0.5, 320))


def models() -> Models:
    global _models  # noqa: PLW0603 - one set of weights per process
    with _lock:
        if _models is None:
            _models = _load()
        return _models


def _warm_up(found: list[Detector], faces: FaceAnalysis, min_confidence: float) -> None:
    """One inference of each model on a blank frame: the first call of a session allocates its
    buffers (and ultralytics fuses its layers), which must not land on the first user's image."""
    import numpy as np

    frame = np.full((480, 640, 3), 127, dtype=np.uint8)
    for detector in found:
        detector.predict(frame, min_confidence)
    for size in {DET_SIZE, *(size for _, size in RETRIES)}:  # every input size detection uses
        faces.det_model.detect(frame, input_size=(size, size))
    faces.models["recognition"].get_feat([frame[:112, :112]])


def _load() -> Models:
    import torch
    from insightface.app import FaceAnalysis
    from PIL import Image
    from ultralytics.utils import patches

    from gpu_service.vision import detectors

    # Importing ultralytics replaces PIL.Image.open with a wrapper that, on any file Pillow cannot
    # identify, tries to install and import pi-heif: a package install at run time, and an
    # ImportError instead of Pillow's own error for every non-image. Put Pillow's function back.
    Image.open = patches._image_open

    cfg = worker_settings()
    started = time.perf_counter()
    device = "cuda:0" if torch.cuda.is_available() else "cpu"
    providers = onnx_providers()
    weights = [cfg.model_dir / name for name in cfg.detector_weights]
    found = detectors.load(weights, device=device, providers=providers)
    pack_root = cfg.model_dir / "insightface"
    if not (pack_root / "models" / cfg.face_model_pack).is_dir():
        raise RuntimeError(f"face model pack {cfg.face_model_pack!r} not found under {pack_root}")
    faces = FaceAnalysis(
        name=cfg.face_model_pack,
        root=str(pack_root),
        allowed_modules=["detection", "recognition"],
        providers=providers,
        sess_options=session_options(),
    )
    on_gpu = providers[0] == "CUDAExecutionProvider"
    faces.prepare(ctx_id=0 if on_gpu else -1, det_size=(DET_SIZE, DET_SIZE), det_thresh=cfg.face_min_score)
    _warm_up(found, faces, cfg.detection_confidence)
    used = faces.models["detection"].session.get_providers()
    if device.startswith("cuda") and "CUDAExecutionProvider" not in used:
        log.warning("CUDA is present but onnxruntime runs on %s; faces will be slow", used)
    elapsed = time.perf_counter() - started
    log.info(
        "models loaded",
        extra={
            "torch_device": device,
            "onnx_providers": used,
            "seconds": round(elapsed, 3),
            "detectors": [str(w) for w in weights],
            "face_pack": cfg.face_model_pack,
        },
    )
    return Models(found, faces, device, used, elapsed, threading.Lock())
