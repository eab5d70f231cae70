"""Engine jobs as the API sees them: start a manifest run or one asset's reprocess, read progress.

The lease, the job's states and queueing live in common/jobs/lifecycle.py; progress lives on the
manifest document, where a client can listen to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.cloud.firestore import FieldFilter

from common.errors import Conflict
from common.gcp import db
from common.ids import new_id
from common.jobs import lease, lifecycle
from common.jobs.models import ManifestJob, ReprocessJob
from common.library import assets as asset_ops
from common.library import manifests as manifest_ops
from common.library.models import Manifest
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import Transaction


def start_manifest_run(owner_id: str, manifest_id: str) -> ManifestJob:
    """Mark the manifest PROCESSING under a fresh lease and queue the run: the manifest is read once,
    in the transaction that takes the lease, and its assets only as far as the first with an image."""
    job = ManifestJob(id=new_id(), owner_id=owner_id, manifest_id=manifest_id, created_at=utcnow())

    def prepare(transaction: Transaction, manifest: Manifest) -> ManifestJob:
        if not _has_image(transaction, manifest_id):
            # The request is fine; the manifest is not ready for it (409, like a run in progress).
            raise Conflict("no asset of this manifest has an image yet; upload one first")
        # A fork's manifest whose first run did not succeed stays incremental: inherited assets keep
        # their crops and tags, and the fork gets its snapshot when the run succeeds.
        pending = manifest.snapshot_pending_for
        return job.model_copy(update={"incremental": pending is not None, "project_id": pending})

    return lifecycle.start_run(job, prepare)


def start_asset_reprocess(owner_id: str, asset_id: str) -> ReprocessJob:
    asset = asset_ops.get_owned(owner_id, asset_id)
    if not asset.image_path:
        raise Conflict("the asset has no image to process; upload one first")
    manifest = manifest_ops.get_owned(owner_id, asset.manifest_id)
    if lease.lease_held(manifest, utcnow()):
        raise Conflict("the manifest is being processed; reprocess the asset when the run is done")
    job = ReprocessJob(
        id=new_id(), owner_id=owner_id, manifest_id=asset.manifest_id, asset_id=asset.id, created_at=utcnow()
    )
    lifecycle.submit(job)
    return job


def _has_image(transaction: Transaction, manifest_id: str) -> bool:
    """Whether an asset of the manifest has an image: one document read at most (stored assets
    without an image have no `image_path` at all)."""
    query = (
        db.assets()
        .where(filter=FieldFilter("manifest_id", "==", manifest_id))
        .where(filter=FieldFilter("image_path", ">", ""))
        .select([])
        .limit(1)
    )
    return any(True for _ in query.stream(transaction=transaction))


def progress(owner_id: str, manifest_id: str) -> Manifest:
    """The manifest whose run the caller watches (a lapsed run reads as over)."""
    return lease.current(manifest_ops.get_owned(owner_id, manifest_id))
