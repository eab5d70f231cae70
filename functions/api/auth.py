"""Firebase/Identity Platform ID tokens → the caller's uid.

firebase-admin accepts the Auth emulator's unsigned tokens only while FIREBASE_AUTH_EMULATOR_HOST
is set; everywhere else a token must carry Google's signature. Every route but the public two needs
it, so it loads with the router, before the instance listens.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import firebase_admin
from firebase_admin import auth

from common.errors import Unauthenticated
from common.gcp.config import settings

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

_lock = threading.Lock()
_app: firebase_admin.App | None = None


def _firebase_app() -> firebase_admin.App:
    global _app  # noqa: PLW0603 - one Firebase app per process
    with _lock:
        if _app is None:
            _app = firebase_admin.initialize_app(
                options={"projectId": settings().project_id}, name="vidpipe-auth"
            )
        return _app


PIPELINE_ROLE = "pipeline"  # custom claim `role` of the video pipeline's service user


def authenticate(request: Request) -> dict[str, Any]:
    """The verified claims of the caller's ID token (`uid` among them)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send a Firebase ID token as 'Authorization: Bearer <token>'")
    try:
        claims = auth.verify_id_token(token.strip(), app=_firebase_app())
    except (ValueError, auth.InvalidIdTokenError, auth.UserDisabledError) as exc:
        raise Unauthenticated("the ID token is invalid or expired") from exc
    return dict(claims)
