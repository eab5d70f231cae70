"""Faces of a query image (the api's face search by image): found, judged and embedded exactly as
a manifest run does it (faces.py, identity.py), so a query compares with the index like for like."""

from __future__ import annotations

from common.wire import EmbedAnswer, EmbeddedFace
from gpu_service.vision import faces, identity, imaging


def faces_in(data: bytes) -> EmbedAnswer:
    """The image's faces, largest first; a face that cannot be identified comes without an embedding."""
    picture = imaging.decode(data)
    found = sorted(faces.detect(picture.bgr), key=lambda f: -f.area)
    crops = faces.align(picture.bgr, found)
    vectors = faces.embed_aligned(crops)
    out: list[EmbeddedFace] = []
    for face, crop, vector in zip(found, crops, vectors, strict=True):
        verdict = identity.assess(face, crop)
        out.append(
            EmbeddedFace(
                bbox=list(face.bbox),
                score=round(float(face.score), 4),
                identity_status=verdict.status,
                identity_note=verdict.note,
                embedding=[float(v) for v in vector] if verdict.status is None else None,
            )
        )
    return EmbedAnswer(faces=out)
