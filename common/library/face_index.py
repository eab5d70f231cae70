"""The owner's face index: every identifiable face of their manifests, searchable by similarity.

Stored as **segments**, one per manifest (more when a manifest holds more faces than one document
can): the face asset ids and their unit embeddings packed as float16 (1 KiB a face, so ~800 faces
fit Firestore's 1 MiB document). A segment has one writer, the manifest's processing run (or the
copy that made the manifest), so owners' runs never contend for a document; each write carries a
new `version`.

A search holds the owner's segments in memory as float32 matrices and revalidates them before
answering with one document read: the owner's **head**, whose version every writer moves after its
segments are committed (`commit`, `rebuild`, the drops). Only when the head moved does the search
list the segments (ids and versions: a read per segment, which production bills) and read again
those written since. A head is moved after the segments it announces, so a search that sees the new
head sees them; one that sees the old head answers as if the write had not happened yet.
Exact cosine search over them in numpy then costs milliseconds at 50,000 faces, where Firestore's
`find_nearest` on the emulator scans each vector in ~14 µs plus a fixed ~165 ms
(bench/face_search.py measures both). Results are checked against live assets by the caller
(face_search.py), so a face deleted a moment ago never comes back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from google.cloud.firestore import FieldFilter

from common.gcp import db
from common.gcp.config import settings
from common.ids import derived_id, new_id
from common.library import embeddings
from common.records import utcnow

if TYPE_CHECKING:
    import numpy as np

DIM = 512
SEGMENT_FACES = 800  # 800 x 1 KiB of float16, ids beside: well under Firestore's 1 MiB a document


def segment_id(manifest_id: str, part: int) -> str:
    return derived_id(manifest_id, "face_index", part)


def rebuild(manifest_id: str, owner_id: str, faces: Mapping[str, embeddings.StoredFace]) -> int:
    """Write the manifest's segments from its stored faces of live face assets (the caller leaves
    out a deleted asset's face document, which stays until the sweep). Returns the faces indexed."""
    entries = [(i, f.source_asset_id, f.embedding) for i, f in faces.items()]
    writes = segment_writes(manifest_id, owner_id, entries)
    db.set_all(writes)
    _drop_segments(manifest_id, keep=len(writes))
    touch(owner_id)
    return sum(len(doc["ids"]) for _, doc in writes)


def commit(writes: db.Writes, owner_id: str) -> None:
    """Commit writes that hold segments (`segment_writes`, with whatever goes with them), then move
    the owner's head: warm searches read them from their next search on."""
    db.set_all(writes)
    touch(owner_id)


def touch(owner_id: str) -> None:
    """Move the owner's head: the next search of every warm process lists the segments again."""
    db.face_index_heads().document(owner_id).set({"version": new_id(), "updated_at": utcnow()})


Entry = tuple[str, str | None, Sequence[float]]  # face asset id, the image it was cut from, embedding


def segment_writes(manifest_id: str, owner_id: str, entries: Sequence[Entry]) -> db.Writes:
    """The documents of a manifest's segments (a new manifest's copies write them with the rest)."""
    import numpy as np

    entries = sorted((e for e in entries if len(e[2]) == DIM), key=lambda e: e[0])
    now, writes = utcnow(), []
    for part, start in enumerate(range(0, len(entries), SEGMENT_FACES)):
        chunk = entries[start : start + SEGMENT_FACES]
        doc = {
            "owner_id": owner_id,
            "manifest_id": manifest_id,
            "version": new_id(),
            "ids": [e[0] for e in chunk],
            "sources": [e[1] or "" for e in chunk],
            "vectors": np.asarray([e[2] for e in chunk], dtype="<f2").tobytes(),
            "updated_at": now,
        }
        writes.append((db.face_index().document(segment_id(manifest_id, part)), doc))
    return writes


def drop_manifest(manifest_id: str) -> None:
    """Remove the manifest from its owner's index (it is gone for good)."""
    for owner_id in _drop_segments(manifest_id, keep=0):
        touch(owner_id)


def _drop_segments(manifest_id: str, keep: int) -> set[str]:
    """Delete the manifest's segments past the first `keep`; returns the owners of those deleted
    (whose heads the caller moves)."""
    wanted = {segment_id(manifest_id, part) for part in range(keep)}
    query = db.face_index().where(filter=FieldFilter("manifest_id", "==", manifest_id)).select(["owner_id"])
    owners = set()
    for snapshot in query.stream():
        if snapshot.id not in wanted:
            snapshot.reference.delete()
            owners.add((snapshot.to_dict() or {}).get("owner_id") or "")
    return owners - {""}


@dataclass(frozen=True)
class Hit:
    asset_id: str
    manifest_id: str
    source_asset_id: str | None
    similarity: float  # cosine


@dataclass
class _Segment:
    version: str
    manifest_id: str
    ids: list[str]
    sources: list[str]
    vectors: np.ndarray  # float32, one unit row a face


@dataclass
class OwnerIndex:
    """One owner's segments as read: each a float32 matrix, searched in turn (no stacked copy, so
    a refresh never holds two copies of the index)."""

    segments: dict[str, _Segment] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    head: str | None = None  # the owner's head version the segments were listed at

    @property
    def nbytes(self) -> int:
        return sum(int(s.vectors.nbytes) for s in self.segments.values())

    def refresh(self, owner_id: str) -> None:
        """Bring the segments up to date: the owner's head (one read); if it moved, one query for ids
        and versions, then only what changed. No head yet (an owner whose segments predate heads):
        list every time."""
        import numpy as np

        head = (db.face_index_heads().document(owner_id).get().to_dict() or {}).get("version")
        if head is not None and head == self.head:
            return
        listing = db.face_index().where(filter=FieldFilter("owner_id", "==", owner_id))
        current = {row["id"]: row["version"] for row in db.rows(listing.select(["version"]))}
        for gone in [i for i in self.segments if i not in current]:
            del self.segments[gone]
        stale = [i for i, v in current.items() if i not in self.segments or self.segments[i].version != v]
        # An empty get_all is still a round trip: a warm index with nothing changed makes none.
        for snapshot in db.client().get_all([db.face_index().document(i) for i in stale]) if stale else []:
            doc = snapshot.to_dict()
            if doc is None or doc.get("owner_id") != owner_id:  # deleted, or never the caller's
                self.segments.pop(snapshot.id, None)
                continue
            vectors = np.frombuffer(doc["vectors"], dtype="<f2").reshape(-1, DIM).astype(np.float32)
            self.segments[snapshot.id] = _Segment(
                doc["version"], doc["manifest_id"], doc["ids"], doc["sources"], vectors
            )
        self.head = head  # read before the listing: a write after it moves the head again

    def nearest(self, query: np.ndarray, limit: int, exclude_manifests: frozenset[str]) -> list[Hit]:
        import numpy as np

        parts = [p for p in self.segments.values() if p.manifest_id not in exclude_manifests and p.ids]
        if not parts:
            return []
        scores = np.concatenate([p.vectors @ query for p in parts])
        starts = np.cumsum([0] + [len(p.ids) for p in parts])
        count = min(limit, len(scores))
        top = np.argpartition(-scores, count - 1)[:count]
        hits = []
        for flat in top[np.argsort(-scores[top])]:
            part = int(np.searchsorted(starts, flat, side="right")) - 1
            segment, row = parts[part], int(flat - starts[part])
            hits.append(
                Hit(segment.ids[row], segment.manifest_id, segment.sources[row] or None, float(scores[flat]))
            )
        return hits


# Indexes held by this process, least recently searched first, within a memory budget.
_held: OrderedDict[str, OwnerIndex] = OrderedDict()
_held_lock = threading.Lock()


def _budget_bytes() -> int:
    return settings().face_index_cache_mb * 2**20


def nearest(
    owner_id: str,
    queries: Sequence[Sequence[float]],
    limit: int = 10,
    exclude_manifests: frozenset[str] = frozenset(),
) -> list[list[Hit]]:
    """For each query (a 512-d vector), the owner's `limit` most similar faces, best first; never
    another owner's (segments are read by owner and checked again on arrival). The index is brought
    up to date once for all the queries."""
    import numpy as np

    vectors = np.asarray(queries, dtype=np.float32).reshape(len(queries), DIM)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    with _held_lock:
        index = _held.pop(owner_id, None) or OwnerIndex()
        _held[owner_id] = index  # most recently used last
    with index.lock:
        index.refresh(owner_id)
        hits = [index.nearest(vector, limit, exclude_manifests) for vector in vectors]
    _evict()
    return hits


def _evict() -> None:
    with _held_lock:
        while len(_held) > 1 and sum(i.nbytes for i in _held.values()) > _budget_bytes():
            _held.popitem(last=False)


def forget_all() -> None:
    """Drop every index this process holds (tests, benchmarks: a cold start)."""
    with _held_lock:
        _held.clear()
