"""Manifest operations: plain functions over Firestore, scoped to the caller's uid."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.cloud import firestore
from google.cloud.firestore import FieldFilter, Increment, Query

from common import cursors, owned
from common.errors import Conflict, NotFound
from common.gcp import db
from common.ids import is_record_id, new_id
from common.library.models import (
    Manifest,
    ManifestCreate,
    ManifestListQuery,
    ManifestUpdate,
)
from common.library.progress_models import ProcessingCost
from common.records import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from google.cloud.firestore import DocumentReference, DocumentSnapshot

# sort key → (stored field, descending?)
SORTS: dict[str, tuple[str, bool]] = {
    "updated_at": ("updated_at", True),
    "name": ("sort_name", False),
    "times_used": ("times_used", True),
    "asset_count": ("asset_count", True),
}


STOPPED = "the manifest was deleted while it was processed: its run was stopped"
# Ends the manifest's run, if one holds it, inside the transaction that deletes or restarts it.
EndRun = Callable[[firestore.Transaction, Manifest, str, "datetime"], dict[str, Any]]


def manifest_ref(manifest_id: str) -> DocumentReference:
    return db.manifests().document(manifest_id)


def read_manifest(snapshot: DocumentSnapshot) -> Manifest:
    return Manifest.model_validate({**(snapshot.to_dict() or {}), "id": snapshot.id})


def get_owned(owner_id: str, manifest_id: str) -> Manifest:
    """The caller's live manifest; anyone else's, a deleted one, a missing one or a string that
    cannot be an id (a path, say) is 404 alike."""
    if not is_record_id(manifest_id):
        raise NotFound("manifest not found")
    snapshot = manifest_ref(manifest_id).get()
    if not snapshot.exists:
        raise NotFound("manifest not found")
    manifest = read_manifest(snapshot)
    if manifest.owner_id != owner_id or manifest.deleted_at is not None:
        raise NotFound("manifest not found")
    return manifest


def create(owner_id: str, data: ManifestCreate) -> Manifest:
    now = utcnow()
    manifest = Manifest(id=new_id(), owner_id=owner_id, created_at=now, updated_at=now, **data.model_dump())
    manifest_ref(manifest.id).create(to_doc(manifest))
    return manifest


def content_changed(now: datetime | None = None) -> dict[str, Any]:
    """What any change of a manifest or of its assets writes on the manifest: its version moves on
    (clients and snapshots compare it) and `updated_at` follows."""
    return {"version": Increment(1), "updated_at": now or utcnow()}


def update(owner_id: str, manifest_id: str, patch: ManifestUpdate) -> Manifest:
    get_owned(owner_id, manifest_id)
    changes = patch.changes()
    if "name" in changes:
        changes["sort_name"] = changes["name"].casefold()
    ref = manifest_ref(manifest_id)
    ref.update({**changes, **content_changed()})
    return read_manifest(ref.get())


def soft_delete(owner_id: str, manifest_id: str, end_run: EndRun) -> None:
    """Hide the manifest; refused while a live project uses it (checked and written atomically).
    A run in progress ends in the same commit (`end_run`, common/jobs: what the manifest's document
    writes for it), so it writes nothing after the delete and the manifest never stays PROCESSING."""
    ref = manifest_ref(manifest_id)

    def delete(transaction: firestore.Transaction) -> None:
        manifest = owned.read(transaction, ref, read_manifest, "manifest", owner_id)
        user = live_project_using(manifest_id, transaction)
        if user is not None:
            raise Conflict(
                f"{_called(user.to_dict() or {})} uses this manifest: delete that project first",
                {"project_id": user.id},
            )
        now = utcnow()
        ended = end_run(transaction, manifest, STOPPED, now)
        transaction.update(ref, {"deleted_at": now, **content_changed(now), **ended})

    db.run_transaction(delete)


def _called(project: dict[str, Any]) -> str:
    """A project as a refusal names it: by its title, else its prompt's start."""
    prompt = " ".join(str(project.get("prompt") or "").split())
    name = project.get("title") or (prompt if len(prompt) <= 40 else f"{prompt[:40]}\u2026")
    return f"the project \u201c{name}\u201d" if name else "a project"


def live_project_using(manifest_id: str, transaction: Any = None) -> Any | None:
    """A live project that uses the manifest (its document), or None: the one place that knows how
    projects point at manifests (`projects.manifest_id`)."""
    query = (
        db.projects()
        .where(filter=FieldFilter("manifest_id", "==", manifest_id))
        .where(filter=FieldFilter("deleted_at", "==", None))
        .limit(1)
    )
    return next(iter(query.stream(transaction=transaction)), None)


def list_owned(owner_id: str, query: ManifestListQuery) -> tuple[list[Manifest], str | None]:
    """One page of the caller's live manifests and the cursor of the next page (None at the end)."""
    field, descending = SORTS[query.sort]
    direction = Query.DESCENDING if descending else Query.ASCENDING
    q = (
        db.manifests()
        .where(filter=FieldFilter("owner_id", "==", owner_id))
        .where(filter=FieldFilter("deleted_at", "==", None))
    )
    if query.category is not None:
        q = q.where(filter=FieldFilter("category", "==", query.category.value))
    if query.status is not None:
        q = q.where(filter=FieldFilter("status", "==", query.status.value))
    q = q.order_by(field, direction=direction).order_by("__name__", direction=direction)
    if query.cursor:
        (value,), last_id = cursors.decode(query.cursor, f"manifests:{query.sort}", 1)
        q = q.start_after({field: value, "__name__": manifest_ref(last_id)})
    snapshots = list(q.limit(query.limit + 1).stream())
    page = [read_manifest(s) for s in snapshots[: query.limit]]
    if len(snapshots) <= query.limit:
        return page, None
    last = snapshots[query.limit - 1]
    return page, cursors.encode(f"manifests:{query.sort}", [last.get(field)], last.id)


def to_doc(manifest: Manifest) -> dict[str, Any]:
    doc = manifest.model_dump(exclude={"id"})
    doc["sort_name"] = manifest.name.casefold()
    return doc


def cost_increments(spent: ProcessingCost) -> dict[str, Any]:
    """Server-side increments that add `spent` to a manifest's costs (concurrent writers add up)."""
    fields: dict[str, Any] = {
        f"cost_breakdown.{name}": Increment(value) for name, value in spent.model_dump().items() if value
    }
    if spent.total:
        fields["total_processing_cost"] = Increment(spent.total)
    return fields
