"""Cloud Storage adapter: object I/O and signed upload URLs (reads go through common/gcp/cdn.py)."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from common.gcp.config import settings

if TYPE_CHECKING:
    from google.auth.credentials import Credentials
    from google.cloud.storage import Bucket, Client

# Objects the service writes itself carry this metadata, so the upload trigger never re-processes them.
WRITER_METADATA = {"vidpipe-writer": "service"}


@cache
def _client() -> Client:
    from google.cloud import storage

    if settings().storage_emulator_host:
        from google.auth.credentials import AnonymousCredentials

        return storage.Client(project=settings().project_id, credentials=AnonymousCredentials())
    return storage.Client(project=settings().project_id)


def bucket(name: str | None = None) -> Bucket:
    return _client().bucket(name or settings().uploads_bucket)


def upload(
    path: str,
    data: bytes,
    content_type: str,
    *,
    bucket_name: str | None = None,
    if_generation_match: int | None = None,
) -> int:
    """Write an object as the service (tagged so triggers skip it); returns its generation."""
    blob = bucket(bucket_name).blob(path)
    blob.metadata = dict(WRITER_METADATA)
    blob.upload_from_string(data, content_type=content_type, if_generation_match=if_generation_match)
    return int(blob.generation)


def download(path: str, *, generation: int | None = None, bucket_name: str | None = None) -> bytes:
    return bucket(bucket_name).blob(path, generation=generation).download_as_bytes()


def delete(path: str, *, bucket_name: str | None = None, if_generation_match: int | None = None) -> None:
    from google.api_core.exceptions import NotFound, PreconditionFailed

    # Already gone, or replaced by a newer upload that is not ours to delete: nothing to do.
    with contextlib.suppress(NotFound, PreconditionFailed):
        bucket(bucket_name).blob(path).delete(if_generation_match=if_generation_match)


@cache
def _signing_credentials() -> Credentials | None:
    key_file = settings().signing_key_file
    if not key_file:
        return None
    from google.oauth2 import service_account

    return service_account.Credentials.from_service_account_file(key_file)


def _sign(path: str, *, method: str, ttl: timedelta, bucket_name: str | None, **extra: object) -> str:
    cfg = settings()
    blob = bucket(bucket_name).blob(path)
    credentials = _signing_credentials()
    if credentials is not None:
        extra["credentials"] = credentials
    else:
        # No key in the runtime: sign through the IAM API as the configured service account.
        import google.auth
        from google.auth.transport.requests import Request

        runtime, _ = google.auth.default()
        runtime.refresh(Request())
        # The runtime's credentials on Cloud Run are compute credentials, which carry the email;
        # google.auth types default() as the base class.
        email = cfg.signing_service_account or runtime.service_account_email  # type: ignore[attr-defined]
        extra["service_account_email"] = email
        extra["access_token"] = runtime.token
    return blob.generate_signed_url(
        version="v4", expiration=ttl, method=method, api_access_endpoint=cfg.public_storage_url, **extra
    )


def upload_url(path: str, content_type: str, max_bytes: int) -> tuple[str, dict[str, str]]:
    """A V4 signed PUT URL and the headers the client must send with it."""
    headers = {"Content-Type": content_type, "x-goog-content-length-range": f"0,{max_bytes}"}
    url = _sign(
        path,
        method="PUT",
        ttl=timedelta(seconds=settings().upload_url_ttl_s),
        bucket_name=None,
        content_type=content_type,
        headers={"x-goog-content-length-range": headers["x-goog-content-length-range"]},
    )
    return url, headers
