"""No noise references: a sliver of a stranger at a portrait's edge is not cut out, and a photo that
one thing fills says what it is on the upload itself instead of becoming a crop of itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.testdata import benchmark_photos
from tests.support.api import Api
from tests.support.engine import manifest_of_photos, process

pytestmark = pytest.mark.usefixtures("worker")


def test_slivers_are_dropped_and_a_cat_photo_says_cat(alice: Api, photos: Path) -> None:
    chelsea = next(p for p in benchmark_photos() if p.name == "chelsea.png")
    portraits = [("Obama again", photos / "obama2.jpg"), ("Obama once more", photos / "obama3.jpg")]
    manifest = manifest_of_photos(alice, [*portraits, ("Chelsea", chelsea)])
    done = process(alice, manifest["id"])
    by_name = {a["name"]: a for a in done["assets"]}

    # obama2.jpg holds two slivers at its edges (6% of the image each, no face), obama3.jpg one:
    # each portrait keeps exactly its one person and its one face
    for name in ("Obama again", "Obama once more"):
        cut = [a for a in done["assets"] if a["source_asset_id"] == by_name[name]["id"]]
        assert sorted(a["is_face_crop"] for a in cut) == [False, True], [a["crop_bbox"] for a in cut]
        (person,) = [a for a in cut if not a["is_face_crop"]]
        assert person["detection_class"] == "person" and person["detection_confidence"] > 0.9

    # the cat fills its photo: the upload is labelled, nothing is cut from it, and a CHARACTER
    # reference that is a cat is flagged (the more confident whole-picture label wins over "person")
    cat = by_name["Chelsea"]
    assert cat["detection_class"] == "cat" and cat["detection_confidence"] > 0.8
    assert [a for a in done["assets"] if a["source_asset_id"] == cat["id"]] == []
    codes = {c["code"] for c in cat["quality_checks"]}
    assert "type_mismatch" in codes and "no_face" in codes
    assert cat["quality_score"] < 1
    assert done["assets_with_warnings"] >= 1
    # the portraits carry no such warning
    for name, _ in portraits:
        assert "type_mismatch" not in {c["code"] for c in by_name[name]["quality_checks"]}
