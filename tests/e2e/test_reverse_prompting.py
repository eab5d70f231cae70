"""Batched reverse-prompting through the real google-genai client against the Gemini stand-in: a
photo and its crops in one request, every answer matched back by key, whatever the model gets wrong."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.engine import deliver, manifest_of_photos, process, start, wait_until_done
from tests.support.gemini_standin import GeminiStandIn

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


def test_two_deliveries_at_once_pay_for_each_description_once(
    alice: Api, worker, photos: Path, street_photos: Path, gemini: GeminiStandIn
) -> None:
    manifest = manifest_of_photos(
        alice, [("Match", street_photos / "zidane.jpg"), ("Obama", photos / "obama.jpg")]
    )
    gemini.latency_s = 0.5  # slow answers: the deliveries overlap inside the describing step
    try:
        job_id = start(alice, manifest["id"])
        answers: list[int] = []
        threads = [
            threading.Thread(
                target=lambda: answers.append(deliver(worker.worker_url, job_id, manifest["id"]).status_code)
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        gemini.latency_s = 0.05
    assert set(answers) <= {200, 503}, answers  # 503: another delivery holds the run
    assert wait_until_done(alice, manifest["id"])["status"] == "READY"
    done = alice.get(f"/api/manifests/{manifest['id']}").json()
    assert all(a["reverse_prompt_source"] == "gemini" for a in done["assets"])
    assert len(gemini.usage) == 2  # one batch per photo, over three deliveries
    paid = sum(used_in * 0.30 + used_out * 2.50 for used_in, used_out in gemini.usage) / 1e6
    assert done["cost_breakdown"]["gemini_usd"] == pytest.approx(paid)
