"""Step 4, tags: every asset's tag renumbered in display order, type by type (a batch run only)."""

from __future__ import annotations

from typing import Any

from google.api_core import exceptions

from common.jobs.models import Step
from common.library import assets as asset_ops
from common.library import manifests as manifest_ops
from common.library import tags
from common.library.models import Asset, AssetType
from gpu_service.run.state import Run


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
    for attempt in range(3):
        try:
            tags.renumber(manifest_ref, tag_order(asset_ops.list_for_manifest(run.job.manifest_id)))
            break
        except exceptions.NotFound:
            if attempt == 2:
                raise  # assets keep disappearing under us: let the task retry later
    run.progress.advance()
