"""Removing what a sweep's plan found (`apply`), each item checked again right before, against the
records as they are then; and whether any record references an object now (`referenced`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from google.api_core import exceptions
from google.cloud.firestore import FieldFilter

from common.gcp import db, storage
from common.gcp.config import settings
from common.library import assets as asset_ops
from common.library import face_index, pins
from common.maintenance.finding import ASSET_PATHS, Plan, expired


@dataclass
class Outcome:
    removed: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)  # found by the plan, referenced again since

    def count(self, kind: str, removed: bool) -> None:
        target = self.removed if removed else self.kept
        target[kind] = target.get(kind, 0) + 1


def apply(found: Plan) -> Outcome:
    """Remove what the plan found, each item checked again first against the records as they are."""
    outcome = Outcome()
    steps: tuple[tuple[str, list[Any], Callable[[Any, datetime], bool]], ...] = (
        ("manifests", found.expired_manifests, _remove_manifest),
        ("projects", found.expired_projects, _remove_project),
        ("assets", found.orphan_assets, _remove_orphan_asset),
        ("faces", found.orphan_faces, _remove_orphan_face),
        ("face_segments", found.orphan_face_segments, _remove_orphan_segment),
        ("snapshot_chunks", found.orphan_snapshots, _remove_orphan_snapshot),
        ("pins", found.stale_pins, _unpin),
        ("objects", found.orphan_objects, _remove_object),
    )
    for kind, items, remove in steps:
        for item in items:
            outcome.count(kind, remove(item, found.at))
    return outcome


def _remove_manifest(manifest_id: str, at: datetime) -> bool:
    ref = db.manifests().document(manifest_id)
    if not expired(ref.get().to_dict() or {}, at):
        return False
    for asset in db.assets().where(filter=FieldFilter("manifest_id", "==", manifest_id)).stream():
        db.faces().document(asset.id).delete()
        asset.reference.delete()
    face_index.drop_manifest(manifest_id)
    db.client().recursive_delete(ref)  # with its tag claims
    return True


def _remove_project(project_id: str, at: datetime) -> bool:
    ref = db.projects().document(project_id)
    doc = ref.get().to_dict() or {}
    if not expired(doc, at):
        return False
    client = db.client()
    if doc.get("snapshot_id"):
        client.recursive_delete(db.snapshots().document(doc["snapshot_id"]))
    for checkpoint in db.checkpoints().where(filter=FieldFilter("project_id", "==", project_id)).stream():
        client.recursive_delete(checkpoint.reference)  # artifacts, versions, markers
    client.recursive_delete(ref)  # with its scenes
    return True


def _remove_orphan_asset(asset_id: str, _at: datetime) -> bool:
    found = db.assets().document(asset_id).get()
    manifest_id = str((found.to_dict() or {}).get("manifest_id"))
    if not found.exists or db.manifests().document(manifest_id).get().exists:
        return False  # its manifest was committed since: a duplicate that finished
    db.faces().document(asset_id).delete()
    found.reference.delete()
    return True


def _remove_orphan_face(face_id: str, _at: datetime) -> bool:
    if db.assets().document(face_id).get().exists:
        return False
    db.faces().document(face_id).delete()
    return True


def _remove_orphan_segment(segment_id: str, _at: datetime) -> bool:
    ref = db.face_index().document(segment_id)
    doc = ref.get().to_dict() or {}
    if db.manifests().document(doc.get("manifest_id") or "").get().exists:
        return False  # its manifest was committed since: a duplicate that finished
    ref.delete()
    if doc.get("owner_id"):
        face_index.touch(doc["owner_id"])  # warm searches drop it from memory too
    return True


def _remove_orphan_snapshot(snapshot_id: str, _at: datetime) -> bool:
    ref = db.snapshots().document(snapshot_id)
    if ref.get().exists:
        return False  # committed since
    db.client().recursive_delete(ref)
    return True


def _remove_object(item: tuple[str, str], _at: datetime) -> bool:
    bucket_name, path = item
    if referenced(bucket_name, path):
        return False
    storage.delete(path, bucket_name=bucket_name)
    return True


def _unpin(pin: tuple[str, datetime], _at: datetime) -> bool:
    """Remove a pin unless it was written after the plan read it (a snapshot pinning it meanwhile)."""
    folder, seen = pin
    try:
        db.object_pins().document(folder).delete(option=db.client().write_option(last_update_time=seen))
    except (exceptions.FailedPrecondition, exceptions.NotFound):
        return False
    return True


def referenced(bucket_name: str, path: str) -> bool:
    """Whether any record references the object now (or a pin protects its folder)."""
    if pins.is_pinned(path):
        return True
    cfg = settings()
    if bucket_name == cfg.uploads_bucket and "/views/" in path:
        return asset_ops.in_use(path)
    if bucket_name == cfg.uploads_bucket:
        return any(
            any(True for _ in db.assets().where(filter=FieldFilter(field_name, "==", path)).limit(1).stream())
            for field_name in ASSET_PATHS
        )
    if path.startswith("manifests/"):
        query = db.manifests().where(filter=FieldFilter("contact_sheet_path", "==", path)).limit(1)
        return any(True for _ in query.stream())
    if any(True for _ in db.projects().where(filter=FieldFilter("cover_path", "==", path)).limit(1).stream()):
        return True  # a project's cover (a fork's may be media of its parent's checkpoint)
    checkpoint_id = path.split("/")[1] if path.count("/") >= 2 else ""
    versions = (
        db.checkpoints().document(checkpoint_id).collection(db.VERSIONS).select(["media_path"]).stream()
    )
    return any((v.to_dict() or {}).get("media_path") == path for v in versions)
