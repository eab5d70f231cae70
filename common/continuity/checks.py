"""Queueing continuity checks, asking for them again, and a project's continuity summary.

Every beat image and chunk clip version of a project that uses a manifest starts with a pending
report (`report.first_check`) written in the same commit as the version; the writer then queues
its check (`queue`). Checks run on the GPU service (gpu_service/continuity/).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from google.api_core import exceptions

from common.checkpoints import checkpoints as ops
from common.checkpoints import media
from common.checkpoints.models import (
    ARTIFACT_OF_PHASE,
    CHECKED,
    PHASE_NAMES,
    Artifact,
    ArtifactType,
    ArtifactVersion,
    Checkpoint,
    Phase,
)
from common.checkpoints.report import ContinuityReport, ContinuityStatus, severity, worst
from common.continuity import reports
from common.continuity.jobs import ContinuityJob
from common.continuity.models import (
    ArtifactCheck,
    ArtifactContinuity,
    ProjectContinuity,
    RecheckAccepted,
    RecheckRequest,
    SceneContinuity,
)
from common.errors import Conflict, NotFound
from common.ids import new_id
from common.jobs import lifecycle
from common.projects import projects as project_ops
from common.records import utcnow

if TYPE_CHECKING:
    from common.projects.models import Project

NOT_QUEUED = "the check could not be queued; ask for it again (POST /api/checkpoints/{id}/continuity)"


def _uses_a_manifest(project: Project) -> bool:
    return project.manifest_id is not None


def check_job(
    owner_id: str, project_id: str, checkpoint_id: str, version: ArtifactVersion
) -> ContinuityJob | None:
    """The job that answers the version's pending report (None when its report is not pending)."""
    report = version.continuity
    if report is None or report.status != ContinuityStatus.PENDING:
        return None
    return ContinuityJob(
        id=report.job_id,
        owner_id=owner_id,
        project_id=project_id,
        checkpoint_id=checkpoint_id,
        artifact_type=version.artifact_type,
        artifact_key=version.artifact_key,
        version=version.version,
        created_at=utcnow(),
    )


def queue(checkpoint: Checkpoint, artifact: Artifact) -> None:
    """Queue the check the artifact's pending report names (a repeated call queues it once)."""
    job = check_job(checkpoint.owner_id, checkpoint.project_id, checkpoint.id, artifact)
    report = artifact.continuity
    if job is None or report is None:
        return
    try:
        lifecycle.submit(job, repeatable=True)
    except exceptions.AlreadyExists:
        pass  # its check has already run
    except lifecycle.QueueUnavailable:
        failed = report.model_copy(
            update={"status": ContinuityStatus.ERROR, "error": NOT_QUEUED.format(id=checkpoint.id)}
        )
        reports.write(
            checkpoint.id,
            artifact.artifact_type,
            artifact.artifact_key,
            artifact.version,
            failed,
            replaces=job.id,
        )


def queue_version(checkpoint_id: str, artifact_type: ArtifactType, key: str, version: int) -> None:
    """`queue` for a version that may no longer be the latest (a redelivered regeneration)."""
    found = ops.version_ref(checkpoint_id, artifact_type, key, version).get()
    if found.exists:
        written = ArtifactVersion.model_validate(found.to_dict() or {})
        artifact = Artifact(
            **written.model_dump(), checkpoint_id=checkpoint_id, updated_at=written.created_at
        )
        queue(ops.get(checkpoint_id), artifact)


def recheck(checkpoint: Checkpoint, request: RecheckRequest) -> RecheckAccepted:
    """Check the latest version of the checkpoint's beats or clips (or of one) again, each by a new job."""
    if checkpoint.phase == Phase.SPEC:
        raise Conflict(
            "continuity checks beat images (phase 2) and chunk clips (phase 3); this checkpoint is "
            f"phase 1 ({PHASE_NAMES[Phase.SPEC]})"
        )
    if not _uses_a_manifest(project_ops.get(checkpoint.project_id)):
        raise Conflict("this project was generated without a manifest: there is no cast to check against")
    artifact_type = ARTIFACT_OF_PHASE[checkpoint.phase]
    if request.artifact_key is not None:
        targets = [ops.get_artifact(checkpoint.id, artifact_type, request.artifact_key)]
    else:
        targets = [a for a in ops.artifacts_of(checkpoint.id) if a.artifact_type == artifact_type]
    if not targets:
        raise NotFound(f"this checkpoint has no {artifact_type.value} yet")
    checks = []
    for artifact in targets:
        report = ContinuityReport(status=ContinuityStatus.PENDING, job_id=new_id(), requested_at=utcnow())
        reports.write(
            checkpoint.id, artifact_type, artifact.artifact_key, artifact.version, report, replaces=None
        )
        queue(checkpoint, artifact.model_copy(update={"continuity": report}))
        checks.append(
            ArtifactCheck(artifact_key=artifact.artifact_key, version=artifact.version, job_id=report.job_id)
        )
    return RecheckAccepted(checkpoint_id=checkpoint.id, checks=checks)


def summary(owner_id: str, project_id: str) -> ProjectContinuity:
    """Per branch and scene: the latest beat's and chunk's reports, worst first."""
    project = project_ops.get_owned(owner_id, project_id)
    scenes: dict[tuple[str, int], dict[str, ArtifactContinuity]] = defaultdict(dict)
    for checkpoint in ops.list_for_project(owner_id, project_id, None):
        if checkpoint.phase == Phase.SPEC:
            continue
        for artifact in ops.artifacts_of(checkpoint.id):
            if artifact.artifact_type not in CHECKED or not artifact.artifact_key.isdigit():
                continue
            slot = "beat" if artifact.artifact_type == ArtifactType.BEAT_IMAGE else "chunk"
            scenes[(checkpoint.branch, int(artifact.artifact_key))][slot] = ArtifactContinuity(
                checkpoint_id=checkpoint.id,
                artifact_key=artifact.artifact_key,
                version=artifact.version,
                media_url=media.url(artifact.media_path),
                report=artifact.continuity,
            )
    rows = [
        SceneContinuity(
            branch=branch,
            scene_index=index,
            status=worst([a.report.status for a in found.values() if a.report is not None]),
            **found,
        )
        for (branch, index), found in scenes.items()
    ]
    rows.sort(key=lambda r: (severity(r.status), r.branch, r.scene_index))
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.status.value if row.status else "unchecked"] += 1
    return ProjectContinuity(
        project_id=project.id, snapshot_id=project.snapshot_id, counts=dict(counts), scenes=rows
    )
