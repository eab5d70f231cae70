"""Settings read from the environment once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

MiB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    project_id: str
    uploads_bucket: str
    derived_bucket: str
    # Where signed URLs point: the real endpoint in production, the storage emulator locally.
    public_storage_url: str
    # A service-account key file signs URLs locally (fast, offline); without one, the runtime's
    # service account signs through the IAM API.
    signing_key_file: str | None
    signing_service_account: str | None
    max_upload_bytes: int
    max_json_bytes: int
    max_image_pixels: int
    min_image_side: int
    thumbnail_px: int
    signed_url_ttl_s: int
    upload_url_ttl_s: int


@cache
def settings() -> Settings:
    env = os.environ.get
    project_id = env("GOOGLE_CLOUD_PROJECT") or env("GCLOUD_PROJECT") or "demo-vidpipe"
    return Settings(
        project_id=project_id,
        uploads_bucket=env("UPLOADS_BUCKET", f"{project_id}-uploads"),
        derived_bucket=env("DERIVED_BUCKET", f"{project_id}-derived"),
        public_storage_url=(
            env("PUBLIC_STORAGE_URL") or env("STORAGE_EMULATOR_HOST") or "https://storage.googleapis.com"
        ),
        signing_key_file=env("SIGNING_KEY_FILE") or None,
        signing_service_account=env("SIGNING_SERVICE_ACCOUNT") or None,
        max_upload_bytes=int(env("MAX_UPLOAD_BYTES", str(20 * MiB))),
        max_json_bytes=int(env("MAX_JSON_BYTES", str(1 * MiB))),
        max_image_pixels=int(env("MAX_IMAGE_PIXELS", str(50_000_000))),
        min_image_side=int(env("MIN_IMAGE_SIDE", "64")),
        thumbnail_px=int(env("THUMBNAIL_PX", "512")),
        signed_url_ttl_s=int(env("SIGNED_URL_TTL_S", str(12 * 3600))),
        upload_url_ttl_s=int(env("UPLOAD_URL_TTL_S", str(15 * 60))),
    )
