"""Characters across the library: face search, identity suggestions, linked identities.

Real photos through the real engine on the emulators: the same person in two manifests is found,
a different person is not, a person with several images answers as one character, and another
owner's library is never searched.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import requests
from google.cloud.firestore import FieldFilter
from PIL import Image

from common.gcp import db
from tests.support.api import Api, jpeg
from tests.support.engine import manifest_of_photos, process
from tests.support.images import png_bomb

pytestmark = pytest.mark.usefixtures("worker")


def face_of(manifest: dict[str, Any], source_name: str) -> dict[str, Any]:
    source = next(a for a in manifest["assets"] if a["name"] == source_name)
    (face,) = [a for a in manifest["assets"] if a["source_asset_id"] == source["id"] and a["is_face_crop"]]
    return face


def asset_named(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in manifest["assets"] if a["name"] == name)


def search_image(api: Api, path: Path, **query: Any) -> Any:
    r = api.post("/api/faces/search", params=query, files={"file": (path.name, path.read_bytes())})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def library(alice: Api, photos: Path) -> dict[str, dict[str, Any]]:
    """Alice's two processed manifests: Heroes (Obama) and Villains (Obama again, and Biden)."""
    heroes = manifest_of_photos(alice, [("Barack", photos / "obama.jpg")])
    heroes = process(alice, heroes["id"])
    villains = manifest_of_photos(alice, [("Double", photos / "obama2.jpg"), ("Joe", photos / "biden.jpg")])
    villains = process(alice, villains["id"])
    return {"heroes": heroes, "villains": villains}


def test_the_same_person_is_found_across_manifests_and_a_different_one_is_not(
    alice: Api, mallory: Api, photos: Path, library: dict[str, dict[str, Any]]
) -> None:
    heroes, villains = library["heroes"], library["villains"]
    barack, double, joe = face_of(heroes, "Barack"), face_of(villains, "Double"), face_of(villains, "Joe")

    # Suggestions: the new upload of Obama is told about Heroes' Obama; Biden about nobody.
    suggested = asset_named(villains, "Double")["identity_suggestions"]
    assert [(s["asset_id"], s["manifest_id"]) for s in suggested] == [(barack["id"], heroes["id"])]
    assert suggested[0]["manifest_tag"] == barack["manifest_tag"] and suggested[0]["similarity"] >= 0.6
    assert asset_named(villains, "Joe")["identity_suggestions"] == []

    # One asset's face, across the library: its own faces are left out, Biden is not a match.
    similar = alice.get(f"/api/assets/{barack['id']}/similar").json()
    assert [m["asset_id"] for m in similar["matches"]] == [double["id"]]
    match = similar["matches"][0]
    assert match["manifest_name"] == villains["name"] and match["manifest_tag"] == double["manifest_tag"]
    assert match["similarity"] >= similar["min_similarity"] == 0.6
    assert match["thumbnail_url"]
    assert match["character_id"] == double["character_id"] is not None
    # ... and as characters: Double's, named as the Villains' cast names it.
    (character,) = similar["characters"]
    (member,) = [m for m in villains["cast"] if m["character_id"] == double["character_id"]]
    assert (character["handle"], character["name"], character["manifest_id"]) == (
        member["handle"],
        "Double",
        villains["id"],
    )
    assert [m["asset_id"] for m in character["matches"]] == [double["id"]]
    # An uploaded character stands for the faces cut from it.
    by_source = alice.post("/api/faces/search", json={"asset_id": asset_named(heroes, "Barack")["id"]})
    assert [m["asset_id"] for m in by_source.json()["matches"]] == [double["id"]]
    biden = alice.get(f"/api/assets/{joe['id']}/similar").json()
    assert biden["matches"] == [] and biden["characters"] == []
    # With the bar lowered, everyone comes back ranked, the other person last.
    everyone = alice.get(f"/api/assets/{joe['id']}/similar?min_similarity=-1").json()["matches"]
    assert {m["asset_id"] for m in everyone} == {barack["id"], double["id"]}

    # A photo nobody uploaded: a third picture of Obama finds both of his faces, best first.
    found = search_image(alice, photos / "obama3.jpg")
    assert [m["asset_id"] for m in found["matches"]][:2] in (
        [barack["id"], double["id"]],
        [double["id"], barack["id"]],
    )
    assert joe["id"] not in {m["asset_id"] for m in found["matches"]}
    assert found["faces_in_query"] == 1
    assert [m["similarity"] for m in found["matches"]] == sorted(
        (m["similarity"] for m in found["matches"]), reverse=True
    )

    # Each manifest's Obama is a character of its own there.
    assert {(c["manifest_id"], c["character_id"]) for c in found["characters"]} == {
        (heroes["id"], barack["character_id"]),
        (villains["id"], double["character_id"]),
    }

    # Another owner's library is never searched, and alice's assets are not theirs to name.
    assert search_image(mallory, photos / "obama3.jpg")["matches"] == []
    assert search_image(mallory, photos / "obama3.jpg")["characters"] == []
    assert mallory.post("/api/faces/search", json={"asset_id": barack["id"]}).status_code == 404
    assert mallory.get(f"/api/assets/{barack['id']}/similar").status_code == 404


def image_at(url: str) -> Image.Image:
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("image/")
    return Image.open(io.BytesIO(r.content))


def test_a_person_with_several_images_answers_as_one_character(alice: Api, photos: Path) -> None:
    """Two photos of Obama in one manifest: a search finds both faces, and answers one character
    for them (the cast's handle, name and primary face) with both images under it."""
    cast = manifest_of_photos(
        alice,
        [
            ("Obama", photos / "obama.jpg"),
            ("Obama again", photos / "obama2.jpg"),
            ("Biden", photos / "biden.jpg"),
        ],
    )
    cast = process(alice, cast["id"])
    obama = next(m for m in cast["cast"] if m["name"] == "Obama")
    faces = {face_of(cast, "Obama")["id"], face_of(cast, "Obama again")["id"]}

    def check(character: dict[str, Any], faces: set[str]) -> None:
        assert (character["character_id"], character["handle"], character["name"]) == (
            obama["character_id"],
            obama["handle"],
            "Obama",
        )
        assert (character["manifest_id"], character["manifest_name"]) == (cast["id"], cast["name"])
        assert character["face_asset_id"] == obama["primary_face_asset_id"]
        assert image_at(character["thumbnail_url"]).size[0] > 0
        found = character["matches"]
        assert {m["asset_id"] for m in found} == faces and len(found) == len(faces)
        assert [m["similarity"] for m in found] == sorted((m["similarity"] for m in found), reverse=True)
        assert character["similarity"] == found[0]["similarity"]
        assert all(m["character_id"] == obama["character_id"] and m["thumbnail_url"] for m in found)

    answer = search_image(alice, photos / "obama3.jpg")
    assert {m["asset_id"] for m in answer["matches"]} == faces
    (character,) = answer["characters"]  # Biden is nobody's match
    check(character, faces)
    # `limit` counts characters: one face among the matches, still both under the character.
    narrow = search_image(alice, photos / "obama3.jpg", limit=1)
    assert len(narrow["matches"]) == 1 and len(narrow["characters"]) == 1
    check(narrow["characters"][0], faces)

    # The same from another manifest's face, by asset: its own face left out, Obama grouped.
    newcomer = process(alice, manifest_of_photos(alice, [("Newcomer", photos / "obama3.jpg")])["id"])
    query_face = face_of(newcomer, "Newcomer")
    similar = alice.get(f"/api/assets/{query_face['id']}/similar").json()
    assert {m["asset_id"] for m in similar["matches"]} == faces
    (character,) = similar["characters"]
    check(character, faces)
    by_asset = alice.post("/api/faces/search", json={"asset_id": asset_named(newcomer, "Newcomer")["id"]})
    assert by_asset.status_code == 200, by_asset.text
    assert [c["character_id"] for c in by_asset.json()["characters"]] == [obama["character_id"]]


def test_a_deleted_face_or_manifest_leaves_the_search_at_once(
    alice: Api, photos: Path, library: dict[str, dict[str, Any]]
) -> None:
    heroes, villains = library["heroes"], library["villains"]
    barack, double = face_of(heroes, "Barack"), face_of(villains, "Double")
    assert alice.delete(f"/api/assets/{double['id']}").status_code == 200
    indexed = [
        id_
        for s in db.face_index().where(filter=FieldFilter("manifest_id", "==", villains["id"])).stream()
        for id_ in (s.to_dict() or {})["ids"]
    ]
    assert double["id"] not in indexed and face_of(villains, "Joe")["id"] in indexed
    assert [m["asset_id"] for m in search_image(alice, photos / "obama3.jpg")["matches"]] == [barack["id"]]
    assert alice.delete(f"/api/manifests/{heroes['id']}").status_code == 200
    assert search_image(alice, photos / "obama3.jpg")["matches"] == []


def test_accepting_a_suggestion_links_the_identity_and_groups_by_it(
    alice: Api, mallory: Api, photos: Path, library: dict[str, dict[str, Any]]
) -> None:
    heroes, villains = library["heroes"], library["villains"]
    barack = face_of(heroes, "Barack")
    joe_upload = asset_named(villains, "Joe")
    double_upload = asset_named(villains, "Double")

    r = alice.put(f"/api/assets/{double_upload['id']}", json={"identity_of": barack["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["identity_of"] == barack["id"] and r.json()["identity_suggestions"] == []

    # Bad links change nothing: itself, someone else's asset, an id that names nothing, a wrong type.
    theirs = mallory.asset(mallory.manifest()["id"])
    for body, status in (
        ({"identity_of": double_upload["id"]}, 422),
        ({"identity_of": theirs["id"]}, 404),
        ({"identity_of": "0" * 32}, 404),
        ({"identity_of": 7}, 422),
        ({"identity_of": "../x"}, 422),
    ):
        answer = alice.put(f"/api/assets/{double_upload['id']}", json=body)
        assert answer.status_code == status, (body, answer.text)
    assert alice.get(f"/api/assets/{double_upload['id']}").json()["identity_of"] == barack["id"]

    # The owner says Joe is Barack's person too: a reprocess groups Joe's face with Double's (the
    # link overrules the embedder), but two faces of one image would still stay two people.
    assert alice.put(f"/api/assets/{joe_upload['id']}", json={"identity_of": barack["id"]}).status_code == 200
    done = process(alice, villains["id"])
    double, joe = face_of(done, "Double"), face_of(done, "Joe")
    assert joe["face_group_id"] == double["face_group_id"]
    assert {joe["duplicate_of"], double["duplicate_of"]} - {None} <= {joe["id"], double["id"]}

    # null unlinks.
    r = alice.put(f"/api/assets/{joe_upload['id']}", json={"identity_of": None})
    assert r.status_code == 200 and r.json()["identity_of"] is None
    done = process(alice, villains["id"])
    assert face_of(done, "Joe")["face_group_id"] != face_of(done, "Double")["face_group_id"]


def test_search_input_is_checked(alice: Api, photos: Path, tmp_path: Path) -> None:
    """Wrong types, missing parts, non-images, truncated images, bombs, faceless images: a JSON 4xx."""
    whole = (photos / "obama3.jpg").read_bytes()
    cases = [
        ({"json": {"asset_id": 5}}, 422),
        ({"json": {"asset_id": "../../etc"}}, 422),
        ({"json": {}}, 422),
        ({"json": {"asset_id": "0" * 32}}, 404),
        ({"data": b"not json", "headers": {"Content-Type": "application/json"}}, 400),
        ({"data": b"x", "headers": {"Content-Type": "text/plain"}}, 415),
        ({"files": {"other": ("a.jpg", whole)}}, 422),
        ({"files": {"file": ("a.txt", b"hello, not an image")}}, 415),
        ({"files": {"file": ("a.jpg", whole[: len(whole) // 2])}}, 422),
        ({"files": {"file": ("bomb.png", png_bomb(20000, 20000))}}, 422),
        ({"files": {"file": ("../../a.jpg", jpeg(320, 240))}}, 422),  # a valid image, but no face
        ({"files": {"file": ("a.jpg", whole)}, "params": {"limit": "0"}}, 422),
        ({"files": {"file": ("a.jpg", whole)}, "params": {"min_similarity": "lots"}}, 422),
    ]
    for kwargs, status in cases:
        r = alice.post("/api/faces/search", **kwargs)
        assert r.status_code == status, (kwargs.get("params"), r.text)
        assert r.json()["error"]["code"]
    faceless = alice.post("/api/faces/search", files={"file": ("a.jpg", jpeg(320, 240))}).json()
    assert "no face" in faceless["error"]["message"]


def test_vidpipe_search_prints_where_a_face_appears(
    base_url: str, alice: Api, photos: Path, library: dict[str, dict[str, Any]]
) -> None:
    from tests.support.cli import vidpipe

    heroes, villains = library["heroes"], library["villains"]
    run = vidpipe(base_url, alice.uid or "", "search", str(photos / "obama3.jpg"))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[0].split() == ["SIMILARITY", "MANIFEST", "TAG", "NAME", "ASSET"]
    assert {face_of(heroes, "Barack")["id"], face_of(villains, "Double")["id"]} == {
        line.split()[-1] for line in lines[1:]
    }
    faceless = vidpipe(
        base_url, alice.uid or "", "search", str(photos / "obama3.jpg"), "--min-similarity", "0.99"
    )
    assert faceless.returncode == 0 and faceless.stdout == "" and "no face in your library" in faceless.stderr
    missing = vidpipe(base_url, alice.uid or "", "search", "/nonexistent.jpg")
    assert missing.returncode == 1 and missing.stderr.startswith("vidpipe: ")
