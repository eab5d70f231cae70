"""The GPU service's own settings (models, thresholds, Gemini), read from the environment once.

Read by the same loader as the settings both sides share (common/gcp/env.py, common/gcp/config.py):
each field from the variable of its name in capitals (`detection_confidence` from
DETECTION_CONFIDENCE), typed and checked; the service loads them on import (gpu_service/main.py), so
a bad value stops it at start with one message that names the variable and the form it expects.
docs/processing.md explains them.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode

from common.gcp.config import settings
from common.gcp.env import CONFIG, Count, NonNegative, Positive, Share, load

REPO_MODELS = Path(__file__).resolve().parent.parent / ".cache" / "models"
# The local pack (`make models`): people from YOLO11n-pose, objects from Objectron's SSD.
LOCAL_DETECTORS = "detector/yolo11n-pose.pt,detector/ssd-mobilenetv2-oidv4.onnx"

Price = NonNegative  # dollars, zero or more


class WorkerSettings(BaseSettings):
    model_config = CONFIG

    model_dir: Path = REPO_MODELS  # weights are read from here, never downloaded at run time
    # Relative to model_dir; every detector looks at every image.
    detector_weights: Annotated[tuple[str, ...], NoDecode] = tuple(LOCAL_DETECTORS.split(","))
    detection_confidence: Share = 0.4
    detection_max_coverage: Share = 0.9  # a "detection" covering more of the image than this is the image
    # SCRFD-2.5G scores real faces 0.74-0.9 on the test photos; Immich's 0.7 default drops some.
    face_min_score: Share = 0.6
    min_crop_px: Count = 32
    # A run with more uploads to infer than this fans out into shards of this many (common/jobs/shards.py),
    # each far inside Cloud Tasks' 30-minute deadline.
    shard_size: Count = 100
    describe_concurrency: Count = 5  # Gemini requests in flight per run (the queue bounds runs: infra)
    describe_mode: Literal["batched", "per_asset"] = (
        "batched"  # an image and its crops in one request, or one each
    )
    describe_batch_items: Count = 16  # items per batched request
    describe_px: Count = 768  # an image described is sent at most this large
    describe_crop_px: Count = 384  # in a batch, crops go four to a grid image this large
    # A claimed description whose holder stopped renewing it is taken over after this (jobs/claims.py).
    describe_claim_s: Positive = 30
    gemini_model: str = "gemini-2.5-flash"
    gemini_api_key: str | None = None
    gemini_base_url: str | None = None
    use_vertex: bool = Field(False, validation_alias="GOOGLE_GENAI_USE_VERTEXAI")
    gemini_retry_attempts: Count = 5
    gemini_retry_initial_delay_s: Positive = 1.0
    # Dollars per million tokens (input, output) for gemini_model.
    price_input_per_mtok: Price = Field(0.30, validation_alias="GEMINI_PRICE_INPUT_PER_MTOK")
    price_output_per_mtok: Price = Field(2.50, validation_alias="GEMINI_PRICE_OUTPUT_PER_MTOK")
    # Regenerations: beat images from a Gemini image model, chunk clips from Veo (prices in dollars).
    # Their prices are shared settings (common/gcp/config.py): the api quotes repairs with them.
    image_model: str = "gemini-2.5-flash-image"
    video_model: str = "veo-3.0-fast-generate-001"
    # A chunk regenerated with the scene's reference images (asset references: Veo 3.1).
    video_reference_model: str = "veo-3.1-generate-preview"
    video_poll_s: Positive = 10  # Veo runs as a long-running operation, polled this often
    video_timeout_s: Positive = 900
    gpu_price_per_s: Price = (
        0.00029  # dollars a second of the GPU instance (Cloud Run: L4 + its CPU and memory)
    )
    # Continuity checks: a clip's frames sampled this often, at most this many; drift needs this many
    # consecutive sampled frames (at 2 a second: a second of the shot).
    continuity_fps: Positive = 2.0
    continuity_max_frames: Count = 48
    continuity_drift_frames: Count = 2
    task_max_attempts: Count = (
        5  # the queue's max attempts: the last one records an error instead of retrying
    )
    image_cache_mb: Count = 512
    port: Count = 8081  # `python -m gpu_service` (the local stack) listens here

    @field_validator("detector_weights", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        """DETECTOR_WEIGHTS is a comma-separated list of paths under MODEL_DIR."""
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @property
    def gemini_configured(self) -> bool:
        return bool(self.gemini_api_key) or self.use_vertex

    @property
    def inference_version(self) -> str:
        """What an image's detections and faces depend on besides the image: the weights and the
        settings that pick what is kept. A run resumes after an image only while this is the same."""
        parts = [
            *self.detector_weights,
            self.face_model_pack,
            self.detection_confidence,
            self.detection_max_coverage,
            self.face_min_score,
            self.min_crop_px,
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]

    @property
    def face_model_pack(self) -> str:
        """The insightface pack under model_dir: a shared setting (the api's face search reads its
        thresholds too)."""
        return settings().face_model_pack


@cache
def worker_settings() -> WorkerSettings:
    return load(WorkerSettings)
