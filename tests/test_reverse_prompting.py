"""Batched reverse-prompting through the real google-genai client against the Gemini stand-in: a
photo and its crops in one request, every answer matched back by key, whatever the model gets wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine_support import manifest_of_photos, process
from tests.gemini_standin import GeminiStandIn
from tests.support import Api

pytestmark = pytest.mark.usefixtures("worker")


def described(alice: Api, street_photos: Path, gemini: GeminiStandIn, *faults: str) -> dict:
    manifest = manifest_of_photos(alice, [("Match", street_photos / "zidane.jpg")])
    gemini.script(*faults)
    done = process(alice, manifest["id"])
    assert len(done["assets"]) >= 3  # the photo, two people, faces
    for asset in done["assets"]:  # each answer landed on the asset it was about
        assert asset["reverse_prompt_source"] == "gemini", asset
        assert asset["reverse_prompt"].startswith(f"gemini: {asset['name']}, "), asset
        assert asset["processing_error"] is None
    return done


def test_one_request_describes_a_photo_and_its_crops(
    alice: Api, street_photos: Path, gemini: GeminiStandIn
) -> None:
    done = described(alice, street_photos, gemini)
    assert len(gemini.usage) == 1
    (_, body), *_ = [(m, b) for m, b in gemini.requests if m == "generateContent"]
    parts = body["contents"][0]["parts"]
    assert sum(1 for p in parts if p.get("text", "").startswith("Item ")) == len(done["assets"])
    images = [p for p in parts if "inlineData" in p or "inline_data" in p]
    crops = len(done["assets"]) - 1
    assert len(images) == 1 + -(-crops // 4)  # the source once (it is also item 1), crops four a grid
    paid = (gemini.usage[0][0] * 0.30 + gemini.usage[0][1] * 2.50) / 1e6
    assert sum(a["processing_cost"] for a in done["assets"]) == pytest.approx(paid)


@pytest.mark.parametrize(
    ("fault", "requests_made"),
    [
        ("out_of_order", 1),  # matched by key, not by position
        ("extra", 1),  # an item nobody asked for is dropped
        ("missing", 2),  # the missing one is asked again alone
        ("wrong_key", 2),  # so is the one whose key came back wrong
        ("malformed", None),  # a broken batch: then every item alone
        ("429", 2),  # the library backs off and sends the batch again
    ],
)
def test_a_batch_answer_gone_wrong_still_describes_every_asset(
    alice: Api, street_photos: Path, gemini: GeminiStandIn, fault: str, requests_made: int | None
) -> None:
    done = described(alice, street_photos, gemini, fault)
    assert gemini.calls == requests_made or 1 + len(done["assets"]), fault
    assert not any("nobody" in a["reverse_prompt"] for a in done["assets"])
