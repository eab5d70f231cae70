"""Faces of a query image (the api's face search by image): found, judged and embedded exactly as
a manifest run does it (faces.py, identity.py), so a query compares with the index like for like."""

from __future__ import annotations

from typing import Any

from gpu_service import faces, identity, imaging


def faces_in(data: bytes) -> dict[str, Any]:
    """{"faces": [{bbox, score, identity_status, identity_note, embedding}]}, largest face first; a
    face that cannot be identified comes without an embedding."""
    picture = imaging.decode(data)
    found = sorted(faces.detect(picture.bgr), key=lambda f: -f.area)
    crops = faces.align(picture.bgr, found)
    vectors = faces.embed_aligned(crops)
    out: list[dict[str, Any]] = []
    for face, crop, vector in zip(found, crops, vectors, strict=True):
        verdict = identity.assess(face, crop)
        out.append(
            {
                "bbox": list(face.bbox),
                "score": round(float(face.score), 4),
                "identity_status": verdict.status,
                "identity_note": verdict.note,
                "embedding": [float(v) for v in vector] if verdict.status is None else None,
            }
        )
    return {"faces": out}
