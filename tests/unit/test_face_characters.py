"""A search's faces as characters (common/library/face_characters.py): grouped by who they show,
named as each manifest's cast names them."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from common.library.cast import faces_per_photo
from common.library.cast_models import CastMember
from common.library.face_characters import describe, group, members_of
from common.library.face_models import FaceMatch
from common.library.models import Asset, AssetType
from common.records import utcnow

START = utcnow()


def hit(
    asset_id: str, similarity: float, character: str | None, manifest: str = "m1", **fields: Any
) -> FaceMatch:
    return FaceMatch(
        asset_id=asset_id,
        manifest_id=manifest,
        manifest_name=f"Manifest {manifest}",
        manifest_tag=f"CHAR_{asset_id.upper()}",
        name=f"face {asset_id}",
        similarity=similarity,
        character_id=character,
        thumbnail_path=f"assets/{asset_id}/thumb.jpg",
        **fields,
    )


# Manifest m1: Ann has faces a1..a4; Bob has b1. Manifest m2 has Ann's look-alike c1 (another
# character of another manifest). u1 has no character but a face group, u2 neither.
A1, A2, A3, A4 = hit("a1", 0.9, "a1"), hit("a2", 0.8, "a1"), hit("a3", 0.7, "a1"), hit("a4", 0.65, "a1")
B1 = hit("b1", 0.85, "b1")
C1 = hit("c1", 0.88, "a1", manifest="m2")  # the same id in two manifests: two people
U1, U1B = hit("u1", 0.75, None, face_group_id="g"), hit("u1b", 0.72, None, face_group_id="g")
U2 = hit("u2", 0.95, None)


@pytest.mark.parametrize(
    ("found", "limit", "expected"),
    [
        ([], 10, []),
        # a person's best images under it, at most 3, best first; people by their best image
        ([A4, A2, B1, A1, A3], 10, [["a1", "a2", "a3"], ["b1"]]),
        # a character is one manifest's: the same character id elsewhere is someone else
        ([A1, C1, A2], 10, [["a1", "a2"], ["c1"]]),
        # a face with no character stands alone, keyed by its face group, else by itself
        ([U1, U1B, U2, A1], 10, [["u2"], ["a1"], ["u1", "u1b"]]),
        # a lone face never joins a character whose id equals its group or asset id
        ([hit("a1", 0.9, None), A2], 10, [["a1"], ["a2"]]),
        # at most `limit` people
        ([A1, B1, U2, C1], 2, [["u2"], ["a1"]]),
        # an asset counts once (its first, best, occurrence)
        ([A1, hit("a1", 0.5, "a1"), A2], 10, [["a1", "a2"]]),
    ],
)
def test_matches_are_grouped_by_person(found: list[FaceMatch], limit: int, expected: list[list[str]]) -> None:
    assert [[m.asset_id for m in people] for people in group(found, limit)] == expected


ANN = CastMember(
    character_id="a1",
    handle="CHAR_01",
    name="Ann",
    named_asset_id="up",
    primary_face_asset_id="a9",
    best_reference_asset_id="up",
)


@pytest.mark.parametrize(
    ("matched", "member", "thumbnails", "expected"),
    [
        # a cast member: its handle and name, its primary face and that face's thumbnail
        (
            [A2, A3],
            ANN,
            {"a9": "assets/a9/thumb.jpg"},
            ("a1", "CHAR_01", "Ann", "a9", "assets/a9/thumb.jpg", 0.8),
        ),
        # its primary face not at hand: the best matched face stands in
        ([A2], ANN, {}, ("a1", "CHAR_01", "Ann", "a2", "assets/a2/thumb.jpg", 0.8)),
        # no character: the face itself, with its tag and name
        ([U1, U1B], None, {}, (None, "CHAR_U1", "face u1", "u1", "assets/u1/thumb.jpg", 0.75)),
        # a character the cast does not list (yet): named by its best face
        ([B1], None, {}, ("b1", "CHAR_B1", "face b1", "b1", "assets/b1/thumb.jpg", 0.85)),
    ],
)
def test_each_person_is_named_as_its_cast_names_it(
    matched: list[FaceMatch],
    member: CastMember | None,
    thumbnails: dict[str, str | None],
    expected: tuple[Any, ...],
) -> None:
    found = describe(matched, member, thumbnails)
    assert (
        found.character_id,
        found.handle,
        found.name,
        found.face_asset_id,
        found.thumbnail_path,
        found.similarity,
    ) == expected
    assert found.manifest_id == matched[0].manifest_id and found.manifest_name == matched[0].manifest_name
    assert found.matches == matched
    assert "thumbnail_path" not in found.model_dump()


def asset(asset_id: str, order: int, manifest: str, character: str, **fields: Any) -> Asset:
    base = {
        "id": asset_id,
        "owner_id": "o",
        "manifest_id": manifest,
        "name": asset_id,
        "manifest_tag": f"CHAR_{order:02d}",
        "asset_type": AssetType.CHARACTER,
        "character_id": character,
        "created_at": START + timedelta(seconds=order),
        "updated_at": START,
    }
    return Asset.model_validate({**base, **fields})


def test_members_follow_each_manifests_cast_rules() -> None:
    """The handle is the first upload's tag, the primary face the one the character is named after,
    and the same character id in two manifests makes two members."""
    later_upload = asset("later", 2, "m1", "f1")
    first_upload = asset("first", 1, "m1", "f1", sort_order=5)  # shown last, still named first
    faces = [
        asset("f2", 4, "m1", "f1", source="extracted", is_face_crop=True, source_asset_id="later"),
        asset("f1", 3, "m1", "f1", source="extracted", is_face_crop=True, source_asset_id="first"),
    ]
    other = asset("elsewhere", 7, "m2", "f1")
    shown = [later_upload, *faces, first_upload, other]
    members = members_of(shown, faces_per_photo(shown))
    assert set(members) == {("m1", "f1"), ("m2", "f1")}
    ann = members[("m1", "f1")]
    assert (ann.handle, ann.name, ann.primary_face_asset_id) == ("CHAR_01", "first", "f1")
    assert members[("m2", "f1")].handle == "CHAR_07"


def test_a_group_photos_person_is_no_member_even_read_alone() -> None:
    """Face search reads only the matched people's assets: the faces counted in their photo say
    whether they are one of a group photo's people (its cast leaves them out, so does the search)."""
    face = asset("g1", 1, "m1", "g1", source="extracted", is_face_crop=True, source_asset_id="solvay")
    assert members_of([face], faces_per_photo([face])) != {}  # alone, it looks like a portrait
    assert members_of([face], Counter({"solvay": 29})) == {}
