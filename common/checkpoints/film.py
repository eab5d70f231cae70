"""Starting a film and moving it from phase to phase (docs/pipeline.md): the quote a request is
checked with before anything is written, and the hand-off that queues a built-in project's next
phase when a checkpoint continues (the job the caller's pipeline would otherwise be handed).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from common.checkpoints import prices
from common.checkpoints.models import ArtifactType, Checkpoint, Continuation, Phase
from common.errors import Conflict, ValidationFailed
from common.gcp.config import settings
from common.jobs import lifecycle
from common.projects import projects
from common.projects.film import CLIPS, KEYFRAMES, PhaseJob, StitchJob, run_ended
from common.projects.models import MAX_FILM_S, GenerateRequest, Project
from common.projects.storyboard import plan
from common.records import Model, utcnow


class Quote(Model):
    """What a film of the request's length may cost at most, in dollars."""

    scenes: int
    duration_s: int  # the film's length: its scenes' lengths added up
    storyboard: float
    keyframes: float
    clips: float
    total: float


class QuoteQuery(Model):
    """A film's asked length, as /api/generate takes it (default: the storyboard's default length)."""

    model_config = ConfigDict(extra="ignore")

    target_duration_s: Annotated[int, Field(ge=1, le=MAX_FILM_S)] | None = None


class QuoteOut(Quote):
    default_budget: float  # what a film may spend when its request names no budget


def quote_out(query: QuoteQuery) -> QuoteOut:
    """The quote a creator sees before starting a film, with the budget it is checked against."""
    priced = quote(query.target_duration_s)
    return QuoteOut(**priced.model_dump(), default_budget=settings().pipeline_budget)


def quote(target_duration_s: int | None) -> Quote:
    lengths = plan(target_duration_s).durations
    storyboard = settings().storyboard_price
    keyframes = len(lengths) * prices.per_call(ArtifactType.BEAT_IMAGE)
    clips = sum(prices.per_call(ArtifactType.CHUNK_CLIP, s) for s in lengths)
    return Quote(
        scenes=len(lengths),
        duration_s=sum(lengths),
        storyboard=round(storyboard, 6),
        keyframes=round(keyframes, 6),
        clips=round(clips, 6),
        total=round(storyboard + keyframes + clips, 6),
    )


def generate(owner_id: str, request: GenerateRequest) -> Project:
    """Start a project; a built-in run's quote is checked against its budget first (422 with the
    figures, nothing written)."""
    if request.pipeline == "built_in":
        budget = settings().pipeline_budget if request.budget is None else request.budget
        priced = quote(request.target_duration_s)
        if priced.total > budget + 1e-9:
            raise ValidationFailed(
                f"a film of {priced.scenes} scenes may cost ${priced.total:.2f}, more than its budget "
                f"(${budget:.2f}); ask for a larger budget or a shorter film",
                {"quote": priced.model_dump(), "budget": budget},
            )
        request = request.model_copy(update={"budget": budget})
    return projects.generate(owner_id, request)


def require_open(checkpoint: Checkpoint) -> None:
    """A built-in project's run goes on only while it runs: once complete, failed or stopped, a
    continue is a 409 that says why (a fork makes the next film)."""
    project = projects.get(checkpoint.project_id)
    if run_ended(project):
        said = f": {project.error}" if project.error else ""
        raise Conflict(f"the project is {project.status.value}{said}; its run does not go on")


def hand_off(checkpoint: Checkpoint, continuation: Continuation) -> bool:
    """Queue a built-in project's next phase on the continuation's branch (the keyframes after the
    spec, the clips after the keyframes, the cut after the clips); False for a project the caller's
    pipeline makes. A repeat queues nothing twice (the job's id is derived from project, branch and
    phase)."""
    project = projects.get(checkpoint.project_id)
    if project.pipeline != "built_in":
        return False
    branch, now = continuation.branch, utcnow()
    job: PhaseJob | StitchJob
    if checkpoint.phase == Phase.CHUNKS:
        job = StitchJob(
            id=StitchJob.id_for(project.id, branch),
            owner_id=project.owner_id,
            project_id=project.id,
            branch=branch,
            checkpoint_id=checkpoint.id,
            created_at=now,
        )
    else:
        phase = KEYFRAMES if checkpoint.phase == Phase.SPEC else CLIPS
        job = PhaseJob(
            id=PhaseJob.id_for(project.id, branch, phase),
            owner_id=project.owner_id,
            project_id=project.id,
            branch=branch,
            phase=phase,
            from_checkpoint_id=checkpoint.id,
            created_at=now,
        )
    lifecycle.submit(job, repeatable=True)
    return True
