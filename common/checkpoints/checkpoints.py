"""Checkpoints: what one phase of a project's pipeline left behind, on one branch.

    checkpoints/{id}                                  one per (project, branch, phase); id derived from them
    checkpoints/{id}/artifacts/{type}:{key}           the latest version of each artifact
    checkpoints/{id}/versions/{type}:{key}:{version}  every version ever written, the latest included

An artifact changes in place, a version at a time; every version of every artifact is written by
versions.py (`first_version`, `add_version`). This module holds the documents' references, the
checkpoints' records and the reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.api_core import exceptions
from google.cloud.firestore import FieldFilter

from common.checkpoints.models import (
    PHASE_NAMES,
    Artifact,
    ArtifactType,
    ArtifactVersion,
    Checkpoint,
    CheckpointCreate,
    Phase,
)
from common.errors import Conflict, NotFound
from common.gcp import db
from common.ids import derived_id
from common.projects import branches
from common.projects import projects as project_ops
from common.projects.models import Project
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, DocumentSnapshot


def checkpoint_ref(checkpoint_id: str) -> DocumentReference:
    return db.checkpoints().document(checkpoint_id)


def artifact_id(artifact_type: ArtifactType, key: str) -> str:
    return f"{artifact_type.value}:{key}"


def artifact_ref(checkpoint_id: str, artifact_type: ArtifactType, key: str) -> DocumentReference:
    return checkpoint_ref(checkpoint_id).collection(db.ARTIFACTS).document(artifact_id(artifact_type, key))


def version_ref(checkpoint_id: str, artifact_type: ArtifactType, key: str, version: int) -> DocumentReference:
    doc = f"{artifact_id(artifact_type, key)}:{version:06d}"
    return checkpoint_ref(checkpoint_id).collection(db.VERSIONS).document(doc)


def read_checkpoint(snapshot: DocumentSnapshot) -> Checkpoint:
    return Checkpoint.model_validate({**(snapshot.to_dict() or {}), "id": snapshot.id})


def read_artifact(snapshot: DocumentSnapshot) -> Artifact:
    return Artifact.model_validate(snapshot.to_dict() or {})


def get(checkpoint_id: str) -> Checkpoint:
    snapshot = checkpoint_ref(checkpoint_id).get()
    if not snapshot.exists:
        raise NotFound("checkpoint not found")
    return read_checkpoint(snapshot)


def get_owned(owner_id: str, checkpoint_id: str) -> Checkpoint:
    return owned_with_project(owner_id, checkpoint_id)[0]


def owned_with_project(owner_id: str, checkpoint_id: str) -> tuple[Checkpoint, Project]:
    """The caller's checkpoint and its project, read once (a deleted project's checkpoints are gone
    too: 404)."""
    checkpoint = get(checkpoint_id)
    if checkpoint.owner_id != owner_id:
        raise NotFound("checkpoint not found")
    return checkpoint, project_ops.get_owned(owner_id, checkpoint.project_id)


def require_phase(checkpoint: Checkpoint, phase: Phase, action: str) -> None:
    """Each edit belongs to one phase; anything else is a 409 that says which phase this is."""
    if checkpoint.phase != phase:
        raise Conflict(
            f"{action} needs a phase {int(phase)} ({PHASE_NAMES[phase]}) checkpoint; this checkpoint is "
            f"phase {int(checkpoint.phase)} ({PHASE_NAMES[checkpoint.phase]})"
        )


def require_ready(checkpoint: Checkpoint) -> None:
    if not checkpoint.ready:
        raise Conflict("the pipeline is still recording this checkpoint; try again when it is ready")


def require_editable(checkpoint: Checkpoint, phase: Phase, action: str) -> None:
    """People change a checkpoint only through its own phase's edits, once the pipeline is done."""
    require_phase(checkpoint, phase, action)
    require_ready(checkpoint)


def get_artifact(checkpoint_id: str, artifact_type: ArtifactType, key: str) -> Artifact:
    snapshot = artifact_ref(checkpoint_id, artifact_type, key).get()
    if not snapshot.exists:
        raise NotFound(f"this checkpoint has no {artifact_type.value} {key}")
    return read_artifact(snapshot)


# ---------------------------------------------------------------- the pipeline's records
def record(project_id: str, request: CheckpointCreate) -> tuple[Checkpoint, bool]:
    """The checkpoint of a phase reached on a branch; recording it again returns the same one."""
    project = project_ops.get(project_id)
    lineage_id = project.lineage_id or project.id
    _require_branch(project, lineage_id, request.branch)
    now = utcnow()
    checkpoint = Checkpoint(
        id=derived_id("checkpoint", project.id, request.branch, int(request.phase)),
        project_id=project.id,
        owner_id=project.owner_id,
        lineage_id=lineage_id,
        branch=request.branch,
        phase=request.phase,
        created_at=now,
        updated_at=now,
    )
    ref = checkpoint_ref(checkpoint.id)
    try:
        ref.create(checkpoint.model_dump(mode="python", exclude={"id"}))
    except exceptions.AlreadyExists:
        return get(checkpoint.id), False
    return checkpoint, True


def _require_branch(project: Project, lineage_id: str, branch: str) -> None:
    if branch == project.branch:
        return
    claim = branches.claim_ref(lineage_id, branch).get()
    if not claim.exists or (claim.to_dict() or {}).get("project_id") != project.id:
        raise NotFound(f"project {project.id} has no branch {branch!r}")


def mark_ready(checkpoint_id: str) -> Checkpoint:
    checkpoint = get(checkpoint_id)
    if checkpoint.ready:
        return checkpoint
    changes = {"ready": True, "updated_at": utcnow()}
    checkpoint_ref(checkpoint_id).update(changes)
    return checkpoint.model_copy(update=changes)


# ---------------------------------------------------------------- versions (writing them: versions.py)
def get_version(checkpoint_id: str, artifact_type: ArtifactType, key: str, version: int) -> ArtifactVersion:
    snapshot = version_ref(checkpoint_id, artifact_type, key, version).get()
    if not snapshot.exists:
        raise NotFound(f"this checkpoint has no version {version} of {artifact_type.value} {key}")
    return ArtifactVersion.model_validate(snapshot.to_dict() or {})


def get_versions(
    checkpoint_id: str, artifact_type: ArtifactType, key: str, numbers: list[int]
) -> dict[int, ArtifactVersion]:
    """These versions of the artifact, in one round trip (a number it does not have is left out)."""
    refs = [version_ref(checkpoint_id, artifact_type, key, n) for n in numbers]
    found = db.client().get_all(refs) if refs else []
    versions = [ArtifactVersion.model_validate(s.to_dict() or {}) for s in found if s.exists]
    return {v.version: v for v in versions}


# ---------------------------------------------------------------- reads
def list_for_project(owner_id: str, project_id: str, branch: str | None) -> list[Checkpoint]:
    project_ops.get_owned(owner_id, project_id)
    query = db.checkpoints().where(filter=FieldFilter("project_id", "==", project_id))
    if branch is not None:
        query = query.where(filter=FieldFilter("branch", "==", branch))
    found = [read_checkpoint(s) for s in query.stream()]
    return sorted(found, key=lambda c: (c.created_at, c.phase))


def versions_of(checkpoint_id: str) -> dict[str, list[ArtifactVersion]]:
    """Every version of every artifact of the checkpoint, oldest first, by artifact id."""
    found: dict[str, list[ArtifactVersion]] = {}
    for snapshot in checkpoint_ref(checkpoint_id).collection(db.VERSIONS).stream():
        version = ArtifactVersion.model_validate(snapshot.to_dict() or {})
        found.setdefault(artifact_id(version.artifact_type, version.artifact_key), []).append(version)
    return found


def artifacts_of(checkpoint_id: str) -> list[Artifact]:
    found = [read_artifact(s) for s in checkpoint_ref(checkpoint_id).collection(db.ARTIFACTS).stream()]
    return sorted(found, key=_artifact_order)


def _artifact_order(artifact: Artifact) -> tuple[str, int]:
    key = artifact.artifact_key
    return artifact.artifact_type.value, int(key) if key.isdigit() else -1
