"""GET /api/studio/config: what the studio and the CLI need before anyone signs in (public).

The Firebase web config (the API key of a web app is an identifier, not a secret) and, on the
local stack only, the address of the Firebase Auth emulator. A deployment never has one:
`refuse_local_settings` stops any instance that sets FIREBASE_AUTH_EMULATOR_HOST, so the studio's
"sign in as UID" shortcut (which only works against the emulator) cannot exist there.

And the rules the clients follow, each read from its one home in common/ rather than restated in
web/ or cli/: a client built before a rule changed still follows the server it talks to.
"""

from __future__ import annotations

from common.checkpoints.models import DEFAULT_REPAIR_ATTEMPTS, MAX_REPAIR_ATTEMPTS
from common.checkpoints.report import REPAIRABLE, ContinuityStatus
from common.gcp.config import settings
from common.jobs.models import STEPS, Step
from common.library.models import (
    CATEGORY_ASSET_TYPES,
    IMAGE_TYPE_NAMES,
    IMAGE_TYPES,
    AssetType,
    Category,
    ImageContentType,
)
from common.projects.models import TERMINAL_STATUSES, ProjectStatus
from common.records import Model
from functions.api.router import Call, route


class ImageTypeOut(Model):
    content_type: ImageContentType
    name: str  # how a person reads it: "WebP"
    extension: str  # the extension it is stored under, without the dot: "webp"


class StudioRules(Model):
    """Rules every client follows, each stated once on the server (common/) and read from here."""

    steps: list[Step]  # a manifest run's steps, in the order it goes through them
    category_asset_types: dict[Category, AssetType]  # the asset type a category suggests for uploads
    image_types: list[ImageTypeOut]  # the images the service takes (judged by content)
    terminal_project_statuses: list[ProjectStatus]  # a project in one of these has finished (and forks)
    repairable_statuses: list[ContinuityStatus]  # a version whose report is one of these can be repaired
    repair_attempts: list[int]  # what a repair may be asked for (max_attempts), in order
    default_repair_attempts: int


class StudioConfig(Model):
    project_id: str
    api_key: str
    auth_domain: str
    auth_emulator_url: str | None = None  # the local stack's Auth emulator; null in a deployment
    rules: StudioRules


def studio_rules() -> StudioRules:
    return StudioRules(
        steps=list(STEPS),
        category_asset_types=dict(CATEGORY_ASSET_TYPES),
        image_types=[
            ImageTypeOut(content_type=content_type, name=IMAGE_TYPE_NAMES[content_type], extension=extension)
            for content_type, extension in IMAGE_TYPES.items()
        ],
        terminal_project_statuses=[s for s in ProjectStatus if s in TERMINAL_STATUSES],
        repairable_statuses=list(REPAIRABLE),
        repair_attempts=list(range(1, MAX_REPAIR_ATTEMPTS + 1)),
        default_repair_attempts=DEFAULT_REPAIR_ATTEMPTS,
    )


def studio_config() -> StudioConfig:
    cfg = settings()  # each variable's one reader (common/gcp/config.py)
    emulator = cfg.firebase_auth_emulator_host
    return StudioConfig(
        project_id=cfg.project_id,
        # The emulator accepts any key; a deployment sets the web app's own (infra/).
        api_key=cfg.firebase_web_api_key or ("local-emulator" if emulator else ""),
        auth_domain=cfg.firebase_auth_domain or f"{cfg.project_id}.firebaseapp.com",
        auth_emulator_url=f"http://{emulator}" if emulator else None,
        rules=studio_rules(),
    )


@route(
    "GET",
    "/api/studio/config",
    summary="The web studio's sign-in configuration and the rules every client follows",
    tag="studio",
    response=StudioConfig,
    public=True,
)
def get_studio_config(call: Call) -> StudioConfig:
    return studio_config()
