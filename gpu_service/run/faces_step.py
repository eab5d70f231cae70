"""Step 2, faces: every face found, judged, embedded and cut out; then grouped by person.

An image's views are judged against its largest identifiable face (views.py); the faces that can be
identified get their embeddings stored for grouping, the others only their crop and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from common.jobs.models import Step
from common.library import assets as asset_ops
from common.library import cast, quality
from common.library.models import Asset
from gpu_service.run import grouping, library, views
from gpu_service.run.crops import child
from gpu_service.run.state import Run, Saved, collect
from gpu_service.store import registry
from gpu_service.vision import faces, identity, imaging


@dataclass(frozen=True)
class SeenFace:
    face: faces.FoundFace
    vector: np.ndarray
    verdict: identity.Verdict  # whether it can be identified


def faces_step(run: Run, sources: list[Asset], assets: list[Asset]) -> None:
    run.progress.start(Step.FACES, len(sources))
    saving = []
    for source, picture in run.pictures.stream(sources, run.io):
        if isinstance(picture, imaging.UnreadableImage):
            raise picture  # it was readable a moment ago: let the task retry
        early = run.faces_found.pop(source.id, None)  # the detection step's, when it looked
        found = early if early is not None else faces.detect(picture.bgr)
        run.face_counts[source.id] = len(found)
        crops = faces.align(picture.bgr, found)
        seen = [
            SeenFace(face, vector, identity.assess(face, crop))
            for face, crop, vector in zip(found, crops, faces.embed_aligned(crops), strict=True)
        ]
        seen, judged = _with_views(source, seen)
        saving.append(run.io.submit(_save_faces, run, source, picture, seen, assets, judged=judged))
    collect(run, saving)
    # One read of the manifest as the step left it, for grouping (crops and face checks are all written).
    now = asset_ops.list_for_manifest(run.job.manifest_id)
    if run.job.incremental:
        grouped = grouping.join_groups(run.job.manifest_id, now, run.new_faces)
    else:
        grouped = grouping.group_faces(run.job.manifest_id, now)
    asset_ops.recount_warnings(run.job.manifest_id)
    _assign_characters([a.model_copy(update=grouped[a.id]) if a.id in grouped else a for a in now])
    # The owner's face index and identity suggestions need nothing of the steps after this one:
    # they are written beside reverse prompting, and waited for before the run ends.
    run.publishing.append(run.io.submit(library.publish, run.job.manifest_id, run.job.owner_id))


def _assign_characters(grouped: list[Asset]) -> None:
    """Every asset's person (common/library/cast.py), from the assets as grouping left them."""
    found = cast.characters(grouped)
    registry.update_assets(
        {a.id: {"character_id": found[a.id]} for a in grouped if found[a.id] != a.character_id}
    )


def _with_views(source: Asset, seen: list[SeenFace]) -> tuple[list[SeenFace], views.Judged]:
    """Judge the source's views against its largest identifiable face, and let the views of the
    same person strengthen that face's embedding (views.py)."""
    usable = [i for i, s in enumerate(seen) if s.verdict.status is None]
    lead = max(usable, key=lambda i: seen[i].face.area, default=None)
    judged = views.judge(source, seen[lead].vector if lead is not None else None)
    if lead is not None and judged.same:
        seen = list(seen)
        seen[lead] = replace(seen[lead], vector=views.identity_vector(seen[lead].vector, judged))
    return seen, judged


def _save_faces(
    run: Run,
    source: Asset,
    picture: imaging.Picture,
    seen: list[SeenFace],
    assets: list[Asset],
    *,
    judged: views.Judged,
) -> Saved:
    boxes = [s.face.bbox for s in seen]
    checks = quality.face_checks(source.asset_type, boxes, (picture.width, picture.height))
    # The checks of the image's faces, its views and what fills it, in one write (one list).
    content = run.content_checks.get(source.id, [])
    registry.set_checks(
        source,
        quality.FACE_CODES | views.VIEW_CODES | quality.CONTENT_CODES,
        checks + views.checks(source, judged) + content,
    )
    if judged.findings:
        views.record(source.id, judged.findings)
    children = [
        child(
            source,
            picture,
            "face",
            rank,
            label="face",
            confidence=s.face.score,
            bbox=s.face.bbox,
            verdict=s.verdict,
        )
        for rank, s in enumerate(seen)
    ]
    registry.sync_children(source, "face", children, assets)
    # Only faces that can be identified are kept for grouping: the others neither join nor found one.
    rows = [
        (c.id, source.id, s.face.score, s.vector.tolist())
        for c, s in zip(children, seen, strict=True)
        if s.verdict.status is None
    ]
    unidentified = [c.id for c, s in zip(children, seen, strict=True) if s.verdict.status is not None]
    registry.store_embeddings(source.manifest_id, source.owner_id, rows, drop=unidentified)
    run.progress.advance()
    return Saved({c.id: c.thumbnail_jpeg for c in children}, [c.id for c in children])
