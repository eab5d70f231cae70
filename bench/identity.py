"""Identity: when does the engine call two faces one person? Pairwise precision and recall of its
"same identity" decisions, per face-size band, before and after the identity rules.

Labelled faces come from photos that ship in packages: face_recognition's portraits (obama*.jpg
are one person), biden.jpg, insightface's t1.jpg (6 people) and Tom Hanks, matplotlib's Grace
Hopper, scikit-image's astronaut, ultralytics' zidane.jpg and bus.jpg, Debian darknet's person.jpg,
and the scrfd sdist's 1927 Solvay conference photo (29 people). Each photo's faces are detected at
full size; a photo of several people is that many different people.

From them, the images the engine sees:
- the photos themselves (real group photos: Solvay, t1, bus, zidane);
- group canvases: 10-30 faces of different people on one canvas, each downscaled to 30-120 px;
- the same people elsewhere: each person alone, at 112-224 px, and in a looser crop at 64-96 px.

Every image goes through the engine's own code (faces.detect, align, embed_aligned,
identity.assess, faces.cluster), all faces as one manifest. "before" is the rule set before the
identity rules (each face compared with a group's primary only, two faces of one image may be one
person, no identity gate, match at 0.5); "after" is the engine's; "primary" is the engine's rules
with a face compared with each group's primary only (what the linkage choice rests on). A pair is
banded by its smaller face (shorter side of the detected box). "within group photos" counts pairs
of faces in one image (all different people): any same decision there is a false merge.

    .venv/bin/python bench/identity.py            (about a minute on 2 cores)
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)
os.environ.setdefault("YOLO_CONFIG_DIR", "/tmp/vidpipe-yolo")

from bench.sizes import SMOKE, size

if TYPE_CHECKING:
    from common.library.identity_rules import Thresholds

BANDS = ((0, 48), (48, 80), (80, 112), (112, 10_000))
MIN_REFERENCE_PX = 40  # a face smaller than this in its photo is not used to build other images
SEED = 7
OLD_MATCH = 0.5  # the match threshold before the identity rules


@dataclass
class Seen:
    image: str
    identity: str
    size: int  # shorter side of the detected box
    score: float
    vector: np.ndarray
    identifiable: bool
    status: str | None = None


def band_of(size: int) -> str:
    for low, high in BANDS:
        if low <= size < high:
            return f"{low}-{high - 1} px" if high < 10_000 else f">={low} px"
    return "?"


def load_photos() -> list[tuple[str, Path, str | None]]:
    """(name, path, identity for a one-person photo, or None: every face is a different person)."""
    from devstack import testdata

    faces = testdata.photos_dir()
    packaged = {p.name: p for p in testdata.benchmark_photos()}
    darknet = testdata.darknet_photos()
    return [
        ("obama", faces / "obama.jpg", "obama"),
        ("obama2", faces / "obama2.jpg", "obama"),
        ("obama3", faces / "obama3.jpg", "obama"),
        ("biden", faces / "biden.jpg", "biden"),
        ("hanks", packaged["Tom_Hanks_54745.png"], "hanks"),
        ("hopper", packaged["grace_hopper.jpg"], "hopper"),
        ("astronaut", packaged["astronaut.png"], "astronaut"),
        ("darknet-person", darknet / "person.jpg", "darknet-person"),
        ("t1", packaged["t1.jpg"], None),
        ("zidane", packaged["zidane.jpg"], None),
        ("bus", packaged["bus.jpg"], None),
        ("solvay", packaged["solvay_conference_1927.jpg"], None),
    ]


def read(path: Path) -> np.ndarray:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        from PIL import Image

        image = cv2.cvtColor(np.asarray(Image.open(path).convert("RGB")), cv2.COLOR_RGB2BGR)
    return image


def crop(
    image: np.ndarray, box: tuple[int, int, int, int], margin: float
) -> tuple[np.ndarray, tuple[int, ...]]:
    """A square around the face box, `margin` of the box's size on each side; the face's box in it."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) * (1 + 2 * margin)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    h, w = image.shape[:2]
    a, b = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    c, d = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
    return image[b:d, a:c], (x1 - a, y1 - b, x2 - a, y2 - b)


def scaled(piece: np.ndarray, face_box: tuple[int, ...], face_px: int) -> tuple[np.ndarray, tuple[int, ...]]:
    import cv2

    factor = min(1.0, face_px / max(1, face_box[2] - face_box[0]))  # downscale only: no invented detail
    size = (max(1, round(piece.shape[1] * factor)), max(1, round(piece.shape[0] * factor)))
    small = cv2.resize(piece, size, interpolation=cv2.INTER_AREA)
    return small, tuple(round(v * factor) for v in face_box)


def canvas_of(
    pieces: list[tuple[str, np.ndarray, tuple[int, ...]]], rng: random.Random
) -> tuple[np.ndarray, list]:
    """Faces on a neutral canvas in a jittered grid; returns the canvas and (identity, face box)."""
    cols = int(np.ceil(np.sqrt(len(pieces))))
    cell = max(max(p.shape[:2]) for _, p, _ in pieces) + 24
    rows = int(np.ceil(len(pieces) / cols))
    canvas = np.full((rows * cell, cols * cell, 3), 200, dtype=np.uint8)
    placed = []
    for n, (identity, piece, box) in enumerate(pieces):
        y0 = (n // cols) * cell + rng.randint(0, cell - piece.shape[0])
        x0 = (n % cols) * cell + rng.randint(0, cell - piece.shape[1])
        canvas[y0 : y0 + piece.shape[0], x0 : x0 + piece.shape[1]] = piece
        placed.append((identity, (box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0)))
    return canvas, placed


def iou(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    inter = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def look(
    name: str, image: np.ndarray, truth: list[tuple[str, tuple[int, ...]]], limits: Thresholds
) -> list[Seen]:
    """The engine's view of one image: its faces matched to the labelled ones."""
    from gpu_service.vision import faces, identity

    found = faces.detect(image)
    crops = faces.align(image, found)
    vectors = faces.embed_aligned(crops)
    seen = []
    for face, aligned, vector in zip(found, crops, vectors, strict=True):
        best = max(truth, key=lambda t: iou(face.bbox, t[1]), default=None)
        if best is None or iou(face.bbox, best[1]) < 0.3:
            continue
        size = min(face.bbox[2] - face.bbox[0], face.bbox[3] - face.bbox[1])
        verdict = identity.assess(face, aligned, limits)
        seen.append(Seen(name, best[0], size, face.score, vector, verdict.status is None, verdict.status))
    return seen


def build(rng: random.Random) -> list[tuple[str, np.ndarray, list, bool]]:
    """(image name, image, labelled faces, is a group image) for every image of the set."""
    from gpu_service.vision import faces

    images, pool = [], {}
    for name, path, single in load_photos():
        image = read(path)
        found = faces.detect(image)
        if single is not None:
            found = found[:1]  # a portrait's subject is its most confident face
        truth = []
        for n, face in enumerate(sorted(found, key=lambda f: (f.bbox[0], f.bbox[1]))):
            person = single or f"{name}#{n}"
            truth.append((person, face.bbox))
            if min(face.bbox[2] - face.bbox[0], face.bbox[3] - face.bbox[1]) >= MIN_REFERENCE_PX:
                pool.setdefault(person, (image, face.bbox))
        images.append((name, image, truth, single is None))
    people = sorted(pool)
    for n in range(size(6, 1)):  # group canvases of different people
        chosen = rng.sample(people, min(len(people), rng.randint(10, 30)))
        pieces = []
        for person in chosen:
            image, box = pool[person]
            piece, face_box = crop(image, box, margin=0.35)
            pieces.append((person, *scaled(piece, face_box, rng.randint(30, 120))))
        canvas, placed = canvas_of(pieces, rng)
        images.append((f"canvas{n}", canvas, placed, True))
    for person in people[: 6 if SMOKE else None]:  # the same people elsewhere, alone, other sizes and crops
        image, box = pool[person]
        for k, (margin, low, high) in enumerate(((0.5, 112, 224), (1.2, 64, 96))):
            piece, face_box = crop(image, box, margin=margin)
            small, placed_box = scaled(piece, face_box, rng.randint(low, high))
            images.append((f"{person}/alone{k}", small, [(person, placed_box)], False))
    return images


def decide(seen: list[Seen], rule: str, limits: Thresholds) -> dict[int, int]:
    """Group id per face index, under one rule set."""
    from gpu_service.vision import clustering

    if rule == "before":
        found = [clustering.Face(str(i), s.vector, s.score, str(i)) for i, s in enumerate(seen)]
        groups = clustering.cluster(found, OLD_MATCH, linkage="primary")
    else:
        found = [
            clustering.Face(str(i), s.vector, s.score, s.image) for i, s in enumerate(seen) if s.identifiable
        ]
        linkage = "primary" if rule == "primary" else "centroid"
        groups = clustering.cluster(found, limits.match, linkage=linkage)
    return {int(m): g_index for g_index, g in enumerate(groups) for m in g.members}


def table(
    seen: list[Seen], group_of: dict[int, int], within_groups: set[str]
) -> dict[tuple[str, str], list[int]]:
    """(set, band) -> [pairs, same pairs, decided same, decided same and right]."""
    counts: dict[tuple[str, str], list[int]] = {}
    for i in range(len(seen)):
        for j in range(i + 1, len(seen)):
            a, b = seen[i], seen[j]
            same = a.identity == b.identity
            decided = i in group_of and j in group_of and group_of[i] == group_of[j]
            band = band_of(min(a.size, b.size))
            sets = ["all pairs"]
            if a.image == b.image and a.image in within_groups:
                sets.append("within group photos")
            for name in sets:
                row = counts.setdefault((name, band), [0, 0, 0, 0])
                row[0] += 1
                row[1] += same
                row[2] += decided
                row[3] += decided and same
    return counts


def main() -> None:
    from gpu_service.vision import identity

    rng = random.Random(SEED)
    limits = identity.thresholds()
    started = time.perf_counter()
    images = build(rng)
    seen = [s for name, image, truth, _ in images for s in look(name, image, truth, limits)]
    groups = {name for name, _, _, is_group in images if is_group}
    print(
        f"{len(images)} images, {len(seen)} labelled faces of {len({s.identity for s in seen})} people "
        f"({time.perf_counter() - started:.0f} s); thresholds: {limits}"
    )
    header = ("rule", "pairs", "band", "pairs", "same", "merged", "precision", "recall")
    print("{:7} {:20} {:11} {:>7} {:>6} {:>7} {:>9} {:>7}".format(*header))
    for rule in ("before", "primary", "after"):
        counts = table(seen, decide(seen, rule, limits), groups)
        for (name, band), (pairs, same, decided, right) in sorted(counts.items()):
            precision = right / decided if decided else 1.0
            recall = right / same if same else float("nan")
            row = (rule, name, band, pairs, same, decided, precision, recall)
            print("{:7} {:20} {:11} {:7d} {:6d} {:7d} {:9.3f} {:7.3f}".format(*row))
    print(
        "cosine similarity by band of the smaller face: different people (p99, max); same person (p10, min)"
    )
    vectors = np.stack([s.vector for s in seen])
    similarity = vectors @ vectors.T
    for low, high in BANDS:
        different, same = [], []
        for i in range(len(seen)):
            for j in range(i + 1, len(seen)):
                if low <= min(seen[i].size, seen[j].size) < high:
                    (same if seen[i].identity == seen[j].identity else different).append(similarity[i, j])
        if different and same:
            print(
                f"  {band_of(low):11} different {np.percentile(different, 99):.2f} {max(different):.2f}   "
                f"same {np.percentile(same, 10):.2f} {min(same):.2f}"
            )
    unidentified = [s for s in seen if not s.identifiable]
    reasons = {r: sum(1 for s in unidentified if s.status == r) for r in ("too_small", "unsure", "blurry")}
    print(f"faces the identity gate keeps out of groups: {len(unidentified)} of {len(seen)} {reasons}")


if __name__ == "__main__":
    main()
