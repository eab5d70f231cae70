"""Continuity checks on this machine's CPU: who is named in frames standing in for generated shots,
how a drifting likeness reads, and what a clip's check costs over pure inference, in one run.

The cast is made the product's way: one reference photo per cast member uploaded to a manifest,
processed by the engine on the local emulators (offline describer), and a project's snapshot of it.
People come from bench/identity.py's labelled package photos; every other one is in the cast, the
rest are strangers (Obama and Biden are in it, Tom Hanks is not).

- Attribution: each person's face elsewhere (a looser crop at 64-96 px, mirrored, re-compressed at
  JPEG quality 60, on a 640 x 480 frame), Obama's two other photos, and the group photos. A face
  named (similarity >= match) is right when it is that person. Precision: right names / names
  (goal 1.0: the wrong character is never named); recall: right names / identifiable faces of
  cast members.
- Drift: twelve frames dissolving Obama's face into Tom Hanks': the likeness per frame, the band it
  falls in, and the clip's verdict.
- Speed: a 10 s clip at 24 fps (640 x 480, one face) recorded as a chunk clip version, checked by
  the GPU service's own `run_continuity` (emulated Firestore reads and writes, storage download,
  decode, sampling at CONTINUITY_FPS, faces, matching, the report) vs the time inside detection and
  embedding alone. The emulators answer on loopback: production's Firestore and storage round trips
  are slower (tens of ms each; a check makes about eight), which this ratio does not show.

    .venv/bin/python bench/continuity.py          (about two minutes on 2 cores)
"""

from __future__ import annotations

import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)
os.environ.setdefault("YOLO_CONFIG_DIR", "/tmp/vidpipe-yolo")

from bench import identity as labelled  # the labelled photos
from bench.sizes import SMOKE, size
from bench.timing import Inside
from devstack.emulators import Stack

if TYPE_CHECKING:
    from gpu_service.continuity.cast import Cast

OWNER = "bench-continuity"
SEED = 11
FRAME = (640, 480)
inference = Inside()  # time inside the face models


def record_artifact(checkpoint: Any, request: Any) -> Any:
    """`edits.record` of this tree: the pipeline records an artifact (version 1) and its check job,
    if the project checks continuity. It took a checkpoint's id, and takes the checkpoint since
    the repair rewrite (issue 40): bench/repair.py runs both trees. Returns (artifact, check job)."""
    import inspect

    from common.checkpoints import edits
    from common.continuity import checks

    first = next(iter(inspect.signature(edits.record).parameters))
    artifact, _ = edits.record(checkpoint if first == "checkpoint" else checkpoint.id, request)
    return artifact, checks.check_job(checkpoint.owner_id, checkpoint.project_id, checkpoint.id, artifact)


def people() -> dict[str, tuple[np.ndarray, tuple[int, int, int, int]]]:
    """Each labelled person's clearest face: (the photo, the face box)."""
    from gpu_service.vision import faces

    pool: dict[str, tuple[np.ndarray, tuple[int, int, int, int]]] = {}
    for name, path, single in labelled.load_photos():
        image = labelled.read(path)
        found = faces.detect(image)
        if single is not None:
            found = found[:1]
        for n, face in enumerate(sorted(found, key=lambda f: (f.bbox[0], f.bbox[1]))):
            person = single or f"{name}#{n}"
            if min(face.bbox[2] - face.bbox[0], face.bbox[3] - face.bbox[1]) >= labelled.MIN_REFERENCE_PX:
                pool.setdefault(person, (image, face.bbox))
    return pool


def jpeg_bgr(image: np.ndarray, quality: int = 92) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image[:, :, ::-1])).save(out, "JPEG", quality=quality)
    return out.getvalue()


def on_frame(piece: np.ndarray, rng: random.Random) -> tuple[np.ndarray, tuple[int, int]]:
    frame = np.full((FRAME[1], FRAME[0], 3), 90, dtype=np.uint8)
    h, w = piece.shape[:2]
    x, y = rng.randint(0, FRAME[0] - w), rng.randint(0, FRAME[1] - h)
    frame[y : y + h, x : x + w] = piece
    return frame, (x, y)


def one_reference(image: np.ndarray, box: tuple[int, int, int, int]) -> list[bytes]:
    piece, _ = labelled.crop(image, box, margin=0.6)
    return [jpeg_bgr(piece)]


def build_cast(
    pool: dict,
    cast_people: list[str],
    uploads_of: Callable[[np.ndarray, tuple[int, int, int, int]], list[bytes]] = one_reference,
    owner: str = OWNER,
) -> tuple[str, list[dict]]:
    """A manifest of each cast member's reference photos (one each unless `uploads_of` says more),
    processed; a project's snapshot of it."""
    from common.ids import new_id
    from common.jobs import lifecycle
    from common.jobs.models import ManifestJob
    from common.library import assets, manifests, uploads
    from common.library.models import AssetCreate, AssetType, Category, ManifestCreate
    from common.projects import projects, snapshots
    from common.projects.models import GenerateRequest
    from common.records import utcnow
    from gpu_service.run import pipeline

    manifest = manifests.create(owner, ManifestCreate(name="continuity cast", category=Category.CHARACTERS))
    order = 0
    for person in cast_people:
        for data in uploads_of(*pool[person]):
            asset = assets.create(
                owner,
                manifest.id,
                AssetCreate(name=person.replace("#", " "), asset_type=AssetType.CHARACTER, sort_order=order),
            )
            uploads.upload(owner, asset.id, f"{order}.jpg", data)
            order += 1
    now = utcnow()
    job = ManifestJob(id=new_id(), owner_id=owner, manifest_id=manifest.id, created_at=now)
    lifecycle.job_ref(job.id).create(job.model_dump(exclude={"id"}))
    lease = {"job_id": job.id, "started_at": now, "lease_expires_at": now + timedelta(minutes=30)}
    manifests.manifest_ref(manifest.id).update(
        {"status": "PROCESSING", "processing": {**lease, "finished_at": None}}
    )
    pipeline.run_manifest(job)
    project = projects.generate(owner, GenerateRequest(prompt="a continuity bench", manifest_id=manifest.id))
    _, snapshot_assets = snapshots.read(project.snapshot_id or "")
    return project.id, snapshot_assets


def attribution(pool: dict, cast_people: set[str], cast: Cast, rng: random.Random) -> None:
    import cv2

    from common.library.identity_rules import thresholds
    from gpu_service.vision import faces, seen

    match = thresholds().match
    name_of = {c.character_id: c.name.replace(" ", "#") for c in cast.characters.values()}
    frames: list[tuple[str, np.ndarray, list[tuple[str, tuple[int, ...]]]]] = []
    for person, (image, box) in sorted(pool.items())[: 6 if SMOKE else None]:
        piece, face_box = labelled.crop(image, box, margin=1.2)
        small, placed = labelled.scaled(piece, face_box, rng.randint(64, 96))
        mirrored = np.ascontiguousarray(small[:, ::-1])
        width = mirrored.shape[1]
        placed = (width - placed[2], placed[1], width - placed[0], placed[3])
        frame, (x, y) = on_frame(mirrored, rng)
        frame = cv2.imdecode(np.frombuffer(jpeg_bgr(frame, quality=60), np.uint8), cv2.IMREAD_COLOR)
        truth = [(person, (placed[0] + x, placed[1] + y, placed[2] + x, placed[3] + y))]
        frames.append(("elsewhere (mirrored, 64-96 px, JPEG 60)", frame, truth))
    faces_dir = Path(labelled.load_photos()[0][1]).parent
    for name in ("obama2.jpg", "obama3.jpg"):
        image = labelled.read(faces_dir / name)
        (face, *_) = faces.detect(image)
        frames.append(("other photos of a cast member", image, [("obama", face.bbox)]))
    for name, path, single in labelled.load_photos():
        if single is None and not SMOKE:  # at smoke size no group photo
            image = labelled.read(path)
            found = sorted(faces.detect(image), key=lambda f: (f.bbox[0], f.bbox[1]))
            truth = [(f"{name}#{n}", f.bbox) for n, f in enumerate(found)]
            frames.append(("group photos (same pixels as references)", image, truth))
    rows: dict[str, list[int]] = {}
    for kind, frame, truth in frames:
        (found,) = seen.faces_of([frame])
        for one in found:
            best = max(truth, key=lambda t: labelled.iou(one.face.bbox, t[1]), default=None)
            if best is None or labelled.iou(one.face.bbox, best[1]) < 0.3:
                continue
            person = best[0]
            row = rows.setdefault(kind, [0, 0, 0, 0, 0])  # faces, of cast, named, right, strangers named
            row[0] += 1
            in_cast = person in cast_people
            row[1] += in_cast and one.identifiable
            if one.embedding is None:
                continue
            sighting = cast.closest(one.embedding)
            if sighting.similarity >= match:
                row[2] += 1
                right = name_of.get(sighting.character_id or "") == person
                row[3] += right
                row[4] += not in_cast
    print(f"attribution (match {match}): precision = right names / names; recall = right / cast faces")
    print(f"  {'frames':44} {'faces':>6} {'cast':>5} {'named':>6} {'right':>6} {'prec':>6} {'recall':>7}")
    total = [0] * 5
    for kind, row in rows.items():
        total = [a + b for a, b in zip(total, row, strict=True)]
        _row(kind, row)
    _row("all", total)


def _row(kind: str, row: list[int]) -> None:
    faces, of_cast, named, right, _ = row
    precision = right / named if named else 1.0
    recall = right / of_cast if of_cast else float("nan")
    print(f"  {kind:44} {faces:6d} {of_cast:5d} {named:6d} {right:6d} {precision:6.3f} {recall:7.3f}")


def drift(pool: dict, cast: Cast) -> None:
    import cv2

    from common.library.identity_rules import thresholds
    from gpu_service.continuity.judge import Rules, judge
    from gpu_service.vision import seen

    limits = thresholds()
    squares = []
    for person in ("obama", "hanks"):
        image, box = pool[person]
        piece, _ = labelled.crop(image, box, margin=0.6)
        squares.append(cv2.resize(piece, (256, 256), interpolation=cv2.INTER_AREA))
    # A swap (Obama dissolving fully into Hanks) and a slip (Hanks mixed in at 60-66 % for six
    # frames, then Obama again): the first must read as somebody else, the second as drift.
    clips_of = {
        "swap": [n / 11 for n in range(12)],
        "slip": [0.0, 0.0, 0.0, 0.6, 0.63, 0.66, 0.66, 0.63, 0.6, 0.0, 0.0, 0.0],
    }
    rules = Rules(limits.match, limits.drift_floor, 2)
    print(f"drift: Obama's face mixed with Tom Hanks'; match {limits.match}, floor {limits.drift_floor}")
    for name, alphas in clips_of.items():
        frames = []
        for alpha in alphas:
            mixed = cv2.addWeighted(squares[0], 1 - alpha, squares[1], alpha, 0)
            frame = np.full((FRAME[1], FRAME[0], 3), 90, dtype=np.uint8)
            frame[112:368, 192:448] = mixed
            frames.append(frame)
        sightings, series = [], []
        for found in seen.faces_of(frames):
            own = [cast.closest(f.embedding) for f in found if f.embedding is not None]
            sightings.append(own)
            series.append(f"{own[0].similarity:.2f}" if own else "-")
        verdict = judge(sightings, [], rules, clip=True)
        drifting = sum(s.drift_frames for s in verdict.seen.values())
        print(
            f"  {name}: Hanks share {' '.join(f'{a:.2f}' for a in alphas)}\n"
            f"        likeness    {' '.join(f'{v:>4}' for v in series)}\n"
            f"        verdict {verdict.status.value}, drift frames {drifting}, "
            f"unknown faces {verdict.unknown_faces}"
        )


def speed(project_id: str, pool: dict) -> None:
    import base64

    import cv2
    from PIL import Image

    from common.checkpoints import checkpoints
    from common.checkpoints.models import ArtifactRecord, ArtifactType, CheckpointCreate, Phase
    from gpu_service.config import worker_settings
    from gpu_service.continuity import check
    from gpu_service.vision import clips, faces

    image, box = pool["obama"]
    piece, _ = labelled.crop(image, box, margin=1.0)
    piece = cv2.resize(piece, (300, 300), interpolation=cv2.INTER_AREA)

    shots = []
    for n in range(size(240, 48)):  # 10 s at 24 fps (2 s at smoke size), the face drifting across
        frame = np.full((FRAME[1], FRAME[0], 3), 90, dtype=np.uint8)
        x = 40 + n
        frame[90:390, x : x + 300] = piece
        shots.append(Image.fromarray(np.ascontiguousarray(frame[:, :, ::-1])))
    data = clips.write(shots, 24.0, FRAME)
    checkpoint, _ = checkpoints.record(project_id, CheckpointCreate(phase=Phase.CHUNKS))

    record = ArtifactRecord(
        artifact_type=ArtifactType.CHUNK_CLIP, artifact_key="0", media_data=base64.b64encode(data).decode()
    )
    _, job = record_artifact(checkpoint, record)
    assert job is not None
    inference.wrap(faces, "detect")
    inference.wrap(faces, "embed_aligned")
    started = time.perf_counter()
    check.run_continuity(job)
    wall = time.perf_counter() - started
    report = checkpoints.get_artifact(checkpoint.id, ArtifactType.CHUNK_CLIP, "0").continuity
    assert report is not None
    cfg = worker_settings()
    print(
        f"speed: a {len(shots) / 24:g} s 24 fps 640x480 clip ({len(data) / 1e6:.1f} MB), "
        f"sampled at {cfg.continuity_fps:g}/s: "
        f"{report.frames_checked} frames, status {report.status.value}"
    )
    print(f"  whole check           {wall:6.2f} s   {report.frames_checked / wall:5.1f} frames/s")
    rate = report.frames_checked / inference.seconds
    print(f"  inference alone       {inference.seconds:6.2f} s   {rate:5.1f} frames/s")
    print(f"  overhead ratio        {wall / inference.seconds:6.2f}   (goal <= 1.3)")
    print(f"  GPU seconds on the version: {report.gpu_seconds:.2f} s, ${report.cost:.6f}")


def main() -> None:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            os.environ.update(stack.env())
            from gpu_service.continuity.cast import Cast
            from gpu_service.vision import runtime

            runtime.models()
            started = time.perf_counter()
            pool = people()
            everyone = sorted(pool)
            cast_people = sorted({*everyone[:: size(2, 20)], "obama", "biden"} - {"hanks"})
            project_id, snapshot_assets = build_cast(pool, cast_people)
            cast = Cast(snapshot_assets)
            print(
                f"cast of {len(cast.characters)} characters from {len(cast_people)} reference photos "
                f"({len(everyone)} labelled people; made in {time.perf_counter() - started:.0f} s)"
            )
            attribution(pool, set(cast_people), cast, rng)
            drift(pool, cast)
            speed(project_id, pool)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
