"""A manifest run: detection -> faces -> reverse prompting -> tags -> contact sheet -> READY.

Each step is idempotent, so a retried task (after a crash, a timeout or a second delivery) runs the
whole pipeline again and converges on the same manifest. An asset whose image cannot be read fails
alone, with its reason recorded on it; the run goes on. The steps live in their own modules
(`*_step.py`); what they share is `state.Run`.
"""

from __future__ import annotations

from common.jobs.models import ManifestJob
from common.library import assets as asset_ops
from common.library.models import ManifestStatus
from common.projects import projects
from gpu_service.jobs.progress import RunProgress
from gpu_service.run import frames
from gpu_service.run.describe_step import describe_step
from gpu_service.run.detect_step import detect_step
from gpu_service.run.faces_step import faces_step
from gpu_service.run.sheet_step import contact_sheet_step
from gpu_service.run.state import Run, finish_all
from gpu_service.run.tags_step import tags_step


def run_manifest(job: ManifestJob) -> None:
    run = Run(job, RunProgress(job.manifest_id, job.id))
    try:
        run.progress.acquire()
        assets = asset_ops.list_for_manifest(job.manifest_id)
        if job.sources is not None:  # a promoted frame: only it is processed
            frames.cut_promoted(a for a in assets if a.id in job.sources)
            assets = asset_ops.list_for_manifest(job.manifest_id)
        # An incremental run (a fork's new images) leaves what was inherited as it is.
        sources = [
            a
            for a in assets
            if a.source != "extracted"
            and a.image_path
            and not (job.incremental and a.is_inherited)
            and (job.sources is None or a.id in job.sources)
        ]
        detect_step(run, sources, assets)
        readable = [s for s in sources if s.id not in run.failed]
        faces_step(run, readable, assets)
        describe_step(run, asset_ops.list_for_manifest(job.manifest_id))
        if not job.incremental:
            tags_step(run)  # new assets' tags were claimed after the inherited ones: nothing to renumber
        contact_sheet_step(run)
        finish_all(run.publishing)
        run.progress.finish(ManifestStatus.READY)
        if job.project_id is not None:
            # A fork's project gets its snapshot once its new images are processed.
            projects.attach_snapshot(job.project_id, job.manifest_id)
    finally:
        run.io.shutdown(wait=True, cancel_futures=True)
