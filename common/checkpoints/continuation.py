"""Continuing from a checkpoint: approve it and hand the next phase on (a built-in project's next
phase job: common/checkpoints/film.py; else the caller's video pipeline).

A checkpoint nobody edited continues on its own branch. One whose artifacts were edited (its
revision is above 0) continues on a new branch named from its own (main → main-1, main-1 →
main-1-1; a second one from main → main-2), claimed through the same lineage-wide claims as
forks, so names never collide. Continuing is idempotent per revision: asking again without a new
edit returns the branch already opened, even when the two requests race.

The hand-off is queued once per continuation: a built-in project's phase job (its id derived from
project, branch and phase), or a Cloud Task to the caller's pipeline (named after the checkpoint
and revision), so a repeat after a crash is deduplicated; without a configured pipeline (the local
stack) an external project's continuation is only recorded on the checkpoint.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from google.cloud.firestore_v1.field_path import FieldPath

from common.checkpoints import checkpoints as ops
from common.checkpoints import film, repair
from common.checkpoints.models import NEXT_STEP, Checkpoint, CheckpointStatus, Continuation
from common.gcp import db, tasks
from common.gcp.config import settings
from common.ids import derived_id
from common.projects import branches
from common.projects import projects as project_ops
from common.projects.film import run_ended
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import WriteBatch

log = logging.getLogger(__name__)


def continue_checkpoint(checkpoint: Checkpoint) -> Continuation:
    """Approve the checkpoint (once per revision) and hand the next phase off; returns the
    continuation, with `handed_off` as it is now."""
    ops.require_ready(checkpoint)
    film.require_open(checkpoint)
    revision = str(checkpoint.revision)
    done = checkpoint.continuations.get(revision)
    if done is None:
        done = _approve(checkpoint, revision)
    handed_off = done.handed_off or _hand_off(checkpoint, revision, done)
    return done.model_copy(update={"handed_off": handed_off})


def on_ready(checkpoint_id: str) -> Checkpoint:
    """The pipeline has recorded every artifact: people may edit now, and a project in YOLO mode
    (`auto_continue`) continues at once, without waiting for approval."""
    checkpoint = ops.mark_ready(checkpoint_id)
    project = project_ops.get(checkpoint.project_id)
    # The reports already in start their repairs now; not where the pipeline goes on at once from
    # the versions as they are (auto_continue), which a repair would come too late for.
    if project.auto_repair and not project.auto_continue:
        for artifact in ops.artifacts_of(checkpoint.id):
            repair.start_auto(checkpoint, artifact)
    if project.auto_continue and not checkpoint.continuations and not run_ended(project):
        continue_checkpoint(checkpoint)
        checkpoint = ops.get(checkpoint.id)
    return checkpoint


def _approve(checkpoint: Checkpoint, revision: str) -> Continuation:
    ref = ops.checkpoint_ref(checkpoint.id)
    now = utcnow()
    next_step = NEXT_STEP[checkpoint.phase]

    def approval(branch: str, new_branch: bool) -> dict[str, Any]:
        continuation = Continuation(branch=branch, new_branch=new_branch, next_step=next_step, at=now)
        return {
            "status": CheckpointStatus.APPROVED.value,
            "approved_at": checkpoint.approved_at or now,
            "updated_at": now,
            FieldPath("continuations", revision).to_api_repr(): continuation.model_dump(),
        }

    if checkpoint.revision == 0:
        # Unedited: the pipeline goes on where it was. Two racing requests write the same thing.
        ref.update(approval(checkpoint.branch, new_branch=False))
        return Continuation(branch=checkpoint.branch, new_branch=False, next_step=next_step, at=now)

    marker = ref.collection(db.CONTINUED).document(revision)

    def commit(batch: WriteBatch, branch: str) -> None:
        batch.create(marker, {"branch": branch, "at": now})
        batch.update(ref, approval(branch, new_branch=True))

    def already_done() -> str | None:
        snapshot = marker.get()
        return (snapshot.to_dict() or {}).get("branch") if snapshot.exists else None

    branches.claim_child(
        checkpoint.lineage_id,
        checkpoint.branch,
        commit,
        details={
            "project_id": checkpoint.project_id,
            "from_checkpoint_id": checkpoint.id,
            "from_revision": checkpoint.revision,
        },
        already_done=already_done,
    )
    return ops.get(checkpoint.id).continuations[revision]  # ours, or the racing request's


def _hand_off(checkpoint: Checkpoint, revision: str, continuation: Continuation) -> bool:
    if not film.hand_off(checkpoint, continuation) and not _to_pipeline(checkpoint, revision, continuation):
        return False
    # Remembered, so asking again does not queue it again (a crash before this line re-queues:
    # the job's id, or the task's name, keeps it once).
    path = FieldPath("continuations", revision, "handed_off").to_api_repr()
    ops.checkpoint_ref(checkpoint.id).update({path: True})
    return True


def _to_pipeline(checkpoint: Checkpoint, revision: str, continuation: Continuation) -> bool:
    """The caller's pipeline gets the next phase (PIPELINE_URL); without one (the local stack) the
    continuation is only recorded."""
    cfg = settings()
    if cfg.pipeline_url is None:
        log.info("no pipeline configured: continuation recorded only", extra={"checkpoint_id": checkpoint.id})
        return False
    payload = {
        "project_id": checkpoint.project_id,
        "checkpoint_id": checkpoint.id,
        "from_branch": checkpoint.branch,
        "branch": continuation.branch,
        "next_step": continuation.next_step,
        "revision": int(revision),
    }
    name = derived_id("handoff", checkpoint.id, revision)
    tasks.enqueue(name, payload, url=cfg.pipeline_url, queue=cfg.pipeline_queue)
    return True
