"""Which faces are one person: greedy clustering of unit embeddings, in pure numpy.

No model here (no cv2, insightface, onnxruntime or torch): the run's grouping, the forks' joins and
the benchmarks import it alone, and the unit tests run it without any weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


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
    face only; bench/identity.py measures both (docs/identity.md)."""
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
