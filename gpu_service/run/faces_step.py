"""Step 2's end, once every image's faces are known (images_step.py): faces grouped by person, every
asset's character, and what the run tells the owner's library.

Grouping works on the run's own copy of the assets and the embeddings it just computed; stored
embeddings are read only for faces of images this run did not look at (a fork's inherited ones).
Each asset's fields of this step go in one write, batched; a duplicate mark rewrites the start of
a description a person may be editing, so those are written against the stored text.
"""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

from common.jobs.models import Step
from common.library import assets as asset_ops
from common.library import cast, embeddings
from common.library.embeddings import StoredFace
from common.library.models import Asset
from common.records import utcnow
from gpu_service.run import grouping, library
from gpu_service.run.state import Run, finish_all
from gpu_service.store import registry


def faces_step(run: Run) -> None:
    run.progress.start(Step.FACES)
    current = list(run.assets)
    stored = known_faces(run, current)
    if run.job.incremental:
        grouped = grouping.join_groups(current, stored, run.new_faces)
    else:
        grouped = grouping.group_faces(current, stored)
    people = cast.characters([a.model_copy(update=grouped[a.id]) if a.id in grouped else a for a in current])
    updates: dict[str, dict[str, Any]] = {}
    for asset in current:
        fields = dict(grouped.get(asset.id, {}))
        if people[asset.id] != asset.character_id:
            fields["character_id"] = people[asset.id]
        if fields:
            updates[asset.id] = fields
    described = {i: f for i, f in updates.items() if "description" in f}
    registry.update_assets({i: f for i, f in updates.items() if i not in described}, run.fence)
    marking = []
    for asset_id, fields in described.items():
        primary = run.assets.get(fields["duplicate_of"])  # group fields come whole (grouping.py)
        marking.append(run.io.submit(_mark, run, asset_id, fields, primary.name if primary else None))
    for fields, written in zip(described.values(), finish_all(marking), strict=True):
        fields["description"] = written
    run.assets.apply(updates)
    asset_ops.recount_warnings(run.job.manifest_id)
    # The owner's face index and identity suggestions need nothing of the steps after this one:
    # they are written beside reverse prompting, and waited for before the run ends.
    faces = {i: f for i, f in stored.items() if run.assets.get(i) is not None}
    run.publishing.append(
        run.io.submit(
            library.publish, run.job.manifest_id, run.job.owner_id, list(run.assets), faces, run.fence
        )
    )


def known_faces(run: Run, current: list[Asset]) -> dict[str, StoredFace]:
    """The embedding of every live identifiable face: this run's, and the stored ones of faces it
    did not see (read only when there are such faces)."""
    live = {a.id for a in current if a.is_face_crop}
    unseen = live - set(run.new_faces)
    stored = embeddings.of_manifest(run.job.manifest_id) if unseen else {}
    return {
        **{i: f for i, f in stored.items() if i in unseen},
        **{i: f for i, f in run.vectors.items() if i in live},
    }


def _mark(run: Run, asset_id: str, fields: dict[str, Any], primary_name: str | None) -> str:
    """Write a face's group fields, its duplicate mark set on the description as stored now (a
    person's edit since the run read it stays), behind the run's fence; returns the description
    written."""
    ref = asset_ops.asset_ref(asset_id)
    written = fields["description"]

    def write(transaction: firestore.Transaction) -> None:
        nonlocal written
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            return  # deleted meanwhile: nothing to mark
        written = grouping.marked((snapshot.to_dict() or {}).get("description", ""), primary_name)
        transaction.update(ref, {**fields, "description": written, "updated_at": utcnow()})

    run.fence.commit(write)
    return written
