"""Face search across the caller's library, and identity suggestions for new characters.

The owner's face index (face_index.py) ranks faces by similarity; this keeps what is still there
(the asset exists, its manifest is live, both are the caller's), at or above the match threshold
of the face pack (identity_rules.py), and says where each face lives. A search answers the faces
and the characters they show (face_characters.py), each named as its manifest's cast names it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from google.cloud.firestore import FieldFilter

from common.errors import Conflict
from common.gcp import db
from common.library import assets as asset_ops
from common.library import embeddings, face_characters, face_index
from common.library import manifests as manifest_ops
from common.library.face_models import MAX_LIMIT, FaceMatch, FaceSearchResult, FoundCharacter
from common.library.identity_rules import thresholds
from common.library.models import Asset, IdentitySuggestion, Manifest

OVERFETCH = 3  # candidates per wanted match: some may be deleted since they were indexed
MAX_SUGGESTIONS = 3
IN_LIMIT = 30  # Firestore's cap on the values of one `in` filter
# What the cast's rules (cast.cast_of) read of a character's assets, and the shown face's thumbnail.
CAST_FIELDS = (
    "owner_id",
    "manifest_id",
    "name",
    "asset_type",
    "manifest_tag",
    "source",
    "is_face_crop",
    "character_id",
    "source_asset_id",
    "in_cast",
    "sort_order",
    "quality_score",
    "thumbnail_path",
    "created_at",
    "updated_at",
)


def matches(
    owner_id: str,
    vectors: Sequence[Sequence[float]],
    limit: int,
    *,
    min_similarity: float | None = None,
    exclude_assets: frozenset[str] = frozenset(),
    exclude_manifests: frozenset[str] = frozenset(),
) -> list[list[FaceMatch]]:
    """For each vector, the owner's live face assets most like it, best first, at or above the
    threshold (one index refresh and one read of the hits for all of them)."""
    floor = thresholds().match if min_similarity is None else min_similarity
    wanted = limit * OVERFETCH + len(exclude_assets)
    found = [
        [h for h in hits if h.similarity >= floor and h.asset_id not in exclude_assets]
        for hits in face_index.nearest(owner_id, vectors, wanted, exclude_manifests)
    ]
    assets, manifests = _live(owner_id, [h.asset_id for hits in found for h in hits])
    out = []

    def live(asset_id: str) -> bool:
        asset = assets.get(asset_id)
        return asset is not None and asset.manifest_id in manifests

    for hits in found:
        kept = []
        # The faces that stand for themselves here: live hits, and the faces asked about.
        here = {h.asset_id for h in hits if live(h.asset_id)} | exclude_assets
        for hit in hits:
            asset = assets.get(hit.asset_id)
            manifest = manifests.get(asset.manifest_id) if asset else None
            # A fork's copy of a face is the same person as the face it was copied from: found
            # with it (or asked about), it is not said twice (the source stands for both; a copy
            # of a copy stands behind the copy it was made from).
            if asset is None or manifest is None or asset.inherited_from_asset in here:
                continue
            kept.append(_match(asset, manifest, hit.similarity))
        out.append(kept[:limit])
    return out


def search(
    owner_id: str, vector: Sequence[float], limit: int, min_similarity: float | None
) -> FaceSearchResult:
    """The owner's live faces most like this one, and the characters they show."""
    (found,) = matches(owner_id, [vector], _wider(limit), min_similarity=min_similarity)
    return _with_characters(owner_id, found, limit)


def _match(asset: Asset, manifest: Manifest, similarity: float) -> FaceMatch:
    return FaceMatch(
        asset_id=asset.id,
        manifest_id=manifest.id,
        manifest_name=manifest.name,
        manifest_tag=asset.manifest_tag,
        name=asset.name,
        similarity=round(similarity, 4),
        source_asset_id=asset.source_asset_id,
        face_group_id=asset.face_group_id,
        character_id=asset.character_id,
        thumbnail_path=asset.thumbnail_path,
    )


def faces_of(asset: Asset) -> dict[str, list[float]]:
    """The embeddings that stand for an asset, by face asset id: its own (a face crop), else those
    of the faces cut from it."""
    stored = embeddings.of_manifest(asset.manifest_id)
    if asset.id in stored:
        return {asset.id: stored[asset.id].embedding}
    return {i: f.embedding for i, f in stored.items() if f.source_asset_id == asset.id}


def similar_to(owner_id: str, asset_id: str, limit: int, min_similarity: float | None) -> FaceSearchResult:
    """Faces in the caller's library like this asset's faces (an uploaded image may have several:
    each match keeps its best similarity), the asset's own faces left out, and their characters."""
    asset = asset_ops.get_owned(owner_id, asset_id)
    faces = faces_of(asset)
    if not faces:
        raise Conflict(  # the asset's state, not the request, is what is missing
            "this asset has no identifiable face yet: process its manifest, or search with an image",
            {"asset_id": asset_id},
        )
    best: dict[str, FaceMatch] = {}
    found = matches(
        owner_id,
        list(faces.values()),
        _wider(limit),
        min_similarity=min_similarity,
        exclude_assets=frozenset(faces),
    )
    for match in (m for per_face in found for m in per_face if m.asset_id != asset.id):
        _keep_best(best, match.asset_id, match)
    return _with_characters(owner_id, sorted(best.values(), key=lambda m: -m.similarity), limit)


def _wider(limit: int) -> int:
    """Face hits to fetch for `limit` characters: several hits may be one person's."""
    return min(limit * face_characters.WIDER, MAX_LIMIT)


def _with_characters(owner_id: str, found: list[FaceMatch], limit: int) -> FaceSearchResult:
    """The best `limit` of these matches (best first), and the best `limit` characters they show."""
    groups = face_characters.group(found, limit)
    wanted = {g[0].character_id for g in groups if g[0].character_id}
    assets = _of_characters(owner_id, wanted)
    members = face_characters.members_of(assets, _faces_per_photo(owner_id, assets))
    thumbnails = {a.id: a.thumbnail_path for a in assets if a.is_face_crop}
    characters: list[FoundCharacter] = []
    for matched in groups:
        best = matched[0]
        member = members.get((best.manifest_id, best.character_id)) if best.character_id else None
        characters.append(face_characters.describe(matched, member, thumbnails))
    return FaceSearchResult(matches=found[:limit], characters=characters)


def _faces_per_photo(owner_id: str, assets: Sequence[Asset]) -> Counter[str]:
    """How many faces were cut from each photo these assets' faces come from (all of them, not only
    the matched people's: a group photo's people are not cast members), one query per 30 photos."""
    photos = sorted({a.source_asset_id for a in assets if a.is_face_crop and a.source_asset_id})
    counted: Counter[str] = Counter()
    for start in range(0, len(photos), IN_LIMIT):
        query = (
            db.assets()
            .where(filter=FieldFilter("owner_id", "==", owner_id))
            .where(filter=FieldFilter("source_asset_id", "in", photos[start : start + IN_LIMIT]))
            .where(filter=FieldFilter("is_face_crop", "==", True))
            .select(["source_asset_id"])
        )
        counted.update(str(row["source_asset_id"]) for row in db.rows(query))
    return counted


def _of_characters(owner_id: str, character_ids: set[str]) -> list[Asset]:
    """Every asset the owner holds of these characters (the fields the cast's rules read): one query
    per 30 characters. A character id names one manifest's person (copies get new ids)."""
    ids = sorted(character_ids)
    found: list[Asset] = []
    for start in range(0, len(ids), IN_LIMIT):
        query = (
            db.assets()
            .where(filter=FieldFilter("owner_id", "==", owner_id))
            .where(filter=FieldFilter("character_id", "in", ids[start : start + IN_LIMIT]))
            .select(CAST_FIELDS)
        )
        found.extend(Asset.model_validate(row) for row in db.rows(query))
    return found


def suggestions(
    owner_id: str, manifest_id: str, faces: dict[str, list[list[float]]]
) -> dict[str, list[IdentitySuggestion]]:
    """For each asset (its faces' embeddings), the people elsewhere in the owner's library they
    match: one suggestion per person (their best face), best first."""
    keys = [(asset_id, vector) for asset_id, vectors in faces.items() for vector in vectors]
    found = (
        matches(
            owner_id, [v for _, v in keys], MAX_SUGGESTIONS * 2, exclude_manifests=frozenset({manifest_id})
        )
        if keys
        else []
    )
    best: dict[str, dict[str, FaceMatch]] = {asset_id: {} for asset_id in faces}
    for (asset_id, _), per_face in zip(keys, found, strict=True):
        for match in per_face:
            _keep_best(best[asset_id], f"{match.manifest_id}/{match.face_group_id or match.asset_id}", match)
    return {
        asset_id: [
            IdentitySuggestion(
                asset_id=m.asset_id,
                manifest_id=m.manifest_id,
                manifest_tag=m.manifest_tag,
                similarity=m.similarity,
            )
            for m in sorted(people.values(), key=lambda m: -m.similarity)[:MAX_SUGGESTIONS]
        ]
        for asset_id, people in best.items()
    }


def _live(owner_id: str, asset_ids: list[str]) -> tuple[dict[str, Asset], dict[str, Manifest]]:
    """The caller's assets among these ids whose manifests are live, and those manifests."""
    assets = {
        s.id: asset_ops.read_asset(s)
        for s in db.client().get_all([asset_ops.asset_ref(i) for i in dict.fromkeys(asset_ids)])
        if s.exists
    }
    assets = {i: a for i, a in assets.items() if a.owner_id == owner_id}
    refs = [manifest_ops.manifest_ref(m) for m in {a.manifest_id for a in assets.values()}]
    manifests = {}
    for snapshot in db.client().get_all(refs):
        if not snapshot.exists:
            continue
        manifest = manifest_ops.read_manifest(snapshot)
        if manifest.owner_id == owner_id and manifest.deleted_at is None:
            manifests[manifest.id] = manifest
    return assets, manifests


def _keep_best(best: dict[str, FaceMatch], key: str, match: FaceMatch) -> None:
    if key not in best or match.similarity > best[key].similarity:
        best[key] = match
