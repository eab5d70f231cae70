"""The face pipeline: every face of a picture found, judged and embedded, one way for everything
that looks at faces (a manifest run and its views, face search, continuity checks), so they compare
like for like by construction.

detect (faces.py: SCRFD with the close-up retries) -> align -> embed (one batch for all the pictures'
faces) -> judge (identity.py). Faces come in one order, the detector's: most confident first (a
run's face crops are numbered in it, so their derived ids stay put). The face that stands for a
picture (a view's person, a search image's query, a reference's identity) is its `lead`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gpu_service.vision import faces, identity

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np


@dataclass(frozen=True)
class SeenFace:
    face: faces.FoundFace
    verdict: identity.Verdict
    embedding: np.ndarray | None  # unit length; None when the face cannot be identified

    @property
    def identifiable(self) -> bool:
        return self.embedding is not None


def faces_of(
    pictures: Sequence[np.ndarray], found: Sequence[list[faces.FoundFace] | None] | None = None
) -> list[list[SeenFace]]:
    """Each BGR picture's faces in the detector's order, all embedded in one batch. `found`: faces
    already detected in a picture (None where not), so no picture is searched twice."""
    detected = [
        known if known is not None else faces.detect(bgr)
        for bgr, known in zip(pictures, found or [None] * len(pictures), strict=True)
    ]
    crops = [faces.align(bgr, own) for bgr, own in zip(pictures, detected, strict=True)]
    vectors = iter(faces.embed_aligned([c for own in crops for c in own]))
    out = []
    for own, own_crops in zip(detected, crops, strict=True):
        seen = []
        for face, crop in zip(own, own_crops, strict=True):
            vector = next(vectors)
            verdict = identity.assess(face, crop)
            seen.append(SeenFace(face, verdict, vector if verdict.status is None else None))
        out.append(seen)
    return out


def lead(seen: Sequence[SeenFace]) -> int | None:
    """The index of the face that stands for the picture: its largest identifiable face."""
    usable = [i for i, s in enumerate(seen) if s.identifiable]
    return max(usable, key=lambda i: (seen[i].face.area, -i), default=None)
