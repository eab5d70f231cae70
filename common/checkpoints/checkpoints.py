"""Checkpoints: what one phase of a project's pipeline left behind, on one branch.

    checkpoints/{id}                                  one per (project, branch, phase); id derived from them
    checkpoints/{id}/artifacts/{type}:{key}           the latest version of each artifact
    checkpoints/{id}/versions/{type}:{key}:{version}  every version ever written, the latest included

An artifact changes in place: a new version is one commit that updates the artifact on the
condition that it is still what was read (optimistic concurrency: a concurrent edit makes the
loser read again and take the next number), creates the version document (a number is never
written twice) and bumps the checkpoint's revision. Regenerations add a marker named after their
job in the same commit, so a job delivered twice adds one version. Every version of every artifact
is written here (`first_version`, `add_version`): an image version moves its project's cover in
the same commit when the cover rule says so (common/projects/covers.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore import FieldFilter, Increment

from common.checkpoints.models import (
    PHASE_NAMES,
    Artifact,
    ArtifactType,
    ArtifactVersion,
    Checkpoint,
    CheckpointCreate,
    Phase,
)
from common.continuity.report import first_check
from common.errors import Conflict, NotFound
from common.gcp import db
from common.ids import derived_id
from common.projects import branches, covers
from common.projects import projects as project_ops
from common.projects.models import Project
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, DocumentSnapshot

MAX_VERSION_ATTEMPTS = 60  # 20 people editing one artifact at once all get through


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
    checkpoint = get(checkpoint_id)
    if checkpoint.owner_id != owner_id:
        raise NotFound("checkpoint not found")
    project_ops.get_owned(owner_id, checkpoint.project_id)  # a deleted project's checkpoints are gone too
    return checkpoint


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


def first_version(checkpoint: Checkpoint, version: ArtifactVersion) -> tuple[Artifact, bool]:
    """Create an artifact at version 1. Returns (artifact, created); recording the same content
    again is a no-op, different content is a 409 (changes are edits, with versions)."""
    ref = artifact_ref(checkpoint.id, version.artifact_type, version.artifact_key)
    now = utcnow()
    artifact = Artifact(**version.model_dump(), checkpoint_id=checkpoint.id, updated_at=now)
    for attempt in range(MAX_VERSION_ATTEMPTS):
        batch = db.client().batch()
        batch.create(ref, artifact.model_dump(mode="python"))
        batch.create(
            version_ref(checkpoint.id, version.artifact_type, version.artifact_key, 1),
            version.model_dump(mode="python"),
        )
        _stage_cover(batch, checkpoint, version)
        try:
            batch.commit(retry=db.CONTENDED)
        except exceptions.AlreadyExists:
            existing = get_artifact(checkpoint.id, version.artifact_type, version.artifact_key)
            if existing.version == 1 and existing.digest == version.digest:
                return existing, False
            raise Conflict(
                f"{version.artifact_type.value} {version.artifact_key} is already recorded on this "
                "checkpoint; artifacts change through edits"
            ) from None
        except exceptions.FailedPrecondition:  # the project changed since its cover was read
            _jitter(attempt)
            continue
        return artifact, True
    raise Conflict("the project kept changing while this artifact was recorded; try again")


def _stage_cover(batch: firestore.WriteBatch, checkpoint: Checkpoint, version: ArtifactVersion) -> None:
    """A beat image's version (beat n is scene n) may become its project's cover, in this commit."""
    if version.artifact_type != ArtifactType.BEAT_IMAGE or not version.media_path:
        return
    if version.artifact_key.isdigit():
        covers.stage(batch, checkpoint.project_id, int(version.artifact_key), version.media_path)


def _jitter(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * min(attempt + 1, 10)))  # noqa: S311 - jitter, not security


# ---------------------------------------------------------------- versions
def add_version(
    checkpoint: Checkpoint,
    artifact_type: ArtifactType,
    key: str,
    make: Callable[[Artifact], dict[str, Any]],
    *,
    job_id: str | None = None,
    marker: str | None = None,
    checked: bool = False,
) -> tuple[Artifact, bool]:
    """Write the artifact's next version from `make(current)`; returns (artifact, written).

    `make` returns the version's fields (generator, content or media, prompt, cost, digest) and
    is called again whenever a concurrent writer got there first (or the project changed while an
    image moved its cover: common/projects/covers.py). With a `job_id`, a second write
    for the same job (or the same `marker`: a repair's job and attempt) writes nothing and returns
    the artifact as it is. `checked`: the version starts with a pending continuity report (its
    check is queued or run by the caller: common/continuity/checks.py).
    """
    checkpoint_id = checkpoint.id
    ref = artifact_ref(checkpoint_id, artifact_type, key)
    applied = marker or job_id
    marker_ref = (
        checkpoint_ref(checkpoint_id).collection(db.APPLIED_JOBS).document(applied) if applied else None
    )
    for attempt in range(MAX_VERSION_ATTEMPTS):
        snapshot = ref.get()
        if not snapshot.exists:
            raise NotFound(f"this checkpoint has no {artifact_type.value} {key}")
        current = read_artifact(snapshot)
        now = utcnow()
        written = {
            "artifact_type": artifact_type,
            "artifact_key": key,
            "version": current.version + 1,
            "job_id": job_id,
            "created_at": now,
        }
        if checked:
            number = current.version + 1
            written["continuity"] = first_check(checkpoint_id, artifact_id(artifact_type, key), number)
        version = ArtifactVersion.model_validate({**make(current), **written})
        fields = version.model_dump(mode="python")
        batch = db.client().batch()
        batch.update(
            ref,
            {**fields, "updated_at": now},
            option=db.client().write_option(last_update_time=snapshot.update_time),
        )
        batch.create(version_ref(checkpoint_id, artifact_type, key, version.version), fields)
        tally = {"revision": Increment(1), "total_cost": Increment(version.cost), "updated_at": now}
        batch.update(checkpoint_ref(checkpoint_id), tally)
        if marker_ref is not None:
            batch.create(marker_ref, {"version": version.version, "at": now})
        _stage_cover(batch, checkpoint, version)
        try:
            batch.commit(retry=db.CONTENDED)
        except (exceptions.FailedPrecondition, exceptions.AlreadyExists):
            if marker_ref is not None and marker_ref.get().exists:
                return get_artifact(checkpoint_id, artifact_type, key), False
            _jitter(attempt)
            continue
        return Artifact(**fields, checkpoint_id=checkpoint_id, updated_at=now), True
    raise Conflict("the artifact kept changing while this edit was written; try again")


def applied_version(checkpoint_id: str, marker: str) -> int | None:
    """The version a regeneration job (or a repair's attempt) wrote, or None if it has not written one."""
    snapshot = checkpoint_ref(checkpoint_id).collection(db.APPLIED_JOBS).document(marker).get()
    return int((snapshot.to_dict() or {})["version"]) if snapshot.exists else None


def get_version(checkpoint_id: str, artifact_type: ArtifactType, key: str, version: int) -> ArtifactVersion:
    snapshot = version_ref(checkpoint_id, artifact_type, key, version).get()
    if not snapshot.exists:
        raise NotFound(f"this checkpoint has no version {version} of {artifact_type.value} {key}")
    return ArtifactVersion.model_validate(snapshot.to_dict() or {})


def mark_repair_outcome(
    checkpoint_id: str, artifact_type: ArtifactType, key: str, version: int, outcome: str
) -> None:
    """A repair attempt's version learns what its check said (on the artifact too while it is the latest)."""
    at_version = version_ref(checkpoint_id, artifact_type, key, version)
    at_artifact = artifact_ref(checkpoint_id, artifact_type, key)

    @firestore.transactional
    def put(transaction: firestore.Transaction) -> None:
        latest = at_artifact.get(transaction=transaction)
        transaction.update(at_version, {"repair.outcome": outcome})
        if latest.exists and (latest.to_dict() or {}).get("version") == version:
            transaction.update(at_artifact, {"repair.outcome": outcome})

    put(db.client().transaction())


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
