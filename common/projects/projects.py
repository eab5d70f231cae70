"""Projects: a video pipeline's record of one generation, and the manifest snapshot it works from.

Generating with a manifest writes the snapshot's chunks, then commits in one batch: the snapshot
document, the project, and the manifest's `times_used` + 1 (a server-side increment, so concurrent
generates never lose a count) and `last_used_at`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud.firestore import FieldFilter, Increment, Query

from common import owned
from common.errors import Conflict, NotFound, ValidationFailed
from common.gcp import db
from common.ids import new_id
from common.jobs import lifecycle
from common.jobs.models import JobKind
from common.library import manifests as manifest_ops
from common.library.models import ManifestStatus
from common.projects import snapshots
from common.projects.models import (
    TERMINAL_STATUSES,
    GenerateRequest,
    PipelineProjectUpdate,
    PipelineSceneUpdate,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Scene,
)
from common.projects.storyboard import StoryboardJob
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, Transaction


def project_ref(project_id: str) -> DocumentReference:
    return db.projects().document(project_id)


def scene_ref(project_id: str, index: int) -> DocumentReference:
    return project_ref(project_id).collection(db.SCENES).document(f"{index:04d}")


def read_project(snapshot: Any) -> Project:
    return Project.model_validate({**(snapshot.to_dict() or {}), "id": snapshot.id})


def get(project_id: str) -> Project:
    snapshot = project_ref(project_id).get()
    if not snapshot.exists:
        raise NotFound("project not found")
    project = read_project(snapshot)
    if project.deleted_at is not None:
        raise NotFound("project not found")
    return project


def get_owned(owner_id: str, project_id: str) -> Project:
    project = get(project_id)
    if project.owner_id != owner_id:
        raise NotFound("project not found")
    return project


def generate(owner_id: str, request: GenerateRequest) -> Project:
    now = utcnow()
    project = Project(
        id=new_id(),
        owner_id=owner_id,
        prompt=request.prompt,
        style=request.style,
        title=request.title,
        auto_continue=request.auto_continue,
        pipeline=request.pipeline,
        budget=request.budget,  # a built-in run's: each scene is checked against it as it is paid
        status=ProjectStatus.RUNNING if request.pipeline == "built_in" else ProjectStatus.PENDING,
        created_at=now,
        updated_at=now,
    )
    batch = db.client().batch()
    if request.manifest_id is not None:
        manifest = manifest_ops.get_owned(owner_id, request.manifest_id)
        snapshots.create_in(batch, snapshots.of_manifest(project, manifest.id))
        # Usage is not content: no version bump, and an increment that concurrent generates share.
        batch.update(
            manifest_ops.manifest_ref(manifest.id), {"times_used": Increment(1), "last_used_at": now}
        )
    batch.create(project_ref(project.id), project.model_dump(exclude={"id"}))
    batch.commit(retry=db.CONTENDED)
    if project.pipeline == "built_in":
        start_film(project, request.target_duration_s)
    return project


def start_film(project: Project, target_duration_s: int | None = None) -> None:
    """Queue the built-in pipeline's first phase (docs/pipeline.md; a fork's storyboards the scenes
    it does not inherit); should the queue refuse, the project says so (failed) and the request is a
    503. A repeated call queues nothing twice (the job's id is derived from project and branch)."""
    job = StoryboardJob(
        id=StoryboardJob.id_for(project.id, project.branch),
        owner_id=project.owner_id,
        project_id=project.id,
        target_duration_s=target_duration_s,
        created_at=project.created_at,
    )
    try:
        lifecycle.submit(job, repeatable=True)
    except exceptions.AlreadyExists:
        return  # started already
    except lifecycle.QueueUnavailable:
        failed = {"status": ProjectStatus.FAILED.value, "error": lifecycle.NOT_QUEUED, "updated_at": utcnow()}
        project_ref(project.id).update(failed)
        raise


def update(owner_id: str, project_id: str, request: ProjectUpdate) -> Project:
    """Apply the owner's changes. A new `repair_budget` is checked against what repairs hold now
    (`repair_spent`: settled costs and running quotes) in the same transaction as the write, so a
    repair reserving at the same moment cannot slip under it (both read and write the project)."""
    changes = request.changes()
    budget = changes.get("repair_budget")
    if budget is not None:
        _require_dollars("repair_budget", budget)
    ref = project_ref(project_id)

    def write(transaction: Transaction) -> Project:
        project = owned.read(transaction, ref, read_project, "project", owner_id)
        if budget is not None and budget < project.repair_spent - 1e-9:
            raise _below_held(project, budget)
        fields = {**changes, "updated_at": utcnow()}
        transaction.update(ref, fields)
        return project.model_copy(update=fields)

    return db.run_transaction(write, serial_on=ref)


def _require_dollars(name: str, value: float) -> None:
    """A sum of money is a finite number >= 0, and not -0.0 (which `>= 0` lets through)."""
    if not math.isfinite(value) or value < 0 or math.copysign(1.0, value) < 0:
        raise ValidationFailed(
            f"{name} must be a finite number of dollars, 0 or more",
            [{"loc": [name], "msg": "must be a finite number >= 0 (not -0.0)", "type": "dollars"}],
        )


def _below_held(project: Project, budget: float) -> Conflict:
    """A budget under what repairs already spent or hold: 409 with the figures."""
    held = _held_by_running_repairs(project.id)
    spent = round(project.repair_spent, 6)
    return Conflict(
        f"a repair_budget of ${budget:.4f} is below the ${spent:.4f} this project's repairs have spent "
        f"or hold (${held:.4f} held by running repairs); ask for ${spent:.4f} or more, or wait for "
        "the running repairs to finish",
        {"repair_budget": budget, "repair_spent": spent, "held": held},
    )


def _held_by_running_repairs(project_id: str) -> float:
    """The quotes held by the project's repairs that have not settled yet (their part of
    `repair_spent`), for the figures of a refusal."""
    query = (
        db.jobs()
        .where(filter=FieldFilter("project_id", "==", project_id))
        .where(filter=FieldFilter("kind", "==", JobKind.REPAIR.value))
        .where(filter=FieldFilter("settled", "==", False))
    )
    return round(sum(float((s.to_dict() or {}).get("reserved", 0.0)) for s in query.stream()), 6)


def list_owned(owner_id: str) -> list[Project]:
    query = (
        db.projects()
        .where(filter=FieldFilter("owner_id", "==", owner_id))
        .where(filter=FieldFilter("deleted_at", "==", None))
        .order_by("created_at", direction=Query.DESCENDING)
        .limit(200)
    )
    return [read_project(s) for s in query.stream()]


def scene_at(project_id: str, index: int) -> Scene | None:
    """One scene of the project (None when the pipeline has not written it)."""
    found = scene_ref(project_id, index).get()
    return Scene.model_validate(found.to_dict() or {}) if found.exists else None


def scenes_of(project_id: str) -> list[Scene]:
    stream = project_ref(project_id).collection(db.SCENES).order_by("index").stream()
    return [Scene.model_validate(s.to_dict() or {}) for s in stream]


def snapshot_of(owner_id: str, project_id: str) -> tuple[Project, dict[str, Any], list[dict[str, Any]]]:
    project = get_owned(owner_id, project_id)
    if project.snapshot_id is None and project.manifest_id is not None:
        raise _snapshot_pending(project.manifest_id)
    if project.snapshot_id is None:
        raise NotFound("this project was generated without a manifest: it has no snapshot")
    snapshot, assets = snapshots.read(project.snapshot_id)
    return project, snapshot, assets


def attach_snapshot(project_id: str, manifest_id: str) -> None:
    """Give a project its snapshot of the manifest now, unless it has one (a fork whose new images
    the engine has just processed; a repeated call writes nothing)."""
    found = project_ref(project_id).get()
    if not found.exists:
        return
    project = read_project(found)
    if project.snapshot_id is not None:
        return
    snapshot = snapshots.of_manifest(project, manifest_id, allow_processing=True)
    batch = db.client().batch()
    snapshots.create_in(batch, snapshot)
    changes = {
        "snapshot_id": project.snapshot_id,
        "manifest_version": project.manifest_version,
        "updated_at": utcnow(),
    }
    batch.update(project_ref(project_id), changes)
    batch.update(manifest_ops.manifest_ref(manifest_id), {"snapshot_pending_for": None})
    batch.commit()
    if project.pipeline == "built_in" and project.status not in TERMINAL_STATUSES:
        start_film(project)  # a built-in fork's run starts once it has its cast


def _snapshot_pending(manifest_id: str) -> Conflict:
    """A fork whose new images the engine has not processed yet: where its manifest's run stands."""
    manifest = manifest_ops.read_manifest(manifest_ops.manifest_ref(manifest_id).get())
    message = "this fork's snapshot is written when its manifest's run succeeds; "
    message += f"the run is {manifest.status.value}"
    if manifest.error:
        message += f" ({manifest.error})"
    if manifest.status == ManifestStatus.ERROR:
        message += f"; start it again with POST /api/manifests/{manifest.id}/process"
    details = {"manifest_id": manifest.id, "status": manifest.status.value, "error": manifest.error}
    return Conflict(message, details)


# ---------------------------------------------------------------- the pipeline's writes
def record_progress(project_id: str, update: PipelineProjectUpdate) -> Project:
    get(project_id)
    ref = project_ref(project_id)
    ref.update({**update.changes(), "updated_at": utcnow()})
    return read_project(ref.get())


def record_scene(project_id: str, index: int, update: PipelineSceneUpdate) -> Scene:
    get(project_id)
    now = utcnow()
    changes = update.changes()
    scene_ref(project_id, index).set({**changes, "index": index, "updated_at": now}, merge=True)
    project_ref(project_id).update({"updated_at": now})
    return Scene.model_validate(scene_ref(project_id, index).get().to_dict() or {})
