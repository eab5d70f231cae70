"""An asset's views in a run: each view's face judged against the asset's own face.

A view whose face is the asset's person ("same") strengthens the asset's identity: its embedding
is averaged into the face that stands for the asset (so grouping, search and suggestions see
every angle). A view whose face is someone else's ("different") is flagged, never merged; a
CHARACTER view with no face, and one whose face cannot be identified, say so too. The findings go
on the view (`identity`, `identity_note`, `similarity`) and as quality checks on the asset.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from google.api_core import exceptions

from common.gcp import storage
from common.library.identity_rules import thresholds
from common.library.models import Asset, AssetType, AssetView, QualityCheck
from common.library.quality import check
from gpu_service.vision import imaging, seen

if TYPE_CHECKING:
    from collections.abc import Sequence

log = logging.getLogger(__name__)

VIEW_CODES = frozenset({"view_no_face", "view_other_person", "view_face_unidentified"})


@dataclass(frozen=True)
class Finding:
    view_id: str
    generation: int
    identity: str
    note: str | None = None
    similarity: float | None = None


@dataclass
class Judged:
    findings: list[Finding] = field(default_factory=list)
    same: list[np.ndarray] = field(default_factory=list)  # embeddings of the views that are the person


def judge(asset: Asset, lead: np.ndarray | None) -> Judged:
    """Each view of the asset against `lead`, the embedding of the asset's own face (None: the
    reference image has no identifiable face)."""
    out = Judged()
    match = thresholds().match
    readable: list[tuple[AssetView, np.ndarray]] = []
    for view in asset.views:
        try:
            readable.append((view, imaging.decode(storage.download(view.image_path)).bgr))
        except (exceptions.NotFound, imaging.UnreadableImage) as exc:
            log.warning(
                "view unreadable", extra={"asset_id": asset.id, "view_id": view.id, "error": str(exc)}
            )
            out.findings.append(
                Finding(view.id, view.image_generation, "unidentified", "the view cannot be read")
            )
    # The face pipeline every face goes through (vision/seen.py), all the views' faces in one batch.
    for (view, _), found in zip(readable, seen.faces_of([bgr for _, bgr in readable]), strict=True):
        if not found:
            out.findings.append(Finding(view.id, view.image_generation, "no_face", "no face in this view"))
            continue
        index = seen.lead(found)
        vector = found[index].embedding if index is not None else None
        if vector is None:  # faces, none of them identifiable: the most confident one says why
            out.findings.append(
                Finding(view.id, view.image_generation, "unidentified", found[0].verdict.note)
            )
            continue
        if lead is None:
            note = "the reference image has no identifiable face to compare this view's with"
            out.findings.append(Finding(view.id, view.image_generation, "no_reference", note))
            continue
        similarity = round(float(vector @ lead), 4)
        if similarity >= match:
            out.findings.append(Finding(view.id, view.image_generation, "same", None, similarity))
            out.same.append(vector)
        else:
            note = f"this view's face looks like someone else (similarity {similarity:.2f} < {match:.2f})"
            out.findings.append(Finding(view.id, view.image_generation, "different", note, similarity))
    return out


def identity_vector(lead: np.ndarray, judged: Judged) -> np.ndarray:
    """The asset's face with the views of the same person averaged in (unit length)."""
    if not judged.same:
        return lead
    total = lead + np.sum(judged.same, axis=0)
    return total / max(float(np.linalg.norm(total)), 1e-12)


def checks(asset: Asset, judged: Judged) -> list[QualityCheck]:
    """Warnings for views that do not show the asset's person (characters only)."""
    if asset.asset_type != AssetType.CHARACTER:
        return []
    angle = {v.id: v.view for v in asset.views}
    found = []
    for f in judged.findings:
        if f.identity == "no_face":
            found.append(check("view_no_face", f"the {angle[f.view_id]} view shows no face", 0, 1))
        elif f.identity == "different":
            found.append(
                check(
                    "view_other_person",
                    f"the {angle[f.view_id]} view: {f.note}",
                    f.similarity or 0,
                    thresholds().match,
                )
            )
        elif f.identity == "unidentified":
            found.append(
                check("view_face_unidentified", f"the {angle[f.view_id]} view: {f.note}", 0, 1, "info")
            )
    return found


def changed(asset: Asset, findings: Sequence[Finding]) -> bool:
    """Whether the findings say anything the asset's views (as the run read them) do not."""
    have = {v.id: (v.identity, v.identity_note, v.similarity, v.processed_generation) for v in asset.views}
    return any(have.get(f.view_id) != (f.identity, f.note, f.similarity, f.generation) for f in findings)


def recorded(stored: dict[str, Any], findings: Sequence[Finding]) -> dict[str, Any]:
    """The findings on the views they are about, if those views are still there unchanged (a view
    replaced or removed since the run began keeps what it has): the `views` field to write on the
    asset as `stored` now."""
    by_view = {f.view_id: f for f in findings}
    updated: list[dict[str, Any]] = []
    for view in [AssetView.model_validate(v) for v in stored.get("views") or []]:
        finding = by_view.get(view.id)
        judged = view
        if finding is not None and finding.generation == view.image_generation:
            judged = view.model_copy(
                update={
                    "identity": finding.identity,
                    "identity_note": finding.note,
                    "similarity": finding.similarity,
                    "processed_generation": finding.generation,
                }
            )
        updated.append(judged.model_dump(exclude_none=True))
    return {"views": updated}
