"""A manifest run: detection and faces (one pass over the images, describing as it goes) -> face
groups -> the rest of reverse prompting -> tags -> contact sheet -> READY.

The manifest's assets are read once, when the run starts, and each step passes on what it made
(run/state.py). One delivery runs the job at a time (common/jobs/lease.py); each step is idempotent,
so a retried task (after a crash or a timeout) runs the whole pipeline again and converges on the
same manifest, and a delivery of a run that has ended does nothing. An asset whose image
cannot be read fails alone, with its reason recorded on it; the run goes on. The steps live in their
own modules (`*_step.py`); what they share is `state.Run`.
"""

from __future__ import annotations

from common.gcp import db
from common.jobs.lease import RunOver
from common.jobs.models import ManifestJob
from common.library import assets as asset_ops
from common.library.models import ManifestStatus
from common.projects import projects
from gpu_service.jobs.progress import RunProgress
from gpu_service.run import frames
from gpu_service.run.describe_step import Describing
from gpu_service.run.faces_step import faces_step
from gpu_service.run.images_step import images_step
from gpu_service.run.sheet_step import contact_sheet_step
from gpu_service.run.state import Assets, Run, finish_all
from gpu_service.run.tags_step import tags_step


def run_manifest(job: ManifestJob) -> None:
    run = Run(job, RunProgress(job.manifest_id, job.id))
    describing: Describing | None = None
    try:
        _acquire(run)
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
    finally:
        if describing is not None:
            describing.close()
        run.io.shutdown(wait=True, cancel_futures=True)


def _acquire(run: Run) -> None:
    """Take the run for this delivery. A run already READY (its delivery died before the job was
    marked done) still gives a fork's project its snapshot, which that delivery may not have."""
    try:
        run.progress.acquire()
    except RunOver as over:
        if over.status == ManifestStatus.READY and run.job.project_id is not None:
            projects.attach_snapshot(run.job.project_id, run.job.manifest_id)
        raise
