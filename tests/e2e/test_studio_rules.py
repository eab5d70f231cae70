"""The rules every client follows are served once (GET /api/studio/config) from their homes in
common/, and the clients read them there: the CLI's image types, category -> asset type and step
order come from the server it talks to, not from a copy of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import requests
from PIL import Image

from functions.api.studio import studio_rules
from tests.support.api import Api
from tests.support.cli import vidpipe


def test_the_config_serves_each_rule_from_its_home(base_url: str) -> None:
    answer = requests.get(f"{base_url}/api/studio/config", timeout=10)  # public: no token
    assert answer.status_code == 200
    assert answer.json()["rules"] == studio_rules().model_dump(mode="json")


def test_the_cli_takes_the_servers_image_types_and_its_category_default(
    base_url: str, alice: Api, photos: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "things"
    folder.mkdir()
    shutil.copy(photos / "obama.jpg", folder / "lamp.jpeg")  # another name of a type the server takes
    Image.open(photos / "biden.jpg").save(folder / "vase.webp", "WEBP")
    shutil.copy(photos / "obama2.jpg", folder / "chair.JPG")
    (folder / "notes.txt").write_text("not an image")

    created = vidpipe(
        base_url, alice.uid, "manifest", "create", "--name", "Props", "--category", "OBJECTS", str(folder)
    )
    assert created.returncode == 0, created.stderr
    assets = alice.get(f"/api/manifests/{created.stdout.strip()}").json()["assets"]
    assert sorted(a["name"] for a in assets) == ["chair", "lamp", "vase"]
    assert {a["asset_type"] for a in assets} == {"OBJECT"}  # what the server says OBJECTS suggests
    assert {a["image_content_type"] for a in assets} == {"image/jpeg", "image/webp"}

    unknown = vidpipe(
        base_url, alice.uid, "manifest", "create", "--name", "X", "--category", "PLANETS", str(folder)
    )
    assert unknown.returncode == 1 and "category" in unknown.stderr  # the server's own refusal
