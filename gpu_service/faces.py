"""Faces: detection (SCRFD), 512-d embeddings (ArcFace) and grouping of one person's faces.

Close-ups are the known weak spot of face detectors (the face fills the frame and nothing around
it looks like a head). When the plain pass finds nothing, the image is padded so the face has
context, then tried at a smaller input size: the same idea as InstantID's 640 -> 192 retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import cv2
import numpy as np
from insightface.utils import face_align

from gpu_service.config import worker_settings
from gpu_service.runtime import models

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

DET_SIZE = 640
RETRIES = ((0.5, 640), (0.5, 320))  # (padding per side as a share of the longer side, input size)
EMBED_SIZE = 112


@dataclass(frozen=True)
class FoundFace:
    bbox: tuple[int, int, int, int]  # x1, y1, x2, y2 in the image's pixels
    score: float
    landmarks: np.ndarray  # 5 x 2: eyes, nose, mouth corners (what alignment needs)

    @property
    def area(self) -> int:
        x1, y1, x2, y2 = self.bbox
        return (x2 - x1) * (y2 - y1)


def detect(image_bgr: np.ndarray) -> list[FoundFace]:
    found = _detect_once(image_bgr, pad=0.0, size=DET_SIZE)
    for pad, size in RETRIES:
        if found:
            break
        found = _detect_once(image_bgr, pad=pad, size=size)
    return sorted(found, key=lambda f: (-f.score, f.bbox))


def _detect_once(image_bgr: np.ndarray, *, pad: float, size: int) -> list[FoundFace]:
    height, width = image_bgr.shape[:2]
    border = round(pad * max(height, width))
    canvas = image_bgr
    if border:
        canvas = cv2.copyMakeBorder(image_bgr, border, border, border, border, cv2.BORDER_CONSTANT)
    loaded = models()
    with loaded.faces_lock:
        boxes, landmarks = loaded.faces.det_model.detect(canvas, input_size=(size, size))
    min_score = worker_settings().face_min_score
    faces = []
    for i, (x1, y1, x2, y2, score) in enumerate(boxes):
        if score < min_score:
            continue
        box = (
            max(0, round(x1) - border),
            max(0, round(y1) - border),
            min(width, round(x2) - border),
            min(height, round(y2) - border),
        )
        if box[2] - box[0] < 8 or box[3] - box[1] < 8:
            continue
        faces.append(FoundFace(box, round(float(score), 4), landmarks[i] - border))
    return faces


def align(image_bgr: np.ndarray, faces: Sequence[FoundFace]) -> list[np.ndarray]:
    """Each face cut out upright by its landmarks, at the embedder's input size."""
    return [face_align.norm_crop(image_bgr, f.landmarks, image_size=EMBED_SIZE) for f in faces]


def embed(image_bgr: np.ndarray, faces: Sequence[FoundFace]) -> np.ndarray:
    """Unit-length embeddings (n x 512) of the faces of one image, in one batch."""
    return embed_aligned(align(image_bgr, faces))


def embed_aligned(crops: Sequence[np.ndarray]) -> np.ndarray:
    if not crops:
        return np.zeros((0, 512), dtype=np.float32)
    loaded = models()
    with loaded.faces_lock:
        features = loaded.faces.models["recognition"].get_feat(crops)
    return normalize(np.asarray(features, dtype=np.float32))


def embed_one_by_one(image_bgr: np.ndarray, faces: Sequence[FoundFace]) -> np.ndarray:
    """The unbatched baseline the benchmark compares `embed` with."""
    return np.concatenate([embed(image_bgr, [f]) for f in faces]) if faces else embed(image_bgr, [])


def normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


Linkage = Literal["centroid", "primary"]


@dataclass
class Face:
    """A face to group: its asset id, unit embedding, detector score and the image it was found in."""

    id: str
    vector: np.ndarray
    score: float
    source: str


@dataclass
class Group:
    """One person: the best face (the group's id), and every member's image and vector."""

    primary: str
    lead: np.ndarray  # the primary's vector
    total: np.ndarray  # the sum of the members' unit vectors
    members: list[str] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, face: Face) -> Group:
        return cls(face.id, face.vector, face.vector.astype(np.float32).copy(), [face.id], {face.source})

    def add(self, face: Face) -> None:
        self.members.append(face.id)
        self.sources.add(face.source)
        self.total = self.total + face.vector

    def reference(self, linkage: Linkage) -> np.ndarray:
        if linkage == "primary":
            return self.lead
        return self.total / max(float(np.linalg.norm(self.total)), 1e-12)


def cluster(
    faces: Sequence[Face], threshold: float, *, groups: Sequence[Group] = (), linkage: Linkage = "centroid"
) -> list[Group]:
    """Group faces by person, best score first, starting from `groups` (kept as they are, and open
    to new members). A face joins the group it resembles most, if the cosine similarity reaches
    `threshold`, and never a group that holds a face of the same image: two faces of one image are
    two people. Otherwise it founds a group.

    `centroid` compares with the group as a whole (the mean of its members), `primary` with its best
    face only; bench/identity.py measures both (README, "Identity")."""
    out = list(groups)
    if not faces:
        return out
    ordered = sorted(faces, key=lambda f: (-f.score, f.id))
    refs = np.zeros((len(out) + len(faces), len(faces[0].vector)), dtype=np.float32)
    for index, group in enumerate(out):
        refs[index] = group.reference(linkage)
    # Similarities to the starting groups come from one product; the groups made on the way (kept
    # after them) and the starting groups that took a face since are compared face by face.
    start = len(out)
    known = np.stack([f.vector for f in ordered]) @ refs[:start].T if start else None
    touched: list[int] = []
    holding: dict[str, set[int]] = {}  # image -> the groups that hold a face of it
    for index, group in enumerate(out):
        for source in group.sources:
            holding.setdefault(source, set()).add(index)
    for row, face in enumerate(ordered):
        similarity = np.empty(len(out), dtype=np.float32)
        if known is not None:
            similarity[:start] = known[row]
        if touched:
            similarity[touched] = refs[touched] @ face.vector
        similarity[start:] = refs[start : len(out)] @ face.vector
        for taken in holding.get(face.source, ()):
            similarity[taken] = -np.inf
        best = int(np.argmax(similarity)) if out else -1
        if best >= 0 and similarity[best] >= threshold:
            out[best].add(face)
            refs[best] = out[best].reference(linkage)
        else:
            best = len(out)
            out.append(Group.of(face))
            refs[best] = face.vector
        if best < start and best not in touched:
            touched.append(best)
        holding.setdefault(face.source, set()).add(best)
    return out


def merge_linked(groups: Sequence[Group], link_of: Mapping[str, str]) -> list[Group]:
    """Groups whose faces the owner said are one person (the same `identity_of` on their assets)
    become one, the earlier group (the better primary) leading, unless they hold faces of one image:
    two faces of one image stay two people, whatever a link says."""
    out: list[Group] = []
    leader: dict[str, Group] = {}  # link -> the group that holds it
    for group in groups:
        links = sorted({link_of[m] for m in group.members if m in link_of})
        target = next((leader[link] for link in links if link in leader), None)
        if target is not None and not target.sources & group.sources:
            target.members.extend(group.members)
            target.sources |= group.sources
            target.total = target.total + group.total
        else:
            target = group
            out.append(group)
        for link in links:
            leader.setdefault(link, target)
    return out


def group(embeddings: np.ndarray, scores: Sequence[float], threshold: float) -> list[int]:
    """For each face (each from its own image), the index of its group's primary face."""
    faces = [Face(str(i), embeddings[i], scores[i], str(i)) for i in range(len(scores))]
    primary_of = {m: int(g.primary) for g in cluster(faces, threshold) for m in g.members}
    return [primary_of[str(i)] for i in range(len(scores))]


def sharpness(aligned: np.ndarray) -> float:
    """Variance of the Laplacian of an aligned face crop: low means blurred (or upscaled from few pixels)."""
    return float(cv2.Laplacian(cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())
