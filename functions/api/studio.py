"""GET /api/studio/config: what the web studio needs before anyone signs in (public).

The Firebase web config (the API key of a web app is an identifier, not a secret) and, on the
local stack only, the address of the Firebase Auth emulator. A deployment never has one:
`refuse_local_settings` stops any instance that sets FIREBASE_AUTH_EMULATOR_HOST, so the studio's
"sign in as UID" shortcut (which only works against the emulator) cannot exist there.
"""

from __future__ import annotations

from common.gcp.config import settings
from common.records import Model
from functions.api.router import Call, route


class StudioConfig(Model):
    project_id: str
    api_key: str
    auth_domain: str
    auth_emulator_url: str | None = None  # the local stack's Auth emulator; null in a deployment


def studio_config() -> StudioConfig:
    cfg = settings()  # each variable's one reader (common/gcp/config.py)
    emulator = cfg.firebase_auth_emulator_host
    return StudioConfig(
        project_id=cfg.project_id,
        # The emulator accepts any key; a deployment sets the web app's own (infra/).
        api_key=cfg.firebase_web_api_key or ("local-emulator" if emulator else ""),
        auth_domain=cfg.firebase_auth_domain or f"{cfg.project_id}.firebaseapp.com",
        auth_emulator_url=f"http://{emulator}" if emulator else None,
    )


@route(
    "GET",
    "/api/studio/config",
    summary="The web studio's sign-in configuration",
    tag="studio",
    response=StudioConfig,
    public=True,
)
def get_studio_config(call: Call) -> StudioConfig:
    return studio_config()
