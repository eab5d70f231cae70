"""Writing artifacts: the pipeline's first recording, and people's edits (each a new version).

Edits are restricted to their phase: the spec on phase 1, beat images on phase 2 (chunk clips on
phase 3 change only by regeneration). Media is stored before its version is written; if the
version cannot be written, the object is removed again, so nothing is left behind. A beat or clip
version starts with a pending continuity report; its writer's caller queues the check
(common/continuity/checks.queue), since checking sits above checkpoints.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import ValidationError

from common.checkpoints import checkpoints as ops
from common.checkpoints import media, versions
from common.checkpoints.models import (
    PHASE_OF,
    SPEC_KEY,
    Artifact,
    ArtifactRecord,
    ArtifactType,
    ArtifactVersion,
    Checkpoint,
    Phase,
    SpecPatch,
    VideoSpec,
)
from common.checkpoints.report import first_check
from common.errors import ApiError, Conflict, ValidationFailed, problems
from common.ids import new_id
from common.library import images
from common.projects import projects as project_ops
from common.records import decode_base64, utcnow


def spec_digest(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def record(checkpoint: Checkpoint, request: ArtifactRecord) -> tuple[Artifact, bool]:
    """The pipeline records an artifact of the checkpoint's phase (version 1)."""
    ops.require_phase(
        checkpoint, PHASE_OF[request.artifact_type], f"recording a {request.artifact_type.value}"
    )
    if checkpoint.ready:
        raise Conflict("this checkpoint is complete; its artifacts change through edits")
    fields: dict[str, Any] = {
        "artifact_type": request.artifact_type,
        "artifact_key": request.artifact_key,
        "version": 1,
        "generator": "pipeline",
        "prompt": request.prompt,
        "created_at": utcnow(),
    }
    if request.artifact_type == ArtifactType.SPEC:
        if request.artifact_key != SPEC_KEY or request.content is None or request.media_data is not None:
            raise ValidationFailed("a spec is recorded with artifact_key 'spec' and the spec as content")
        content = request.content.model_dump(mode="json")
        version = ArtifactVersion(**fields, content=content, digest=spec_digest(content))
        return versions.first_version(checkpoint, version)
    if not request.artifact_key.isdigit() or request.media_data is None or request.content is not None:
        raise ValidationFailed(
            f"a {request.artifact_type.value} is recorded with a numeric artifact_key and media_data"
        )
    stored = media.check(request.artifact_type, decode_base64(request.media_data))
    path = media.object_path(
        checkpoint.id,
        request.artifact_type,
        request.artifact_key,
        f"v1-{stored.digest[:16]}",
        stored.extension,
    )
    media.store(path, stored)
    if versions.checked(project_ops.get(checkpoint.project_id), request.artifact_type):
        fields["continuity"] = first_check(
            checkpoint.id, ops.artifact_id(request.artifact_type, request.artifact_key), 1
        )
    version = ArtifactVersion(**fields, media_path=path, mime_type=stored.mime_type, digest=stored.digest)
    try:
        artifact, created = versions.first_version(checkpoint, version)
    except ApiError:
        media.discard(path)  # a different recording already exists: this object is nobody's
        raise
    return artifact, created


def edit_spec(checkpoint: Checkpoint, patch: SpecPatch) -> Artifact:
    ops.require_editable(checkpoint, Phase.SPEC, "editing the spec")

    def merged(current: Artifact) -> dict[str, Any]:
        try:
            spec = VideoSpec.model_validate_json(json.dumps({**(current.content or {}), **patch.changes()}))
        except ValidationError as exc:
            raise ValidationFailed("the edited spec is not valid", problems(exc)) from exc
        content = spec.model_dump(mode="json")
        return {"generator": "edit", "content": content, "digest": spec_digest(content), "prompt": None}

    artifact, _ = versions.add_version(checkpoint, ArtifactType.SPEC, SPEC_KEY, merged)
    return artifact


def upload_beat_image(checkpoint: Checkpoint, beat_index: int, data: bytes) -> Artifact:
    ops.require_editable(checkpoint, Phase.STORYBOARD, "uploading a beat image")
    key = str(beat_index)
    ops.get_artifact(checkpoint.id, ArtifactType.BEAT_IMAGE, key)  # 404 before any work
    image = images.validate(data)
    stored = media.Media(image.data, image.content_type, image.extension)
    name = f"upload-{new_id()}"
    path = media.object_path(checkpoint.id, ArtifactType.BEAT_IMAGE, key, name, image.extension)
    media.store(path, stored)

    def uploaded(current: Artifact) -> dict[str, Any]:
        return {
            "generator": "upload",
            "media_path": path,
            "mime_type": stored.mime_type,
            "digest": stored.digest,
            "prompt": current.prompt,
        }

    checked = versions.checked(project_ops.get(checkpoint.project_id), ArtifactType.BEAT_IMAGE)
    try:
        artifact, _ = versions.add_version(
            checkpoint, ArtifactType.BEAT_IMAGE, key, uploaded, checked=checked
        )
    except Exception:
        media.discard(path)
        raise
    return artifact
