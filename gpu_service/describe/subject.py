"""What is described and what comes back: the subject, its description, and the describer's protocol."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field

from common.library.progress_models import ProcessingCost
from gpu_service.errors import Permanent

if TYPE_CHECKING:
    from PIL import Image

    from common.library.models import Asset


class ReversePrompt(BaseModel):
    """What Gemini must answer (its response schema) and what we store."""

    reverse_prompt: str = Field(min_length=1, max_length=4000)
    visual_description: str = Field(min_length=1, max_length=8000)
    quality_score: float = Field(ge=0.0, le=1.0)


@dataclass
class Subject:
    """An asset's image and what the engine knows about it."""

    image: Image.Image
    name: str
    asset_type: str
    detection_class: str | None = None
    detection_confidence: float | None = None
    is_face_crop: bool = False
    detections: list[str] = field(default_factory=list)  # labels found inside this image
    faces: int = 0

    @classmethod
    def of(cls, asset: Asset, image: Image.Image, *, detections: list[str], faces: int) -> Subject:
        """The one way a subject is made from an asset (a run's and a reprocess's alike)."""
        return cls(
            image=image,
            name=asset.name,
            asset_type=asset.asset_type.value,
            detection_class=asset.detection_class,
            detection_confidence=asset.detection_confidence,
            is_face_crop=asset.is_face_crop,
            detections=detections,
            faces=faces,
        )


@dataclass(frozen=True)
class Description:
    text: ReversePrompt
    source: Literal["gemini", "offline"]
    cost: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def spent(self) -> ProcessingCost:
        return ProcessingCost(
            gemini_usd=self.cost,
            gemini_input_tokens=self.input_tokens,
            gemini_output_tokens=self.output_tokens,
        )


class DescribeFailed(Permanent):
    """This asset could not be described; the run records why and goes on."""


Result = Description | DescribeFailed  # per asset: its description, or why it has none


class Describer(Protocol):
    paid: bool  # its calls cost money: claimed first, so that a task delivered twice pays once

    def describe(self, subject: Subject) -> Description: ...

    def describe_group(self, source: Image.Image, subjects: list[Subject]) -> list[Result]:
        """Describe assets cut from (or being) one uploaded image; one result per subject, in order."""
        ...


def attempt(describe: Callable[[Subject], Description], subject: Subject) -> Result:
    try:
        return describe(subject)
    except DescribeFailed as exc:
        return exc
