"""The faces of pictures, found, judged and embedded as a manifest run does it (faces.py, identity.py):
what face search and continuity checks compare with a manifest's faces, like for like."""

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


def faces_of(pictures: Sequence[np.ndarray]) -> list[list[SeenFace]]:
    """Each BGR picture's faces, largest first; the faces of all of them embedded in one batch."""
    found = [sorted(faces.detect(bgr), key=lambda f: -f.area) for bgr in pictures]
    crops = [faces.align(bgr, own) for bgr, own in zip(pictures, found, strict=True)]
    vectors = iter(faces.embed_aligned([c for own in crops for c in own]))
    out = []
    for own, own_crops in zip(found, crops, strict=True):
        seen = []
        for face, crop in zip(own, own_crops, strict=True):
            vector = next(vectors)
            verdict = identity.assess(face, crop)
            seen.append(SeenFace(face, verdict, vector if verdict.status is None else None))
        out.append(seen)
    return out
