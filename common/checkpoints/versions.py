"""Writing an artifact's versions: the pipeline's first recording (version 1) and every later one.

A new version is one commit that updates the artifact on the condition that it is still what was
read (optimistic concurrency: a concurrent edit makes the loser read again and take the next
number), creates the version document (a number is never written twice) and bumps the checkpoint's
revision. Regenerations add a marker named after their job in the same commit, so a job delivered
twice adds one version. An image version moves its project's cover in the same commit when the
cover rule says so (common/projects/covers.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore import Increment

from common.checkpoints.checkpoints import (
    artifact_id,
    artifact_ref,
    checkpoint_ref,
    get_artifact,
    read_artifact,
    version_ref,
)
from common.checkpoints.models import CHECKED, Artifact, ArtifactType, ArtifactVersion, Checkpoint
from common.checkpoints.report import ContinuityReport, first_check
from common.errors import Conflict, NotFound
from common.gcp import db
from common.projects import covers
from common.projects.models import Project
from common.records import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from google.cloud.firestore import DocumentReference, DocumentSnapshot

MAX_VERSION_ATTEMPTS = 60  # 20 people editing one artifact at once all get through


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


def checked(project: Project, artifact_type: ArtifactType) -> bool:
    """Whether the type's versions carry a continuity report: beat images and clips of a project
    that uses a manifest (others have no cast to check against)."""
    return artifact_type in CHECKED and project.manifest_id is not None


Stage = Callable[[firestore.WriteBatch, ArtifactVersion], None]


def add_version(
    checkpoint: Checkpoint,
    artifact_type: ArtifactType,
    key: str,
    make: Callable[[Artifact], dict[str, Any]],
    *,
    job_id: str | None = None,
    marker: str | None = None,
    checked: bool = False,
    report: ContinuityReport | None = None,
    stage: Stage | None = None,
) -> tuple[Artifact, bool]:
    """Write the artifact's next version from `make(current)`; returns (artifact, written).

    `make` returns the version's fields (generator, content or media, prompt, cost, digest) and
    is called again whenever a concurrent writer got there first (or the project changed while an
    image moved its cover: common/projects/covers.py). With a `job_id`, a second write
    for the same job (or the same `marker`: a repair's job and attempt) writes nothing and returns
    the artifact as it is. `checked`: the version starts with a pending continuity report (its
    check is queued by the caller: common/continuity/checks.py); `report`: its final report, judged
    by the caller already. `stage` adds the caller's own writes to the same commit.
    """
    ref = artifact_ref(checkpoint.id, artifact_type, key)
    applied = marker or job_id
    marker_ref = (
        checkpoint_ref(checkpoint.id).collection(db.APPLIED_JOBS).document(applied) if applied else None
    )
    for attempt in range(MAX_VERSION_ATTEMPTS):
        snapshot = ref.get()
        if not snapshot.exists:
            raise NotFound(f"this checkpoint has no {artifact_type.value} {key}")
        current = read_artifact(snapshot)
        now = utcnow()
        number = current.version + 1
        written: dict[str, Any] = {
            "artifact_type": artifact_type,
            "artifact_key": key,
            "version": number,
            "job_id": job_id,
            "created_at": now,
        }
        if report is not None or checked:
            written["continuity"] = report or first_check(
                checkpoint.id, artifact_id(artifact_type, key), number
            )
        version = ArtifactVersion.model_validate({**make(current), **written})
        batch = _version_batch(checkpoint, version, snapshot, marker_ref, now)
        if stage is not None:
            stage(batch, version)
        try:
            batch.commit(retry=db.CONTENDED)
        except (exceptions.FailedPrecondition, exceptions.AlreadyExists):
            if marker_ref is not None and marker_ref.get().exists:
                return get_artifact(checkpoint.id, artifact_type, key), False
            _jitter(attempt)
            continue
        fields = version.model_dump(mode="python")
        return Artifact(**fields, checkpoint_id=checkpoint.id, updated_at=now), True
    raise Conflict("the artifact kept changing while this edit was written; try again")


def _version_batch(
    checkpoint: Checkpoint,
    version: ArtifactVersion,
    read: DocumentSnapshot,
    marker_ref: DocumentReference | None,
    now: datetime,
) -> firestore.WriteBatch:
    """One commit: the artifact moves to the version on the condition that it is still as `read`,
    the version document is created (a number is never written twice), the checkpoint counts it,
    the job's marker is made and the project's cover moves where the cover rule says so."""
    fields = version.model_dump(mode="python")
    batch = db.client().batch()
    batch.update(
        read.reference,
        {**fields, "updated_at": now},
        option=db.client().write_option(last_update_time=read.update_time),
    )
    batch.create(
        version_ref(checkpoint.id, version.artifact_type, version.artifact_key, version.version), fields
    )
    tally = {"revision": Increment(1), "total_cost": Increment(version.cost), "updated_at": now}
    batch.update(checkpoint_ref(checkpoint.id), tally)
    if marker_ref is not None:
        batch.create(marker_ref, {"version": version.version, "at": now})
    _stage_cover(batch, checkpoint, version)
    return batch


def applied_version(checkpoint_id: str, marker: str) -> int | None:
    """The version a regeneration job (or a repair's attempt) wrote, or None if it has not written one."""
    snapshot = checkpoint_ref(checkpoint_id).collection(db.APPLIED_JOBS).document(marker).get()
    return int((snapshot.to_dict() or {})["version"]) if snapshot.exists else None
