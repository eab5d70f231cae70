"""What the sweep would remove (`plan`): expired records, orphan documents and objects, stale pins.

Reads only: `removal.py` removes what a plan found, each item checked again first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from common.gcp import db, storage
from common.gcp.config import settings
from common.library import pins
from common.projects import snapshots
from common.records import utcnow

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


def plan(now: datetime | None = None) -> Plan:
    now = now or utcnow()
    settled_before = now - timedelta(seconds=settings().sweep_grace_s)
    found = Plan(at=now)
    manifests = {
        s.id: s.to_dict() or {} for s in db.manifests().select(["deleted_at", "contact_sheet_path"]).stream()
    }
    found.expired_manifests = [i for i, m in manifests.items() if expired(m, now)]
    projects = {
        s.id: s.to_dict() or {}
        for s in db.projects().select(["deleted_at", "snapshot_id", "cover_path"]).stream()
    }
    found.expired_projects = [i for i, p in projects.items() if expired(p, now)]
    assets = {
        s.id: s.to_dict() or {}
        for s in db.assets().select(["manifest_id", "updated_at", "view_paths", *ASSET_PATHS]).stream()
    }
    _orphan_documents(found, manifests, assets, settled_before)
    staying_projects = {i: p for i, p in projects.items() if i not in found.expired_projects}
    staying_pins = _stale_pins(found, staying_projects, settled_before)
    # A fork's cover may be its parent's checkpoint media: it stays while the fork lives.
    covers = {p["cover_path"] for p in staying_projects.values() if p.get("cover_path")}
    found.orphan_objects = _orphan_objects(
        assets, manifests, found, staying_pins, settled_before, covers=covers
    )
    return found


def _orphan_documents(
    found: Plan, manifests: dict[str, Any], assets: dict[str, dict[str, Any]], settled_before: datetime
) -> None:
    """Assets and face index segments of no manifest, faces of no asset, and snapshot chunks whose
    snapshot was never committed: each settled (older than the grace period)."""
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


def _stale_pins(
    found: Plan, staying_projects: dict[str, dict[str, Any]], settled_before: datetime
) -> set[str]:
    """Finds the settled pins no staying project's snapshot needs; returns the pins that stay."""
    live_snapshots = [p["snapshot_id"] for p in staying_projects.values() if p.get("snapshot_id")]
    needed = _pinned_folders(live_snapshots)
    pinned = list(db.object_pins().stream())
    found.stale_pins = [
        (s.id, s.update_time)
        for s in pinned
        if s.id not in needed and _before((s.to_dict() or {}).get("pinned_at"), settled_before)
    ]
    return {s.id for s in pinned} - {folder for folder, _ in found.stale_pins}


def expired(doc: dict[str, Any], at: datetime) -> bool:
    """A soft-deleted record past the retention period, as of `at`."""
    return _before(doc.get("deleted_at"), at - timedelta(days=settings().sweep_retention_days))


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
