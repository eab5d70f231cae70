"""Who may call the GPU service: the Cloud Tasks service account with work (/tasks), the api's
service account with a face to embed (/faces/embed), and nobody else.

Production: Cloud Tasks attaches an OIDC token minted for TASKS_SERVICE_ACCOUNT with the service URL
as audience; Cloud Run's IAM check (run.invoker) sees it first, and this verifies it again (signature,
audience, expiry, issuer, and the exact service account), so a misconfigured ingress cannot open
the door. Local stack: the Cloud Tasks emulator cannot mint tokens, so the function that queues a
task adds a shared secret header (LOCAL_TASK_SECRET) and this compares it in constant time.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from common.gcp.config import settings
from common.gcp.tasks import LOCAL_SECRET_HEADER, audience

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

ISSUERS = ("https://accounts.google.com", "accounts.google.com")


class Rejected(Exception):
    pass


def verify(request: Request, caller: str | None) -> None:
    """Accept the request only from `caller` (a service account e-mail; None: nobody)."""
    cfg = settings()
    if cfg.local_task_secret:
        offered = request.headers.get(LOCAL_SECRET_HEADER, "")
        if not hmac.compare_digest(offered.encode(), cfg.local_task_secret.encode()):
            raise Rejected("missing or wrong local task secret")
        return
    if not caller:
        raise Rejected("the caller's service account is not configured; refusing every caller")
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Rejected("no OIDC token")
    from google.auth import exceptions
    from google.auth.transport import requests as transport
    from google.oauth2 import id_token

    try:
        claims = id_token.verify_token(
            header.removeprefix("Bearer "),
            transport.Request(),
            audience=audience(cfg.worker_url),
            certs_url=cfg.oidc_certs_url,
        )
    except (ValueError, exceptions.GoogleAuthError) as exc:
        raise Rejected(f"invalid OIDC token: {exc}") from exc
    if claims.get("iss") not in ISSUERS:
        raise Rejected("token not issued by Google")
    if claims.get("email") != caller or not claims.get("email_verified"):
        raise Rejected(f"token is not {caller}'s")
