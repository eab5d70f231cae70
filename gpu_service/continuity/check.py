"""Run one continuity check: an artifact version's frames in, its continuity report out.

The version's pending report names the job that may answer it (common/continuity/reports.py): a
redelivered check, or one superseded by a newer check, writes nothing. The project's snapshot is
the cast, so a result never changes because the manifest changed later; a fork's snapshot is
written when its run finishes, and a check that comes first is retried until then. A version whose
media cannot be decoded is reported as an error at once (retrying cannot decode it).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from common.checkpoints import checkpoints, media, repair
from common.checkpoints.models import ArtifactType, ArtifactVersion
from common.continuity import reports
from common.continuity.report import (
    MAX_FACES_PER_FRAME,
    CharacterSeen,
    ContinuityReport,
    ContinuityStatus,
    FaceInFrame,
)
from common.jobs.models import ContinuityJob
from common.library.identity_rules import thresholds
from common.projects import projects, snapshots
from common.records import utcnow
from gpu_service.config import worker_settings
from gpu_service.continuity.cast import Cast
from gpu_service.continuity.judge import Rules, Sighting, Verdict, judge
from gpu_service.errors import Permanent
from gpu_service.vision import clips, imaging, seen

if TYPE_CHECKING:
    import numpy as np


log = logging.getLogger(__name__)
_UNIDENTIFIABLE = Sighting(None, 0.0, identifiable=False)


class SnapshotNotReady(Exception):
    """The project's snapshot is written when its manifest's run finishes: retried until then."""


def run_continuity(job: ContinuityJob) -> None:
    started = time.monotonic()
    artifact_type = ArtifactType(job.artifact_type)
    found = checkpoints.version_ref(job.checkpoint_id, artifact_type, job.artifact_key, job.version).get()
    version = ArtifactVersion.model_validate(found.to_dict() or {}) if found.exists else None
    pending = version.continuity if version is not None else None
    if version is None or pending is None or pending.job_id != job.id:
        return  # the version is gone, or a newer check owns its report
    if pending.status != ContinuityStatus.PENDING:
        return  # a redelivery: this check has answered
    project = projects.get(job.project_id)
    if project.snapshot_id is None:
        raise SnapshotNotReady("the project's snapshot is not written yet (its manifest's run is not done)")
    _, assets = snapshots.read(project.snapshot_id)
    scene = projects.scene_ref(project.id, int(job.artifact_key)).get()
    scene_tags = ((scene.to_dict() or {}).get("scene_manifest") or {}).get("asset_tags") or []
    try:
        pictures, at_s = _frames(artifact_type, media.load(version.media_path or ""))
    except Permanent as exc:
        fail(job, str(exc))
        raise
    cast = Cast(assets)
    expected, unchecked = cast.expected(scene_tags)
    in_frames = seen.faces_of(pictures)
    sightings = [
        [cast.closest(f.embedding) if f.embedding is not None else _UNIDENTIFIABLE for f in faces]
        for faces in in_frames
    ]
    limits = thresholds()
    faces = [
        FaceInFrame(
            frame=n,
            box=list(face.face.bbox),
            character_id=sight.character_id
            if sight.identifiable and sight.similarity >= limits.drift_floor
            else None,
            matched=sight.identifiable and sight.similarity >= limits.match,
            similarity=round(sight.similarity, 4),
            identifiable=sight.identifiable,
        )
        for n, (in_frame, sights) in enumerate(zip(in_frames, sightings, strict=True))
        for face, sight in list(zip(in_frame, sights, strict=True))[:MAX_FACES_PER_FRAME]
    ]
    rules = Rules(limits.match, limits.drift_floor, worker_settings().continuity_drift_frames)
    verdict = judge(sightings, expected, rules, clip=artifact_type == ArtifactType.CHUNK_CLIP)
    seconds = round(time.monotonic() - started, 3)
    report = _report(
        verdict,
        faces=faces,
        at_s=at_s,
        cast=cast,
        expected=expected,
        unchecked=unchecked,
        pending=pending,
        snapshot_id=project.snapshot_id,
        seconds=seconds,
    )
    written = reports.write(
        job.checkpoint_id, artifact_type, job.artifact_key, job.version, report, replaces=job.id
    )
    if written and version.generator == "pipeline" and project.auto_repair:
        _auto_repair(job)


def _auto_repair(job: ContinuityJob) -> None:
    """The project repairs a pipeline version whose report fails by itself (best effort: the report
    is written; an owner can still ask for the repair)."""
    try:
        artifact = checkpoints.get_artifact(
            job.checkpoint_id, ArtifactType(job.artifact_type), job.artifact_key
        )
        if artifact.version == job.version:
            repair.start_auto(checkpoints.get(job.checkpoint_id), artifact)
    except Exception:
        log.exception("automatic repair not started", extra={"job_id": job.id})


def fail(job: ContinuityJob, message: str) -> None:
    """Record why the check could not be made, where the report is read."""
    report = ContinuityReport(
        status=ContinuityStatus.ERROR,
        job_id=job.id,
        requested_at=utcnow(),
        checked_at=utcnow(),
        error=message[:1000],
    )
    artifact_type = ArtifactType(job.artifact_type)
    reports.write(job.checkpoint_id, artifact_type, job.artifact_key, job.version, report, replaces=job.id)


def _frames(artifact_type: ArtifactType, data: bytes) -> tuple[list[np.ndarray], list[float]]:
    """The frames to check and when each is (seconds into the clip)."""
    if artifact_type == ArtifactType.BEAT_IMAGE:
        return [imaging.decode(data).bgr], [0.0]
    cfg = worker_settings()
    clip = clips.sample(data, cfg.continuity_fps, cfg.continuity_max_frames)
    at_s = [round(n / clip.fps, 3) for n in range(len(clip.frames))]
    return [imaging.Picture(frame).bgr for frame in clip.frames], at_s


def _report(
    verdict: Verdict,
    *,
    faces: list[FaceInFrame],
    at_s: list[float],
    cast: Cast,
    expected: list[str],
    unchecked: list[str],
    pending: ContinuityReport,
    snapshot_id: str,
    seconds: float,
) -> ContinuityReport:
    handle = {c: cast.characters[c].handle if c in cast.characters else c for c in verdict.seen}
    order = sorted(verdict.seen, key=lambda c: (c not in expected, -len(verdict.seen[c].frames)))
    characters = [
        CharacterSeen(
            character_id=c,
            handle=handle[c],
            name=cast.characters[c].name if c in cast.characters else handle[c],
            expected=c in expected,
            similarity=verdict.seen[c].similarity,
            frames_seen=len(verdict.seen[c].frames),
            drift_frames=verdict.seen[c].drift_frames,
            lowest_similarity=round(verdict.seen[c].lowest, 4),
        )
        for c in order
    ]
    named = {c: m.handle for c, m in cast.characters.items()}
    return ContinuityReport(
        status=verdict.status,
        characters=characters,
        missing=[named.get(c, c) for c in verdict.missing],
        unsure=[named.get(c, c) for c in verdict.unsure],
        unexpected=[handle[c] for c in verdict.unexpected],
        unchecked=unchecked,
        unknown_faces=verdict.unknown_faces,
        unidentifiable_faces=verdict.unidentifiable_faces,
        frames_checked=verdict.frames_checked,
        frames_at_s=at_s,
        faces=faces,
        snapshot_id=snapshot_id,
        job_id=pending.job_id,
        requested_at=pending.requested_at,
        checked_at=utcnow(),
        gpu_seconds=seconds,
        cost=round(seconds * worker_settings().gpu_price_per_s, 6),
    )
