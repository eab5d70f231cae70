"""A face search's matches as characters, in plain functions (no Firestore).

A creator looks for a person, not a crop: the faces a search finds are grouped by who they show,
one entry per (manifest, character). A face whose asset has no character (unidentifiable, or not
yet processed) stands alone, keyed by its face group or itself. Each entry is named as its
manifest's cast names the character (cast.py: its handle and name, its primary face shown), or,
without a character, by the face itself (its tag and name).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from common.library import cast
from common.library.cast_models import CastMember
from common.library.face_models import FaceMatch, FoundCharacter
from common.library.models import AssetPublic, display_key

PER_CHARACTER = 3  # a character's best matching images shown under it
WIDER = 3  # face hits fetched per wanted character: several may be one person's

# (manifest id, character id) for a character; (manifest id, None, face group or asset id) for a
# face that has none: the two never collide.
Key = tuple[str, str | None, str | None]


def key_of(match: FaceMatch) -> Key:
    if match.character_id:
        return (match.manifest_id, match.character_id, None)
    return (match.manifest_id, None, match.face_group_id or match.asset_id)


def group(
    found: Iterable[FaceMatch], limit: int, per_character: int = PER_CHARACTER
) -> list[list[FaceMatch]]:
    """The matches by person, best person first (by its best match; ties keep the order found),
    each person's best `per_character` matches best first (an asset once); at most `limit` people."""
    people: dict[Key, list[FaceMatch]] = {}
    seen: set[str] = set()
    for match in sorted(found, key=lambda m: -m.similarity):
        if match.asset_id in seen:
            continue
        seen.add(match.asset_id)
        people.setdefault(key_of(match), []).append(match)
    return [matches[:per_character] for matches in list(people.values())[:limit]]


def members_of(assets: Sequence[AssetPublic], faces_in: Counter[str]) -> dict[tuple[str, str], CastMember]:
    """The cast members these assets make, by (manifest id, character id), under the rules of the
    manifest's own cast (cast.cast_of): give each character all its assets, and the faces cut from
    each of their photos (`faces_in`: a group photo's people are none), and the entry is the one its
    manifest lists (a character's handle, name and primary face depend on its assets alone)."""
    by_manifest: dict[str, list[AssetPublic]] = {}
    for asset in sorted(assets, key=display_key):
        by_manifest.setdefault(asset.manifest_id, []).append(asset)
    return {
        (manifest_id, member.character_id): member
        for manifest_id, own in by_manifest.items()
        for member in cast.cast_of(own, faces_in)
    }


def describe(
    matches: Sequence[FaceMatch], member: CastMember | None, thumbnails: Mapping[str, str | None]
) -> FoundCharacter:
    """One entry of the answer from its best-first matches: named by its cast member (its primary
    face shown when `thumbnails` holds that face, asset id -> thumbnail path), else by its best face."""
    best = matches[0]
    handle, name, face_id, thumbnail = best.manifest_tag, best.name, best.asset_id, best.thumbnail_path
    if member is not None:
        handle, name = member.handle, member.name
        if member.primary_face_asset_id in thumbnails:
            face_id, thumbnail = member.primary_face_asset_id, thumbnails[member.primary_face_asset_id]
    return FoundCharacter(
        character_id=best.character_id,
        handle=handle,
        name=name,
        manifest_id=best.manifest_id,
        manifest_name=best.manifest_name,
        similarity=best.similarity,
        face_asset_id=face_id,
        thumbnail_path=thumbnail,
        matches=list(matches),
    )
