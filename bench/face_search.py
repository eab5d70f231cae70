"""Face search across one owner's library on the emulator: the face index vs Firestore's find_nearest.

FACES (50,000) faces of PEOPLE (10,000) synthetic people for one owner, in manifests of
PER_MANIFEST (100) faces, plus OTHER_FACES of another owner that must never come back. Then
QUERIES searches, each a new photo of a known person (a person's direction plus noise).

- **face index** (common/library/face_index.py, what the API searches): segments written as a run
  writes them; the first search of a fresh process reads them all (cold), later ones revalidate
  with one query and search in numpy (warm). Top-10 p50/p95 and recall@10 against exact float32
  numpy search; and the whole `face_search.matches` path, which also reads the hits' assets and
  manifests to keep only live ones.
- **face_search.search** (the API's whole path, `POST /api/faces/search`), side by side with
  `matches` for the same queries, top 10, no similarity floor (so ten characters every time):
  it asks `matches` for 3 hits per character wanted, groups them by (manifest, character) and
  reads the characters' assets (one query per 30) to name them as their casts do. Its assets
  carry what a processed run leaves: a person's faces within a manifest (faces are laid out by
  person, ~5 each, so a manifest holds ~20 people) are one character whose id is that person's
  first face there. Checked: the best character is the queried person's, and no other owner's
  face appears; Firestore RPCs and documents per call are counted after the timed rounds (the
  first 10 queries again, each path).
- **find_nearest** (Firestore's vector search, owner pre-filter, cosine): the same kind of faces
  as 512-d Vectors, FIND_NEAREST_FACES (10,000) of them: the emulator stores Vectors at ~110/s, so
  50,000 would take 8 minutes to write; its latency grows linearly (measured at 2k and 10k).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)

from bench.read_latency import calls, count_firestore_reads
from bench.sizes import size
from devstack.emulators import Stack

if TYPE_CHECKING:
    from common.library.face_models import FaceSearchResult

FACES = int(os.environ.get("FACES", str(size(50_000, 500))))
PEOPLE = int(os.environ.get("PEOPLE", str(max(1, FACES // 5))))
PER_MANIFEST = int(os.environ.get("PER_MANIFEST", "100"))
OTHERS = int(os.environ.get("OTHER_FACES", str(size(2_000, 50))))
QUERIES = int(os.environ.get("QUERIES", str(size(60, 4))))
COUNTED = size(10, 2)  # queries run again, counted, per path
FIND_NEAREST_FACES = int(os.environ.get("FIND_NEAREST_FACES", str(size(10_000, 100))))
DIM = 512
TOP = 10


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def library(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Faces (each a person's direction plus noise: same-person cosine ~0.8) laid out by person
    (a person's faces side by side, so mostly in one manifest), who each shows, the queries and
    whom each asks for, and the other owner's faces."""
    people = unit(rng.standard_normal((PEOPLE, DIM)).astype(np.float32))
    who = np.sort(rng.integers(0, PEOPLE, FACES))
    faces = unit(people[who] + 0.5 * unit(rng.standard_normal((FACES, DIM)).astype(np.float32)))
    asked = rng.integers(0, PEOPLE, QUERIES)
    queries = unit(people[asked] + 0.5 * unit(rng.standard_normal((QUERIES, DIM)).astype(np.float32)))
    return faces, who, queries, asked, unit(rng.standard_normal((OTHERS, DIM)).astype(np.float32))


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


def write_library(
    faces: np.ndarray, who: np.ndarray, others: np.ndarray
) -> tuple[list[str], dict[str, int], float]:
    """Segments and minimal live assets and manifests, as runs leave them (a person's faces in a
    manifest one character, named by the first of them; each of the other owner's faces its own).
    Returns the face ids, each character's person, and the seconds the writes took."""
    from common.gcp import db
    from common.ids import new_id
    from common.library import face_index
    from common.records import utcnow

    now = utcnow()
    ids = [new_id() for _ in range(len(faces))]
    person_of: dict[str, int] = {}
    started = time.perf_counter()
    writes: db.Writes = []
    for owner, vectors, names, persons in (
        ("owner", faces, ids, who.tolist()),
        ("other", others, [new_id() for _ in others], [-1 - n for n in range(len(others))]),
    ):
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
            character_of: dict[int, str] = {}  # person -> their character in this manifest
            for n, (face_id, _) in enumerate(chunk):
                person = persons[first + n]
                character = character_of.setdefault(person, face_id)
                person_of[character] = person
                writes.append(
                    (
                        db.assets().document(face_id),
                        {
                            "owner_id": owner,
                            "manifest_id": manifest,
                            "name": f"face {n}",
                            "asset_type": "CHARACTER",
                            "manifest_tag": f"CHAR_{n + 1:02d}",
                            "source": "extracted",
                            "is_face_crop": True,
                            "face_group_id": character,
                            "character_id": character,
                            "created_at": now,
                            "updated_at": now,
                        },
                    )
                )
    db.set_all(writes)
    for owner in ("owner", "other"):
        face_index.touch(owner)  # as a run's rebuild leaves it: its head moved after its segments
    return ids, person_of, time.perf_counter() - started


@contextmanager
def timed_inside(module: ModuleType, name: str) -> Iterator[list[float]]:
    """The seconds each call of module.name takes while inside (callers look it up at call time)."""
    original, samples = getattr(module, name), []

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            samples.append(time.perf_counter() - started)

    setattr(module, name, timed)
    try:
        yield samples
    finally:
        setattr(module, name, original)


def checked(
    result: FaceSearchResult, person: int, person_of: dict[str, int], position: dict[str, int]
) -> tuple[bool, int, int]:
    """Whether a search's best character is the queried person's, how many faces it shows under
    it, and how many faces of another owner the answer holds (anywhere in it)."""
    assert len(result.matches) == TOP
    assert len(result.characters) == TOP
    best = result.characters[0]
    faces = {m.asset_id for m in result.matches} | {c.face_asset_id for c in result.characters}
    faces |= {m.asset_id for c in result.characters for m in c.matches}
    leaked = sum(1 for i in faces if i not in position)
    return person_of.get(best.character_id or "", -1) == person, len(best.matches), leaked


def firestore_per_call(queries: np.ndarray) -> dict[str, dict[str, float]]:
    """Firestore RPCs and documents read per call of each path, averaged over the first COUNTED
    queries; counted after the timed rounds (bench/read_latency.py's counting wraps every response)."""
    from common.library import face_search

    count_firestore_reads()
    per_call = {}
    for name, call in (
        ("matches", lambda q: face_search.matches("owner", [q], TOP, min_similarity=-1.0)),
        ("search", lambda q: face_search.search("owner", q, TOP, -1.0)),
    ):
        calls.clear()
        for query in queries[:COUNTED]:
            call(query.tolist())
        per_call[name] = {k: v / len(queries[:COUNTED]) for k, v in sorted(calls.items())}
    return per_call


def bench_index(
    faces: np.ndarray, who: np.ndarray, queries: np.ndarray, asked: np.ndarray, others: np.ndarray
) -> None:
    from common.library import face_characters, face_index, face_search
    from common.library.face_models import MAX_LIMIT

    ids, person_of, written = write_library(faces, who, others)
    position = {face_id: n for n, face_id in enumerate(ids)}
    print(
        f"wrote {FACES} faces in {FACES // PER_MANIFEST} manifests (+ {OTHERS} of another owner), "
        f"segments and assets, in {written:.1f} s; {sum(p >= 0 for p in person_of.values())} characters"
    )
    face_index.forget_all()
    started = time.perf_counter()
    face_index.nearest("owner", [queries[0]], TOP)
    cold = time.perf_counter() - started
    wider = min(TOP * face_characters.WIDER, MAX_LIMIT)  # the hits search() asks matches for
    latencies, recalls, leaks, full, full_wide, grouped = [], [], 0, [], [], []
    right, shown, search_leaks = 0, [], 0
    # search's read of the characters' assets, timed inside it
    with timed_inside(face_search, "_of_characters") as reading:
        for query, person in zip(queries, asked.tolist(), strict=True):
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
            started = time.perf_counter()
            face_search.matches("owner", [query.tolist()], wider, min_similarity=-1.0)
            full_wide.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = face_search.search("owner", query.tolist(), TOP, -1.0)
            grouped.append(time.perf_counter() - started)
            is_theirs, under_best, leaked = checked(result, person, person_of, position)
            right += is_theirs
            shown.append(under_best)
            search_leaks += leaked
    numpy_times = []
    for query in queries:
        started = time.perf_counter()
        np.argpartition(-(faces @ query), TOP)[:TOP]
        numpy_times.append(time.perf_counter() - started)
    per_call = firestore_per_call(queries)
    rest = [g - r for g, r in zip(grouped, reading, strict=True)]  # search less its characters query
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
        f"  the API's whole path (face_search.search, top-{TOP} characters from {wider} hits): "
        f"{percentiles(grouped)}; of which matches for {wider} hits {percentiles(full_wide)} "
        f"(timed apart) and the characters' assets query {percentiles(reading)}; "
        f"the rest (matches, grouping, naming): {percentiles(rest)}"
    )
    print(
        f"  search: best character the queried person's in {right}/{QUERIES} "
        f"({right / QUERIES:.3f}), {statistics.mean(shown):.2f} faces shown under it (at most "
        f"{face_characters.PER_CHARACTER}); other owner's faces: {search_leaks}"
    )
    for name, counted in per_call.items():
        print(
            f"  Firestore per {name} call ({min(COUNTED, QUERIES)} queries): "
            + ", ".join(f"{k} {v:.1f}" for k, v in counted.items())
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
    faces, who, queries, asked, others = library(rng)
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            os.environ.update(stack.env())
            bench_index(faces, who, queries, asked, others)
            if FIND_NEAREST_FACES:
                bench_find_nearest(faces, queries, others)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
