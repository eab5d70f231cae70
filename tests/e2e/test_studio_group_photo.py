"""A group photo in the studio (docs/identity.md): its people are shown by their faces under it,
each once, out of the cast until the creator adds one; in Debian's Chromium, checked as every
screen is (tests/e2e/test_studio.py)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from devstack.testdata import benchmark_photos
from tests.e2e.test_studio import _shot, _signed_in, browser  # noqa: F401  (a fixture)
from tests.support.api import Api
from tests.support.engine import manifest_of_photos, process


@pytest.mark.usefixtures("worker")
def test_the_people_of_a_group_photo_join_the_cast_only_when_the_creator_adds_them(
    browser: Any,  # noqa: F811
    base_url: str,
    spec: dict[str, Any],
    tmp_path: Path,
) -> None:
    uid = f"hugo-{uuid.uuid4().hex[:8]}"
    owner = Api(base_url, spec, uid)
    group = next(p for p in benchmark_photos() if p.name == "t1.jpg")  # insightface's: six people
    manifest = manifest_of_photos(owner, [("Team", group)])
    done = process(owner, manifest["id"])
    assert done["cast"] == []
    page, problems = _signed_in(browser, base_url, uid, path=f"/manifests/{manifest['id']}")
    offered = page.get_by_role("button", name="Add to the cast")
    offered.first.wait_for()
    faces = [a for a in done["assets"] if a["is_face_crop"] and a["character_id"]]
    assert offered.count() == len(faces) >= 3  # each face once, none as a character yet
    assert page.locator("article.character-card").count() == 0
    # No person twice: the figures cut around them are not shown beside their faces.
    figures = [a for a in done["assets"] if a["source"] == "extracted" and not a["is_face_crop"]]
    linked = [f for f in figures if f["character_id"]]
    assert page.locator("article.asset").count() == 1 + len(faces) + len(figures) - len(linked)
    _shot(page, "group-photo", tmp_path)
    # A face's Details open across the row, so its form is not squeezed into the narrow card.
    tile = page.locator("article.asset").nth(1)
    narrow = tile.bounding_box()["width"]
    tile.get_by_text("Details", exact=True).click()
    tile.get_by_label("Name").wait_for()
    assert tile.bounding_box()["width"] > 3 * narrow
    tile.get_by_text("Details", exact=True).click()
    offered.first.click()
    page.locator("article.character-card").first.wait_for()
    assert page.locator("article.character-card").count() == 1
    assert len(owner.get(f"/api/manifests/{manifest['id']}").json()["cast"]) == 1
    assert problems == []
