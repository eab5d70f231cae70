"""Face grouping: which faces of a manifest are one person, and which face stands for each group
(pure: the faces step writes what it decides).

A batch run groups every identifiable face of the manifest; an incremental run (a fork's new
images) keeps the existing groups as they are and lets each new face join the one it resembles
as a whole, or group with the other new faces. Two faces of one image are never one person, and a
face that cannot be identified (identity.py) has no embedding stored, so it neither joins nor
founds a group. Faces whose assets the owner linked to one person (`identity_of`) are one group
unless two of them share an image. Membership is written as `face_group_id` and `duplicate_of`
(also said at the start of the face's description).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from common.library.embeddings import StoredFace
from common.library.identity_rules import thresholds
from common.library.models import Asset
from gpu_service.vision import clustering

DUPLICATE_PREFIX = re.compile(r"^\(Duplicate of [^)]*\) ")


def group_faces(current: list[Asset], stored: Mapping[str, StoredFace]) -> dict[str, dict[str, Any]]:
    """Group every identifiable face of the manifest (its assets as they are now: `current`; the
    embeddings of its identifiable faces: `stored`) by person; mark all but each group's best face
    duplicates, and clear the marks of faces that cannot be identified. Returns the fields that
    change, per asset."""
    everything = {a.id: a for a in current}
    assets = {i: a for i, a in everything.items() if a.is_face_crop}
    found = [_face(assets[i], f) for i, f in stored.items() if i in assets]
    grouped = clustering.merge_linked(
        clustering.cluster(found, thresholds().match), links(assets, everything)
    )
    primary_of = {m: g.primary for g in grouped for m in g.members}
    updates: dict[str, dict[str, Any]] = {}
    for asset_id, asset in assets.items():
        primary = assets.get(primary_of.get(asset_id, ""))
        fields = membership(asset, primary, primary.id) if primary is not None else ungrouped(asset)
        if _changes(asset, fields):
            updates[asset_id] = fields
    return updates


def join_groups(
    current: list[Asset], stored: Mapping[str, StoredFace], new_faces: list[str]
) -> dict[str, dict[str, Any]]:
    """Incremental grouping: existing groups stay as they are; each new face joins the group it
    resembles most as a whole (a new photo of an inherited character joins that character), or
    groups with the other new faces. Returns the fields that change, per asset."""
    assets = {a.id: a for a in current if a.is_face_crop}
    fresh = [i for i in new_faces if i in stored and i in assets]
    if not fresh:
        return {}
    existing: dict[str, clustering.Group] = {}
    for asset_id, face in stored.items():
        asset = assets.get(asset_id)
        if asset is None or asset_id in fresh or asset.face_group_id is None:
            continue
        vector = np.asarray(face.embedding, dtype=np.float32)
        group = existing.setdefault(
            asset.face_group_id, clustering.Group(asset.face_group_id, vector, 0 * vector)
        )
        group.add(_face(asset, face))
        if asset_id == asset.face_group_id:
            group.lead = vector  # the primary's own vector leads the group
    grouped = clustering.cluster(
        [_face(assets[i], stored[i]) for i in fresh], thresholds().match, groups=list(existing.values())
    )
    primary_of = {m: g.primary for g in grouped for m in g.members}
    updates = {}
    for face_id in fresh:
        group_id = primary_of[face_id]
        # A group whose primary is gone (removed from a fork) still names it: the new face leads.
        primary = assets.get(group_id) or assets[face_id]
        fields = membership(assets[face_id], primary, group_id)
        if _changes(assets[face_id], fields):
            updates[face_id] = fields
    return updates


def links(face_assets: dict[str, Asset], everything: dict[str, Asset]) -> dict[str, str]:
    """Face asset id -> the asset its owner said it shows (`identity_of`, on the face or on the
    image it was cut from)."""
    out = {}
    for face_id, face in face_assets.items():
        source = everything.get(face.source_asset_id or "")
        link = face.identity_of or (source.identity_of if source else None)
        if link:
            out[face_id] = link
    return out


def _changes(asset: Asset, fields: dict[str, Any]) -> bool:
    return any(getattr(asset, k) != v for k, v in fields.items())


def _face(asset: Asset, stored: StoredFace) -> clustering.Face:
    source = stored.source_asset_id or asset.source_asset_id or asset.id
    return clustering.Face(asset.id, np.asarray(stored.embedding, dtype=np.float32), stored.score, source)


def membership(asset: Asset, primary: Asset, group_id: str) -> dict[str, Any]:
    """A face's group fields: the group, and unless it is the primary, whose duplicate it is (also
    said at the start of its description)."""
    if primary.id == asset.id:
        return {
            "face_group_id": group_id,
            "duplicate_of": None,
            "description": marked(asset.description, None),
        }
    return {
        "face_group_id": group_id,
        "duplicate_of": primary.id,
        "description": marked(asset.description, primary.name),
    }


def ungrouped(asset: Asset) -> dict[str, Any]:
    return {"face_group_id": None, "duplicate_of": None, "description": marked(asset.description, None)}


def marked(description: str, primary_name: str | None) -> str:
    """A face's description with the duplicate mark it should carry (none for a primary)."""
    base = DUPLICATE_PREFIX.sub("", description)
    return f"(Duplicate of {primary_name}) {base}" if primary_name is not None else base
