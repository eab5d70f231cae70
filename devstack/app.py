"""The local server: the functions exactly as deployed (functions-framework apps) on one port,
plus what Google runs in front of them in production: health, and Eventarc's delivery of
storage events (a Pub/Sub push turned into a CloudEvent, as Eventarc does)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from cloudevents.conversion import to_binary
from cloudevents.http import CloudEvent
from functions_framework import create_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from devstack import studio
from devstack.emulators import Stack

SOURCE = str(Path(__file__).resolve().parent.parent / "functions" / "main.py")
EVENTS_PATH = "/_local/eventarc/storage"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build(stack: Stack) -> WsgiApp:
    api = create_app("api", SOURCE, "http")
    trigger = create_app("on_upload_finalized", SOURCE, "cloudevent")
    trigger_client = Client(trigger)

    @Request.application
    def healthz(request: Request) -> Response:
        components = stack.health()
        ok = all(components.values())
        body = json.dumps({"status": "ok" if ok else "starting", "components": components})
        return Response(body, 200 if ok else 503, mimetype="application/json")

    @Request.application
    def eventarc(request: Request) -> Response:
        envelope = request.get_json(force=True, silent=True) or {}
        message = envelope.get("message", {})
        attributes = message.get("attributes", {})
        if attributes.get("eventType") != "OBJECT_FINALIZE":
            return Response(status=204)  # the trigger subscribes to finalize events only
        data = json.loads(base64.b64decode(message.get("data", "")) or b"{}")
        event = CloudEvent(
            {
                "type": "google.cloud.storage.object.v1.finalized",
                "source": f"//storage.googleapis.com/projects/_/buckets/{attributes['bucketId']}",
                "subject": f"objects/{attributes['objectId']}",
                "id": message.get("messageId") or message.get("message_id", ""),
            },
            data,
        )
        headers, body = to_binary(event)
        answer = trigger_client.post("/", headers=headers, data=body)
        # A non-2xx answer makes Pub/Sub redeliver, as Eventarc retries a failing trigger.
        return Response(status=204 if answer.status_code < 300 else 500)

    # One origin, as the load balancer makes it: /api/* to the function, everything else the studio.
    app = studio.build(
        connect=[stack.storage_url, f"http://127.0.0.1:{stack.auth_port}"],
        images=[stack.images_url, stack.storage_url],
    )

    def route(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        return (api if path == "/api" or path.startswith("/api/") else app)(environ, start_response)

    return DispatcherMiddleware(route, {"/healthz": healthz, EVENTS_PATH: eventarc})
