"""Cloud Functions entry points (functions-framework targets). Thin: parse, call the domain, answer.

- `api` (signature type http): every /api route, declared per resource in functions/api/.
- `on_upload_finalized` (signature type cloudevent): the `google.cloud.storage.object.v1.finalized`
  trigger on the uploads bucket.
- `sweep` (signature type http): the nightly sweep, called by Cloud Scheduler with an OIDC token;
  deployed privately (only the scheduler's service account may invoke it).

The signature types are given at deploy time (infra/) and by the local stack, so this module does
not import functions_framework for its decorators: the runtime has loaded it already. Loaded here,
before the instance listens, so that one started ahead of demand has paid for them by its first
request: the settings (pydantic with them; a malformed one stops the load), Firestore's client
(`common.gcp.db`), which every target needs, and through the router firebase-admin's auth, which
every API route but two needs. Each target loads its own domain when
first called (the API a route's module, the trigger the upload code, the sweep its planner), so the
three functions deployed from this source start with none of them.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from pydantic_core import to_json
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from common.errors import ApiError
from common.gcp import (
    db,  # noqa: F401 - preloaded (see above)
    logs,
)
from common.gcp.config import refuse_local_settings, settings
from functions.api.router import dispatch, error_response, framework_error, validated

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent
    from werkzeug.wrappers import Request

# The settings load here: a malformed value, or an emulator variable in a deployment, stops the
# import with a message naming the variable, before the instance listens.
refuse_local_settings()
logs.configure(settings().log_level)
log = logging.getLogger("vidpipe.functions")


def api(request: Request) -> Response:
    return dispatch(request)


def _json_errors_from_the_framework() -> None:
    """functions-framework routes every path to `api` through Flask's `/<path:path>`, whose
    converter stops at a newline: such a path (`/api/projects/%0A/...`) got Flask's HTML 404 before
    `api` ran. The framework loads this file inside its new app's context: that app's own HTTP
    errors answer as the API's JSON errors too. (A plain import, as in tests, registers nothing.)"""
    flask = sys.modules.get("flask")
    if flask is not None and flask.has_app_context():
        flask.current_app.register_error_handler(HTTPException, framework_error)


_json_errors_from_the_framework()


def sweep(request: Request) -> Response:
    """`{"dry_run": true}` lists what the sweep would remove; otherwise it removes it. The report is
    the answer (and a log line)."""
    from common.maintenance import sweep as sweeper

    raw = request.get_data(cache=False) or b"{}"
    try:
        options = validated(lambda: sweeper.SweepRequest.model_validate_json(raw, strict=True))
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.details)
    return Response(to_json(sweeper.run(dry_run=options.dry_run)), 200, mimetype="application/json")


def on_upload_finalized(event: CloudEvent) -> None:
    from common.library import uploads
    from common.library import views as view_ops

    data = event.data or {}
    name = str(data.get("name", ""))
    handle = view_ops.on_finalized if view_ops.VIEW_PATH.match(name) else uploads.on_finalized
    outcome = handle(
        bucket=str(data.get("bucket", "")),
        name=name,
        generation=int(data.get("generation") or 0),
        size=int(data.get("size") or 0),
        metadata=data.get("metadata") or {},
    )
    log.info(
        "upload finalized", extra={"object": data.get("name"), "outcome": outcome, "event_id": event["id"]}
    )
