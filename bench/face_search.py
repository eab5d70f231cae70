"""Face search across one owner's library on the emulator: Firestore's find_nearest vs exact numpy.

Groundwork for issue 16 (face search): FACES (50,000) synthetic identities for one owner, plus
another owner's faces that must never come back, stored as 512-d Vectors; then QUERIES searches
(a stored face with noise, as a second photo of the same person would be). Prints find_nearest's
top-10 latency (p50/p95, owner pre-filter, cosine) and recall@10 against exact numpy search, the
time to write the faces, and numpy's own latency over the owner's matrix, side by side.
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
OTHERS = int(os.environ.get("OTHER_FACES", "2000"))
QUERIES = int(os.environ.get("QUERIES", "40"))
DIM = 512
COLLECTION = "face_search_bench"


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def write(vectors: np.ndarray, owner: str, offset: int) -> None:
    from google.cloud.firestore_v1.vector import Vector

    from common.gcp import db

    collection = db.client().collection(COLLECTION)
    db.set_all(
        [
            (collection.document(f"{owner}-{offset + i}"), {"owner_id": owner, "embedding": Vector(list(v))})
            for i, v in enumerate(vectors.tolist())
        ]
    )


def main() -> None:
    rng = np.random.default_rng(16)
    mine = unit(rng.standard_normal((FACES, DIM)).astype(np.float32))
    theirs = unit(rng.standard_normal((OTHERS, DIM)).astype(np.float32))
    picks = rng.choice(FACES, QUERIES, replace=False)
    queries = unit(mine[picks] + 0.6 * unit(rng.standard_normal((QUERIES, DIM)).astype(np.float32)))
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            os.environ.update(stack.env())
            from google.cloud.firestore import FieldFilter
            from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
            from google.cloud.firestore_v1.vector import Vector

            from common.gcp import db

            started = time.perf_counter()
            for first in range(0, FACES, 5000):
                write(mine[first : first + 5000], "owner", first)
            write(theirs, "other", 0)
            written = time.perf_counter() - started

            collection = db.client().collection(COLLECTION)
            latencies, recalls, leaks = [], [], 0
            for query in queries:
                started = time.perf_counter()
                found = (
                    collection.where(filter=FieldFilter("owner_id", "==", "owner"))
                    .find_nearest(
                        vector_field="embedding",
                        query_vector=Vector(query.tolist()),
                        distance_measure=DistanceMeasure.COSINE,
                        limit=10,
                    )
                    .get()
                )
                latencies.append(time.perf_counter() - started)
                ids = [s.id for s in found]
                leaks += sum(1 for i in ids if not i.startswith("owner-"))
                exact = {f"owner-{i}" for i in np.argsort(-(mine @ query))[:10]}
                recalls.append(len(exact & set(ids)) / 10)
            numpy_times = []
            for query in queries:
                started = time.perf_counter()
                np.argpartition(-(mine @ query), 10)[:10]
                numpy_times.append(time.perf_counter() - started)
        finally:
            stack.stop()
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"wrote {FACES} + {OTHERS} faces as Vectors in {written:.1f} s ({FACES / written:.0f}/s)")
    print(
        f"find_nearest top-10, owner pre-filter, cosine: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms over {QUERIES} queries (goal p95 <= 300 ms); "
        f"recall@10 vs exact {statistics.mean(recalls):.3f} (goal >= 0.95); "
        f"other owner's faces returned: {leaks}"
    )
    print(
        f"exact numpy over the owner's {FACES} x {DIM} matrix: p50 "
        f"{statistics.median(numpy_times) * 1000:.1f} ms (held in memory: {mine.nbytes / 2**20:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
