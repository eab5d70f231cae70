"""Settings read from the environment once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

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


def deployed() -> bool:
    """On Google's runtime (Cloud Run and Cloud Functions set K_SERVICE) or in a named environment."""
    return bool(os.environ.get("K_SERVICE")) or os.environ.get("VIDPIPE_ENV", "local") != "local"


def refuse_local_settings() -> None:
    """Entry points call this first: a deployment with emulator variables set does not start."""
    if not deployed():
        return
    found = sorted(name for name in os.environ if name in LOCAL_ONLY or name.endswith("_EMULATOR_HOST"))
    if found:
        raise RuntimeError(
            f"refusing to start: local-only settings are set in a deployment: {', '.join(found)}"
        )


@dataclass(frozen=True)
class Settings:
    project_id: str
    uploads_bucket: str
    derived_bucket: str
    # Where signed upload (PUT) URLs point: the real endpoint in production, the emulator locally.
    public_storage_url: str
    # A service-account key file signs upload URLs locally (fast, offline); without one, the
    # runtime's service account signs through the IAM API (one call per upload URL).
    signing_key_file: str | None
    signing_service_account: str | None
    # Images are read through Cloud CDN with signed URL prefixes (common/gcp/cdn.py): the
    # load balancer's address, and the key it checks (base64url, from Secret Manager).
    images_base_url: str
    cdn_key_name: str
    cdn_signing_key: str
    max_upload_bytes: int
    max_json_bytes: int
    max_image_pixels: int
    min_image_side: int
    thumbnail_px: int
    signed_url_ttl_s: int
    upload_url_ttl_s: int
    # Engine jobs travel by Cloud Tasks to the GPU service.
    tasks_location: str
    tasks_queue: str
    worker_url: str  # where tasks are delivered (the GPU service's /tasks endpoint)
    tasks_service_account: str | None  # the identity tasks carry an OIDC token for (production)
    tasks_emulator_host: str | None  # local stack: host:port of the Cloud Tasks emulator
    local_task_secret: str | None  # local stack: the shared secret that stands in for OIDC
    api_service_account: str | None  # the api's identity, which may ask the GPU service to embed faces
    embed_timeout_s: float  # how long a face search by image waits for the GPU service
    processing_lease_s: int
    # Approved checkpoints are handed to the video pipeline by Cloud Tasks on their own queue.
    # Unset (the local stack): the continuation is recorded on the checkpoint only.
    pipeline_url: str | None
    pipeline_queue: str
    # The sweep (common/maintenance/sweep.py): soft-deleted records are kept this long, and nothing
    # younger than the grace period is touched (writes in flight).
    sweep_retention_days: int
    sweep_grace_s: int


@cache
def settings() -> Settings:
    env = os.environ.get
    project_id = env("GOOGLE_CLOUD_PROJECT") or "demo-vidpipe"
    return Settings(
        project_id=project_id,
        uploads_bucket=env("UPLOADS_BUCKET", f"{project_id}-uploads"),
        derived_bucket=env("DERIVED_BUCKET", f"{project_id}-derived"),
        public_storage_url=(
            env("PUBLIC_STORAGE_URL") or env("STORAGE_EMULATOR_HOST") or "https://storage.googleapis.com"
        ),
        signing_key_file=env("SIGNING_KEY_FILE") or None,
        signing_service_account=env("SIGNING_SERVICE_ACCOUNT") or None,
        images_base_url=env("IMAGES_BASE_URL", ""),
        cdn_key_name=env("CDN_KEY_NAME", ""),
        cdn_signing_key=env("CDN_SIGNING_KEY", ""),
        max_upload_bytes=int(env("MAX_UPLOAD_BYTES", str(20 * MiB))),
        max_json_bytes=int(env("MAX_JSON_BYTES", str(1 * MiB))),
        max_image_pixels=int(env("MAX_IMAGE_PIXELS", str(50_000_000))),
        min_image_side=int(env("MIN_IMAGE_SIDE", "64")),
        thumbnail_px=int(env("THUMBNAIL_PX", "512")),
        signed_url_ttl_s=int(env("SIGNED_URL_TTL_S", str(12 * 3600))),
        upload_url_ttl_s=int(env("UPLOAD_URL_TTL_S", str(15 * 60))),
        tasks_location=env("TASKS_LOCATION", "us-central1"),
        tasks_queue=env("TASKS_QUEUE", "manifest-processing"),
        worker_url=env("WORKER_URL", "http://127.0.0.1:8081/tasks"),
        tasks_service_account=env("TASKS_SERVICE_ACCOUNT") or None,
        tasks_emulator_host=env("CLOUD_TASKS_EMULATOR_HOST") or None,
        local_task_secret=env("LOCAL_TASK_SECRET") or None,
        api_service_account=env("API_SERVICE_ACCOUNT") or None,
        embed_timeout_s=float(env("EMBED_TIMEOUT_S", "30")),
        processing_lease_s=int(env("PROCESSING_LEASE_S", "600")),
        pipeline_url=env("PIPELINE_URL") or None,
        pipeline_queue=env("PIPELINE_QUEUE", "pipeline-handoffs"),
        sweep_retention_days=int(env("SWEEP_RETENTION_DAYS", "30")),
        sweep_grace_s=int(env("SWEEP_GRACE_S", "3600")),
    )
