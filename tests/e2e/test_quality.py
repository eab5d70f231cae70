"""Reference quality checks: recorded on the asset, never a refusal; counted on the manifest;
face and border checks from a real run."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from tests.support.api import Api
from tests.support.cli import vidpipe
from tests.support.engine import manifest_of_photos, process


def encoded(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=92)
    return out.getvalue()


def codes(asset: dict) -> set[str]:
    return {c["code"] for c in asset["quality_checks"]}


@pytest.fixture
def portrait(photos: Path) -> Image.Image:
    return Image.open(photos / "obama.jpg")


def test_upload_checks_explain_and_count(alice: Api, portrait: Image.Image) -> None:
    manifest = alice.manifest(name="Checks")
    cases = {
        "Sharp": (portrait, set()),
        "Small": (portrait.resize((300, 375)), {"low_resolution"}),
        "Blurred": (portrait.filter(ImageFilter.GaussianBlur(6)), {"blurry"}),
        "Dark": (portrait.point(lambda v: v // 6), {"underexposed"}),
        "Wide": (portrait.resize((2400, 600)), {"extreme_aspect"}),
    }
    uploaded = {}
    for name, (image, expected) in cases.items():
        asset = alice.asset(manifest["id"], name=name)
        response = alice.upload(asset["id"], encoded(image))
        assert response.status_code == 200, response.text  # a warning never refuses an upload
        body = response.json()
        assert codes(body) == expected, (name, body["quality_checks"])
        assert body["quality_score"] == pytest.approx(1.0 - 0.2 * len(expected))
        for check in body["quality_checks"]:
            assert check["severity"] == "warning" and check["message"] and check["threshold"] > 0
        uploaded[name] = body
    small = next(c for c in uploaded["Small"]["quality_checks"] if c["code"] == "low_resolution")
    assert (small["value"], small["threshold"]) == (300, 512)
    assert alice.get(f"/api/manifests/{manifest['id']}").json()["assets_with_warnings"] == 4

    # a better image clears its checks; a deleted asset stops counting
    fixed = alice.upload(uploaded["Small"]["id"], encoded(portrait)).json()
    assert fixed["quality_checks"] == [] and fixed["quality_score"] == 1.0
    assert alice.delete(f"/api/assets/{uploaded['Dark']['id']}").status_code == 200
    listed = alice.get("/api/manifests").json()
    assert next(m for m in listed if m["id"] == manifest["id"])["assets_with_warnings"] == 2


@pytest.mark.usefixtures("worker")
def test_processing_adds_face_and_border_checks(
    base_url: str, alice: Api, tmp_path: Path, street_photos: Path
) -> None:
    faceless = tmp_path / "faceless.jpg"
    Image.effect_noise((900, 700), 80).convert("RGB").save(faceless, quality=92)
    manifest = manifest_of_photos(alice, [("Crowd", street_photos / "bus.jpg"), ("Nobody", faceless)])
    done = process(alice, manifest["id"])
    by_name = {a["name"]: a for a in done["assets"]}
    assert "several_faces" in codes(by_name["Crowd"])
    assert "no_face" in codes(by_name["Nobody"])
    crops = [a for a in done["assets"] if a["source"] == "extracted" and not a["is_face_crop"]]
    at_edge = [a for a in crops if "cut_at_border" in codes(a)]
    assert at_edge  # bus.jpg's people stand at its edges
    for crop in at_edge:
        check = next(c for c in crop["quality_checks"] if c["code"] == "cut_at_border")
        assert check["severity"] == "info" and "edge" in check["message"]
        x1, y1, x2, y2 = crop["crop_bbox"]
        source = by_name["Crowd"]
        assert 0 in (x1, y1) or x2 == source["image_width"] or y2 == source["image_height"]
    warned = sum(1 for a in done["assets"] if any(c["severity"] == "warning" for c in a["quality_checks"]))
    assert done["assets_with_warnings"] == warned >= 2
    shown = vidpipe(base_url, alice.uid, "show", done["id"])
    assert shown.returncode == 0 and "warnings: " in shown.stdout and "no_face" in shown.stdout
