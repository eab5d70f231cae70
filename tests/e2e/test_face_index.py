"""The owner's face index on the emulator: segments, their refresh in a warm process, owners apart."""

from __future__ import annotations

import numpy as np
import pytest
from google.cloud.firestore import FieldFilter

from common.gcp import db
from common.ids import new_id
from common.library import embeddings, face_index
from common.records import utcnow


def unit(rng: np.random.Generator, count: int) -> np.ndarray:
    rows = rng.standard_normal((count, face_index.DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def store(manifest_id: str, owner_id: str, vectors: np.ndarray) -> list[str]:
    ids = [new_id() for _ in vectors]
    db.set_all(
        [
            (
                db.faces().document(i),
                embeddings.face_doc(manifest_id, owner_id, None, 0.9, v.tolist(), at=utcnow()),
            )
            for i, v in zip(ids, vectors, strict=True)
        ]
    )
    return ids


def stored_of(manifest_id: str, live: set[str]) -> dict[str, embeddings.StoredFace]:
    return {i: f for i, f in embeddings.of_manifest(manifest_id).items() if i in live}


def test_segments_split_refresh_and_keep_owners_apart(stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(face_index, "SEGMENT_FACES", 4)
    face_index.forget_all()
    rng = np.random.default_rng(7)
    alice, bob, manifest, bobs_manifest = new_id(), new_id(), new_id(), new_id()
    vectors = unit(rng, 10)
    ids = store(manifest, alice, vectors)
    assert face_index.rebuild(manifest, alice, stored_of(manifest, set(ids))) == 10
    segments = list(db.face_index().where(filter=FieldFilter("manifest_id", "==", manifest)).stream())
    assert len(segments) == 3  # 4 + 4 + 2
    bobs = store(bobs_manifest, bob, vectors[:3])  # bob holds copies of three of alice's faces
    face_index.rebuild(bobs_manifest, bob, stored_of(bobs_manifest, set(bobs)))

    # Exact search: each stored face finds itself first (float16 storage keeps the order), all
    # queries answered from one refresh.
    assert [hits[0].asset_id for hits in face_index.nearest(alice, vectors, limit=1)] == ids
    for i, vector in enumerate(vectors):
        hits = face_index.nearest(alice, [vector], limit=3)[0]
        assert hits[0].asset_id == ids[i] and hits[0].similarity == pytest.approx(1.0, abs=2e-3)
        assert all(h.manifest_id == manifest for h in hits)
    assert {h.asset_id for h in face_index.nearest(bob, [vectors[0]], limit=10)[0]} == set(bobs)

    # A warm index sees a rebuild at its next search: removed faces go, the dropped segment too.
    kept = set(ids[:5])
    face_index.rebuild(manifest, alice, stored_of(manifest, kept))
    assert len(list(db.face_index().where(filter=FieldFilter("manifest_id", "==", manifest)).stream())) == 2
    assert {h.asset_id for h in face_index.nearest(alice, [vectors[9]], limit=10)[0]} == kept
    # A manifest left out of a search, and a manifest gone for good.
    assert face_index.nearest(alice, [vectors[0]], limit=3, exclude_manifests=frozenset({manifest})) == [[]]
    face_index.drop_manifest(manifest)
    assert face_index.nearest(alice, [vectors[0]], limit=3) == [[]]
    assert len(face_index.nearest(bob, [vectors[0]], limit=10)[0]) == 3


def test_a_warm_search_reads_only_the_head_until_a_writer_moves_it(
    stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production bills a read per segment listed: a warm index with nothing changed lists none."""
    face_index.forget_all()
    rng = np.random.default_rng(11)
    owner, first, second = new_id(), new_id(), new_id()
    vectors = unit(rng, 6)
    face_index.rebuild(first, owner, stored_of(first, set(store(first, owner, vectors[:3]))))
    face_index.nearest(owner, [vectors[0]])  # cold: lists and reads every segment

    listings = []
    real = db.face_index
    monkeypatch.setattr(db, "face_index", lambda: listings.append(1) or real())
    for vector in vectors[:3]:
        assert face_index.nearest(owner, [vector], limit=1)[0][0].similarity == pytest.approx(1.0, abs=2e-3)
    assert listings == []  # three warm searches: the head only

    # A writer's segments (a copy's, committed with the rest) are seen at the next search...
    copied = store(second, owner, vectors[3:])
    writes = face_index.segment_writes(
        second, owner, [(i, None, v.tolist()) for i, v in zip(copied, vectors[3:], strict=True)]
    )
    face_index.commit(writes, owner)
    assert face_index.nearest(owner, [vectors[4]], limit=1)[0][0].asset_id == copied[1]
    assert listings  # the head moved: listed again
    # ... and a drop too.
    face_index.drop_manifest(second)
    assert {h.manifest_id for h in face_index.nearest(owner, [vectors[4]], limit=10)[0]} == {first}
