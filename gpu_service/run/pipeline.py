"""A manifest run: detection and faces (one pass over the images, describing as it goes) -> face
groups -> the rest of reverse prompting -> tags -> contact sheet -> READY.

The manifest's assets are read once, when the run starts, and each step passes on what it made
(run/state.py). One delivery runs the job at a time (common/jobs/lease.py); each step is idempotent,
so a retried task (after a crash or a timeout) runs the whole pipeline again and converges on the
same manifest, and a delivery of a run that has ended does nothing. An asset whose image
cannot be read fails alone, with its reason recorded on it; the run goes on. The steps live in their
own modules (`*_step.py`); what they share is `state.Run`.

A run with more uploads to infer than `shard_size` hands them to shards that run side by side
(common/jobs/shards.py, run/shard.py); the delivery of this job that takes the run back once the
last shard is done (the fan-in) goes through the same steps, every image stored by a shard resumed.
"""

from __future__ import annotations

from common.gcp import db
from common.jobs import shards
from common.jobs.lease import RunOver, Sharded
from common.jobs.models import ManifestJob, Step
from common.library import assets as asset_ops
from common.library.models import Asset, ManifestStatus
from common.library.progress_models import StepProgress
from common.projects import projects
from gpu_service.config import worker_settings
from gpu_service.jobs.progress import RunProgress
from gpu_service.run import frames
from gpu_service.run.describe_step import Describing
from gpu_service.run.faces_step import faces_step
from gpu_service.run.images_step import images_step, inferred_by
from gpu_service.run.sheet_step import contact_sheet_step
from gpu_service.run.state import Assets, Run, finish_all
from gpu_service.run.tags_step import tags_step


def run_manifest(job: ManifestJob) -> bool:
    """Run the job; False when it was handed to its shards (they and the fan-in finish it)."""
    run = Run(job, RunProgress(job.manifest_id, job.id))
    describing: Describing | None = None
    try:
        try:
            _acquire(run)
        except Sharded as sharded:  # a delivery before the last shard is done: nothing to run
            shards.enqueue_pending(job, sharded.shards)  # but those not queued yet, should any be
            return False
        with run.progress.held():
            if job.sources is not None:  # a promoted frame: its image is cut first, and only it is processed
                promoted = db.client().get_all([asset_ops.asset_ref(i) for i in job.sources])
                frames.cut_promoted((asset_ops.read_asset(s) for s in promoted if s.exists), run.fence)
            run.assets = Assets(asset_ops.list_for_manifest(job.manifest_id))  # the one read of them
            # An incremental run (a fork's new images) leaves what was inherited as it is.
            sources = [
                a
                for a in run.assets.in_display_order()
                if a.source != "extracted"
                and a.image_path
                and not (job.incremental and a.is_inherited)
                and (job.sources is None or a.id in job.sources)
            ]
            if _fan_out(run, sources):
                return False
            describing = Describing(run)
            images_step(run, sources, describing)
            faces_step(run)
            # What the image pass described as it went (a resumed upload's are left to `rest`).
            visited = {s.id for s in sources if s.id not in run.failed and s.id not in run.resumed}
            describing.rest(visited | {a.id for a in run.assets if a.source_asset_id in visited})
            if not job.incremental:
                tags_step(run)  # new assets' tags were claimed after the inherited ones: nothing to renumber
            contact_sheet_step(run)
            finish_all(run.publishing)
            run.progress.finish(ManifestStatus.READY)
            if job.project_id is not None:
                # A fork's project gets its snapshot once its new images are processed.
                projects.attach_snapshot(job.project_id, job.manifest_id)
        return True
    finally:
        if describing is not None:
            describing.close()
        run.io.shutdown(wait=True, cancel_futures=True)


def _fan_out(run: Run, sources: list[Asset]) -> bool:
    """Hand a big run to shards of `shard_size` uploads (common/jobs/shards.py): True when it did.
    A run's first fan-out only (its fan-in infers what its shards could not, itself), and never a
    promoted frame's."""
    todo = [s.id for s in sources if s.inferred_by != inferred_by(run, s)]
    size = worker_settings().shard_size
    taken = run.progress.taken
    if run.job.sources is not None or len(todo) <= size or (taken is not None and taken.shards):
        return False
    stored = StepProgress(total=len(sources), done=len(sources) - len(todo)).model_dump()
    begun = {
        "current_step": Step.DETECTION.value,
        f"progress.{Step.DETECTION}": stored,
        f"progress.{Step.FACES}": stored,
        f"progress.{Step.REVERSE_PROMPTING}": StepProgress().model_dump(),
    }
    made = shards.fan_out(run.job, run.holder, shards.split(todo, size), begun)
    shards.enqueue_pending(run.job, len(made))
    return True


def _acquire(run: Run) -> None:
    """Take the run for this delivery. A run already READY (its delivery died before the job was
    marked done) still gives a fork's project its snapshot, which that delivery may not have."""
    try:
        run.progress.acquire()
    except RunOver as over:
        if over.status == ManifestStatus.READY and run.job.project_id is not None:
            projects.attach_snapshot(run.job.project_id, run.job.manifest_id)
        raise
