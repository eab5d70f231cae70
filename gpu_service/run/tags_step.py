"""Step 4, tags: handles that never move (a batch run only).

Nothing that had a tag before the run is renumbered: uploads and the assets a person made keep the
tags their prompts may already use, and so do the crops an earlier run cut (same image, same ids).
The crops this run cut claimed the next free numbers of their type as they were stored (in whatever
order the I/O threads stored them, and with gaps where a second delivery claimed numbers for the
same crops); here they take the numbers right after every other asset of their type, in the seeds'
order: their parent's display order, then detection confidence. Every number stays claimed, so tags
stay unique and are never reused in a lineage. If an asset is deleted under it, the assets are read
again (the only time this step reads them).
"""

from __future__ import annotations

from typing import Any

from google.api_core import exceptions

from common.jobs.models import Step
from common.library import assets as asset_ops
from common.library import manifests as manifest_ops
from common.library import tags
from common.library.models import Asset, AssetType
from gpu_service.run.state import Assets, Run


def tag_order(assets: list[Asset]) -> dict[AssetType, list[tuple[str, str]]]:
    """Per type: uploaded assets in display order, each followed by what was cut from it, most
    confident first."""
    by_id = {a.id: a for a in assets}

    def key(asset: Asset) -> tuple[Any, ...]:
        parent = by_id.get(asset.source_asset_id or "") or asset
        return (
            parent.sort_order,
            parent.created_at,
            parent.id,
            parent.id != asset.id,
            -(asset.detection_confidence or 0.0),
            asset.created_at,
            asset.id,
        )

    ordered: dict[AssetType, list[tuple[str, str]]] = {t: [] for t in AssetType}
    for asset in sorted(assets, key=key):
        ordered[asset.asset_type].append((asset.id, asset.manifest_tag))
    return ordered


def tags_step(run: Run) -> None:
    run.progress.start(Step.TAGS, 1)
    manifest_ref = manifest_ops.manifest_ref(run.job.manifest_id)
    made_now = {a.id for a in run.assets if a.source == "extracted" and a.created_at >= run.started}
    updates: dict[str, dict[str, Any]] = {}
    for attempt in range(3):
        try:
            for asset_type, ordered in tag_order(list(run.assets)).items():
                mine = [(asset_id, tag) for asset_id, tag in ordered if asset_id in made_now]
                held = [tags.tag_number(tag) for asset_id, tag in ordered if asset_id not in made_now]
                if mine:  # right after everything else of their type: no gap, whatever was claimed
                    placed = tags.place(manifest_ref, asset_type, mine, max(held, default=0) + 1)
                    updates.update({i: {"manifest_tag": tag} for i, tag in placed.items()})
            break
        except exceptions.NotFound:
            if attempt == 2:
                raise  # assets keep disappearing under us: let the task retry later
            run.assets = Assets(asset_ops.list_for_manifest(run.job.manifest_id))
    run.assets.apply(updates)
    run.progress.advance()
