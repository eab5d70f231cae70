"""Immutable manifest snapshots for projects.

A snapshot is written once and never changed. It holds every asset field the engine produced,
embeddings included. A big manifest with embeddings outgrows Firestore's 1 MiB document limit, so
the assets are stored in chunk documents under the snapshot (each kept well below the limit), as
compressed JSON bytes: a snapshot is only ever read whole, and opaque bytes are neither indexed
(512 floats per face would blow the 40,000 index entries a document may have) nor slow to write.
The chunks are written first; nothing points at them until the snapshot document itself is
committed, in the same batch as the project that uses it.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from google.cloud import firestore
from google.cloud.firestore import FieldFilter

from common.errors import Conflict
from common.gcp import db
from common.ids import derived_id
from common.library import embeddings, pins
from common.library.models import ManifestStatus
from common.projects.models import Project
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, WriteBatch

CHUNK_BYTES = 900_000  # JSON per chunk before compression (Firestore's limit is 1 MiB a document)
COMMIT_BYTES = 3_000_000  # compressed, per commit (gRPC's limit is 4 MiB a message)
COMPRESSION = (
    1  # zlib's fastest level: 2-4x smaller (embeddings shrink least) at a sixth of the default's time
)


def _json(value: Any) -> bytes:
    return json.dumps(value, default=_encode, separators=(",", ":")).encode()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def snapshot_ref(snapshot_id: str) -> DocumentReference:
    return db.snapshots().document(snapshot_id)


def read_consistently(manifest_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The manifest document and all its assets (with their embeddings) as of one instant."""
    manifest_ref = db.manifests().document(manifest_id)

    @firestore.transactional
    def read(transaction: firestore.Transaction) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        manifest = manifest_ref.get(transaction=transaction).to_dict() or {}
        by_manifest = FieldFilter("manifest_id", "==", manifest_id)
        assets = [
            {**(s.to_dict() or {}), "id": s.id}
            for s in db.assets().where(filter=by_manifest).stream(transaction=transaction)
        ]
        faces = embeddings.of_manifest(manifest_id, transaction)
        for asset in assets:
            asset["face_embedding"] = faces[asset["id"]].embedding if asset["id"] in faces else None
        return manifest, assets

    return read(db.client().transaction(read_only=True))


def chunks(assets: list[dict[str, Any]]) -> list[list[bytes]]:
    """The assets in display order, each encoded once as JSON, grouped into chunks of at most
    CHUNK_BYTES."""
    out: list[list[bytes]] = [[]]
    size = 0
    for asset in sorted(assets, key=lambda a: (a.get("sort_order", 0), str(a.get("created_at")), a["id"])):
        encoded = _json(asset)
        if out[-1] and size + len(encoded) > CHUNK_BYTES:
            out.append([])
            size = 0
        out[-1].append(encoded)
        size += len(encoded)
    return out


def write_chunks(snapshot_id: str, assets: list[dict[str, Any]]) -> int:
    """Store the assets under the (not yet existing) snapshot; returns the number of chunks."""
    parts = chunks(assets)
    base = snapshot_ref(snapshot_id).collection(db.CHUNKS)
    batch, pending = db.client().batch(), 0
    for n, part in enumerate(parts):
        data = zlib.compress(b"[" + b",".join(part) + b"]", COMPRESSION)
        if pending and pending + len(data) > COMMIT_BYTES:
            batch.commit(retry=db.CONTENDED)
            batch, pending = db.client().batch(), 0
        # set, not create: a retried write may find its own earlier chunks (invisible until committed)
        batch.set(base.document(f"{n:05d}"), {"n": n, "count": len(part), "data": data, "at": utcnow()})
        pending += len(data)
    batch.commit(retry=db.CONTENDED)
    return len(parts)


def snapshot_id(project_id: str) -> str:
    """A project has at most one snapshot, named after it: a retried write names the same documents."""
    return derived_id("snapshot", project_id)


def of_manifest(project: Project, manifest_id: str, *, allow_processing: bool = False) -> dict[str, Any]:
    """`for_project`, from the manifest as it is now (refused while it is being processed, unless
    the caller is the run itself)."""
    doc, assets = read_consistently(manifest_id)
    if doc.get("status") == ManifestStatus.PROCESSING.value and not allow_processing:
        raise Conflict("the manifest is being processed; start the project when it is READY")
    return for_project(project, manifest_id, doc, assets)


def for_project(
    project: Project, manifest_id: str, doc: dict[str, Any], assets: list[dict[str, Any]]
) -> dict[str, Any]:
    """Write the chunks of `project`'s snapshot of a manifest (its document and its assets, with
    `face_embedding`) and point the project at it. Returns the snapshot document, which the caller
    creates (`create_in`) in the same commit that makes the project use it."""
    sid = snapshot_id(project.id)
    # Snapshots share the live objects: their folders are not collected while a snapshot needs them.
    folders = pins.pin(objects_of(doc, assets))
    count = write_chunks(sid, assets)
    private = ("owner_id", "tag_high", "processing", "deleted_at", "snapshot_pending_for")
    public = {k: v for k, v in doc.items() if k not in private}
    version = int(doc.get("version", 1))
    project.manifest_id, project.snapshot_id, project.manifest_version = manifest_id, sid, version
    return {
        "manifest_id": manifest_id,
        "manifest_version": version,
        "manifest": {**public, "id": manifest_id},
        "asset_count": len(assets),
        "chunk_count": count,
        "pinned_folders": folders,  # what the sweep keeps pinned for this snapshot
        "project_id": project.id,
        "owner_id": project.owner_id,
        "created_at": utcnow(),
    }


def objects_of(manifest: dict[str, Any], assets: list[dict[str, Any]]) -> list[str | None]:
    """The stored objects a snapshot shows: its contact sheet and every asset's image and thumbnail."""
    images = [a.get(field) for a in assets for field in ("image_path", "thumbnail_path")]
    return [manifest.get("contact_sheet_path"), *images]


def create_in(batch: WriteBatch, snapshot: dict[str, Any]) -> None:
    batch.create(snapshot_ref(snapshot_id(snapshot["project_id"])), snapshot)


def read(snapshot_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    snapshot = snapshot_ref(snapshot_id).get().to_dict() or {}
    parts = snapshot_ref(snapshot_id).collection(db.CHUNKS).order_by("n").stream()
    assets = [
        asset for part in parts for asset in json.loads(zlib.decompress((part.to_dict() or {})["data"]))
    ]
    return snapshot, assets
