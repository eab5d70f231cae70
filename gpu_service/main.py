"""The GPU service's entry point (functions-framework target `handle_task`, signature type http).

    POST /tasks    a Cloud Task: {"job_id", "kind", "manifest_id"?}; ids only, the job lives in Firestore
    POST /faces/embed  an image (the api's face search): its faces, each with its embedding
    GET  /healthz  200 once the models are loaded (Cloud Run's startup probe)

Production runs it under functions-framework's gunicorn on Cloud Run with a GPU; the local stack
serves the same app with `python -m gpu_service`.
"""

from __future__ import annotations

import json
import logging

from pydantic import ValidationError
from werkzeug.wrappers import Request, Response

from common.gcp import logs
from common.gcp.config import refuse_local_settings, settings
from common.jobs.lease import Busy
from common.jobs.task_wire import TaskPayload
from gpu_service import auth, delivery, face_query
from gpu_service.config import worker_settings
from gpu_service.vision.imaging import UnreadableImage
from gpu_service.vision.runtime import models

# The settings load here: a malformed value, or an emulator variable in a deployment, stops the
# import with a message naming the variable, before the service listens.
refuse_local_settings()
worker_settings()
logs.configure(settings().log_level)
log = logging.getLogger("vidpipe.gpu_service")

MAX_TASK_BYTES = 100 * 1024  # tasks carry ids only


def handle_task(request: Request) -> Response:
    path = request.path.rstrip("/")
    if path == "/healthz":
        loaded = models()
        return _json(
            200, {"status": "ok", "torch_device": loaded.torch_device, "onnx": loaded.onnx_providers}
        )
    if path not in ("/tasks", "/faces/embed"):
        return _json(404, {"error": "not found"})
    if request.method != "POST":
        return _json(405, {"error": "POST only"})
    cfg = settings()
    try:
        auth.verify(request, cfg.tasks_service_account if path == "/tasks" else cfg.api_service_account)
    except auth.Rejected as exc:
        log.warning("call rejected", extra={"reason": str(exc), "path": path})
        return _json(401, {"error": "unauthenticated"})
    return _embed(request) if path == "/faces/embed" else _task(request)


def _task(request: Request) -> Response:
    if (request.content_length or 0) > MAX_TASK_BYTES:
        return _json(413, {"error": "tasks carry ids only"})
    try:
        task = TaskPayload.model_validate_json(request.get_data(cache=False) or b"{}")
    except ValidationError as exc:
        # A malformed task never becomes valid: acknowledge it (4xx) so it is not retried forever.
        return _json(
            400, {"error": "bad task", "details": exc.errors(include_url=False, include_context=False)}
        )
    retry_count = int(request.headers.get("X-CloudTasks-TaskRetryCount", "0") or 0)
    last_attempt = retry_count + 1 >= worker_settings().task_max_attempts
    try:
        outcome = delivery.handle(task.job_id, last_attempt=last_attempt)
    except Busy as exc:
        log.info(
            "task busy; Cloud Tasks will deliver it again", extra={"job_id": task.job_id, "reason": str(exc)}
        )
        return _json(503, {"error": "busy", "message": str(exc)})
    except Exception:
        log.exception(
            "task failed; Cloud Tasks will retry it", extra={"job_id": task.job_id, "retry": retry_count}
        )
        return _json(500, {"error": "failed; retry"})
    log.info("task handled", extra={"job_id": task.job_id, "kind": task.kind, "outcome": outcome})
    return _json(200, {"job_id": task.job_id, "outcome": outcome})


def _embed(request: Request) -> Response:
    """The faces of an image the api has already checked (images.validate), in the detector's order
    (vision/seen.py: most confident first), and the index of its lead face."""
    if (request.content_length or 0) > settings().max_upload_bytes:
        return _json(413, {"error": "image too large"})
    try:
        found = face_query.faces_in(request.get_data(cache=False))
    except UnreadableImage as exc:
        return _json(422, {"error": str(exc)})
    return _json(200, found.model_dump(mode="json"))


def _json(status: int, body: object) -> Response:
    return Response(json.dumps(body, default=str), status, mimetype="application/json")
