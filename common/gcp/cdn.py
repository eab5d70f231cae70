"""Read URLs for stored images and media: Cloud CDN signed URL prefixes.

Buckets stay private. Clients read objects through Cloud CDN (a backend bucket per bucket behind
one load balancer, infra/cdn.tf), and a URL opens only with a signature over a URL prefix: one
record's folder (`manifests/{id}/`, `checkpoints/{id}/`), which belongs to one owner. Signing is
an HMAC with a key held in Secret Manager, so a response with a thousand images costs one HMAC
per folder and no network call (V4 URLs signed key-less cost one IAM signBlob call each).

Expiry falls on fixed window boundaries, so a URL is byte-for-byte the same on every read within
a window and browsers cache the image; a URL lives between half and all of `signed_url_ttl_s`.
Deleting the key (Terraform) revokes every URL at once.

The wire format is Cloud CDN's (cloud.google.com/cdn/docs/using-signed-urls, "URL prefix"):
`?URLPrefix={base64url(prefix)}&Expires={unix}&KeyName={name}&Signature={base64url(HMAC-SHA1)}`,
the HMAC over everything before `&Signature`. Locally devstack/cdn.py verifies it the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from functools import cache, lru_cache
from urllib.parse import quote

from common.gcp.config import settings


def b64url_decode(encoded: str) -> bytes:
    """base64url, padded or not: Cloud CDN's 16-byte keys (Terraform's random_id leaves the padding
    off) and the signatures the local CDN checks."""
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def policy(url_prefix: str, expires: int, key_name: str) -> str:
    """The signed part of the query: the prefix, when it stops working, and which key signed it."""
    encoded = base64.urlsafe_b64encode(url_prefix.encode()).decode()
    return f"URLPrefix={encoded}&Expires={expires}&KeyName={key_name}"


def sign(url_prefix: str, expires: int, key_name: str, key: bytes) -> str:
    """The query string that opens every URL starting with `url_prefix` until `expires`."""
    signed = policy(url_prefix, expires, key_name)
    digest = hmac.new(key, signed.encode(), hashlib.sha1).digest()
    return f"{signed}&Signature={base64.urlsafe_b64encode(digest).decode()}"


def window_expiry(now: float, ttl_s: int) -> int:
    """The end of the window after the current one: a URL lives between ttl/2 and ttl, and every
    URL made within one window is the same."""
    step = max(ttl_s // 2, 1)
    return (int(now) // step + 2) * step


@cache
def _key() -> tuple[str, bytes]:
    cfg = settings()
    if not (cfg.images_base_url and cfg.cdn_key_name and cfg.cdn_signing_key):
        raise RuntimeError("IMAGES_BASE_URL, CDN_KEY_NAME and CDN_SIGNING_KEY must be set to serve images")
    return cfg.cdn_key_name, b64url_decode(cfg.cdn_signing_key)


@lru_cache(maxsize=4096)
def _signed_query(url_prefix: str, expires: int) -> str:
    key_name, key = _key()
    return sign(url_prefix, expires, key_name, key)


def bucket_alias(bucket_name: str) -> str:
    """The load balancer routes /uploads/* and /derived/* to the two buckets (infra/cdn.tf)."""
    cfg = settings()
    aliases = {cfg.uploads_bucket: "uploads", cfg.derived_bucket: "derived"}
    if bucket_name not in aliases:
        raise ValueError(f"no image route for bucket {bucket_name!r}")
    return aliases[bucket_name]


@lru_cache(maxsize=4096)
def _folder_url(bucket_name: str, folder: str) -> str:
    """Where a record's folder is served: the load balancer's address, the bucket's route, the folder."""
    base = settings().images_base_url.rstrip("/")
    return f"{base}/{bucket_alias(bucket_name)}/{quote(folder)}/"


# Names the service writes need no escaping; anything else is percent-encoded.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._~/-]+")


def read_url(path: str | None, *, bucket_name: str | None = None) -> str | None:
    """A URL the client can fetch the object from (e.g. in `<img src>`), or None when there is none."""
    if not path:
        return None
    cfg = settings()
    kind, _, rest = path.partition("/")
    record, _, name = rest.partition("/")
    if not (kind and record and name):
        raise ValueError(f"object {path!r} is not inside a record's folder")
    folder = _folder_url(bucket_name or cfg.uploads_bucket, f"{kind}/{record}")
    query = _signed_query(folder, window_expiry(time.time(), cfg.signed_url_ttl_s))
    return f"{folder}{name if _PLAIN_NAME.fullmatch(name) else quote(name)}?{query}"
