"""The repair bench's beats and its calls into the product (bench/repair.py): a cast member's three
uploads, frames standing in for generated beats, the beats recorded as the pipeline records them,
and the repair's start, run and outcome, in one block so the bench follows the product's API."""

from __future__ import annotations

import base64
import os
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)
os.environ.setdefault("YOLO_CONFIG_DIR", "/tmp/vidpipe-yolo")

from bench import continuity as frames  # labelled people, frames, the cast builder
from bench import identity as labelled  # the labelled photos
from bench.sizes import size

OWNER = "bench-repair"
SEED = 13
FACE_PX = 150  # the face of a frame standing in for a generated beat
# The I/O count's cast (solvay#1: see bench/repair.py's docstring); at smoke size its "stranger" beat alone.
IO_CAST = size(("biden", "obama", "solvay#1"), ("biden", "solvay#1"))

Case = tuple[str, list[str], str]  # (kind, who the scene asks for, who the frame shows)


def three_uploads(image: np.ndarray, box: tuple[int, int, int, int]) -> list[bytes]:
    """A tight crop, a loose one, and a dim, soft one: the photos a creator has of someone."""
    import cv2

    tight, _ = labelled.crop(image, box, margin=0.4)
    loose, _ = labelled.crop(image, box, margin=1.2)
    dim, _ = labelled.crop(image, box, margin=0.7)
    dim = cv2.GaussianBlur((dim * 0.55).astype(np.uint8), (0, 0), 1.6)
    return [frames.jpeg_bgr(tight), frames.jpeg_bgr(loose), frames.jpeg_bgr(dim, quality=70)]


def frame_of(pool: dict, person: str, rng: random.Random) -> bytes:
    image, box = pool[person]
    piece, face = labelled.crop(image, box, margin=0.8)
    piece, _ = labelled.scaled(piece, face, FACE_PX)
    framed, _ = frames.on_frame(piece, rng)
    return frames.jpeg_bgr(framed)


def cases_of(pool: dict, cast_people: list[str]) -> list[Case]:
    strangers = [*sorted(set(pool) - set(cast_people) - {"hanks"}), "hanks"]
    cases: list[Case] = []
    for n, a in enumerate(cast_people):
        b = cast_people[(n + 1) % len(cast_people)]
        stranger = strangers[n % len(strangers)]
        cases += [("missing", [a, b], a), ("stranger", [a], stranger), ("swapped", [a], b)]
    return cases


def recorded(pool: dict, cases: list[Case], project_id: str, handles: dict[str, str]) -> str:
    """Each case a scene and its beat, recorded as the pipeline records them and checked; the
    checkpoint's id (ready)."""
    from common.checkpoints import checkpoints
    from common.checkpoints.models import ArtifactRecord, ArtifactType, CheckpointCreate, Phase
    from common.projects import projects
    from common.projects.models import PipelineSceneUpdate, SceneManifest
    from gpu_service.continuity import check

    rng = random.Random(SEED)
    checkpoint, _ = checkpoints.record(project_id, CheckpointCreate(phase=Phase.STORYBOARD))
    for index, (kind, asked, shown) in enumerate(cases):
        tags = [handles[p] for p in asked]
        scene = PipelineSceneUpdate(
            storyboard_text=f"{' and '.join(tags)} in the square ({kind})",
            scene_manifest=SceneManifest(asset_tags=tags, composition_shot_type="medium shot"),
        )
        projects.record_scene(project_id, index, scene)
        data = base64.b64encode(frame_of(pool, shown, rng)).decode()
        beat = ArtifactRecord(artifact_type=ArtifactType.BEAT_IMAGE, artifact_key=str(index), media_data=data)
        _, job = frames.record_artifact(checkpoint, beat)
        assert job is not None
        check.run_continuity(job)
    return checkpoints.mark_ready(checkpoint.id).id


def _needs_repair(checkpoint_id: str, key: str) -> bool:
    """Whether the beat's report calls for a repair: not one that holds (ok, or no_faces where
    nobody is expected), nor one not made (pending, error)."""
    from common.checkpoints import checkpoints
    from common.checkpoints import repair as starting
    from common.checkpoints.models import ArtifactType

    artifact = checkpoints.get_artifact(checkpoint_id, ArtifactType.BEAT_IMAGE, key)
    status = artifact.continuity.status if artifact.continuity else None
    return status is not None and status not in starting.HOLDS and status.value not in ("pending", "error")


def _first_report(checkpoint_id: str, key: str) -> str:
    from common.checkpoints import checkpoints
    from common.checkpoints.models import ArtifactType

    artifact = checkpoints.get_artifact(checkpoint_id, ArtifactType.BEAT_IMAGE, key)
    return artifact.continuity.status.value if artifact.continuity else "error"


def _start_repair(checkpoint_id: str, key: str, max_attempts: int) -> Any:
    from common.checkpoints import checkpoints
    from common.checkpoints import repair as starting
    from common.checkpoints.models import RepairRequest

    checkpoint = checkpoints.get(checkpoint_id)
    return starting.start(checkpoint, RepairRequest(artifact_key=key, max_attempts=max_attempts))


def _run_repair(job: Any) -> Any:
    """The repair itself (the GPU service's entry point): all that the I/O count counts."""
    from gpu_service.repair import run_repair

    return run_repair(job)


def _outcome(job: Any, result: Any) -> tuple[bool, int, float, list[dict]]:
    """(held, attempts, what its attempts cost, the attempts as the job's document records them)."""
    from common.checkpoints import repair as starting
    from common.jobs import lifecycle

    attempts = (lifecycle.job_ref(job.id).get().to_dict() or {}).get("repair_attempts", [])
    held = result.outcome in {s.value for s in starting.HOLDS}
    return held, result.attempts, sum(a["cost"] for a in attempts), attempts


def _said(checkpoint_id: str, key: str, attempt: dict) -> str:
    """An attempt in a line: its version's continuity report (where the verdict is stored since the
    repair rewrite; the job's record held a copy before it) and the references it was given."""
    from common.checkpoints import checkpoints
    from common.checkpoints.models import ArtifactType

    report = checkpoints.get_version(
        checkpoint_id, ArtifactType.BEAT_IMAGE, key, attempt["version"]
    ).continuity
    if report is None:
        return f"no report refs={attempt.get('references')}"
    return (
        f"{report.status.value} missing={report.missing} unsure={report.unsure} "
        f"unexpected={report.unexpected} unknown={report.unknown_faces} refs={attempt.get('references')}"
    )


def _another_project(project_id: str, owner: str) -> str:
    """A second project of the same manifest (its own snapshot of the same cast, the same tags)."""
    from common.projects import projects
    from common.projects.models import GenerateRequest

    manifest_id = projects.get(project_id).manifest_id
    return projects.generate(owner, GenerateRequest(prompt="a repair bench", manifest_id=manifest_id)).id


def _set_budget(project_id: str) -> None:
    from common.projects import projects

    projects.project_ref(project_id).update({"repair_budget": 10_000.0})


def _handles(snapshot_assets: list[dict]) -> tuple[int, dict[str, str]]:
    """How many characters the cast has, and each person's handle (a person split into two
    characters: the first, their upload's)."""
    from common.library import cast as cast_rules
    from common.projects.models import SnapshotAsset

    members = cast_rules.cast_of([SnapshotAsset.model_validate(a) for a in snapshot_assets])
    by_name: dict[str, str] = {}
    for member in members:
        by_name.setdefault(member.name.replace(" ", "#"), member.handle)
    return len(members), by_name
