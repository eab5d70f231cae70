"""When two faces are one person, and when a face can be identified at all: thresholds per embedder.

The numbers belong to the face model pack (`FACE_MODEL_PACK`): embedders differ in how similar
two photos of one person look to them, and in how few pixels they still tell people apart. Each
pack's numbers say where they come from; `FACE_MATCH_THRESHOLD`, `FACE_MIN_PX`, `FACE_ID_MIN_SCORE`,
`FACE_MIN_SHARPNESS` and `FACE_DRIFT_FLOOR` override them (docs/identity.md). Both sides read them:
the GPU service groups faces and checks continuity, the API's face search says which faces match.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from common.gcp.config import settings


@dataclass(frozen=True)
class Thresholds:
    match: float  # cosine similarity at or above which a face joins a person's group
    min_face_px: int  # shorter side of the detected face box
    min_score: float  # the face detector's score
    min_sharpness: float  # variance of the Laplacian of the aligned 112 px crop
    # Continuity: below `match` but at or above this, a clip's face still resembles the character
    # it is closest to (its likeness drifting); below it, the face is someone else.
    drift_floor: float
    source: str


PACKS = {
    # The local pack (SCRFD-2.5G + the faceplugin ArcFace-style embedder), measured with
    # bench/identity.py on the photos of `make models` and synthetic group canvases.
    # Different people reach cosine 0.53-0.57 when either face is under 112 px (0.23 above), two real
    # photos of one person stay at 0.65 or more: match at 0.6. Under 48 px the closest different
    # pair (0.53) and the weakest same pair (0.58) nearly meet: such faces are not identified. 0.7 is
    # Immich's detector floor. The blur floor is a guard (no face of the set is gated by it).
    "local": Thresholds(
        match=0.6,
        min_face_px=48,
        min_score=0.7,
        min_sharpness=30.0,
        drift_floor=0.35,
        source="bench/identity.py, 2026-12-01: 225 faces of 44 people, 102 images; bench/continuity.py",
    ),
    # Production's buffalo_l (SCRFD-10G + ArcFace R50, insightface): Immich's defaults for it
    # (cosine distance <= 0.5, detector score >= 0.7); the size and blur floors are the local
    # pack's until measured on production's images.
    "buffalo_l": Thresholds(
        match=0.5,
        min_face_px=48,
        min_score=0.7,
        min_sharpness=30.0,
        drift_floor=0.3,
        source="Immich machine-learning defaults; floors from the local pack",
    ),
}


def thresholds() -> Thresholds:
    """The pack's thresholds with the settings' overrides (settings are read once per process)."""
    cfg = settings()
    base = PACKS.get(cfg.face_model_pack, PACKS["buffalo_l"])
    overrides: dict[str, Any] = {
        "match": cfg.face_match_threshold,
        "min_face_px": cfg.face_min_px,
        "min_score": cfg.face_id_min_score,
        "min_sharpness": cfg.face_min_sharpness,
        "drift_floor": cfg.face_drift_floor,
    }
    return replace(base, **{name: value for name, value in overrides.items() if value is not None})
