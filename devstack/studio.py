"""The web studio on the local server, as the load balancer serves it in production: the built app
(web/dist) at `/`, client routes falling back to index.html, `/api/*` and `/healthz` untouched.

What a deployment's bucket and load balancer do (infra/studio.tf), done here in one WSGI app:
- a file of the build is served with long caching when its name is hashed (assets/), else no-cache;
- a path without a file extension is a client route: index.html;
- anything else is the API's JSON 404 (every error under every path is JSON);
- every answer carries the studio's security headers (CSP and friends).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from werkzeug.wrappers import Request, Response

from functions.api.router import error_response

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"


def security_headers(connect: list[str], images: list[str]) -> dict[str, str]:
    """The studio's CSP: its own scripts and styles only; images and clips from the CDN and signed
    storage URLs; requests to the API (same origin), to Cloud Storage for signed uploads and to
    Firebase Auth."""
    firebase = ["https://identitytoolkit.googleapis.com", "https://securetoken.googleapis.com"]
    policy = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *images],
        "media-src": ["'self'", "blob:", *images],  # clips come from where images do
        "connect-src": ["'self'", *connect, *firebase],
        "frame-src": ["https://*.firebaseapp.com"],  # Google sign-in's popup helper
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return {
        "Content-Security-Policy": "; ".join(f"{k} {' '.join(v)}" for k, v in policy.items()),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
    }


def build(
    connect: list[str], images: list[str], dist: Path = DIST
) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    headers = security_headers(connect, images)

    @Request.application
    def serve(request: Request) -> Response:
        answer = _answer(dist, request.path)
        answer.headers.update(headers)
        return answer

    return serve


def _answer(dist: Path, path: str) -> Response:
    parts = PurePosixPath(path).parts[1:]
    if ".." in parts or any(p.startswith(".") for p in parts):
        return _not_found()
    file = dist.joinpath(*parts)
    if parts and file.is_file():
        cache = "public, max-age=31536000, immutable" if parts[:1] == ("assets",) else "no-cache"
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return Response(file.read_bytes(), 200, content_type=kind, headers={"Cache-Control": cache})
    if parts and "." in parts[-1]:
        return _not_found()  # a missing file, not a client route
    index = dist / "index.html"
    if not index.is_file():
        return _not_found("the studio is not built: make run builds it (npm run build in web/)")
    page = "text/html; charset=utf-8"
    return Response(index.read_bytes(), 200, content_type=page, headers={"Cache-Control": "no-cache"})


def _not_found(message: str = "nothing here") -> Response:
    return error_response(404, "not_found", message)
