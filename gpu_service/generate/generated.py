"""What a generation gives back (the bytes and how they were made), and the failure no retry can fix."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from gpu_service.describe import gemini
from gpu_service.errors import Permanent


class GenerationFailed(Permanent):
    """The model would not produce this output (a refusal, a bad request): retrying cannot help."""


@contextlib.contextmanager
def model_call(model: str) -> Iterator[None]:
    """A call to a Google model: a client error fails the generation for good (GenerationFailed),
    except one the client's own retries could not outlast (408, 429), which goes back to the queue."""
    from google.genai import errors

    try:
        yield
    except errors.ClientError as exc:
        if gemini.worth_another_delivery(exc.code):
            raise
        raise GenerationFailed(f"{model} answered {exc.code}: {exc.message}") from exc


@dataclass(frozen=True)
class ReferenceImage:
    """One image of a scene's reference pack, as a model is given it."""

    data: bytes
    mime_type: str
    handle: str  # how the prompt names it (CHAR_04)
    role: str  # character, object, environment or style


@dataclass(frozen=True)
class Generated:
    data: bytes
    mime_type: str
    extension: str
    generator: Literal["gemini", "veo", "offline"]
    cost: float = 0.0
