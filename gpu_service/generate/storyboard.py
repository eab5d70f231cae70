"""The storyboarder: a prompt and a snapshot's cast into a film's scenes (common/projects/storyboard.py
holds what is asked and what is kept of the answer).

With Gemini configured, the configured text model (GEMINI_MODEL) through google-genai, the answer's
shape given as the response schema (`Storyboard`); a malformed answer, or one short of scenes, is
asked once more. Without credentials the offline storyboarder writes the same fields from the prompt
and the cast, deterministically: the local stack makes a film end to end without a paid API.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle, islice
from typing import TYPE_CHECKING, Protocol

from pydantic import ValidationError

from common.projects.references import CastEntry
from common.projects.storyboard import Plan, Storyboard, StoryboardScene, instructions, kept, short_title
from gpu_service.config import worker_settings
from gpu_service.describe import gemini, pricing
from gpu_service.generate.generated import GenerationFailed, model_call

if TYPE_CHECKING:
    from google.genai import types

log = logging.getLogger(__name__)
ATTEMPTS = 2


@dataclass(frozen=True)
class Written:
    board: Storyboard
    source: str  # "gemini" or "offline"
    cost: float


class Storyboarder(Protocol):
    def write(self, prompt: str, style: str | None, cast: Sequence[CastEntry], scenes: Plan) -> Written: ...


def storyboarder() -> Storyboarder:
    return GeminiStoryboarder() if worker_settings().gemini_configured else OfflineStoryboarder()


class GeminiStoryboarder:
    def write(self, prompt: str, style: str | None, cast: Sequence[CastEntry], scenes: Plan) -> Written:
        from google.genai import types

        cfg = worker_settings()
        config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=Storyboard, temperature=0.7
        )
        asked, cost, problem = instructions(prompt, style, cast, scenes), 0.0, ""
        for _ in range(ATTEMPTS):
            with model_call("Gemini"):
                response = gemini.client().models.generate_content(
                    model=cfg.gemini_model, contents=asked, config=config
                )
            cost += _priced(response)
            try:
                board = Storyboard.model_validate_json(response.text or "")
            except ValidationError as exc:
                problem = f"the storyboard did not match its schema: {exc.errors()[0]['msg']}"
                continue
            if len(board.scenes) < scenes.scenes:
                problem = f"the storyboard had {len(board.scenes)} scenes of {scenes.scenes}"
                continue
            return Written(kept(board, cast, scenes), "gemini", cost)
        raise GenerationFailed(problem)


def _priced(response: types.GenerateContentResponse) -> float:
    cfg = worker_settings()
    return pricing.usage(response, cfg.price_input_per_mtok, cfg.price_output_per_mtok).dollars


SHOTS = ("wide", "medium", "close-up")
MOVES = ("slow push in", "pan right", "static")
STOP_WORDS = {"a", "an", "the", "of", "in", "on", "at", "to", "and", "with", "who", "his", "her", "their"}


class OfflineStoryboarder:
    """The prompt's sentences become the scenes (the last ones carried on when there are fewer); a
    scene shows the subjects its sentence names (a handle, an @Name or a name), else the next
    character in turn, and the environment if there is one."""

    def write(self, prompt: str, style: str | None, cast: Sequence[CastEntry], scenes: Plan) -> Written:
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", prompt.strip()) if s.strip()] or [prompt]
        beats = list(islice(cycle(sentences), scenes.scenes))
        characters = [e for e in cast if e.role == "character"]
        place = next((e for e in cast if e.role == "environment"), None)
        turn = cycle(characters) if characters else None
        out = []
        for number, (text, length) in enumerate(zip(beats, scenes.durations, strict=True)):
            named = [e for e in cast if _names(text, e)]
            if not [e for e in named if e.role == "character"] and turn is not None:
                named.insert(0, next(turn))
            if place is not None and place not in named:
                named.append(place)
            handles = [e.handle for e in named]
            who = ", ".join(f"{e.handle} ({e.name})" for e in named)
            shot, move = SHOTS[number % len(SHOTS)], MOVES[number % len(MOVES)]
            looks = f" In the style of {style}." if style else ""
            again = " (continued)" if number >= len(sentences) else ""
            out.append(
                StoryboardScene(
                    storyboard_text=f"{text}{again}",
                    asset_tags=handles,
                    selected_reference_tags=[e.handle for e in named if e.role == "character"],
                    composition_shot_type=shot,
                    composition_camera_movement=move,
                    rewritten_keyframe_prompt=f"A {shot} shot: {text}{f' With {who}.' if who else ''}{looks}",
                    rewritten_video_prompt=f"{move.capitalize()}: {text}{looks}",
                    duration_s=length,
                )
            )
        return Written(kept(Storyboard(title=_title(sentences[0]), scenes=out), cast, scenes), "offline", 0.0)


def _names(text: str, entry: CastEntry) -> bool:
    folded = text.casefold()
    return (
        entry.handle in text
        or f"@{entry.name.replace(' ', '')}".casefold() in folded.replace(" ", "")
        or re.search(rf"\b{re.escape(entry.name.casefold())}\b", folded) is not None
    )


def _title(sentence: str) -> str:
    """A few of the first sentence's words that carry meaning, capitalised: not the prompt itself."""
    words = [w.strip(".,;:!?\"'") for w in sentence.split()]
    kept_words = [w for w in words if w and w.casefold() not in STOP_WORDS and not w.startswith("@")]
    return short_title(" ".join(w.capitalize() for w in kept_words[:4]))
