"""The cast on real photos: two photos of one man and one of another give two characters, each
listing every upload, person crop and face of theirs, and the manifest shows them in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.cli import vidpipe
from tests.support.engine import manifest_of_photos, process

pytestmark = pytest.mark.usefixtures("worker")


def test_one_character_per_person_with_every_image_of_them(base_url: str, alice: Api, photos: Path) -> None:
    manifest = manifest_of_photos(
        alice,
        [
            ("Obama", photos / "obama.jpg"),
            ("Obama again", photos / "obama2.jpg"),
            ("Biden", photos / "biden.jpg"),
        ],
    )
    done = process(alice, manifest["id"])
    by_id = {a["id"]: a for a in done["assets"]}
    uploads = {a["name"]: a for a in done["assets"] if a["source"] != "extracted"}

    cast = done["cast"]
    assert [m["name"] for m in cast] == ["Obama", "Biden"]
    barack, joe = cast
    assert barack["handle"] == uploads["Obama"]["manifest_tag"]
    assert joe["handle"] == uploads["Biden"]["manifest_tag"]
    # the asset that names each: its first upload, whose tag is the handle and whose name is the name
    assert barack["named_asset_id"] == uploads["Obama"]["id"]
    assert joe["named_asset_id"] == uploads["Biden"]["id"]
    for member, names in ((barack, {"Obama", "Obama again"}), (joe, {"Biden"})):
        own = [by_id[i] for i in member["asset_ids"]]
        assert {a["name"] for a in own if a["source"] != "extracted"} == names
        sources = {uploads[n]["id"] for n in names}
        # every crop of theirs: each portrait's person and face
        crops = [a for a in done["assets"] if a["source_asset_id"] in sources]
        assert {a["id"] for a in crops} <= set(member["asset_ids"])
        people = [a for a in crops if not a["is_face_crop"]]
        assert member["counts"] == {
            "uploads": len(names),
            "person_crops": len(people),  # Biden fills his photo: it is labelled, not cropped
            "faces": len(names),
            "views": 0,
        }
        assert all(a["character_id"] == member["character_id"] for a in own)
        assert by_id[member["primary_face_asset_id"]]["is_face_crop"]
        assert member["best_reference_asset_id"] in sources
    assert len([a for a in done["assets"] if a["detection_class"] == "person" and not a["is_face_crop"]]) == 3
    assert uploads["Biden"]["detection_class"] == "person"  # the whole picture: a label, no crop
    # every asset that shows a person is somebody's here
    assert all(a["character_id"] for a in done["assets"])

    # the command line prints it, one line per person
    printed = vidpipe(base_url, alice.uid or "", "cast", manifest["id"])
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert "2 characters" in lines[0] and lines[1].split()[:2] == ["HANDLE", "NAME"]
    assert lines[2].split()[:2] == [barack["handle"], "Obama"] and lines[3].split()[:2] == [
        joe["handle"],
        "Biden",
    ]

    # a project's snapshot keeps the cast as it was, and its manifest its contact sheet
    made = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "a debate", "manifest_id": manifest["id"]}
    )
    assert made.status_code == 201, made.text
    snapshot = alice.get(f"/api/projects/{made.json()['project_id']}/snapshot").json()
    assert snapshot["cast"] == cast
    assert snapshot["manifest"]["contact_sheet_url"] == snapshot["contact_sheet_url"] is not None

    # deleting an asset: the manifest's cast follows at once, the snapshot's never changes
    gone = next(
        i for i in barack["asset_ids"] if by_id[i]["source"] == "extracted" and not by_id[i]["is_face_crop"]
    )
    assert alice.delete(f"/api/assets/{gone}").status_code == 200
    after = alice.get(f"/api/manifests/{manifest['id']}").json()["cast"]
    assert gone not in after[0]["asset_ids"] and after[0]["counts"]["person_crops"] == 1
    assert alice.get(f"/api/projects/{made.json()['project_id']}/snapshot").json()["cast"] == cast


def test_the_document_gives_every_cast_member_the_asset_that_names_it(anonymous: Api) -> None:
    member = anonymous.get("/api/openapi.json").json()["components"]["schemas"]["CastMember"]
    assert member["properties"]["named_asset_id"]["type"] == "string"
    assert "named_asset_id" in member["required"]  # always sent: the studio need not guard it


def test_a_manifest_without_faces_has_an_empty_cast(alice: Api) -> None:
    manifest = alice.manifest()
    alice.asset(manifest["id"], asset_type="OBJECT")
    assert alice.get(f"/api/manifests/{manifest['id']}").json()["cast"] == []


def test_a_run_again_keeps_the_cast_and_a_link_merges_two_characters(alice: Api, photos: Path) -> None:
    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    first = process(alice, manifest["id"])
    assert len(first["cast"]) == 2
    assert process(alice, manifest["id"])["cast"] == first["cast"]  # the same work, the same cast

    # the owner says both are one person of their library (accepting a suggestion, say): one character
    elsewhere = alice.asset(alice.manifest(name="Library")["id"], name="The senator")
    uploads = {a["name"]: a for a in first["assets"] if a["source"] != "extracted"}
    for upload in uploads.values():
        linked = alice.put(f"/api/assets/{upload['id']}", json={"identity_of": elsewhere["id"]})
        assert linked.status_code == 200, linked.text
    (merged,) = process(alice, manifest["id"])["cast"]
    assert set(merged["asset_ids"]) == {i for m in first["cast"] for i in m["asset_ids"]}
    assert merged["handle"] == uploads["Obama"]["manifest_tag"] and merged["counts"]["uploads"] == 2
