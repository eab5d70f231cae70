"""Step 4, tags: every asset's tag renumbered in display order, type by type (a batch run only).

The order comes from the run's copy of the assets, unless the manifest's version says someone else
changed them since the run read them (a person's edit, a second delivery's crops): then, and only
then, they are read again.
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
    for attempt in range(3):
        if attempt == 0:
            refresh_if_changed(run)
        else:
            reread(run)  # an asset was deleted under us
        ordered = tag_order(list(run.assets))
        try:
            tags.renumber(manifest_ref, ordered)
            break
        except exceptions.NotFound:
            if attempt == 2:
                raise  # assets keep disappearing under us: let the task retry later
    run.assets.apply(
        {
            asset_id: {"manifest_tag": tags.format_tag(asset_type, number)}
            for asset_type, assets in ordered.items()
            for number, (asset_id, _) in enumerate(assets, start=1)
        }
    )
    run.progress.advance()


def refresh_if_changed(run: Run) -> None:
    """Read the assets again if the manifest changed beyond the run's own writes."""
    version = _version(run)
    if version != run.version:
        reread(run, version)


def reread(run: Run, version: int | None = None) -> None:
    """The assets as stored, and the manifest's version read before them (never ahead of them)."""
    run.version = _version(run) if version is None else version
    run.assets = Assets(asset_ops.list_for_manifest(run.job.manifest_id))


def _version(run: Run) -> int:
    return manifest_ops.read_manifest(manifest_ops.manifest_ref(run.job.manifest_id).get()).version
