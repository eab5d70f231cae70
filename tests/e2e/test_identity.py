"""Identity and objects in a real run: the engine on the emulators, with real photos.

- Two faces in one image are two people, even when they are the same face.
- A group photo of different people yields no duplicate marks; faces too small to tell apart are
  cut out but kept out of groups, and say why.
- Objects are cut out locally: a street photo's dog, bicycle and car become OBJECT assets (OBJ_).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import requests
from google.cloud.firestore import FieldFilter
from PIL import Image

from common.gcp import db
from devstack.testdata import benchmark_photos, darknet_photos
from tests.support.api import Api
from tests.support.cli import vidpipe
from tests.support.engine import assert_consistent, manifest_of_photos, process

pytestmark = pytest.mark.usefixtures("worker")


def faces_of(manifest: dict, source_name: str) -> list[dict]:
    source = next(a for a in manifest["assets"] if a["name"] == source_name)
    return [a for a in manifest["assets"] if a["source_asset_id"] == source["id"] and a["is_face_crop"]]


def stored_faces(manifest_id: str) -> set[str]:
    return {s.id for s in db.faces().where(filter=FieldFilter("manifest_id", "==", manifest_id)).stream()}


def collage(portrait: Path, tmp_path: Path, *, sizes: tuple[int, ...]) -> Path:
    """One image holding the same portrait several times, side by side, each `size` px high."""
    face = Image.open(portrait).convert("RGB")
    pieces = [face.resize((round(face.width * h / face.height), h)) for h in sizes]
    canvas = Image.new("RGB", (sum(p.width for p in pieces) + 40 * len(pieces), max(sizes) + 40), "white")
    x = 20
    for piece in pieces:
        canvas.paste(piece, (x, 20))
        x += piece.width + 40
    path = tmp_path / "collage.jpg"
    canvas.save(path, quality=92)
    return path


def test_two_faces_of_one_image_are_two_people(alice: Api, photos: Path, tmp_path: Path) -> None:
    """The same face twice in one image (a cannot-link pair, as alike as two faces can be) stays two
    groups; another photo of that person joins one of them."""
    twice = collage(photos / "obama.jpg", tmp_path, sizes=(420, 420))
    manifest = manifest_of_photos(alice, [("Twice", twice), ("Obama again", photos / "obama2.jpg")])
    done = process(alice, manifest["id"])
    assert_consistent(done)
    pair = faces_of(done, "Twice")
    assert len(pair) == 2
    assert pair[0]["face_group_id"] != pair[1]["face_group_id"]
    assert all(
        f["identity_status"] is None and f["duplicate_of"] != other["id"] for f, other in (pair, pair[::-1])
    )
    (again,) = faces_of(done, "Obama again")
    assert again["face_group_id"] in {f["face_group_id"] for f in pair}


def test_a_group_photo_of_different_people_has_no_duplicates(alice: Api) -> None:
    """The 1927 Solvay conference photo: 29 different people (the old rules merged some of them)."""
    solvay = next(p for p in benchmark_photos() if p.name == "solvay_conference_1927.jpg")
    manifest = manifest_of_photos(alice, [("Solvay 1927", solvay)])
    done = process(alice, manifest["id"])
    assert_consistent(done)
    found = faces_of(done, "Solvay 1927")
    assert len(found) >= 20
    assert not [f for f in found if f["duplicate_of"]]
    identified = [f for f in found if f["identity_status"] is None]
    assert len(identified) >= 20
    # every identified face is its own person; the others (if any) are in no group and say why
    assert len({f["face_group_id"] for f in identified}) == len(identified)
    for face in found:
        if face["identity_status"] is not None:
            assert face["face_group_id"] is None and face["identity_note"]
    # an embedding is kept only for faces that can be identified: the others can never be grouped
    assert stored_faces(done["id"]) == {f["id"] for f in identified}
    # 29 strangers of one photo are its people, not the cast, until the creator makes one a member
    assert done["cast"] == []
    chosen = identified[3]
    made = alice.put(f"/api/assets/{chosen['id']}", json={"in_cast": True})
    assert made.status_code == 200 and made.json()["in_cast"] is True, made.text
    (member,) = alice.get(f"/api/manifests/{manifest['id']}").json()["cast"]
    assert (member["character_id"], member["handle"]) == (chosen["character_id"], chosen["manifest_tag"])


def test_too_small_a_face_is_cut_out_but_not_identified(alice: Api, photos: Path, tmp_path: Path) -> None:
    """Obama at portrait size and, in the same image, at 40 px: the small one is its own crop and
    says it is too small, instead of being marked a duplicate of the big one."""
    both = collage(photos / "obama.jpg", tmp_path, sizes=(420, 52))
    done = process(alice, manifest_of_photos(alice, [("Big and small", both)])["id"])
    found = sorted(faces_of(done, "Big and small"), key=lambda f: f["crop_bbox"][0])
    assert len(found) == 2
    big, small = found
    assert big["identity_status"] is None and big["face_group_id"] == big["id"]
    assert small["identity_status"] == "too_small" and small["face_group_id"] is None
    assert small["duplicate_of"] is None
    assert big["character_id"] == big["id"] and small["character_id"] is None  # nobody it can tell
    note = re.fullmatch(r"face (\d+) px; (\d+) px needed to tell who it is", small["identity_note"])
    assert note is not None and int(note[1]) < int(note[2])
    crop = Image.open(io.BytesIO(requests.get(small["reference_image_url"], timeout=10).content))
    assert max(crop.size) < 120  # the small face, cut out


def test_objects_are_cut_out_with_obj_tags(base_url: str, alice: Api) -> None:
    street = darknet_photos() / "dog.jpg"  # a dog, a bicycle and a car
    manifest = manifest_of_photos(alice, [("Street", street)], category="MIXED")
    done = process(alice, manifest["id"])
    assert_consistent(done)
    objects = [a for a in done["assets"] if a["source"] == "extracted" and a["asset_type"] == "OBJECT"]
    assert {"dog", "bicycle", "car"} <= {o["detection_class"] for o in objects}
    assert sorted(o["manifest_tag"] for o in objects) == [f"OBJ_{n:02d}" for n in range(1, len(objects) + 1)]
    for item in objects:
        crop = Image.open(io.BytesIO(requests.get(item["reference_image_url"], timeout=10).content))
        x1, y1, x2, y2 = item["crop_bbox"]
        assert crop.size == (x2 - x1, y2 - y1)
    shown = vidpipe(base_url, alice.uid, "show", done["id"])
    assert shown.returncode == 0, shown.stderr
    rows = [line.split() for line in shown.stdout.splitlines()[2:]]
    assert {"OBJ_01", "OBJ_02", "OBJ_03"} <= {row[0] for row in rows if row[1] == "OBJECT"}
