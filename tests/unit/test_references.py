"""A scene's reference pack (common/projects/references.py): pure, as tables."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import timedelta
from typing import Any

import pytest

from common.checkpoints.models import VersionReference
from common.library import cast
from common.library.models import AssetType
from common.projects.models import Scene, SceneManifest, SnapshotAsset
from common.projects.reference_models import Chosen, PackReference
from common.projects.references import Pack, Reference, pack
from common.records import utcnow

T0 = utcnow()
counter = iter(range(10_000))


def asset(tag: str, name: str, **fields: Any) -> SnapshotAsset:
    n = next(counter)
    kind = {"CHAR": AssetType.CHARACTER, "OBJ": AssetType.OBJECT, "ENV": AssetType.ENVIRONMENT}
    base: dict[str, Any] = {
        "id": f"{n:032x}",
        "owner_id": "o",
        "manifest_id": "m",
        "name": name,
        "manifest_tag": tag,
        "asset_type": kind.get(tag.split("_", maxsplit=1)[0], AssetType.STYLE),
        "image_path": f"images/{tag}.jpg",
        "sort_order": n,
        "created_at": T0 + timedelta(seconds=n),
        "updated_at": T0,
    }
    return SnapshotAsset.model_validate({**base, **fields})


def person(tag: str, name: str, character: str, **fields: Any) -> SnapshotAsset:
    return asset(tag, name, character_id=character, **fields)


def face(tag: str, of: SnapshotAsset, vector: list[float], **fields: Any) -> SnapshotAsset:
    return asset(
        tag,
        f"{of.name} face",
        character_id=of.character_id,
        source="extracted",
        source_asset_id=of.id,
        is_face_crop=True,
        face_embedding=vector,
        **fields,
    )


def two_people() -> dict[str, SnapshotAsset]:
    """Obama in three uploads (the second the most typical face), Biden in one, a mug, a style."""
    o1 = person("CHAR_01", "Obama", "obama", reverse_prompt="A man in a grey suit. Smiling.")
    o2 = person("CHAR_02", "Obama", "obama")
    o3 = person("CHAR_03", "Obama", "obama")
    b = person("CHAR_04", "Biden", "biden", reverse_prompt="An older man with white hair, in a navy suit.")
    return {
        "o1": o1,
        "o2": o2,
        "o3": o3,
        "b": b,
        "f1": face("CHAR_05", o1, [1.0, 0.0, 0.0]),
        "f2": face("CHAR_06", o2, [0.8, 0.6, 0.0]),
        "f3": face("CHAR_07", o3, [0.0, 1.0, 0.0]),
        "fb": face("CHAR_08", b, [0.0, 0.0, 1.0]),
        "body": asset(
            "CHAR_09",
            "Obama person",
            character_id="obama",
            source="extracted",
            source_asset_id=o1.id,
            detection_class="person",
            detection_confidence=0.9,
        ),
        "mug": asset("OBJ_01", "Mug"),
        "style": asset("STYLE_01", "Noir"),
    }


def run(  # noqa: PLR0917 - a table's columns
    assets: dict[str, SnapshotAsset],
    tags: list[str] | None = None,
    text: str = "",
    shot: str | None = "medium shot",
    target: str = "video",
    limit: int = 3,
) -> Pack:
    return pack(
        list(assets.values()),
        scene_tags=tags or [],
        text=text,
        shot_type=shot,
        target=target,  # type: ignore[arg-type]
        limit=limit,
    )


def ids(result: Pack, assets: dict[str, SnapshotAsset]) -> list[str]:
    names = {a.id: key for key, a in assets.items()}
    return [names[r.asset_id] for r in result.references]


def test_every_character_gets_one_image_before_any_gets_a_second() -> None:
    a = two_people()
    result = run(a, tags=["CHAR_01", "CHAR_04"])
    assert [r.handle for r in result.references] == ["CHAR_01", "CHAR_04", "CHAR_01"]
    assert result.uncovered == [] and result.unresolved == []
    assert all(r.role == "character" for r in result.references)
    assert {x.handle for x in result.left_out} == {"CHAR_01", "CHAR_04"}  # their other images
    assert all("the pack holds 3 images for the video model" in x.why for x in result.left_out)


def test_a_close_shot_takes_the_most_representative_face_not_the_first_upload() -> None:
    a = two_people()
    result = run(a, tags=["CHAR_01"], limit=1)
    assert ids(result, a) == ["o2"]  # f2 sits between f1 and f3: the typical Obama
    assert "most representative" in result.references[0].why


def test_an_image_with_a_quality_warning_never_comes_before_one_without() -> None:
    a = two_people()
    a["o2"] = a["o2"].model_copy(update={"quality_warning": True})
    assert ids(run(a, tags=["CHAR_01"], limit=2), a) == ["o1", "o3"]


def test_a_wide_shot_takes_a_full_body_image_first() -> None:
    a = two_people()
    assert ids(run(a, tags=["CHAR_01"], shot="wide shot", limit=1), a) == ["body"]


@pytest.mark.parametrize(
    ("text", "expected", "unresolved"),
    [
        ("@obama waves at @BIDEN", ["CHAR_01", "CHAR_04"], []),
        ("CHAR_07 alone", ["CHAR_01"], []),  # a face crop's tag means its character
        ("CHAR_99 and @Nobody", [], ["CHAR_99", "@Nobody"]),
    ],
)
def test_text_names_subjects_by_tag_or_at_name(text: str, expected: list[str], unresolved: list[str]) -> None:
    result = run(two_people(), text=text, limit=2)
    assert list(dict.fromkeys(r.handle for r in result.references)) == expected
    assert result.unresolved == unresolved


@pytest.mark.parametrize(
    ("text", "expected", "prompt"),
    [
        (
            "@Joe Biden waves",
            ["CHAR_04"],
            "CHAR_04 (Joe Biden: An older man with white hair, in a navy suit) waves",
        ),
        ("@joe  BIDEN waves", ["CHAR_04"], None),  # any case, any spaces between the words
        ("@JoeBiden waves", ["CHAR_04"], None),  # as older prompts wrote it
        ("@Joe Bidenson waves", [], None),  # a longer word is not the name
    ],
)
def test_a_name_of_several_words_is_one_mention(text: str, expected: list[str], prompt: str | None) -> None:
    a = two_people()
    a["b"] = a["b"].model_copy(update={"name": "Joe Biden"})
    result = run(a, text=text, limit=2)
    assert list(dict.fromkeys(r.handle for r in result.references)) == expected
    if prompt is not None:
        assert result.prompt == prompt


def test_a_name_two_characters_share_is_listed_not_guessed() -> None:
    a = two_people()
    a["b"] = a["b"].model_copy(update={"name": "Obama"})
    result = run(a, text="@Obama enters")
    assert result.references == [] and result.unresolved == ["@Obama (ambiguous: CHAR_01, CHAR_04)"]


def test_objects_and_styles_take_their_own_image_where_the_target_has_a_slot() -> None:
    a = two_people()
    video = run(a, tags=["OBJ_01", "STYLE_01"])
    assert [(r.role, r.manifest_tag) for r in video.references] == [("object", "OBJ_01")]
    assert [x.why for x in video.left_out] == ["Veo's asset references have no style slot"]
    image = run(a, tags=["OBJ_01", "STYLE_01"], target="image")
    assert [r.role for r in image.references] == ["object", "style"]


def test_the_prompt_spells_each_handle_out_once() -> None:
    result = run(two_people(), text="@Biden greets CHAR_01. CHAR_01 smiles at @biden.")
    assert result.prompt == (
        "CHAR_04 (Biden: An older man with white hair, in a navy suit) greets "
        "CHAR_01 (Obama: A man in a grey suit). CHAR_01 smiles at CHAR_04."
    )


def test_a_subject_without_an_image_is_uncovered() -> None:
    a = two_people()
    a["mug"] = a["mug"].model_copy(update={"image_path": None})
    result = run(a, tags=["OBJ_01", "CHAR_04"])
    assert result.uncovered == ["OBJ_01"] and {r.handle for r in result.references} == {"CHAR_04"}
    assert ("OBJ_01", "no stored image") in {(x.handle, x.why) for x in result.left_out}


def test_the_same_snapshot_and_scene_give_the_same_pack() -> None:
    a = two_people()
    assert run(a, tags=["CHAR_01", "CHAR_04"], text="@Biden") == run(
        a, tags=["CHAR_01", "CHAR_04"], text="@Biden"
    )


def test_spelling_out_a_composed_prompt_again_changes_nothing() -> None:
    once = run(two_people(), text="@Biden greets CHAR_01.").prompt
    assert run(two_people(), text=once).prompt == once


def test_a_repair_focus_puts_its_characters_first_by_their_most_telling_face() -> None:
    a = two_people()
    plain = run(a, tags=["CHAR_01", "CHAR_04"], shot="wide shot", limit=2)
    assert ids(plain, a) == ["body", "b"]
    focused = pack(
        list(a.values()),
        scene_tags=["CHAR_01", "CHAR_04"],
        text="",
        shot_type="wide shot",
        target="video",
        limit=2,
        focus=("CHAR_04", "CHAR_01"),
    )
    # Biden first; Obama's most representative face instead of his body, even in a wide shot
    assert ids(focused, a) == ["b", "o2"]


def test_a_group_photo_comes_after_the_faces_of_one_person() -> None:
    a = two_people()
    # o2 (the most typical Obama) is a group photo: another face was cut from it too
    a["stranger"] = face("CHAR_10", a["o2"], [0.0, 0.0, -1.0]).model_copy(update={"character_id": None})
    result = run(a, tags=["CHAR_01"], limit=6)
    assert ids(result, a)[:2] == ["o1", "o3"]  # the uploads showing Obama alone first
    assert ids(result, a).index("o2") > ids(result, a).index("f3")  # after his own face crops
    assert "with other people in it" in next(r.why for r in result.references if r.asset_id == a["o2"].id)


def test_a_setback_image_goes_behind_its_subjects_others() -> None:
    a = two_people()
    tried = pack(
        list(a.values()),
        scene_tags=["CHAR_01"],
        text="",
        shot_type="close-up",
        target="video",
        limit=2,
        setback={a["o2"].id},
    )
    assert ids(tried, a) == ["o1", "o3"]  # o2 led the last attempt and Obama was still unconfirmed


@pytest.mark.parametrize(
    ("text", "tags", "packable"),
    [
        (None, None, False),  # nothing yet: no storyboard, no scene manifest
        ("", [], False),
        (" \n\t", [], False),  # blank text names nobody
        ("Ann walks in.", None, True),
        ("Ann walks in.", [], True),
        (None, ["CHAR_01"], True),  # tags alone
        ("  ", ["OBJ_01"], True),
        ("@Ann at the door", ["CHAR_01"], True),
    ],
)
def test_a_scene_is_packable_when_it_has_storyboard_text_or_asset_tags(
    text: str | None, tags: list[str] | None, packable: bool
) -> None:
    manifest = None if tags is None else SceneManifest(asset_tags=tags)
    scene = Scene(index=0, storyboard_text=text, scene_manifest=manifest, updated_at=T0)
    assert scene.packable is packable
    assert scene.model_dump(mode="json")["packable"] is packable  # the API shows it


def test_the_cast_names_the_asset_whose_tag_is_its_handle() -> None:
    a = two_people()
    members = {m.character_id: m for m in cast.cast_of(list(a.values()))}
    assert members["obama"].named_asset_id == a["o1"].id  # its first upload, whose tag is the handle
    assert members["biden"].named_asset_id == a["b"].id
    for member in members.values():
        named = next(x for x in a.values() if x.id == member.named_asset_id)
        assert (named.manifest_tag, named.name) == (member.handle, member.name)


def test_a_reference_declares_its_fields_once_and_stays_a_plain_dataclass() -> None:
    shared = {f.name for f in fields(Chosen)}
    assert {f.name for f in fields(Reference)} == shared | {"image_path"}
    assert {f.name for f in fields(PackReference)} == shared | {"image_url"}
    chosen = run(two_people(), tags=["CHAR_01"]).references[0]
    recorded = VersionReference.model_validate(asdict(chosen))  # as a generator records it
    assert (recorded.asset_id, recorded.handle) == (chosen.asset_id, chosen.handle)
