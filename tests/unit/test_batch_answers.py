"""Batched reverse prompts (gpu_service/describe/batch.py): answers matched back to items by key."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from gpu_service.describe.batch import GRID_CELLS, grid, keyed, split

ITEM = {"reverse_prompt": "a red coat", "visual_description": "a coat", "quality_score": 0.8}


def answer(*items: dict) -> str:
    return json.dumps({"items": list(items)})


@pytest.mark.parametrize(
    ("text", "asked", "found"),
    [
        (answer({**ITEM, "key": "1"}, {**ITEM, "key": "2"}), {"1", "2"}, {"1", "2"}),
        (answer({**ITEM, "key": "2"}, {**ITEM, "key": "1"}), {"1", "2"}, {"1", "2"}),  # out of order
        (answer({**ITEM, "key": "1"}), {"1", "2"}, {"1"}),  # one missing: asked again alone
        (answer({**ITEM, "key": "1"}, {**ITEM, "key": "9"}), {"1"}, {"1"}),  # nobody asked for 9
        (answer({**ITEM, "key": "1", "quality_score": 7}), {"1"}, set()),  # breaks the schema
        (answer({"key": "1", "reverse_prompt": "x"}), {"1"}, set()),  # fields missing
        ("not json at all", {"1"}, set()),
        (json.dumps({"items": "nope"}), {"1"}, set()),
        (json.dumps(["a list"]), {"1"}, set()),
    ],
)
def test_only_valid_items_that_were_asked_for_come_back(text: str, asked: set, found: set) -> None:
    assert set(keyed(text, asked)) == found


def test_a_second_answer_for_a_key_is_dropped() -> None:
    first, second = {**ITEM, "key": "1"}, {**ITEM, "key": "1", "reverse_prompt": "a blue coat"}
    assert keyed(answer(first, second), {"1"})["1"].reverse_prompt == "a red coat"


@pytest.mark.parametrize(("tokens", "parts"), [(0, 1), (7, 3), (100, 4), (5, 7), (1_000_003, 16)])
def test_token_shares_add_up_exactly(tokens: int, parts: int) -> None:
    shares = split(tokens, parts)
    assert len(shares) == parts
    assert sum(shares) == tokens
    assert max(shares) - min(shares) <= 1


def test_crops_go_four_to_a_numbered_grid_of_the_asked_size() -> None:
    crops = [Image.new("RGB", (300, 600), colour) for colour in ("red", "green", "blue", "white")]
    image = grid(crops, 384)
    assert image.size == (384, 384)
    assert GRID_CELLS == 4
    assert image.getpixel((96, 150))[0] > 200  # the first crop, red, in the top-left cell
    assert image.getpixel((96, 288))[2] > 200  # the third, blue, in the cell below it
    assert image.getpixel((1, 13)) == (0, 0, 0)  # each cell's number sits on a black square
