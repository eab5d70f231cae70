"""What a run tells the owner's wider library: the manifest's faces in the owner's face index
(common/library/face_index.py), and, for each uploaded character, the people elsewhere in the
library its face resembles (`identity_suggestions`), so a client can ask "same as CHAR_03 in
Heroes?"."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from common.jobs.lease import Fence
from common.library import face_index, face_search
from common.library.embeddings import StoredFace
from common.library.models import Asset, AssetType
from gpu_service.store import registry


def publish(
    manifest_id: str, owner_id: str, assets: list[Asset], faces: dict[str, StoredFace], fence: Fence
) -> None:
    """Index the manifest's faces (`faces`: the embeddings of its live identifiable faces), then
    suggest identities for its uploaded characters that are not linked to anyone yet (the
    manifest's own faces are never suggested). `assets`: the manifest's, as the run knows them."""
    face_index.rebuild(manifest_id, owner_id, faces)
    vectors: dict[str, list[list[float]]] = defaultdict(list)
    for face_id, face in faces.items():
        vectors[face.source_asset_id or face_id].append(face.embedding)
    candidates = [
        a
        for a in assets
        if a.asset_type == AssetType.CHARACTER and a.source != "extracted" and not a.identity_of
    ]
    found = face_search.suggestions(owner_id, manifest_id, {a.id: vectors.get(a.id, []) for a in candidates})
    updates: dict[str, dict[str, Any]] = {
        a.id: {"identity_suggestions": [s.model_dump() for s in found[a.id]]}
        for a in candidates
        if found[a.id] != a.identity_suggestions
    }
    registry.update_assets(updates, fence)
