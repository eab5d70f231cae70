"""The settings both sides read (the functions and the GPU service), from the environment once per
process through the one loader (common/gcp/env.py); gpu_service/config.py adds the GPU service's
own. Each field is read from the variable of its name in capitals unless it names another; an empty
variable counts as unset. The entry points load them on import: a malformed value stops the
process at start with a message naming the variable. A deployment sets every one (infra/main.tf).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

from common.gcp.env import CONFIG, Count, NonNegative, Positive, Share, load, variables_set

MiB = 1024 * 1024

# Variables that point the service at local emulators and stand-ins. A deployment must never set
# them (a stray FIREBASE_AUTH_EMULATOR_HOST would accept unsigned tokens): see refuse_local_settings.
LOCAL_ONLY = (
    "FIREBASE_AUTH_EMULATOR_HOST",
    "FIRESTORE_EMULATOR_HOST",
    "STORAGE_EMULATOR_HOST",
    "PUBSUB_EMULATOR_HOST",
    "CLOUD_TASKS_EMULATOR_HOST",
    "LOCAL_TASK_SECRET",
    "SIGNING_KEY_FILE",  # deployments sign key-less, through the IAM API
    "GEMINI_BASE_URL",
    "OIDC_CERTS_URL",
)


class Settings(BaseSettings):
    model_config = CONFIG

    project_id: str = Field("demo-vidpipe", validation_alias="GOOGLE_CLOUD_PROJECT")
    # Cloud Run and Cloud Functions set K_SERVICE; VIDPIPE_ENV names a deployment's environment.
    k_service: str | None = None
    vidpipe_env: str = "local"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    uploads_bucket: str = Field(default_factory=lambda data: f"{data['project_id']}-uploads")
    derived_bucket: str = Field(default_factory=lambda data: f"{data['project_id']}-derived")
    storage_emulator_host: str | None = None  # local stack: the storage emulator, anonymous access
    # Where signed upload (PUT) URLs point: the real endpoint in production, the emulator locally.
    public_storage_url: str = Field(
        default_factory=lambda data: data["storage_emulator_host"] or "https://storage.googleapis.com"
    )
    # A service-account key file signs upload URLs locally (fast, offline); without one, the
    # runtime's service account signs through the IAM API (one call per upload URL).
    signing_key_file: str | None = None
    signing_service_account: str | None = None
    # Images are read through Cloud CDN with signed URL prefixes (common/gcp/cdn.py): the
    # load balancer's address, and the key it checks (base64url, from Secret Manager).
    images_base_url: str = ""
    cdn_key_name: str = ""
    cdn_signing_key: str = ""
    max_upload_bytes: Count = 20 * MiB
    max_json_bytes: Count = 1 * MiB
    max_image_pixels: Count = 50_000_000
    min_image_side: Count = 64
    thumbnail_px: Count = 512
    signed_url_ttl_s: Count = 12 * 3600
    upload_url_ttl_s: Count = 15 * 60
    # Engine jobs travel by Cloud Tasks to the GPU service.
    tasks_location: str = "us-central1"
    tasks_queue: str = "manifest-processing"
    worker_url: str = "http://127.0.0.1:8081/tasks"  # where tasks are delivered (the GPU service's /tasks)
    tasks_service_account: str | None = None  # the identity tasks carry an OIDC token for (production)
    # Local stack: host:port of the Cloud Tasks emulator.
    tasks_emulator_host: str | None = Field(None, validation_alias="CLOUD_TASKS_EMULATOR_HOST")
    local_task_secret: str | None = None  # local stack: the shared secret that stands in for OIDC
    # Tests: where the GPU service fetches the certificates that sign OIDC tokens (Google's otherwise).
    oidc_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"
    api_service_account: str | None = None  # the api's identity, which may ask the GPU service to embed faces
    embed_timeout_s: Positive = 30.0  # how long a face search by image waits for the GPU service
    # A run's lease: its delivery renews it with every progress write and a heartbeat every quarter
    # of it, so a live delivery is never taken over and a dead one's run is taken over (or shown as
    # ERROR) within one lease. Inside the queue's retries (10, 30, 70, 150 s), so a retry takes over.
    processing_lease_s: Count = 120
    # Approved checkpoints are handed to the video pipeline by Cloud Tasks on their own queue.
    # Unset (the local stack): the continuation is recorded on the checkpoint only.
    pipeline_url: str | None = None
    pipeline_queue: str = "pipeline-handoffs"
    # The sweep (common/maintenance/sweep.py): soft-deleted records are kept this long, and nothing
    # younger than the grace period is touched (writes in flight).
    sweep_retention_days: Count = 30
    sweep_grace_s: int = Field(3600, ge=0)
    # The studio's sign-in (GET /api/studio/config): the Firebase web app's API key, its auth domain
    # (None: <project>.firebaseapp.com) and, on the local stack only, the Auth emulator's host:port.
    firebase_web_api_key: str = ""
    firebase_auth_domain: str | None = None
    firebase_auth_emulator_host: str | None = None
    # Faces, read by both sides: the insightface pack the GPU service embeds with, and overrides of
    # that pack's identity thresholds (None: the pack's own, common/library/identity_rules.py).
    face_model_pack: str = "local"
    face_match_threshold: Share | None = None
    face_min_px: Count | None = None
    face_id_min_score: Share | None = None
    face_min_sharpness: NonNegative | None = None
    face_drift_floor: Share | None = None
    face_index_cache_mb: Count = 160  # each api instance's budget for the face indexes it holds
    # Overrides of the reference quality checks' thresholds (None: common/library/quality.py's own).
    quality_min_side: Count | None = None
    quality_min_sharpness: NonNegative | None = None
    quality_dark_luma: NonNegative | None = None
    quality_bright_luma: NonNegative | None = None
    quality_max_aspect: Positive | None = None
    quality_min_face_share: Share | None = None
    # How many reference images a scene's pack holds per target (common/projects/references.py):
    # Veo takes up to 3 asset reference images; gemini-2.5-flash-image up to 3 images a prompt
    # (Vertex AI's model page, "Maximum images per prompt: 3"). A different IMAGE_MODEL: its own.
    reference_limit_video: Count = 3
    reference_limit_image: Count = 3
    # What a regeneration costs, in dollars: the image model's tokens (gemini-2.5-flash-image: $0.30 a
    # million in, $30 out; an image out is 1290 tokens) and Veo by the second. The GPU service
    # charges generations with them; the api quotes a repair's attempts before it starts.
    image_price_input_per_mtok: NonNegative = 0.30
    image_price_output_per_mtok: NonNegative = 30.0
    video_price_per_s: NonNegative = 0.40
    # The built-in run (docs/pipeline.md): what a film may spend unless its request says, and what
    # one storyboard costs at most (gemini-2.5-flash: ~6k tokens in at $0.30 a million, ~4k out at
    # $2.50: under $0.012).
    pipeline_budget: NonNegative = 10.0
    storyboard_price: NonNegative = 0.02

    @property
    def deployed(self) -> bool:
        """On Google's runtime, or in a named environment."""
        return bool(self.k_service) or self.vidpipe_env != "local"


@cache
def settings() -> Settings:
    return load(Settings)


def refuse_local_settings() -> None:
    """Entry points call this first: a deployment with emulator variables set does not start."""
    if not settings().deployed:
        return
    found = sorted(name for name in variables_set() if name in LOCAL_ONLY or name.endswith("_EMULATOR_HOST"))
    if found:
        raise RuntimeError(
            f"refusing to start: local-only settings are set in a deployment: {', '.join(found)}"
        )
