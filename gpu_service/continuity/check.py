"""Run one continuity check: an artifact version's frames in, its continuity report out.

Two halves. `assess` is the check itself, with no storage: media bytes, the cast and the scene's
tags in, a report out (frames decoded, faces found and embedded, then the pure judge of judge.py
and the report's composition, `compose`). A repair judges its attempts through it in memory
(gpu_service/repair.py). `run_continuity` is the continuity job's I/O around it: the version's
pending report names the job that may answer it (common/continuity/reports.py), so a redelivered
check, or one superseded by a newer check, writes nothing. The project's snapshot is the cast, so a
result never changes because the manifest changed later; a fork's snapshot is written when its run
finishes, and a check that comes first is retried until then. A version whose media cannot be
decoded is reported as an error at once (retrying cannot decode it).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from common.checkpoints import checkpoints, media, repair
from common.checkpoints.models import ArtifactType, ArtifactVersion
from common.checkpoints.report import (
    MAX_FACES_PER_FRAME,
    CharacterSeen,
    ContinuityReport,
    ContinuityStatus,
    FaceInFrame,
)
from common.continuity import reports
from common.continuity.jobs import ContinuityJob
from common.library.identity_rules import thresholds
from common.projects import projects
from common.records import utcnow
from gpu_service.config import worker_settings
from gpu_service.continuity.cast import Cast, cast_of
from gpu_service.continuity.judge import Rules, Sighting, Verdict, judge
from gpu_service.errors import Permanent
from gpu_service.vision import clips, imaging, seen

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from common.projects.models import Project, Scene


log = logging.getLogger(__name__)
_UNIDENTIFIABLE = Sighting(None, 0.0, identifiable=False)


class SnapshotNotReady(Exception):
    """The project's snapshot is written when its manifest's run finishes: retried until then."""


@dataclass(frozen=True)
class Expectation:
    """What a check measures against: the snapshot's cast and whom the scene asks for."""

    snapshot_id: str
    cast: Cast
    scene_tags: tuple[str, ...]


@dataclass(frozen=True)
class Pending:
    """The report a check answers: its job and when it was asked for."""

    job_id: str
    requested_at: datetime


def expectation(project: Project, scene: Scene | None) -> Expectation:
    """The project's cast (its snapshot, read once per instance) and whom the artifact's scene asks
    for (beat or chunk n is scene n; None: a key that is no scene's, or a scene not written)."""
    if project.snapshot_id is None:
        raise SnapshotNotReady("the project's snapshot is not written yet (its manifest's run is not done)")
    tags = scene.scene_manifest.asset_tags if scene is not None and scene.scene_manifest else []
    return Expectation(project.snapshot_id, cast_of(project.snapshot_id), tuple(tags))


def run_continuity(job: ContinuityJob) -> None:
    found = checkpoints.version_ref(job.checkpoint_id, job.artifact_type, job.artifact_key, job.version).get()
    version = ArtifactVersion.model_validate(found.to_dict() or {}) if found.exists else None
    pending = version.continuity if version is not None else None
    if version is None or pending is None or pending.job_id != job.id:
        return  # the version is gone, or a newer check owns its report
    if pending.status != ContinuityStatus.PENDING:
        return  # a redelivery: this check has answered
    project = projects.get(job.project_id)
    key = job.artifact_key
    expected = expectation(project, projects.scene_at(project.id, int(key)) if key.isdigit() else None)
    try:
        report = assess(
            job.artifact_type,
            media.load(version.media_path or ""),
            expected,
            Pending(pending.job_id, pending.requested_at),
        )
    except Permanent as exc:
        fail(job, str(exc))
        raise
    written = reports.write(
        job.checkpoint_id, job.artifact_type, job.artifact_key, job.version, report, replaces=job.id
    )
    if written and version.generator == "pipeline" and project.auto_repair:
        _auto_repair(job)


def assess(
    artifact_type: ArtifactType, data: bytes, expected: Expectation, pending: Pending
) -> ContinuityReport:
    """The report on a beat image's or chunk clip's bytes (Permanent when they cannot be decoded)."""
    started = time.monotonic()
    pictures, at_s = _frames(artifact_type, data)
    in_frames = seen.faces_of(pictures)
    cast = expected.cast
    sightings = [
        [cast.closest(f.embedding) if f.embedding is not None else _UNIDENTIFIABLE for f in faces]
        for faces in in_frames
    ]
    return compose(
        in_frames,
        sightings,
        at_s,
        expected,
        pending,
        clip=artifact_type == ArtifactType.CHUNK_CLIP,
        seconds=round(time.monotonic() - started, 3),
    )


def _auto_repair(job: ContinuityJob) -> None:
    """The project repairs a pipeline version whose report fails by itself (best effort: the report
    is written; an owner can still ask for the repair)."""
    try:
        artifact = checkpoints.get_artifact(job.checkpoint_id, job.artifact_type, job.artifact_key)
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
    reports.write(
        job.checkpoint_id, job.artifact_type, job.artifact_key, job.version, report, replaces=job.id
    )


def _frames(artifact_type: ArtifactType, data: bytes) -> tuple[list[np.ndarray], list[float]]:
    """The frames to check and when each is (seconds into the clip)."""
    if artifact_type == ArtifactType.BEAT_IMAGE:
        return [imaging.decode(data).bgr], [0.0]
    cfg = worker_settings()
    clip = clips.sample(data, cfg.continuity_fps, cfg.continuity_max_frames)
    at_s = [round(n / clip.fps, 3) for n in range(len(clip.frames))]
    return [imaging.Picture(frame).bgr for frame in clip.frames], at_s


def compose(
    in_frames: Sequence[Sequence[seen.SeenFace]],
    sightings: Sequence[Sequence[Sighting]],
    at_s: list[float],
    expected: Expectation,
    pending: Pending,
    *,
    clip: bool,
    seconds: float,
) -> ContinuityReport:
    """The report from each frame's faces and whom each resembles: no I/O, no model."""
    limits = thresholds()
    cast = expected.cast
    wanted, unchecked = cast.expected(expected.scene_tags)
    rules = Rules(limits.match, limits.drift_floor, worker_settings().continuity_drift_frames)
    verdict = judge(sightings, wanted, rules, clip=clip)
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
    named = {c: m.handle for c, m in cast.characters.items()}
    return ContinuityReport(
        status=verdict.status,
        characters=_characters(verdict, cast, wanted),
        missing=[named.get(c, c) for c in verdict.missing],
        unsure=[named.get(c, c) for c in verdict.unsure],
        unexpected=[named.get(c, c) for c in verdict.unexpected],
        unchecked=unchecked,
        unknown_faces=verdict.unknown_faces,
        unidentifiable_faces=verdict.unidentifiable_faces,
        frames_checked=verdict.frames_checked,
        frames_at_s=at_s,
        faces=faces,
        snapshot_id=expected.snapshot_id,
        job_id=pending.job_id,
        requested_at=pending.requested_at,
        checked_at=utcnow(),
        gpu_seconds=seconds,
        cost=round(seconds * worker_settings().gpu_price_per_s, 6),
    )


def _characters(verdict: Verdict, cast: Cast, wanted: list[str]) -> list[CharacterSeen]:
    """Whom the frames show: the expected first, then by the frames each was seen in."""
    order = sorted(verdict.seen, key=lambda c: (c not in wanted, -len(verdict.seen[c].frames)))
    out = []
    for c in order:
        member, found = cast.characters.get(c), verdict.seen[c]
        out.append(
            CharacterSeen(
                character_id=c,
                handle=member.handle if member else c,
                name=member.name if member else c,
                expected=c in wanted,
                similarity=found.similarity,
                frames_seen=len(found.frames),
                drift_frames=found.drift_frames,
                lowest_similarity=round(found.lowest, 4),
            )
        )
    return out
