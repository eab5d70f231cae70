"""Tag order and the contact sheet's drawing: pure functions of their inputs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image, ImageFont

from common.library.models import Asset, AssetType
from common.records import utcnow


def _asset(name: str, **fields) -> Asset:
    now = utcnow()
    base = {
        "id": name,
        "owner_id": "o",
        "manifest_id": "m",
        "name": name,
        "manifest_tag": "CHAR_99",
        "asset_type": AssetType.CHARACTER,
        "created_at": now,
        "updated_at": now,
    }
    return Asset.model_validate({**base, **fields})


def test_tag_order_follows_parents_then_confidence() -> None:
    from gpu_service.run.tags_step import tag_order

    now = utcnow()
    second = _asset("second", sort_order=1, created_at=now)
    first = _asset("first", sort_order=0, created_at=now + timedelta(seconds=5))
    low = _asset("low", source="extracted", source_asset_id="first", detection_confidence=0.5)
    high = _asset("high", source="extracted", source_asset_id="first", detection_confidence=0.9)
    chair = _asset(
        "chair",
        asset_type=AssetType.OBJECT,
        source="extracted",
        source_asset_id="second",
        detection_confidence=0.7,
        manifest_tag="OBJ_04",
    )
    order = tag_order([second, low, chair, first, high])
    assert [asset_id for asset_id, _ in order[AssetType.CHARACTER]] == ["first", "high", "low", "second"]
    assert order[AssetType.OBJECT] == [("chair", "OBJ_04")]


def test_contact_sheet_falls_back_to_the_builtin_font(monkeypatch: pytest.MonkeyPatch) -> None:
    from gpu_service.run import contact_sheet

    contact_sheet.font.cache_clear()

    real_truetype = ImageFont.truetype

    def no_font_files(font: object, *args: object, **kwargs: object) -> object:
        if isinstance(font, str):  # a machine without DejaVu: every font file is missing
            raise OSError("cannot open resource")
        return real_truetype(font, *args, **kwargs)  # Pillow's own embedded font

    monkeypatch.setattr(ImageFont, "truetype", no_font_files)
    try:
        red = Image.new("RGB", (600, 300), "red")
        tiles = [
            contact_sheet.Tile(red, "A very long name " * 5, "OBJECT", "OBJ_01"),
            contact_sheet.Tile(None, "No image", "STYLE", "STYLE_01"),
        ]
        sheet = Image.open(io.BytesIO(contact_sheet.draw(tiles)))
    finally:
        contact_sheet.font.cache_clear()
    assert sheet.size == (16 + 4 * 272, 64 + (256 + 60 + 16) + 16)  # 60 px labels, as the seed draws them
    assert sheet.getpixel((16 + 128, 64 + 128))[0] > 200  # the red tile, scaled into its cell


def test_contact_sheet_uses_dejavu_at_the_seed_sizes() -> None:
    from gpu_service.run import contact_sheet

    contact_sheet.font.cache_clear()
    title, label = (
        contact_sheet.font(contact_sheet.TITLE_PT, bold=True),
        contact_sheet.font(contact_sheet.LABEL_PT),
    )
    if not isinstance(title, ImageFont.FreeTypeFont):
        pytest.skip("DejaVu is not installed here: the fallback is tested above")
    assert isinstance(label, ImageFont.FreeTypeFont)
    assert (title.getname(), title.size) == (("DejaVu Sans", "Bold"), 32)
    assert (label.getname(), label.size) == (("DejaVu Sans", "Book"), 14)
    assert (contact_sheet.COLUMNS, contact_sheet.THUMB, contact_sheet.LABEL_H) == (4, 256, 60)
    assert contact_sheet.TITLE == "PROJECT REFERENCE SHEET"
