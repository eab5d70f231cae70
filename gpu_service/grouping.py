"""Face grouping: which faces of a manifest are one person, and which face stands for each group.

A batch run groups every face of the manifest; an incremental run (a fork's new images) lets each
new face join the existing group it matches and groups only the rest among themselves. A face's
membership is written as `face_group_id` and `duplicate_of` (also said in its description).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from common.library import assets as asset_ops
from common.library import embeddings
from common.library.models import Asset
from gpu_service import faces, registry
from gpu_service.config import worker_settings

DUPLICATE_PREFIX = re.compile(r"^\(Duplicate of [^)]*\) ")


def join_groups(manifest_id: str, new_faces: list[str]) -> None:
    """Incremental grouping: each new face joins the existing group whose primary it resembles most
    (a new photo of an inherited character becomes part of that character's group); the new faces
    that match no group are grouped among themselves. Existing faces are not touched."""
    stored = embeddings.of_manifest(manifest_id)
    fresh = [f for f in new_faces if f in stored]
    if not fresh:
        return
    assets = {a.id: a for a in asset_ops.list_for_manifest(manifest_id) if a.id in stored}
    known = [i for i, a in assets.items() if i not in fresh and a.duplicate_of is None]
    threshold = worker_settings().face_match_threshold
    vectors = np.asarray([stored[i][1] for i in fresh], dtype=np.float32)
    matches = faces.match(vectors, np.asarray([stored[i][1] for i in known], dtype=np.float32), threshold)
    primary_for: dict[str, Asset] = {
        f: assets[known[m]] for f, m in zip(fresh, matches, strict=True) if m is not None
    }
    alone = [f for f in fresh if f not in primary_for]
    if alone:
        among = faces.group(
            np.asarray([stored[i][1] for i in alone], dtype=np.float32),
            [stored[i][0] for i in alone],
            threshold,
        )
        primary_for.update({f: assets[alone[p]] for f, p in zip(alone, among, strict=True)})
    registry.write_groups(
        {
            face: membership(assets[face], primary, primary.face_group_id or primary.id)
            for face, primary in primary_for.items()
        }
    )


def group_faces(manifest_id: str) -> None:
    """Group every face of the manifest by person; mark all but each group's best face duplicates."""
    stored = embeddings.of_manifest(manifest_id)
    if not stored:
        return
    ids = sorted(stored)
    scores = [stored[i][0] for i in ids]
    vectors = np.asarray([stored[i][1] for i in ids], dtype=np.float32)
    primary_of = faces.group(vectors, scores, worker_settings().face_match_threshold)
    by_id = {a.id: a for a in asset_ops.list_for_manifest(manifest_id) if a.id in stored}
    updates: dict[str, dict[str, Any]] = {}
    for index, asset_id in enumerate(ids):
        asset, primary = by_id.get(asset_id), by_id.get(ids[primary_of[index]])
        if asset is None or primary is None:
            continue
        fields = membership(asset, primary, primary.id)
        if any(getattr(asset, k) != v for k, v in fields.items()):
            updates[asset_id] = fields
    registry.write_groups(updates)


def membership(asset: Asset, primary: Asset, group_id: str) -> dict[str, Any]:
    """A face's group fields: the group, and unless it is the primary, whose duplicate it is (also
    said at the start of its description)."""
    base = DUPLICATE_PREFIX.sub("", asset.description)
    if primary.id == asset.id:
        return {"face_group_id": group_id, "duplicate_of": None, "description": base}
    return {
        "face_group_id": group_id,
        "duplicate_of": primary.id,
        "description": f"(Duplicate of {primary.name}) {base}",
    }
