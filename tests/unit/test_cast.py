"""Who is who (common/library/cast.py): each asset's character from the face groups, and the cast."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from common.library.cast import cast_of, characters
from common.library.models import Asset, AssetType
from common.records import utcnow

START = utcnow()


def asset(asset_id: str, order: int, **fields: Any) -> Asset:
    base = {
        "id": asset_id,
        "owner_id": "o",
        "manifest_id": "m",
        "name": asset_id,
        "manifest_tag": f"CHAR_{order + 1:02d}",
        "asset_type": AssetType.CHARACTER,
        "created_at": START + timedelta(seconds=order),
        "updated_at": START,
    }
    return Asset.model_validate({**base, **fields})


def face(face_id: str, order: int, source: str, box: list[int], group: str | None) -> Asset:
    return asset(
        face_id,
        order,
        source="extracted",
        source_asset_id=source,
        is_face_crop=True,
        crop_bbox=box,
        face_group_id=group,
    )


def person(person_id: str, order: int, source: str, box: list[int]) -> Asset:
    return asset(person_id, order, source="extracted", source_asset_id=source, crop_bbox=box)


# Two photos of one man (a, b), one of another (c); a group photo (g) holds both, side by side.
LIBRARY = [
    asset("a", 0, quality_score=0.8),
    asset("b", 1, quality_score=0.9),
    asset("c", 2),
    asset("g", 3),
    face("fa", 4, "a", [100, 50, 200, 170], "fa"),
    face("fb", 5, "b", [300, 60, 420, 200], "fa"),
    face("fc", 6, "c", [90, 40, 180, 150], "fc"),
    face("g1", 7, "g", [100, 100, 140, 150], "fa"),
    face("g2", 8, "g", [300, 100, 340, 150], "fc"),
    face("tiny", 9, "g", [500, 100, 510, 112], None),  # too small to identify: no group
    person("pa", 10, "a", [20, 30, 300, 900]),
    person("pg1", 11, "g", [60, 80, 200, 600]),  # g1's head is in its upper half
    person("pg2", 12, "g", [240, 80, 400, 600]),
    person("wide", 13, "g", [60, 80, 400, 600]),  # both heads: two people, nobody's
    person("legs", 14, "g", [280, 20, 420, 140]),  # g2's centre lies in its lower half only
    person("stranger", 15, "g", [480, 90, 520, 400]),  # only an unidentifiable face
    asset("prop", 16, asset_type=AssetType.OBJECT),
]


def test_each_asset_gets_the_one_person_it_shows() -> None:
    found = characters(LIBRARY)
    assert {k: v for k, v in found.items() if v} == {
        "a": "fa",
        "b": "fa",
        "c": "fc",
        "fa": "fa",
        "fb": "fa",
        "fc": "fc",
        "g1": "fa",
        "g2": "fc",
        "pa": "fa",
        "pg1": "fa",
        "pg2": "fc",
    }
    # a group photo shows two people: as an upload it is nobody's; so are the doubtful crops
    assert found["g"] is found["wide"] is found["legs"] is found["stranger"] is found["tiny"] is None
    assert found["prop"] is None


def test_the_cast_lists_each_person_once_with_everything_of_theirs() -> None:
    assigned = characters(LIBRARY)
    library = [a.model_copy(update={"character_id": assigned[a.id]}) for a in LIBRARY]
    man, other = cast_of(library)
    assert man.character_id == man.primary_face_asset_id == "fa"
    assert (man.handle, man.name) == ("CHAR_01", "a")  # the first upload of theirs, in display order
    assert man.asset_ids == ["a", "b", "fa", "fb", "g1", "pa", "pg1"]
    assert man.best_reference_asset_id == "b"  # the better upload
    assert (man.counts.uploads, man.counts.person_crops, man.counts.faces) == (2, 2, 3)
    assert (other.character_id, other.handle, other.asset_ids) == ("fc", "CHAR_03", ["c", "fc", "g2", "pg2"])


def test_a_person_seen_only_in_a_group_photo_is_named_by_their_face() -> None:
    only = [
        asset("g", 0),
        face("f", 1, "g", [10, 10, 50, 60], "f"),
        face("h", 2, "g", [90, 10, 130, 60], "h"),
    ]
    assigned = characters(only)
    cast = cast_of([a.model_copy(update={"character_id": assigned[a.id]}) for a in only])
    assert [(m.character_id, m.handle, m.best_reference_asset_id) for m in cast] == [
        ("f", "CHAR_02", "f"),
        ("h", "CHAR_03", "h"),
    ]


def test_the_people_of_a_group_photo_join_the_cast_only_when_made_so() -> None:
    """A conference photo of four: one of them is also in a portrait of his own; one the creator
    made a cast member; the other two are the photo's people, not the cast's."""
    crowd = [
        asset("portrait", 0),
        asset("conference", 1),
        face("p", 2, "portrait", [10, 10, 50, 60], "p"),
        *(face(f"c{n}", 3 + n, "conference", [100 * n, 10, 100 * n + 40, 60], f"c{n}") for n in range(4)),
    ]
    assigned = characters(crowd)
    assigned.update({"c0": "p", "portrait": "p"})  # c0 is the portrait's man
    library = [a.model_copy(update={"character_id": assigned[a.id]}) for a in crowd]
    assert [m.character_id for m in cast_of(library)] == ["p"]
    picked = [a.model_copy(update={"in_cast": a.id == "c2"}) for a in library]
    assert [m.character_id for m in cast_of(picked)] == ["p", "c2"]
    # Two people in a photo are still two characters (test above); three make it a group photo.
    assert [m.character_id for m in cast_of(library[1:2] + library[3:6])] == []


def test_no_faces_no_cast() -> None:
    assert cast_of([asset("a", 0), asset("b", 1)]) == []
    assert characters([]) == {}
