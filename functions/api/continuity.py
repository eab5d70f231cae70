"""/api continuity: who each generated beat and clip shows, against the project's snapshot cast.

Reports are written by checks on the GPU service (gpu_service/continuity/), queued whenever a beat
image or chunk clip version appears; each version carries its own in GET /api/checkpoints/{id}.
"""

from __future__ import annotations

from common.checkpoints import checkpoints as checkpoint_ops
from common.continuity import checks
from common.continuity.models import ProjectContinuity, RecheckAccepted, RecheckRequest
from functions.api.router import Call, route

TAG = "continuity"


@route(
    "GET",
    "/api/projects/{project_id}/continuity",
    summary="A project's continuity: per branch and scene, the latest beat's and clip's reports, worst first",
    tag=TAG,
    response=ProjectContinuity,
    errors=(404,),
)
def project_continuity(call: Call) -> ProjectContinuity:
    return checks.summary(call.uid, call.params["project_id"])


@route(
    "POST",
    "/api/checkpoints/{checkpoint_id}/continuity",
    summary="Check a checkpoint's beats or clips (or one) again, against the project's snapshot",
    tag=TAG,
    status=202,
    response=RecheckAccepted,
    body=RecheckRequest,
    errors=(404, 409, 503),
)
def recheck(call: Call) -> RecheckAccepted:
    checkpoint = checkpoint_ops.get_owned(call.uid, call.params["checkpoint_id"])
    return checks.recheck(checkpoint, call.body)
