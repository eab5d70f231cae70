"""Face search across one owner's library on the emulator: the face index vs Firestore's find_nearest.

FACES (50,000) faces of PEOPLE (10,000) synthetic people for one owner, in manifests of
PER_MANIFEST (100) faces, plus OTHER_FACES of another owner that must never come back. Then
QUERIES searches, each a new photo of a known person (a person's direction plus noise).

- **face index** (common/library/face_index.py, what the API searches): segments written as a run
  writes them; the first search of a fresh process reads them all (cold), later ones revalidate
  with one query and search in numpy (warm). Top-10 p50/p95 and recall@10 against exact float32
  numpy search; and the whole `face_search.matches` path, which also reads the hits' assets and
  manifests to keep only live ones.
- **find_nearest** (Firestore's vector search, owner pre-filter, cosine): the same kind of faces
  as 512-d Vectors, FIND_NEAREST_FACES (10,000) of them: the emulator stores Vectors at ~110/s, so
  50,000 would take 8 minutes to write; its latency grows linearly (measured at 2k and 10k).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from devstack.emulators import Stack

FACES = int(os.environ.get("FACES", "50000"))
PEOPLE = int(os.environ.get("PEOPLE", str(max(1, FACES // 5))))
PER_MANIFEST = int(os.environ.get("PER_MANIFEST", "100"))
OTHERS = int(os.environ.get("OTHER_FACES", "2000"))
QUERIES = int(os.environ.get("QUERIES", "60"))
FIND_NEAREST_FACES = int(os.environ.get("FIND_NEAREST_FACES", "10000"))
DIM = 512
TOP = 10


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def library(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Faces (each a person's direction plus noise: same-person cosine ~0.8), and queries."""
    people = unit(rng.standard_normal((PEOPLE, DIM)).astype(np.float32))
    who = rng.integers(0, PEOPLE, FACES)
    faces = unit(people[who] + 0.5 * unit(rng.standard_normal((FACES, DIM)).astype(np.float32)))
    asked = rng.integers(0, PEOPLE, QUERIES)
    queries = unit(people[asked] + 0.5 * unit(rng.standard_normal((QUERIES, DIM)).astype(np.float32)))
    return faces, queries, unit(rng.standard_normal((OTHERS, DIM)).astype(np.float32))


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


def write_library(faces: np.ndarray, others: np.ndarray) -> tuple[list[str], float]:
    """Segments and minimal live assets and manifests, as runs leave them; returns the face ids."""
    from common.gcp import db
    from common.ids import new_id
    from common.library import face_index
    from common.records import utcnow

    now = utcnow()
    ids = [new_id() for _ in range(len(faces))]
    started = time.perf_counter()
    writes: db.Writes = []
    for owner, vectors, names in (("owner", faces, ids), ("other", others, [new_id() for _ in others])):
        for first in range(0, len(vectors), PER_MANIFEST):
            manifest = new_id()
            chunk = list(
                zip(names[first : first + PER_MANIFEST], vectors[first : first + PER_MANIFEST], strict=True)
            )
            writes += face_index.segment_writes(manifest, owner, [(i, None, v.tolist()) for i, v in chunk])
            writes.append(
                (
                    db.manifests().document(manifest),
                    {
                        "owner_id": owner,
                        "name": f"Cast {first}",
                        "category": "CHARACTERS",
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            )
            for n, (face_id, _) in enumerate(chunk):
                writes.append(
                    (
                        db.assets().document(face_id),
                        {
                            "owner_id": owner,
                            "manifest_id": manifest,
                            "name": f"face {n}",
                            "asset_type": "CHARACTER",
                            "manifest_tag": f"CHAR_{n + 1:02d}",
                            "is_face_crop": True,
                            "created_at": now,
                            "updated_at": now,
                        },
                    )
                )
    db.set_all(writes)
    return ids, time.perf_counter() - started


def bench_index(faces: np.ndarray, queries: np.ndarray, others: np.ndarray) -> None:
    from common.library import face_index, face_search

    ids, written = write_library(faces, others)
    position = {face_id: n for n, face_id in enumerate(ids)}
    print(
        f"wrote {FACES} faces in {FACES // PER_MANIFEST} manifests (+ {OTHERS} of another owner), "
        f"segments and assets, in {written:.1f} s"
    )
    face_index.forget_all()
    started = time.perf_counter()
    face_index.nearest("owner", [queries[0]], TOP)
    cold = time.perf_counter() - started
    latencies, recalls, leaks, full = [], [], 0, []
    for query in queries:
        started = time.perf_counter()
        (hits,) = face_index.nearest("owner", [query], TOP)
        latencies.append(time.perf_counter() - started)
        leaks += sum(1 for h in hits if h.asset_id not in position)
        exact = set(np.argpartition(-(faces @ query), TOP)[:TOP].tolist())
        recalls.append(len(exact & {position.get(h.asset_id, -1) for h in hits}) / TOP)
        started = time.perf_counter()
        (found,) = face_search.matches("owner", [query.tolist()], TOP, min_similarity=-1.0)
        full.append(time.perf_counter() - started)
        assert len(found) == TOP
    numpy_times = []
    for query in queries:
        started = time.perf_counter()
        np.argpartition(-(faces @ query), TOP)[:TOP]
        numpy_times.append(time.perf_counter() - started)
    print(
        f"face index, {FACES} faces: top-{TOP} warm {percentiles(latencies)} over {QUERIES} queries "
        f"(goal p95 <= 300 ms); recall@{TOP} vs exact {statistics.mean(recalls):.3f} (goal >= 0.95); "
        f"other owner's faces returned: {leaks}"
    )
    print(
        f"  first search of a fresh process (reads every segment): {cold * 1000:.0f} ms; "
        f"whole search with live checks (face_search.matches): {percentiles(full)}"
    )
    print(
        f"  exact numpy alone over the {FACES} x {DIM} matrix: "
        f"p50 {statistics.median(numpy_times) * 1000:.1f} ms "
        f"({faces.nbytes / 2**20:.0f} MiB held)"
    )


def bench_find_nearest(faces: np.ndarray, queries: np.ndarray, others: np.ndarray) -> None:
    from google.cloud.firestore import FieldFilter
    from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
    from google.cloud.firestore_v1.vector import Vector

    from common.gcp import db

    collection = db.client().collection("face_search_bench")
    mine = faces[:FIND_NEAREST_FACES]
    started = time.perf_counter()
    for owner, vectors in (("owner", mine), ("other", others)):
        db.set_all(
            [
                (collection.document(f"{owner}-{i}"), {"owner_id": owner, "embedding": Vector(v.tolist())})
                for i, v in enumerate(vectors)
            ]
        )
    written = time.perf_counter() - started
    latencies, recalls, leaks = [], [], 0
    for query in queries:
        started = time.perf_counter()
        found = (
            collection.where(filter=FieldFilter("owner_id", "==", "owner"))
            .find_nearest(
                vector_field="embedding",
                query_vector=Vector(query.tolist()),
                distance_measure=DistanceMeasure.COSINE,
                limit=TOP,
            )
            .get()
        )
        latencies.append(time.perf_counter() - started)
        got = [s.id for s in found]
        leaks += sum(1 for i in got if not i.startswith("owner-"))
        exact = {f"owner-{i}" for i in np.argpartition(-(mine @ query), TOP)[:TOP]}
        recalls.append(len(exact & set(got)) / TOP)
    print(
        f"find_nearest, {len(mine)} faces as Vectors (written at {len(mine) / written:.0f}/s): top-{TOP} "
        f"{percentiles(latencies)}; recall@{TOP} {statistics.mean(recalls):.3f}; other owner's faces: {leaks}"
    )


def main() -> None:
    rng = np.random.default_rng(16)
    faces, queries, others = library(rng)
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            os.environ.update(stack.env())
            bench_index(faces, queries, others)
            if FIND_NEAREST_FACES:
                bench_find_nearest(faces, queries, others)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
