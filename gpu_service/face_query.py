"""Faces of a query image (the api's face search by image): the face pipeline (vision/seen.py) a
manifest run uses, so a query compares with the index like for like."""

from __future__ import annotations

from common.library.embed_wire import EmbedAnswer, EmbeddedFace
from gpu_service.vision import imaging, seen


def faces_in(data: bytes) -> EmbedAnswer:
    """The image's faces, and which one stands for it; a face that cannot be identified comes
    without an embedding."""
    (found,) = seen.faces_of([imaging.decode(data).bgr])
    return EmbedAnswer(
        faces=[
            EmbeddedFace(
                bbox=list(one.face.bbox),
                score=round(float(one.face.score), 4),
                identity_status=one.verdict.status,
                identity_note=one.verdict.note,
                embedding=[float(v) for v in one.embedding] if one.embedding is not None else None,
            )
            for one in found
        ],
        lead=seen.lead(found),
    )
