"""The `vidpipe` console script, run as a user runs it, against the live local service."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.support.api import Api
from tests.support.cli import vidpipe


@pytest.mark.usefixtures("worker")
def test_create_process_show_and_download_the_sheet(
    base_url: str, alice: Api, photos: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cast"
    folder.mkdir()
    for name in ("obama.jpg", "obama2.jpg", "biden.jpg"):
        shutil.copy(photos / name, folder / name)
    (folder / "notes.txt").write_text("not an image")  # skipped: only images become assets

    created = vidpipe(
        base_url, alice.uid, "manifest", "create", "--name", "Cast", "--category", "CHARACTERS", str(folder)
    )
    assert created.returncode == 0, created.stderr
    manifest_id = created.stdout.strip()
    assert "uploading" in created.stderr  # the progress bar
    assets = alice.get(f"/api/manifests/{manifest_id}").json()["assets"]
    assert [a["name"] for a in assets] == ["biden", "obama", "obama2"]
    assert all(a["reference_image_url"] for a in assets)

    processed = vidpipe(base_url, alice.uid, "process", manifest_id, "--wait", "--interval", "0.2")
    assert processed.returncode == 0, processed.stderr
    assert "READY" in processed.stderr and "faces" in processed.stderr

    shown = vidpipe(base_url, alice.uid, "show", manifest_id)
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    header = ["TAG", "TYPE", "NAME", "SOURCE", "QUALITY", "PERSON", "NOTE"]
    assert "[READY]" in lines[0] and lines[1].split() == header
    tags = [line.split()[0] for line in lines[2:]]
    assert tags == sorted(tags) and "CHAR_01" in tags
    assert "duplicate face" in shown.stdout  # the second photo of Obama
    cast = alice.get(f"/api/manifests/{manifest_id}").json()["cast"]
    assert len(cast) == 2 and all(f" {m['handle']} " in shown.stdout for m in cast)  # each person's rows

    sheet = tmp_path / "sheet.png"
    downloaded = vidpipe(base_url, alice.uid, "contact-sheet", manifest_id, "-o", str(sheet))
    assert downloaded.returncode == 0
    assert Image.open(sheet).format == "PNG"


def test_errors_are_one_clear_line(base_url: str, alice: Api, mallory: Api, tmp_path: Path) -> None:
    manifest = alice.manifest()
    foreign = vidpipe(base_url, mallory.uid, "show", manifest["id"])
    assert foreign.returncode == 1 and foreign.stderr.strip() == "vidpipe: manifest not found (404 not_found)"
    empty = vidpipe(
        base_url, alice.uid, "manifest", "create", "--name", "X", "--category", "MIXED", str(tmp_path)
    )
    assert empty.returncode == 1 and "no JPEG, PNG or WebP images" in empty.stderr
    nothing = vidpipe(base_url, alice.uid, "contact-sheet", manifest["id"])
    assert nothing.returncode == 1 and "no contact sheet yet" in nothing.stderr
    down = vidpipe("http://127.0.0.1:9", alice.uid, "show", manifest["id"])
    assert down.returncode == 1 and "cannot reach" in down.stderr
