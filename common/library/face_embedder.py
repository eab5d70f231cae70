"""The api's client of the GPU service, called directly (not by a task): a search image's faces.

Production: an OIDC ID token for the service URL, minted for the api's own service account by the
metadata server (Cloud Run's IAM lets that account invoke the service; gpu_service/auth.py checks
it again). Local stack: the same shared secret the tasks carry. The GPU service scales to zero: a
first call may wait for an instance to start, so the wait is bounded and a timeout says so.
"""

from __future__ import annotations

from pydantic import ValidationError

from common.errors import InvalidImage, ServiceUnavailable
from common.gcp.config import settings
from common.gcp.tasks import LOCAL_SECRET_HEADER, audience
from common.library.embed_wire import EmbedAnswer


def faces_in(image: bytes, content_type: str) -> EmbedAnswer:
    """The faces of an image and the one that stands for it (the GPU service finds and embeds them)."""
    import requests

    cfg = settings()
    base = audience(cfg.worker_url)
    headers = {"Content-Type": content_type}
    if cfg.local_task_secret:
        headers[LOCAL_SECRET_HEADER] = cfg.local_task_secret
    else:
        headers["Authorization"] = f"Bearer {_id_token(base)}"
    try:
        answer = requests.post(
            f"{base}/faces/embed", data=image, headers=headers, timeout=cfg.embed_timeout_s
        )
    except requests.RequestException as exc:
        raise ServiceUnavailable("face search by image is starting up; try again in a minute") from exc
    if answer.status_code == 422:
        raise InvalidImage("the image could not be read for faces", answer.json())
    if answer.status_code != 200:
        raise ServiceUnavailable("face search by image is unavailable right now; try again shortly")
    try:
        return EmbedAnswer.model_validate_json(answer.content)
    except ValidationError as exc:
        raise ServiceUnavailable("face search by image answered unexpectedly; try again shortly") from exc


def _id_token(target: str) -> str:
    from google.auth.transport import requests as transport
    from google.oauth2 import id_token

    return str(id_token.fetch_id_token(transport.Request(), target))
