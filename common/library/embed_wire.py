"""The answer of the GPU service's `POST /faces/embed`: the faces of a search image in the face
pipeline's order (gpu_service/vision/seen.py), each embedded unless it cannot be identified, and
which of them stands for the image (`lead`, the one a search looks for). The GPU service writes it
(gpu_service/face_query.py), the api reads it (face_embedder.py).
"""

from __future__ import annotations

from pydantic import Field

from common.library.models import IdentityStatus
from common.records import Model


class EmbeddedFace(Model):
    bbox: list[int] = Field(min_length=4, max_length=4)  # x1, y1, x2, y2 in the image's pixels
    score: float
    identity_status: IdentityStatus | None = None  # None: the face can be identified
    identity_note: str | None = None
    embedding: list[float] | None = None  # unit length, 512-d; None when the face cannot be identified


class EmbedAnswer(Model):
    faces: list[EmbeddedFace]
    lead: int | None = Field(None, ge=0)  # index into faces; None: no face can be identified

    @property
    def lead_face(self) -> EmbeddedFace | None:
        return self.faces[self.lead] if self.lead is not None and self.lead < len(self.faces) else None
