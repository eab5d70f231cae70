"""Cloud Functions entry points (functions-framework targets). Thin: parse, call the domain, answer.

- `api` (signature type http): every /api route, declared per resource in functions/api/.
- `on_upload_finalized` (signature type cloudevent): the `google.cloud.storage.object.v1.finalized`
  trigger on the uploads bucket.

The signature types are given at deploy time (infra/) and by the local stack, so this module does
not import functions_framework for its decorators: the runtime has loaded it already, and a fresh
interpreter importing this module stays fast.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from common.gcp import logs
from common.gcp.config import refuse_local_settings
from common.library import uploads
from functions.api import assets, checkpoints, manifests, openapi, processing, projects
from functions.api import uploads as upload_routes
from functions.api.router import dispatch

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent
    from werkzeug.wrappers import Request, Response

refuse_local_settings()  # a deployment with emulator variables set must not start
logs.configure(os.environ.get("LOG_LEVEL", "INFO"))
log = logging.getLogger("vidpipe.functions")

ROUTE_MODULES = (
    manifests,
    assets,
    upload_routes,
    processing,
    projects,
    checkpoints,
    openapi,
)  # imported for their route declarations


def api(request: Request) -> Response:
    return dispatch(request)


def on_upload_finalized(event: CloudEvent) -> None:
    data = event.data or {}
    outcome = uploads.on_finalized(
        bucket=str(data.get("bucket", "")),
        name=str(data.get("name", "")),
        generation=int(data.get("generation") or 0),
        size=int(data.get("size") or 0),
        metadata=data.get("metadata") or {},
    )
    log.info(
        "upload finalized", extra={"object": data.get("name"), "outcome": outcome, "event_id": event["id"]}
    )
