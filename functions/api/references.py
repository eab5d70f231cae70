"""GET /api/projects/{project_id}/scenes/{scene_index}/references: a scene's reference pack, for the
project's owner and for the video pipeline (common/projects/references.py chooses it)."""

from __future__ import annotations

from dataclasses import asdict

from common.gcp import cdn
from common.projects import projects
from common.projects.reference_models import PackQuery, PackReference, ReferencePack
from common.projects.scene_references import limit_for, scene_pack
from functions.api.router import Call, route

TAG = "projects"


@route(
    "GET",
    "/api/projects/{project_id}/scenes/{scene_index}/references",
    summary="A scene's reference pack: the snapshot images a generation model gets, why, and the prompt",
    tag=TAG,
    response=ReferencePack,
    query=PackQuery,
    errors=(404, 409),
)
def scene_references(call: Call) -> ReferencePack:
    project_id = call.params["project_id"]
    project = projects.get(project_id) if call.is_pipeline else projects.get_owned(call.uid, project_id)
    target = call.query.target
    scene, chosen = scene_pack(project, int(call.params["scene_index"]), target)
    return ReferencePack(
        scene_index=scene.index,
        target=target,
        limit=limit_for(target),
        references=[  # the stored image's path becomes a URL the client can read
            PackReference(
                **{k: v for k, v in asdict(r).items() if k != "image_path"},
                image_url=cdn.read_url(r.image_path or None),
            )
            for r in chosen.references
        ],
        left_out=chosen.left_out,
        uncovered=chosen.uncovered,
        unresolved=chosen.unresolved,
        prompt=chosen.prompt,
    )
