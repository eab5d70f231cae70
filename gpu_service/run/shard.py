"""One shard of a big manifest run (common/jobs/shards.py): its uploads' detection, faces and
descriptions, as the image pass does them for a whole run, under the shard's own lease.

A shard reads only its own uploads and what was cut from them, counts what it does onto the run's
progress (jobs/progress.ShardProgress), and resumes as a run does: an upload whose results a
delivery of this run stored is not inferred again, a finished description is not paid again. The
shard that finishes last queues the fan-in (the run's own job), which groups the faces, describes
what is left, finalizes the tags and draws the sheet.
"""

from __future__ import annotations

from common.jobs import lifecycle, shards
from common.jobs.lease import Superseded
from common.jobs.models import ManifestJob, ShardJob
from common.library import assets as asset_ops
from gpu_service.jobs.progress import ShardProgress
from gpu_service.run.describe_step import Describing
from gpu_service.run.images_step import images_step
from gpu_service.run.state import Assets, Run


def run_shard(shard: ShardJob) -> None:
    parent = lifecycle.read_job(shard.run_id, ManifestJob)
    if parent is None:
        raise Superseded("its run is gone")
    progress = ShardProgress(shard)
    run = Run(parent, progress)
    describing: Describing | None = None
    try:
        try:
            progress.acquire()
        except shards.ShardDone:
            settled(shard)
            return
        with progress.held():
            run.assets = Assets(asset_ops.of_sources(shard.manifest_id, shard.sources))
            mine = set(shard.sources)
            sources = [a for a in run.assets.in_display_order() if a.id in mine and a.image_path]
            describing = Describing(run)
            images_step(run, sources, describing)
            describing.wait()
            progress.flush(force=True)  # what it counted since its last write
        if shards.finish(shard, progress.delivery_id):
            shards.enqueue_fan_in(shard)
    finally:
        if describing is not None:
            describing.close()
        run.io.shutdown(wait=True, cancel_futures=True)


def settled(shard: ShardJob) -> None:
    """A delivery of a finished shard: should the fan-in not have been queued (the delivery that
    finished the last shard died first), it is queued now (a named task: never twice)."""
    if shards.all_done(shard):
        shards.enqueue_fan_in(shard)
