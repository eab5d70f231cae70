"""When a face can be identified at all (the thresholds live in common/library/identity_rules.py).

A face that cannot be identified (too small, too unsure, too blurred) is still cut out, but it
neither joins nor founds a group: its asset says why, instead of carrying a wrong duplicate mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from common.library.identity_rules import Thresholds, thresholds
from common.library.models import IdentityStatus
from gpu_service.vision.faces import FoundFace, sharpness

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Verdict:
    status: IdentityStatus | None  # None: the face can be identified
    note: str | None = None


def assess(face: FoundFace, aligned: np.ndarray, limits: Thresholds | None = None) -> Verdict:
    """Whether a face can be identified, and if not, why (in words a person can act on)."""
    t = limits or thresholds()
    side = min(face.bbox[2] - face.bbox[0], face.bbox[3] - face.bbox[1])
    if side < t.min_face_px:
        return Verdict("too_small", f"face {side} px; {t.min_face_px} px needed to tell who it is")
    if face.score < t.min_score:
        return Verdict("unsure", f"face detector score {face.score:.2f}; {t.min_score:.2f} needed")
    sharp = sharpness(aligned)
    if sharp < t.min_sharpness:
        return Verdict("blurry", f"face sharpness {sharp:.0f}; {t.min_sharpness:.0f} needed")
    return Verdict(None)
