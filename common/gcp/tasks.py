"""Cloud Tasks adapter: hand a job to the GPU service (the task carries ids only)."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from common.gcp.config import settings

if TYPE_CHECKING:
    from google.cloud.tasks_v2 import CloudTasksClient

# The local stack's stand-in for OIDC (the emulator cannot mint tokens); production never sets it.
LOCAL_SECRET_HEADER = "X-Vidpipe-Task-Secret"  # noqa: S105 - a header name, not a secret
DISPATCH_DEADLINE = timedelta(minutes=30)  # Cloud Tasks' maximum for HTTP targets


@cache
def _client() -> CloudTasksClient:
    from google.cloud import tasks_v2

    host = settings().tasks_emulator_host
    if host:
        import grpc
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        return tasks_v2.CloudTasksClient(
            transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(host))
        )
    return tasks_v2.CloudTasksClient()


def audience(url: str) -> str:
    """Cloud Run checks OIDC tokens against the service URL (scheme + host)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def queue_path(queue: str | None = None) -> str:
    cfg = settings()
    return _client().queue_path(cfg.project_id, cfg.tasks_location, queue or cfg.tasks_queue)


def enqueue(name: str, payload: dict[str, Any], *, url: str | None = None, queue: str | None = None) -> None:
    """Queue one delivery of `payload` (to the worker unless `url` says otherwise). Named after the
    work (a job id), so a repeated call is a no-op (Cloud Tasks dedupes names for about a day)."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import tasks_v2

    cfg = settings()
    parent = queue_path(queue)
    target = url or cfg.worker_url
    headers = {"Content-Type": "application/json"}
    http_request: dict[str, Any] = {
        "http_method": tasks_v2.HttpMethod.POST,
        "url": target,
        "headers": headers,
        "body": json.dumps(payload).encode(),
    }
    if cfg.local_task_secret:
        headers[LOCAL_SECRET_HEADER] = cfg.local_task_secret
    else:
        http_request["oidc_token"] = {
            "service_account_email": cfg.tasks_service_account,
            "audience": audience(target),
        }
    task = {
        "name": f"{parent}/tasks/{name}",
        "http_request": http_request,
        "dispatch_deadline": DISPATCH_DEADLINE,
    }
    with contextlib.suppress(AlreadyExists):
        _client().create_task(parent=parent, task=tasks_v2.Task(task))


def ensure_queue(queue: str | None = None) -> None:
    """Create the queue if it is missing (local stack only: infra/ owns it in production)."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import tasks_v2

    cfg = settings()
    parent = f"projects/{cfg.project_id}/locations/{cfg.tasks_location}"
    with contextlib.suppress(AlreadyExists):
        _client().create_queue(parent=parent, queue=tasks_v2.Queue(name=queue_path(queue)))
