"""The storyboarder (the pipeline's first phase): the real google-genai client against the local
Gemini stand-in sends the storyboard request with its response schema and the snapshot's cast, and
what comes back is kept to the snapshot's handles; offline, the same fields are written from the
prompt and the cast, the same every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.projects.models import SnapshotAsset
from common.projects.references import CastEntry, cast_entries, spelled_out
from common.projects.snapshots import snapshot_id
from common.projects.storyboard import plan
from tests.support.api import Api
from tests.support.engine import manifest_of_photos, process
from tests.support.gemini_standin import GeminiStandIn


@pytest.fixture
def snapshot(alice: Api, worker, photos: Path) -> list[SnapshotAsset]:
    from common.projects import snapshots

    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    process(alice, manifest["id"])
    project = alice.post(
        "/api/generate", json={"pipeline": "external", "prompt": "p", "manifest_id": manifest["id"]}
    ).json()
    _, stored = snapshots.read(snapshot_id(project["project_id"]))
    return [SnapshotAsset.model_validate(a) for a in stored]


def test_the_real_client_sends_the_schema_and_the_cast_and_keeps_only_its_handles(
    snapshot: list[SnapshotAsset], paid: GeminiStandIn
) -> None:
    from gpu_service.generate.storyboard import GeminiStoryboarder, storyboarder

    cast = cast_entries(snapshot)
    assert [(e.handle, e.name, e.role) for e in cast] == [
        ("CHAR_01", "Obama", "character"),
        ("CHAR_02", "Biden", "character"),
    ]
    prompt, unresolved = spelled_out(snapshot, "@Obama meets @Biden at the harbour, then @Nobody waves.")
    assert prompt.startswith("CHAR_01 (Obama") and "CHAR_02 (Biden" in prompt
    assert unresolved == ["@Nobody"]
    assert isinstance(storyboarder(), GeminiStoryboarder)
    before = len(paid.requests)
    written = storyboarder().write(prompt, "film noir", cast, plan(20))
    method, body = paid.requests[before]
    assert method == "generateContent"
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    schema = json.dumps(config.get("responseSchema") or config.get("responseJsonSchema"))
    for field in ("storyboard_text", "asset_tags", "selected_reference_tags", "rewritten_keyframe_prompt"):
        assert field in schema
    asked = body["contents"][0]["parts"][0]["text"]
    assert "- CHAR_01: Obama (character)" in asked and "- CHAR_02: Biden (character)" in asked
    assert "Write exactly 3 scenes" in asked and "in order: 8, 6, 6" in asked
    assert "Style: film noir" in asked and prompt in asked
    board = written.board
    assert written.source == "gemini" and written.cost > 0
    assert [s.asset_tags for s in board.scenes] == [["CHAR_01"], ["CHAR_02"], ["CHAR_01"]]  # CHAR_99 dropped
    assert [s.duration_s for s in board.scenes] == [8, 6, 6]
    assert board.title == "The Stand-in Film"


def test_the_offline_storyboarder_writes_every_field_from_the_prompt_and_the_cast() -> None:
    from gpu_service.generate.storyboard import OfflineStoryboarder

    cast = [
        CastEntry("CHAR_01", "Ann", "character", "a woman in a red coat"),
        CastEntry("CHAR_02", "Bo", "character", "a tall man"),
        CastEntry("ENV_01", "Harbour", "environment", "a grey harbour"),
    ]
    prompt = "Ann waits at the harbour. A storm comes in. Bo runs to her."
    first = OfflineStoryboarder().write(prompt, None, cast, plan(24))
    assert first == OfflineStoryboarder().write(prompt, None, cast, plan(24))  # deterministic
    board = first.board
    assert [s.storyboard_text for s in board.scenes] == [
        "Ann waits at the harbour.",
        "A storm comes in.",
        "Bo runs to her.",
    ]
    # who the sentence names, else the next character in turn; the place in every scene
    assert [s.asset_tags for s in board.scenes] == [
        ["CHAR_01", "ENV_01"],
        ["CHAR_01", "ENV_01"],
        ["CHAR_02", "ENV_01"],
    ]
    assert all("CHAR_" in s.rewritten_keyframe_prompt and s.rewritten_video_prompt for s in board.scenes)
    assert board.title == "Ann Waits Harbour"  # from the story's words, not the prompt as typed
    assert first.source == "offline" and first.cost == 0
