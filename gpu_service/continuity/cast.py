"""The cast a check compares faces with: each character of the project's snapshot and the face
embeddings of its references, as they were when the project started."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from common.library import cast
from common.library.models import AssetType
from common.projects import snapshots
from common.projects.models import SnapshotAsset
from gpu_service.continuity.judge import Sighting


@dataclass(frozen=True)
class Character:
    character_id: str
    handle: str
    name: str


class Cast:
    def __init__(self, assets: Sequence[dict[str, Any]]) -> None:
        shown = [SnapshotAsset.model_validate(a) for a in assets]
        self.characters = {
            m.character_id: Character(m.character_id, m.handle, m.name) for m in cast.cast_of(shown)
        }
        # The people of a group photo are no cast members (cast.py), but a report still names them
        # when they are seen: by their face's tag and name, never by a bare id.
        for a in shown:
            if a.is_face_crop and a.character_id and a.character_id not in self.characters:
                self.characters[a.character_id] = Character(a.character_id, a.manifest_tag, a.name)
        # Every tag of a character's assets names that character (the cast's rule for prompts).
        self.tags = {a.manifest_tag: a.character_id for a in shown if a.character_id and a.manifest_tag}
        # A person tag that names no character: its references show no face that can be told apart.
        self.faceless = {
            a.manifest_tag for a in shown if a.asset_type == AssetType.CHARACTER and not a.character_id
        }
        references = [
            (a.character_id, a.face_embedding) for a in shown if a.character_id and a.face_embedding
        ]
        self.owners = [owner for owner, _ in references]
        self.matrix = (
            np.asarray([vector for _, vector in references], dtype=np.float32)
            if references
            else np.zeros((0, 512), dtype=np.float32)
        )

    def expected(self, scene_tags: Sequence[str]) -> tuple[list[str], list[str]]:
        """The characters a scene's tags ask for, and its person tags that cannot be checked."""
        wanted = [self.tags[t] for t in scene_tags if t in self.tags]
        unchecked = [t for t in scene_tags if t in self.faceless]
        return list(dict.fromkeys(wanted)), unchecked

    def closest(self, embedding: np.ndarray) -> Sighting:
        """The character whose closest reference is nearest the face, and that cosine."""
        if not self.owners:
            return Sighting(None, 0.0)
        similarities = self.matrix @ embedding
        best = int(np.argmax(similarities))
        return Sighting(self.owners[best], round(float(similarities[best]), 4))


@lru_cache(maxsize=8)  # a snapshot never changes: each instance reads and parses one once
def cast_of(snapshot_id: str) -> Cast:
    _, assets = snapshots.read(snapshot_id)
    return Cast(assets)
