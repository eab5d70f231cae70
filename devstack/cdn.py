"""The local stand-in for Cloud CDN in front of the buckets: checks signed URL prefixes as Cloud CDN
does, then serves the object from the storage emulator, routed by path like infra/cdn.tf's URL map
(/uploads/* and /derived/* to the two buckets).

Run by devstack/emulators.py as `python -m devstack.cdn PORT`, configured by the environment the
service reads (IMAGES_BASE_URL, CDN_KEY_NAME, CDN_SIGNING_KEY, UPLOADS_BUCKET, DERIVED_BUCKET,
STORAGE_EMULATOR_HOST). Checked, in order: the signed query is present and well formed, the key is
known, the signature matches, it has not expired, and the request URL starts with the signed prefix.
A failure answers 403, like Cloud CDN. A Range request is answered 206 with those bytes, as Cloud CDN
answers it (a video player seeks that way).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import sys
import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote

import requests
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

from common.gcp.cdn import b64url_decode

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

SIGNED_FIELDS = ("URLPrefix", "Expires", "KeyName")


def refusal(request_url: str, raw_query: str, keys: dict[str, bytes], now: float) -> str | None:
    """Why Cloud CDN would refuse this signed request, or None when it would serve it."""
    signed, marker, signature = raw_query.rpartition("&Signature=")
    fields = dict(parse_qsl(signed, keep_blank_values=True))
    if not marker or list(fields) != list(SIGNED_FIELDS) or not signed.startswith("URLPrefix="):
        return "not a signed URL prefix request"
    key = keys.get(fields["KeyName"])
    if key is None:
        return "unknown key"
    try:
        given = b64url_decode(signature)
        prefix = base64.urlsafe_b64decode(fields["URLPrefix"]).decode()
        expires = int(fields["Expires"])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "malformed signed query"
    if not hmac.compare_digest(given, hmac.new(key, signed.encode(), hashlib.sha1).digest()):
        return "bad signature"
    if expires <= now:
        return "expired"
    if not request_url.startswith(prefix):
        return "outside the signed prefix"
    return None


def build() -> WSGIApplication:
    env = os.environ
    base = env["IMAGES_BASE_URL"].rstrip("/")
    keys = {env["CDN_KEY_NAME"]: b64url_decode(env["CDN_SIGNING_KEY"])}
    buckets = {"uploads": env["UPLOADS_BUCKET"], "derived": env["DERIVED_BUCKET"]}
    storage = env["STORAGE_EMULATOR_HOST"].rstrip("/")
    session = requests.Session()

    @Request.application
    def serve(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed\n", 405)
        if request.path == "/healthz":
            return Response("ok\n", 200)
        raw_path = request.environ.get("RAW_URI", request.full_path).split("?", 1)[0]
        raw_query = request.query_string.decode("latin-1")
        reason = refusal(base + raw_path, raw_query, keys, time.time())
        if reason:
            return Response(f"forbidden: {reason}\n", 403)
        alias, _, name = unquote(raw_path).lstrip("/").partition("/")
        # Object names are literal (no dot segments), as in Cloud Storage: never resolve them.
        if alias not in buckets or not name or {".", ".."} & set(name.split("/")):
            return Response("not found\n", 404)
        stored = session.get(
            f"{storage}/storage/v1/b/{buckets[alias]}/o/{quote(name, safe='')}",
            params={"alt": "media"},
            timeout=30,
        )
        if stored.status_code != 200:
            return Response("not found\n", 404)
        expires = int(dict(parse_qsl(raw_query))["Expires"])
        answer = Response(
            stored.content if request.method == "GET" else b"",
            200,
            content_type=stored.headers.get("Content-Type", "application/octet-stream"),
        )
        answer.headers["Cache-Control"] = f"private, max-age={max(0, expires - int(time.time()))}"
        # Byte ranges, as Cloud CDN serves them: a player seeks a video by asking for a range.
        return answer.make_conditional(request, accept_ranges=True, complete_length=len(stored.content))

    return serve


if __name__ == "__main__":
    run_simple("127.0.0.1", int(sys.argv[1]), build(), threaded=True)
