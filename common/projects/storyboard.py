"""A storyboard: the scenes a film is made of, written from a prompt and a snapshot's cast (the
pipeline's first phase, docs/pipeline.md).

What a storyboarder answers is `Storyboard` (Gemini's response schema, field for field the scene
fields the product stores: `storyboard_text` and the `scene_manifest`, plus each scene's length).
Everything that decides what is kept of an answer lives here, as plain functions: how many scenes a
length makes and how long each is (`plan`), which tags a scene may name (the snapshot's handles
only: an invented one is dropped and said), lengths snapped to what Veo makes, a short title.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from common.ids import derived_id
from common.jobs.models import JobKind, JobRecord
from common.projects.models import SceneManifest
from common.projects.references import CastEntry
from common.records import Model

log = logging.getLogger(__name__)

VEO_SECONDS = (4, 6, 8)  # the clip lengths Veo generates (a scene is one clip)
MAX_SCENES = 20
DEFAULT_DURATION_S = 24
TITLE_WORDS = 6


class StoryboardJob(JobRecord):
    """The built-in pipeline's first phase for a project: its scenes and its spec checkpoint."""

    kind: Literal[JobKind.STORYBOARD] = JobKind.STORYBOARD
    project_id: str
    target_duration_s: int | None = None  # a new film's; a fork's scenes keep its parent's lengths

    @staticmethod
    def id_for(project_id: str, branch: str) -> str:
        """One storyboard per project and branch: a repeated request names the same job."""
        return derived_id("storyboard", project_id, branch)


class StoryboardScene(Model):
    """One scene as a storyboarder writes it."""

    storyboard_text: str = Field(description="What happens in the scene, in one or two sentences.")
    asset_tags: list[str] = Field(description="The handles of everyone and everything in the scene.")
    selected_reference_tags: list[str] = Field(
        description="Of asset_tags, those whose reference images the scene's frame must match."
    )
    composition_shot_type: str = Field(description="close-up, medium, wide, establishing…")
    composition_camera_movement: str = Field(description="static, pan left, dolly in, orbit…")
    rewritten_keyframe_prompt: str = Field(description="The scene's first frame, for an image model.")
    rewritten_video_prompt: str = Field(description="The scene's motion, for a video model.")
    duration_s: int = Field(description="The scene's length in seconds.")


class Storyboard(Model):
    title: str = Field(description="A short title for the film (a few words).")
    scenes: list[StoryboardScene]


@dataclass(frozen=True)
class Plan:
    """How many scenes a film of `target_s` is, and how long each (Veo's lengths)."""

    target_s: int
    durations: tuple[int, ...]

    @property
    def scenes(self) -> int:
        return len(self.durations)


def plan(target_duration_s: int | None) -> Plan:
    """Scenes of Veo's longest length while they fit, the rest in the shortest lengths that reach
    the target; 1 to MAX_SCENES scenes."""
    target = max(min(VEO_SECONDS), target_duration_s or DEFAULT_DURATION_S)
    longest = max(VEO_SECONDS)
    count = max(1, min(MAX_SCENES, math.ceil(target / longest)))
    left = target
    durations = []
    for remaining in range(count, 0, -1):
        share = left / remaining
        durations.append(min((s for s in VEO_SECONDS if s >= share), default=longest))
        left = max(0, left - durations[-1])
    return Plan(target, tuple(durations))


def kept(board: Storyboard, cast: Sequence[CastEntry], scenes: Plan) -> Storyboard:
    """The answer as the product stores it: `scenes.scenes` scenes (missing ones are an error for
    the caller), only the snapshot's handles (an invented tag is dropped and logged), references
    among the scene's tags, lengths snapped to Veo's, a short title."""
    handles = {entry.handle for entry in cast}
    out = []
    for number, scene in enumerate(board.scenes[: scenes.scenes]):
        invented = [t for t in [*scene.asset_tags, *scene.selected_reference_tags] if t not in handles]
        if invented:
            log.warning(
                "storyboard named tags the cast does not have", extra={"scene": number, "tags": invented}
            )
        tags = list(dict.fromkeys(t for t in scene.asset_tags if t in handles))
        selected = list(dict.fromkeys(t for t in scene.selected_reference_tags if t in tags))
        length = min(VEO_SECONDS, key=lambda s: (abs(s - scene.duration_s), -s))
        out.append(
            scene.model_copy(
                update={"asset_tags": tags, "selected_reference_tags": selected, "duration_s": length}
            )
        )
    return Storyboard(title=short_title(board.title), scenes=out)


def short_title(text: str) -> str:
    words = re.sub(r"\s+", " ", text).strip(" .\"'").split(" ")
    return " ".join(words[:TITLE_WORDS])[:80] or "Untitled"


def scene_manifest(scene: StoryboardScene) -> SceneManifest:
    """The stored form of a scene's manifest (the fields the pipeline endpoints take)."""
    return SceneManifest(
        asset_tags=scene.asset_tags,
        selected_reference_tags=scene.selected_reference_tags,
        composition_shot_type=scene.composition_shot_type,
        composition_camera_movement=scene.composition_camera_movement,
        rewritten_keyframe_prompt=scene.rewritten_keyframe_prompt,
        rewritten_video_prompt=scene.rewritten_video_prompt,
    )


def instructions(prompt: str, style: str | None, cast: Sequence[CastEntry], scenes: Plan) -> str:
    """What a storyboarder is asked: the film, its style, who and what it may show (by handle),
    and how many scenes of which lengths."""
    lines = [
        "You are the storyboard artist of a short AI-generated film.",
        f"The film: {prompt}",
        f"Style: {style}" if style else "Style: the director's choice, consistent across scenes.",
        f"Write exactly {scenes.scenes} scenes, of these lengths in seconds, in order: "
        f"{', '.join(map(str, scenes.durations))} (about {scenes.target_s} s in all).",
        "The cast and references (use only these handles, exactly as written; a handle in a scene "
        "means that subject appears in it):",
        *[f"- {e.handle}: {e.name} ({e.role}){f' - {e.description}' if e.description else ''}" for e in cast],
        "Each scene: storyboard_text says what happens; asset_tags lists the handles in it; "
        "selected_reference_tags those whose look the frame must match; the keyframe prompt "
        "describes its first frame and names each subject by handle; the video prompt its motion.",
        "Give the film a short title of a few words.",
    ]
    return "\n".join(lines)
