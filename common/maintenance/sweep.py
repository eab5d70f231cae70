"""The sweep: remove what no live record references, so nothing the service stored leaks forever.

It finds (`plan`) and then removes (`apply`):
- soft-deleted manifests and projects past the retention period (`SWEEP_RETENTION_DAYS`, 30):
  a manifest with its assets, faces and tag claims; a project with its scenes, snapshot and
  checkpoints (their versions and media);
- orphan documents older than the grace period (`SWEEP_GRACE_S`, an hour: writes in flight are
  never touched): assets of a manifest that does not exist (an interrupted duplicate), faces of an
  asset that does not exist, snapshot chunks of a snapshot that was never committed;
- pins no snapshot needs any more, and stored objects no record references: reference images and
  thumbnails (assets), contact sheets (manifests), checkpoint media (artifact versions). Objects
  in a pinned folder are never removed.

Every item is checked again right before it is removed, against the records as they are then, so a
duplicate, fork or upload written during the sweep keeps what it references; a pin is removed with
a precondition on its last write, so a snapshot pinning it meanwhile wins. Running it twice removes
nothing more. `plan` alone is the dry run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from google.api_core import exceptions
from google.cloud.firestore import FieldFilter

from common.gcp import db, storage
from common.gcp.config import settings
from common.library import assets as asset_ops
from common.library import face_index, pins
from common.projects import snapshots
from common.records import Input, utcnow

log = logging.getLogger(__name__)

ASSET_PATHS = ("image_path", "thumbnail_path", "pending_upload_path")


@dataclass
class Plan:
    """What the sweep would remove (ids, or bucket/path of objects)."""

    at: datetime
    expired_manifests: list[str] = field(default_factory=list)
    expired_projects: list[str] = field(default_factory=list)
    orphan_assets: list[str] = field(default_factory=list)
    orphan_faces: list[str] = field(default_factory=list)
    orphan_face_segments: list[str] = field(default_factory=list)  # face index of no manifest
    orphan_snapshots: list[str] = field(default_factory=list)  # chunks whose snapshot never came
    stale_pins: list[tuple[str, datetime]] = field(default_factory=list)  # folder, its last write seen
    orphan_objects: list[tuple[str, str]] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        found = {k: v for k, v in asdict(self).items() if k != "at"}
        return {"at": self.at.isoformat(), "counts": {k: len(v) for k, v in found.items()}, **found}


@dataclass
class Outcome:
    removed: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)  # found by the plan, referenced again since

    def count(self, kind: str, removed: bool) -> None:
        target = self.removed if removed else self.kept
        target[kind] = target.get(kind, 0) + 1


class SweepRequest(Input):
    """The scheduler's body: `{"dry_run": true}` only lists what a run would remove."""

    dry_run: bool = False


def run(*, dry_run: bool) -> dict[str, Any]:
    """The scheduled job: plan, and unless `dry_run`, apply. Returns the report."""
    found = plan()
    report = found.report()
    if not dry_run:
        outcome = apply(found)
        report.update(removed=outcome.removed, kept=outcome.kept)
    log.info("sweep", extra={"dry_run": dry_run, "counts": report["counts"]})
    return report


# ---------------------------------------------------------------- plan
def plan(now: datetime | None = None) -> Plan:
    now = now or utcnow()
    cfg = settings()
    settled_before = now - timedelta(seconds=cfg.sweep_grace_s)
    found = Plan(at=now)
    manifests = {
        s.id: s.to_dict() or {} for s in db.manifests().select(["deleted_at", "contact_sheet_path"]).stream()
    }
    found.expired_manifests = [i for i, m in manifests.items() if _expired(m, now)]
    projects = {
        s.id: s.to_dict() or {}
        for s in db.projects().select(["deleted_at", "snapshot_id", "cover_path"]).stream()
    }
    found.expired_projects = [i for i, p in projects.items() if _expired(p, now)]

    assets = {
        s.id: s.to_dict() or {}
        for s in db.assets().select(["manifest_id", "updated_at", "view_paths", *ASSET_PATHS]).stream()
    }
    found.orphan_assets = [
        i
        for i, a in assets.items()
        if a.get("manifest_id") not in manifests and _before(a.get("updated_at"), settled_before)
    ]
    found.orphan_faces = [
        s.id
        for s in db.faces().select(["at"]).stream()
        if s.id not in assets and _before((s.to_dict() or {}).get("at"), settled_before)
    ]
    found.orphan_face_segments = [
        s.id
        for s in db.face_index().select(["manifest_id", "updated_at"]).stream()
        if (s.to_dict() or {}).get("manifest_id") not in manifests
        and _before((s.to_dict() or {}).get("updated_at"), settled_before)
    ]
    # Chunks whose snapshot document was never committed hang under a missing document.
    committed = {s.id for s in db.snapshots().select([]).stream()}
    found.orphan_snapshots = [
        ref.id
        for ref in db.snapshots().list_documents()
        if ref.id not in committed
        and all(
            _before((c.to_dict() or {}).get("at"), settled_before, missing=True)
            for c in ref.collection(db.CHUNKS).select(["at"]).stream()
        )
    ]
    live_snapshots = [
        p["snapshot_id"]
        for i, p in projects.items()
        if p.get("snapshot_id") and i not in found.expired_projects
    ]
    needed = _pinned_folders(live_snapshots)
    pinned = list(db.object_pins().stream())
    found.stale_pins = [
        (s.id, s.update_time)
        for s in pinned
        if s.id not in needed and _before((s.to_dict() or {}).get("pinned_at"), settled_before)
    ]
    staying = {s.id for s in pinned} - {folder for folder, _ in found.stale_pins}
    # A fork's cover may be its parent's checkpoint media: it stays while the fork lives.
    covers = {
        p["cover_path"]
        for i, p in projects.items()
        if p.get("cover_path") and i not in found.expired_projects
    }
    found.orphan_objects = _orphan_objects(assets, manifests, found, staying, settled_before, covers=covers)
    return found


def _before(value: Any, moment: datetime, *, missing: bool = False) -> bool:
    """A timestamp field older than `moment`; `missing` says what an absent one counts as."""
    return isinstance(value, datetime) and value < moment if value is not None else missing


def _pinned_folders(snapshot_ids: list[str]) -> set[str]:
    """The manifest folders the given snapshots point into (recorded on each snapshot)."""
    folders: set[str] = set()
    for snapshot_id in snapshot_ids:
        doc = db.snapshots().document(snapshot_id).get().to_dict() or {}
        folders.update(doc.get("pinned_folders") or [])
        if "pinned_folders" not in doc:  # written before snapshots listed their folders: read them
            _, assets = snapshots.read(snapshot_id)
            paths = snapshots.objects_of(doc.get("manifest", {}), assets)
            folders.update(f for f in (pins.folder_of(p) for p in paths if p) if f)
    return folders


def _orphan_objects(
    assets: dict[str, dict[str, Any]],
    manifests: dict[str, dict[str, Any]],
    found: Plan,
    staying_pins: set[str],
    settled_before: datetime,
    *,
    covers: set[str],
) -> list[tuple[str, str]]:
    """Objects older than the grace period that no record references (records the plan removes do
    not count; `covers`: the cover_path of every project that stays) and that no pin that stays
    protects."""
    cfg = settings()
    going_assets = set(found.orphan_assets) | {
        i for i, a in assets.items() if a.get("manifest_id") in found.expired_manifests
    }
    referenced = {a.get(k) for i, a in assets.items() if i not in going_assets for k in ASSET_PATHS}
    referenced |= {p for i, a in assets.items() if i not in going_assets for p in a.get("view_paths") or []}
    referenced |= {
        m.get("contact_sheet_path") for i, m in manifests.items() if i not in found.expired_manifests
    }
    referenced |= _checkpoint_media(exclude_projects=set(found.expired_projects))
    referenced |= covers
    out = []
    places = (
        (cfg.uploads_bucket, "manifests/"),
        (cfg.derived_bucket, "manifests/"),
        (cfg.derived_bucket, "checkpoints/"),
    )
    for bucket_name, prefix in places:
        for blob in storage.bucket(bucket_name).list_blobs(prefix=prefix):
            if blob.name in referenced or pins.folder_of(blob.name) in staying_pins:
                continue
            if blob.updated is not None and blob.updated >= settled_before:
                continue  # just written: its record may be on its way
            out.append((bucket_name, blob.name))
    return out


def _checkpoint_media(exclude_projects: set[str]) -> set[str]:
    paths: set[str] = set()
    for checkpoint in db.checkpoints().select(["project_id"]).stream():
        if (checkpoint.to_dict() or {}).get("project_id") in exclude_projects:
            continue
        for version in checkpoint.reference.collection(db.VERSIONS).select(["media_path"]).stream():
            if path := (version.to_dict() or {}).get("media_path"):
                paths.add(path)
    return paths


# ---------------------------------------------------------------- apply
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


def _expired(doc: dict[str, Any], at: datetime) -> bool:
    """A soft-deleted record past the retention period, as of `at`."""
    return _before(doc.get("deleted_at"), at - timedelta(days=settings().sweep_retention_days))


def _remove_manifest(manifest_id: str, at: datetime) -> bool:
    ref = db.manifests().document(manifest_id)
    if not _expired(ref.get().to_dict() or {}, at):
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
    if not _expired(doc, at):
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
