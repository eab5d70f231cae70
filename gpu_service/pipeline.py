"""A manifest run: detection -> faces -> reverse prompting -> tags -> contact sheet -> READY.

Each step is idempotent, so a retried task (after a crash, a timeout or a second delivery) runs the
whole pipeline again and converges on the same manifest. An asset whose image cannot be read fails
alone, with its reason recorded on it; the run goes on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
from google.api_core import exceptions
from google.cloud.firestore import Increment
from PIL import Image

from common.gcp import storage
from common.gcp.config import settings
from common.jobs.models import ManifestJob, Step
from common.library import assets as asset_ops
from common.library import manifests as manifest_ops
from common.library import pins, quality, tags
from common.library.images import thumbnail
from common.library.models import Asset, AssetType, ManifestStatus
from common.projects import projects
from common.records import new_id
from gpu_service import (
    claims,
    contact_sheet,
    describe,
    detection,
    faces,
    frames,
    grouping,
    identity,
    imaging,
    library,
    registry,
    views,
)
from gpu_service.config import worker_settings
from gpu_service.pictures import Pictures, fingerprint
from gpu_service.progress import RunProgress

log = logging.getLogger(__name__)

FACE_MARGIN = 0.25  # face crops keep some hair and chin around the detector's box
FACE_FILLS_FRAME = 0.2  # a face this large a share of the image makes it a face crop
IO_THREADS = 8


@dataclass
class Run:
    job: ManifestJob
    progress: RunProgress
    pictures: Pictures = field(default_factory=Pictures)
    # Storage and Firestore writes overlap the next image's inference instead of waiting for it.
    io: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=IO_THREADS))
    failed: set[str] = field(default_factory=set)
    found: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # labels per source
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # crops made in this run, for the sheet
    new_faces: list[str] = field(default_factory=list)  # face assets this run made
    face_counts: dict[str, int] = field(default_factory=dict)
    holder: str = field(default_factory=new_id)  # this delivery, in the claims it makes (claims.py)
    publishing: list[Future[None]] = field(default_factory=list)  # library.publish, in the background

    @property
    def started(self) -> datetime:
        return self.job.created_at


def run_manifest(job: ManifestJob) -> None:
    run = Run(job, RunProgress(job.manifest_id, job.id))
    try:
        run.progress.acquire()
        assets = asset_ops.list_for_manifest(job.manifest_id)
        if job.sources is not None:  # a promoted frame: only it is processed
            frames.cut_promoted(a for a in assets if a.id in job.sources)
            assets = asset_ops.list_for_manifest(job.manifest_id)
        # An incremental run (a fork's new images) leaves what was inherited as it is.
        sources = [
            a
            for a in assets
            if a.source != "extracted"
            and a.image_path
            and not (job.incremental and a.is_inherited)
            and (job.sources is None or a.id in job.sources)
        ]
        detect_step(run, sources, assets)
        readable = [s for s in sources if s.id not in run.failed]
        faces_step(run, readable, assets)
        describe_step(run, asset_ops.list_for_manifest(job.manifest_id))
        if not job.incremental:
            tags_step(run)  # new assets' tags were claimed after the inherited ones: nothing to renumber
        contact_sheet_step(run)
        finish_all(run.publishing)
        run.progress.finish(ManifestStatus.READY)
        if job.project_id is not None:
            # A fork's project gets its snapshot once its new images are processed.
            projects.attach_snapshot(job.project_id, job.manifest_id)
    finally:
        run.io.shutdown(wait=True, cancel_futures=True)


def finish_all(futures: list[Future[None]]) -> None:
    """Wait for a step's background writes; the first failure fails the step (and the task retries)."""
    for future in futures:
        future.result()


# ---------------------------------------------------------------- 1. detection
def detect_step(run: Run, sources: list[Asset], assets: list[Asset]) -> None:
    run.progress.start(Step.DETECTION, len(sources))
    saving = []
    for source, picture in run.pictures.stream(sources, run.io):
        if isinstance(picture, imaging.UnreadableImage):
            run.failed.add(source.id)
            registry.record_failure(source.id, Step.DETECTION, str(picture))
            run.progress.advance(failed=True)
            continue
        found = detection.detect(picture.bgr)
        run.found[source.id] = [d.label for d in found]
        saving.append(run.io.submit(_save_detections, run, source, picture, found, assets))
    finish_all(saving)


def _save_detections(
    run: Run, source: Asset, picture: imaging.Picture, found: list[detection.Detection], assets: list[Asset]
) -> None:
    if source.processing_error is not None:
        registry.clear_failure(source.id)
    children = [
        _child(source, picture, "detection", rank, label=d.label, confidence=d.confidence, bbox=d.bbox)
        for rank, d in enumerate(found)
    ]
    registry.sync_children(source, "detection", children, assets)
    run.thumbnails.update((c.id, c.thumbnail_jpeg) for c in children)
    run.progress.advance()


def _child(
    source: Asset,
    picture: imaging.Picture,
    kind: registry.Kind,
    rank: int,
    *,
    label: str,
    confidence: float,
    bbox: tuple[int, int, int, int],
    verdict: identity.Verdict | None = None,
) -> registry.Child:
    """An extracted asset: a person or object cut by the detector, or a face (with some margin)."""
    is_face = kind == "face"
    image = imaging.crop(picture, bbox, margin=FACE_MARGIN if is_face else 0.0)
    return registry.Child(
        id=registry.child_id(source, kind, rank),
        asset_type=detection.asset_type_of(label) or AssetType.OBJECT,
        name=f"{source.name} · {label} {rank + 1}",
        description=f"{label.capitalize()} {'from' if is_face else 'cut from'} {source.name}",
        label=label,
        confidence=confidence,
        bbox=bbox,
        is_face_crop=is_face,
        image_jpeg=imaging.jpeg(image),
        thumbnail_jpeg=thumbnail(image),
        width=image.width,
        height=image.height,
        identity_status=verdict.status if verdict else None,
        identity_note=verdict.note if verdict else None,
        quality_checks=quality.image_checks(image)
        + quality.border_checks(bbox, (picture.width, picture.height)),
    )


# ---------------------------------------------------------------- 2. faces
def faces_step(run: Run, sources: list[Asset], assets: list[Asset]) -> None:
    run.progress.start(Step.FACES, len(sources))
    saving = []
    for source, picture in run.pictures.stream(sources, run.io):
        if isinstance(picture, imaging.UnreadableImage):
            raise picture  # it was readable a moment ago: let the task retry
        found = faces.detect(picture.bgr)
        run.face_counts[source.id] = len(found)
        crops = faces.align(picture.bgr, found)
        seen = [
            SeenFace(face, vector, identity.assess(face, crop))
            for face, crop, vector in zip(found, crops, faces.embed_aligned(crops), strict=True)
        ]
        seen, judged = _with_views(source, seen)
        saving.append(run.io.submit(_save_faces, run, source, picture, seen, assets, judged=judged))
    finish_all(saving)
    if run.job.incremental:
        grouping.join_groups(run.job.manifest_id, run.new_faces)
    else:
        grouping.group_faces(run.job.manifest_id)
    asset_ops.recount_warnings(run.job.manifest_id)  # crops and face checks are all written now
    # The owner's face index and identity suggestions need nothing of the steps after this one:
    # they are written beside reverse prompting, and waited for before the run ends.
    run.publishing.append(run.io.submit(library.publish, run.job.manifest_id, run.job.owner_id))


@dataclass(frozen=True)
class SeenFace:
    face: faces.FoundFace
    vector: np.ndarray
    verdict: identity.Verdict  # whether it can be identified


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
) -> None:
    boxes = [s.face.bbox for s in seen]
    checks = quality.face_checks(source.asset_type, boxes, (picture.width, picture.height))
    # The face checks of the image and of its views, in one write (they share the asset's list).
    registry.set_checks(source, quality.FACE_CODES | views.VIEW_CODES, checks + views.checks(source, judged))
    if judged.findings:
        views.record(source.id, judged.findings)
    children = [
        _child(
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
    run.thumbnails.update((c.id, c.thumbnail_jpeg) for c in children)
    run.new_faces.extend(c.id for c in children)
    # Only faces that can be identified are kept for grouping: the others neither join nor found one.
    rows = [
        (child.id, source.id, s.face.score, s.vector.tolist())
        for child, s in zip(children, seen, strict=True)
        if s.verdict.status is None
    ]
    unidentified = [child.id for child, s in zip(children, seen, strict=True) if s.verdict.status is not None]
    registry.store_embeddings(source.manifest_id, source.owner_id, rows, drop=unidentified)
    run.progress.advance()


# ---------------------------------------------------------------- 3. reverse prompting
def describe_step(run: Run, assets: list[Asset]) -> None:
    todo = [
        a
        for a in assets
        if a.image_path
        and a.id not in run.failed
        and (a.described_from != fingerprint(a) or a.reverse_prompt is None or a.processing_error is not None)
    ]
    run.progress.start(Step.REVERSE_PROMPTING, len(todo))
    # An uploaded image and what was cut from it are described together (describe.py: batched);
    # a free describer takes each asset on its own, spread over the threads.
    by_id = {a.id: a for a in assets}
    paid = describe.describer().paid
    groups: dict[str, list[Asset]] = defaultdict(list)
    for asset in todo:
        source = by_id.get(asset.source_asset_id or "") if paid else None
        groups[source.id if source and source.image_path else asset.id].append(asset)
    with ThreadPoolExecutor(max_workers=worker_settings().describe_concurrency) as pool:
        for described, failed in pool.map(lambda key: describe_group(run, by_id[key], groups[key]), groups):
            run.progress.advance(count=described)
            if failed:
                run.progress.advance(failed=True, count=failed)


def subject_for(run: Run, asset: Asset) -> describe.Subject:
    picture = run.pictures.get(asset)
    return describe.Subject(
        image=picture.rgb,
        name=asset.name,
        asset_type=asset.asset_type.value,
        detection_class=asset.detection_class,
        detection_confidence=asset.detection_confidence,
        is_face_crop=asset.is_face_crop,
        detections=run.found.get(asset.id, []),
        faces=run.face_counts.get(asset.id, 0),
    )


def describe_group(run: Run, source: Asset, members: list[Asset]) -> tuple[int, int]:
    """Describe one uploaded image's assets (itself and its crops): (described, failed). A paid
    description is claimed first (claims.py): what another delivery of this task is describing is
    waited for, not paid twice."""
    if not describe.describer().paid:  # free and deterministic: a second delivery may as well
        return _describe(run, source, members)
    ttl = worker_settings().describe_claim_s
    claim_of = {claims.key("describe", run.job.id, a.id, fingerprint(a)): a for a in members}
    todo = [c for c in claim_of if claims.take(c, run.holder, ttl)]
    waiting = [c for c in claim_of if c not in todo]
    described = failed = 0
    while True:
        if todo:
            try:
                ok, bad = _describe(run, source, [claim_of[c] for c in todo])
            except BaseException:
                claims.release(todo)  # a retry of the task may take them at once
                raise
            claims.finish(todo)
            described, failed = described + ok, failed + bad
        todo = claims.wait_for(waiting, run.holder, ttl) if waiting else []
        if not todo:  # the rest was done by the other delivery
            return described + len(waiting), failed
        waiting = [c for c in waiting if c not in todo]  # their holder died: ours now


def _describe(run: Run, source: Asset, members: list[Asset]) -> tuple[int, int]:
    try:
        source_image = run.pictures.get(source).rgb
    except imaging.UnreadableImage as exc:
        for asset in members:
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(exc))
        return 0, len(members)
    subjects, readable = [], []
    for asset in members:
        try:
            subject = subject_for(run, asset)
        except imaging.UnreadableImage as exc:
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(exc))
            continue
        if asset.id == source.id:
            subject.image = source_image  # the source itself: sent once
        subjects.append(subject)
        readable.append(asset)
    results = describe.describer().describe_group(source_image, subjects)
    for asset, result in zip(readable, results, strict=True):
        if isinstance(result, describe.DescribeFailed):
            registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(result))
            continue
        run.progress.add_cost(result.spent)
        registry.write_description(asset.id, description_fields(asset, result), run.started)
    described = sum(1 for r in results if not isinstance(r, describe.DescribeFailed))
    return described, len(members) - described


def description_fields(asset: Asset, result: describe.Description) -> dict[str, Any]:
    return {
        "reverse_prompt": result.text.reverse_prompt,
        "visual_description": result.text.visual_description,
        "reverse_prompt_source": result.source,
        "described_from": fingerprint(asset),
        "processing_cost": Increment(result.cost),
        "processing_error": None,
    }


# ---------------------------------------------------------------- 4. tags
def tag_order(assets: list[Asset]) -> dict[AssetType, list[tuple[str, str]]]:
    """Per type: uploaded assets in display order, each followed by what was cut from it, most
    confident first."""
    by_id = {a.id: a for a in assets}

    def key(asset: Asset) -> tuple[Any, ...]:
        parent = by_id.get(asset.source_asset_id or "") or asset
        return (
            parent.sort_order,
            parent.created_at,
            parent.id,
            parent.id != asset.id,
            -(asset.detection_confidence or 0.0),
            asset.created_at,
            asset.id,
        )

    ordered: dict[AssetType, list[tuple[str, str]]] = {t: [] for t in AssetType}
    for asset in sorted(assets, key=key):
        ordered[asset.asset_type].append((asset.id, asset.manifest_tag))
    return ordered


def tags_step(run: Run) -> None:
    run.progress.start(Step.TAGS, 1)
    manifest_ref = manifest_ops.manifest_ref(run.job.manifest_id)
    for attempt in range(3):
        try:
            tags.renumber(manifest_ref, tag_order(asset_ops.list_for_manifest(run.job.manifest_id)))
            break
        except exceptions.NotFound:
            if attempt == 2:
                raise  # assets keep disappearing under us: let the task retry later
    run.progress.advance()


# ---------------------------------------------------------------- 5. contact sheet
def contact_sheet_step(run: Run) -> None:
    run.progress.start(Step.CONTACT_SHEET, 1)
    # One tile per person: duplicate faces would only repeat their primary.
    assets = sorted(asset_ops.list_for_manifest(run.job.manifest_id), key=_sheet_order)
    shown = [a for a in assets if not a.duplicate_of]
    total = len(shown)
    shown = shown[: contact_sheet.MAX_TILES]
    images = run.io.map(lambda a: _thumbnail(a, run.thumbnails.get(a.id)), shown)
    strips = run.io.map(lambda a: [_picture(v.thumbnail_path) for v in a.views], shown)
    tiles = [
        contact_sheet.Tile(image, a.name, a.asset_type.value, a.manifest_tag, strip)
        for a, image, strip in zip(shown, images, strips, strict=True)
    ]
    png = contact_sheet.draw(tiles, total=total)
    path = f"manifests/{run.job.manifest_id}/contact_sheet_{run.job.id}.png"
    storage.upload(path, png, "image/png", bucket_name=settings().derived_bucket)
    previous = registry.set_contact_sheet(run.job.manifest_id, path)
    if previous and previous != path and not pins.is_pinned(previous):  # a snapshot may show it
        storage.delete(previous, bucket_name=settings().derived_bucket)
    run.progress.advance()


def _sheet_order(asset: Asset) -> tuple[int, int]:
    return list(AssetType).index(asset.asset_type), tags.tag_number(asset.manifest_tag)


def _thumbnail(asset: Asset, made_now: bytes | None) -> Image.Image | None:
    """The asset's thumbnail (small and already upright): the one this run made, else the stored
    one; None when there is none to read."""
    if made_now is not None:
        return imaging.decode(made_now).rgb
    return _picture(asset.thumbnail_path or asset.image_path)


def _picture(path: str | None) -> Image.Image | None:
    """A stored image, or None when there is none to read."""
    if not path:
        return None
    try:
        return imaging.decode(storage.download(path)).rgb
    except (exceptions.NotFound, imaging.UnreadableImage):
        return None
