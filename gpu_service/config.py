"""The GPU service's own settings (models, thresholds, Gemini), read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from common.library.identity_rules import face_model_pack

REPO_MODELS = Path(__file__).resolve().parent.parent / ".cache" / "models"
# The local pack (`make models`): people from YOLO11n-pose, objects from Objectron's SSD.
LOCAL_DETECTORS = "detector/yolo11n-pose.pt,detector/ssd-mobilenetv2-oidv4.onnx"


@dataclass(frozen=True)
class WorkerSettings:
    model_dir: Path  # weights are read from here, never downloaded at run time
    detector_weights: tuple[str, ...]  # relative to model_dir; every detector looks at every image
    face_model_pack: str  # insightface pack under model_dir/insightface/models/
    detection_confidence: float
    detection_max_coverage: float  # a "detection" covering more of the image than this is the image
    face_min_score: float
    min_crop_px: int
    describe_concurrency: int  # Gemini requests in flight per run (the queue bounds runs: infra)
    describe_mode: str  # "batched": an image and its crops in one request; "per_asset": one each
    describe_batch_items: int  # items per batched request
    describe_px: int  # an image described is sent at most this large
    describe_crop_px: int  # in a batch, crops go four to a grid image this large
    describe_claim_s: float  # a claimed description not done by then is taken over (claims.py)
    gemini_model: str
    gemini_api_key: str | None
    gemini_base_url: str | None
    use_vertex: bool
    gemini_retry_attempts: int
    gemini_retry_initial_delay_s: float
    # Dollars per million tokens (input, output) for gemini_model.
    price_input_per_mtok: float
    price_output_per_mtok: float
    # Regenerations: beat images from a Gemini image model, chunk clips from Veo (prices in dollars).
    image_model: str
    image_price_input_per_mtok: float
    image_price_output_per_mtok: float
    video_model: str
    video_price_per_s: float
    video_poll_s: float  # Veo runs as a long-running operation, polled this often
    video_timeout_s: float
    gpu_price_per_s: float  # dollars a second of the GPU instance (Cloud Run: L4 + its CPU and memory)
    task_max_attempts: int  # the queue's max attempts: the last one records an error instead of retrying
    image_cache_mb: int

    @property
    def gemini_configured(self) -> bool:
        return bool(self.gemini_api_key) or self.use_vertex


DESCRIBE_MODES = ("batched", "per_asset")


@cache
def worker_settings() -> WorkerSettings:
    env = os.environ.get
    if env("DESCRIBE_MODE", "batched") not in DESCRIBE_MODES:
        raise ValueError(f"DESCRIBE_MODE must be one of {', '.join(DESCRIBE_MODES)}")
    return WorkerSettings(
        model_dir=Path(env("MODEL_DIR") or REPO_MODELS),
        detector_weights=tuple(
            name.strip() for name in env("DETECTOR_WEIGHTS", LOCAL_DETECTORS).split(",") if name.strip()
        ),
        face_model_pack=face_model_pack(),
        detection_confidence=float(env("DETECTION_CONFIDENCE", "0.4")),
        detection_max_coverage=float(env("DETECTION_MAX_COVERAGE", "0.9")),
        # SCRFD-2.5G scores real faces 0.74-0.9 on the test photos; Immich's 0.7 default drops some.
        face_min_score=float(env("FACE_MIN_SCORE", "0.6")),
        min_crop_px=int(env("MIN_CROP_PX", "32")),
        describe_concurrency=int(env("DESCRIBE_CONCURRENCY", "5")),
        describe_mode=env("DESCRIBE_MODE", "batched"),
        describe_batch_items=max(1, int(env("DESCRIBE_BATCH_ITEMS", "16"))),
        describe_px=int(env("DESCRIBE_PX", "768")),
        describe_crop_px=int(env("DESCRIBE_CROP_PX", "384")),
        describe_claim_s=float(env("DESCRIBE_CLAIM_S", "300")),
        gemini_model=env("GEMINI_MODEL", "gemini-2.5-flash"),
        gemini_api_key=env("GEMINI_API_KEY") or None,
        gemini_base_url=env("GEMINI_BASE_URL") or None,
        use_vertex=env("GOOGLE_GENAI_USE_VERTEXAI", "").lower() in ("1", "true"),
        gemini_retry_attempts=int(env("GEMINI_RETRY_ATTEMPTS", "5")),
        gemini_retry_initial_delay_s=float(env("GEMINI_RETRY_INITIAL_DELAY_S", "1.0")),
        price_input_per_mtok=float(env("GEMINI_PRICE_INPUT_PER_MTOK", "0.30")),
        price_output_per_mtok=float(env("GEMINI_PRICE_OUTPUT_PER_MTOK", "2.50")),
        image_model=env("IMAGE_MODEL", "gemini-2.5-flash-image"),
        image_price_input_per_mtok=float(env("IMAGE_PRICE_INPUT_PER_MTOK", "0.30")),
        image_price_output_per_mtok=float(env("IMAGE_PRICE_OUTPUT_PER_MTOK", "30.0")),
        video_model=env("VIDEO_MODEL", "veo-3.0-fast-generate-001"),
        video_price_per_s=float(env("VIDEO_PRICE_PER_S", "0.40")),
        video_poll_s=float(env("VIDEO_POLL_S", "10")),
        video_timeout_s=float(env("VIDEO_TIMEOUT_S", "900")),
        gpu_price_per_s=float(env("GPU_PRICE_PER_S", "0.00029")),
        task_max_attempts=int(env("TASK_MAX_ATTEMPTS", "5")),
        image_cache_mb=int(env("IMAGE_CACHE_MB", "512")),
    )
