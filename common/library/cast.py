"""The cast: who is who in a manifest, derived from its assets, in plain functions.

A character is a person of the manifest: one face group under the identity rules (cannot-link,
group means, the identifiability gate, `identity_of` links; gpu_service/run/grouping.py). Its id is
the group's id (the primary face's asset id). Every asset that shows a person belongs to at most
one character, as `character_id`:
- a face crop: its group;
- a person crop: the one character whose identifiable face, cut from the same image, lies inside
  the person's box with its centre in the box's upper half (where a standing or sitting person's
  head is; a neighbour's face that only overlaps the box lower down is not theirs). No such face,
  or faces of different characters: none;
- an uploaded CHARACTER: the one character whose face it shows (faces of several: none, and the
  `several_faces` warning says why); its views are part of it.
The cast lists each character once, in display order, with the one tag prompts use for it.

A person seen only in one group photo (`CROWD` faces or more), with no image of their own, is one of
the people in that photo, not a cast member, until the creator makes them one (`in_cast` on any of
their assets): a conference photo does not flood the cast, `@`, a fork's choices or a snapshot with
dozens of strangers. Two people in one photo are still two characters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from common.library.cast_models import CastCounts, CastMember
from common.library.models import AssetPublic, AssetType

HEAD_SHARE = 0.5  # a face belongs to a person box when its centre is in the box's upper half
CROWD = 3  # faces in one photo from which its people are the photo's, not the cast's, until picked


def characters(assets: Sequence[AssetPublic]) -> dict[str, str | None]:
    """Each asset's character (None: it shows nobody the manifest can tell apart)."""
    faces_of: dict[str, list[AssetPublic]] = defaultdict(list)  # source image -> its grouped faces
    out: dict[str, str | None] = {}
    for asset in assets:
        out[asset.id] = None
        if asset.is_face_crop:
            out[asset.id] = asset.face_group_id
            if asset.face_group_id and asset.source_asset_id:
                faces_of[asset.source_asset_id].append(asset)
    for asset in assets:
        if asset.is_face_crop or asset.asset_type != AssetType.CHARACTER:
            continue
        if asset.source == "extracted":
            inside = [f for f in faces_of.get(asset.source_asset_id or "", []) if _head_of(f, asset)]
        else:
            inside = faces_of.get(asset.id, [])
        found = {f.face_group_id for f in inside}
        out[asset.id] = found.pop() if len(found) == 1 else None
    return out


def _head_of(face: AssetPublic, person: AssetPublic) -> bool:
    if not face.crop_bbox or not person.crop_bbox:
        return False
    fx1, fy1, fx2, fy2 = face.crop_bbox
    px1, py1, px2, py2 = person.crop_bbox
    cx, cy = (fx1 + fx2) / 2, (fy1 + fy2) / 2
    return px1 <= cx <= px2 and py1 <= cy <= py1 + HEAD_SHARE * (py2 - py1)


def cast_of(assets: Sequence[AssetPublic], faces_in: Counter[str] | None = None) -> list[CastMember]:
    """The manifest's characters, in display order (`assets` in it), from their `character_id`.
    `faces_in`: the faces cut from each photo, where `assets` are not all of the manifest's (a
    group photo's people are told by it); by default counted in `assets`."""
    members: dict[str, list[AssetPublic]] = defaultdict(list)
    for asset in assets:
        if asset.character_id:
            members[asset.character_id].append(asset)
    order = {a.id: index for index, a in enumerate(assets)}
    if faces_in is None:
        faces_in = faces_per_photo(assets)
    cast: list[tuple[int, CastMember]] = []
    for character_id, own in members.items():
        if in_a_crowd(own, faces_in):
            continue
        uploads = [a for a in own if a.source != "extracted"]
        faces = [a for a in own if a.is_face_crop]
        primary = next((f for f in faces if f.id == character_id), faces[0] if faces else own[0])
        # Its handle: the tag of its first upload, which no run renumbers (nor a reorder moves).
        named = min(uploads, key=lambda a: (a.created_at, a.id)) if uploads else primary
        best = max(uploads, key=lambda a: a.quality_score or 0.0, default=primary)
        counts = CastCounts(
            uploads=len(uploads),
            person_crops=sum(1 for a in own if a.source == "extracted" and not a.is_face_crop),
            faces=len(faces),
            views=sum(len(getattr(a, "views", [])) for a in uploads),
        )
        cast.append(
            (
                order[named.id],
                CastMember(
                    character_id=character_id,
                    handle=named.manifest_tag,
                    name=named.name,
                    named_asset_id=named.id,
                    primary_face_asset_id=primary.id,
                    asset_ids=[a.id for a in own],
                    best_reference_asset_id=best.id,
                    counts=counts,
                ),
            )
        )
    return [member for _, member in sorted(cast, key=lambda placed: placed[0])]


def faces_per_photo(assets: Sequence[AssetPublic]) -> Counter[str]:
    """How many faces were cut from each photo among `assets`."""
    return Counter(a.source_asset_id for a in assets if a.is_face_crop and a.source_asset_id)


def in_a_crowd(own: Sequence[AssetPublic], faces_in: Counter[str]) -> bool:
    """Whether a character is only one of the people in a group photo: every face of theirs cut from
    one photo of `CROWD` faces or more, no upload of their own, not made a cast member."""
    if any(a.in_cast or a.source != "extracted" for a in own):
        return False
    sources = {a.source_asset_id or "" for a in own if a.is_face_crop}
    return len(sources) == 1 and faces_in[sources.pop()] >= CROWD
