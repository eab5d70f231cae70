"""A manifest run: detection -> faces -> reverse prompting -> tags -> contact sheet -> READY.

Each step is idempotent, so a retried task (after a crash, a timeout or a second delivery) runs the
whole pipeline again and converges on the same manifest. An asset whose image cannot be read fails
alone, with its reason recorded on it; the run goes on.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict, defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from google.api_core import exceptions
from google.cloud.firestore import Increment
from PIL import Image

from common import assets as asset_ops
from common import db, embeddings, projects, snapshots, storage, tags
from common import manifests as manifest_ops
from common.config import settings
from common.images import thumbnail
from common.models import Asset, AssetType, Job, ManifestStatus, derived_id, utcnow
from gpu_service import contact_sheet, describe, detection, faces, imaging, registry
from gpu_service.config import worker_settings
from gpu_service.progress import RunProgress

log = logging.getLogger(__name__)

DUPLICATE_PREFIX = re.compile(r"^\(Duplicate of [^)]*\) ")
FACE_MARGIN = 0.25  # face crops keep some hair and chin around the detector's box
FACE_FILLS_FRAME = 0.2  # a face this large a share of the image makes it a face crop
IO_THREADS = 8


class Pictures:
    """Decoded images of this run, kept (up to a memory budget) so each is decoded once."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, imaging.Picture] = OrderedDict()
        self._budget = worker_settings().image_cache_mb * 1024 * 1024
        self._lock = threading.Lock()

    def get(self, asset: Asset) -> imaging.Picture:
        key = fingerprint(asset)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        try:
            data = storage.download(asset.image_path or "", generation=asset.image_generation)
        except exceptions.NotFound as exc:
            raise imaging.UnreadableImage("the stored image is missing") from exc
        picture = imaging.decode(data)
        with self._lock:
            self._items[key] = picture
            while sum(p.nbytes for p in self._items.values()) > self._budget and len(self._items) > 1:
                self._items.popitem(last=False)
        return picture

    def stream(
        self, assets: list[Asset], pool: ThreadPoolExecutor, ahead: int = 2
    ) -> Iterator[tuple[Asset, imaging.Picture | imaging.UnreadableImage]]:
        """Each asset with its picture (or why it has none), loading the next ones in the background
        while the caller runs a model on the current one."""

        def load(asset: Asset) -> imaging.Picture | imaging.UnreadableImage:
            try:
                return self.get(asset)
            except imaging.UnreadableImage as exc:
                return exc

        pending = deque((a, pool.submit(load, a)) for a in assets[:ahead])
        for asset in assets[ahead:]:
            current, future = pending.popleft()
            pending.append((asset, pool.submit(load, asset)))
            yield current, future.result()
        for current, future in pending:
            yield current, future.result()


@dataclass
class Run:
    job: Job
    progress: RunProgress
    pictures: Pictures = field(default_factory=Pictures)
    # Storage and Firestore writes overlap the next image's inference instead of waiting for it.
    io: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=IO_THREADS))
    failed: set[str] = field(default_factory=set)
    found: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # labels per source
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # crops made in this run, for the sheet
    new_faces: list[str] = field(default_factory=list)  # face assets this run made
    face_counts: dict[str, int] = field(default_factory=dict)

    @property
    def started(self) -> datetime:
        return self.job.created_at


def run_manifest(job: Job) -> None:
    run = Run(job, RunProgress(job.manifest_id, job.id))
    try:
        run.progress.acquire()
        assets = asset_ops.list_for_manifest(job.manifest_id)
        # An incremental run (a fork's new images) leaves what was inherited as it is.
        sources = [
            a for a in assets
            if a.source != "extracted" and a.image_path and not (job.incremental and a.is_inherited)
        ]  # fmt: skip
        detect_step(run, sources, assets)
        readable = [s for s in sources if s.id not in run.failed]
        faces_step(run, readable, assets)
        describe_step(run, asset_ops.list_for_manifest(job.manifest_id))
        if not job.incremental:
            tags_step(run)  # new assets' tags were claimed after the inherited ones: nothing to renumber
        contact_sheet_step(run)
        run.progress.finish(ManifestStatus.READY)
        if job.project_id is not None:
            snapshot_for_project(job)
    finally:
        run.io.shutdown(wait=True, cancel_futures=True)


def finish_all(futures: list[Future[None]]) -> None:
    """Wait for a step's background writes; the first failure fails the step (and the task retries)."""
    for future in futures:
        future.result()


# ---------------------------------------------------------------- 1. detection
def detect_step(run: Run, sources: list[Asset], assets: list[Asset]) -> None:
    run.progress.start("detection", len(sources))
    saving = []
    for source, picture in run.pictures.stream(sources, run.io):
        if isinstance(picture, imaging.UnreadableImage):
            run.failed.add(source.id)
            registry.record_failure(source.id, "detection", str(picture))
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
) -> registry.Child:
    """An extracted asset: a person or object cut by the detector, or a face (with some margin)."""
    is_face = kind == "face"
    image = imaging.crop(picture, bbox, margin=FACE_MARGIN if is_face else 0.0)
    return registry.Child(
        id=registry.child_id(source, kind, rank),
        asset_type=AssetType.CHARACTER if label in ("person", "face") else AssetType.OBJECT,
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
    )


# ---------------------------------------------------------------- 2. faces
def faces_step(run: Run, sources: list[Asset], assets: list[Asset]) -> None:
    run.progress.start("faces", len(sources))
    saving = []
    for source, picture in run.pictures.stream(sources, run.io):
        if isinstance(picture, imaging.UnreadableImage):
            raise picture  # it was readable a moment ago: let the task retry
        found = faces.detect(picture.bgr)
        run.face_counts[source.id] = len(found)
        vectors = faces.embed(picture.bgr, found)
        saving.append(run.io.submit(_save_faces, run, source, picture, found, vectors, assets=assets))
    finish_all(saving)
    if run.job.incremental:
        join_groups(run.job.manifest_id, run.new_faces)
    else:
        group_faces(run.job.manifest_id)


def _save_faces(
    run: Run,
    source: Asset,
    picture: imaging.Picture,
    found: list[faces.FoundFace],
    vectors: np.ndarray,
    *,
    assets: list[Asset],
) -> None:
    children = [
        _child(source, picture, "face", rank, label="face", confidence=f.score, bbox=f.bbox)
        for rank, f in enumerate(found)
    ]
    registry.sync_children(source, "face", children, assets)
    run.thumbnails.update((c.id, c.thumbnail_jpeg) for c in children)
    run.new_faces.extend(c.id for c in children)
    rows = [
        (child.id, source.id, face.score, vector.tolist())
        for child, face, vector in zip(children, found, vectors, strict=True)
    ]
    registry.store_embeddings(source.manifest_id, source.owner_id, rows)
    run.progress.advance()


def join_groups(manifest_id: str, new_faces: list[str]) -> None:
    """Incremental grouping: each new face joins the existing group whose primary it resembles most
    (a new photo of an inherited character becomes part of that character's group); the new faces
    that match no group are grouped among themselves. Existing faces are not touched."""
    stored = embeddings.of_manifest(manifest_id)
    fresh = [f for f in new_faces if f in stored]
    if not fresh:
        return
    assets = {a.id: a for a in asset_ops.list_for_manifest(manifest_id) if a.id in stored}
    known = [i for i, a in assets.items() if i not in fresh and a.duplicate_of is None]
    threshold = worker_settings().face_match_threshold
    vectors = np.asarray([stored[i][1] for i in fresh], dtype=np.float32)
    matches = faces.match(vectors, np.asarray([stored[i][1] for i in known], dtype=np.float32), threshold)
    primary_for: dict[str, Asset] = {
        f: assets[known[m]] for f, m in zip(fresh, matches, strict=True) if m is not None
    }
    alone = [f for f in fresh if f not in primary_for]
    if alone:
        among = faces.group(np.asarray([stored[i][1] for i in alone], dtype=np.float32),
                            [stored[i][0] for i in alone], threshold)  # fmt: skip
        primary_for.update({f: assets[alone[p]] for f, p in zip(alone, among, strict=True)})
    registry.write_groups(
        {
            face: membership(assets[face], primary, primary.face_group_id or primary.id)
            for face, primary in primary_for.items()
        }
    )


def snapshot_for_project(job: Job) -> None:
    """A fork's project gets its snapshot once its new images are processed (idempotent)."""
    project = projects.project_ref(job.project_id or "").get()
    if not project.exists or (project.to_dict() or {}).get("snapshot_id"):
        return
    manifest = manifest_ops.read_manifest(manifest_ops.manifest_ref(job.manifest_id).get())
    snapshot_id = derived_id(job.id, "snapshot")  # a retry rewrites the same chunks
    snapshot = snapshots.prepare(manifest, snapshot_id, allow_processing=True)
    snapshot.update({"project_id": job.project_id, "owner_id": job.owner_id, "created_at": utcnow()})
    batch = db.client().batch()
    batch.create(snapshots.snapshot_ref(snapshot_id), snapshot)
    changes = {
        "snapshot_id": snapshot_id,
        "manifest_version": snapshot["manifest_version"],
        "updated_at": utcnow(),
    }
    batch.update(projects.project_ref(job.project_id or ""), changes)
    batch.commit()


def group_faces(manifest_id: str) -> None:
    """Group every face of the manifest by person; mark all but each group's best face duplicates."""
    stored = embeddings.of_manifest(manifest_id)
    if not stored:
        return
    ids = sorted(stored)
    scores = [stored[i][0] for i in ids]
    vectors = np.asarray([stored[i][1] for i in ids], dtype=np.float32)
    primary_of = faces.group(vectors, scores, worker_settings().face_match_threshold)
    by_id = {a.id: a for a in asset_ops.list_for_manifest(manifest_id) if a.id in stored}
    updates: dict[str, dict[str, Any]] = {}
    for index, asset_id in enumerate(ids):
        asset, primary = by_id.get(asset_id), by_id.get(ids[primary_of[index]])
        if asset is None or primary is None:
            continue
        fields = membership(asset, primary, primary.id)
        if any(getattr(asset, k) != v for k, v in fields.items()):
            updates[asset_id] = fields
    registry.write_groups(updates)


def membership(asset: Asset, primary: Asset, group_id: str) -> dict[str, Any]:
    """A face's group fields: the group, and unless it is the primary, whose duplicate it is (also
    said at the start of its description)."""
    base = DUPLICATE_PREFIX.sub("", asset.description)
    if primary.id == asset.id:
        return {"face_group_id": group_id, "duplicate_of": None, "description": base}
    return {
        "face_group_id": group_id,
        "duplicate_of": primary.id,
        "description": f"(Duplicate of {primary.name}) {base}",
    }


# ---------------------------------------------------------------- 3. reverse prompting
def fingerprint(asset: Asset) -> str:
    return f"{asset.image_path}#{asset.image_generation}"


def describe_step(run: Run, assets: list[Asset]) -> None:
    todo = [
        a for a in assets
        if a.image_path and a.id not in run.failed
        and (a.described_from != fingerprint(a) or a.reverse_prompt is None or a.processing_error is not None)
    ]  # fmt: skip
    run.progress.start("reverse_prompting", len(todo))
    with ThreadPoolExecutor(max_workers=worker_settings().describe_concurrency) as pool:
        for ok in pool.map(lambda a: describe_asset(run, a), todo):
            run.progress.advance(failed=not ok)


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


def describe_asset(run: Run, asset: Asset) -> bool:
    try:
        result = describe.describer().describe(subject_for(run, asset))
    except (imaging.UnreadableImage, describe.DescribeFailed) as exc:
        registry.record_failure(asset.id, "reverse_prompting", str(exc))
        return False
    run.progress.add_cost(result.cost)
    registry.write_description(asset.id, description_fields(asset, result), run.started)
    return True


def description_fields(asset: Asset, result: describe.Description) -> dict[str, Any]:
    return {
        "reverse_prompt": result.text.reverse_prompt,
        "visual_description": result.text.visual_description,
        "quality_score": result.text.quality_score,
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
        return (parent.sort_order, parent.created_at, parent.id, parent.id != asset.id,
                -(asset.detection_confidence or 0.0), asset.created_at, asset.id)  # fmt: skip

    ordered: dict[AssetType, list[tuple[str, str]]] = {t: [] for t in AssetType}
    for asset in sorted(assets, key=key):
        ordered[asset.asset_type].append((asset.id, asset.manifest_tag))
    return ordered


def tags_step(run: Run) -> None:
    run.progress.start("tags", 1)
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
    run.progress.start("contact_sheet", 1)
    # One tile per person: duplicate faces would only repeat their primary.
    assets = sorted(asset_ops.list_for_manifest(run.job.manifest_id), key=_sheet_order)
    shown = [a for a in assets if not a.duplicate_of]
    images = run.io.map(lambda a: _thumbnail(a, run.thumbnails.get(a.id)), shown[: contact_sheet.MAX_TILES])
    tiles = [
        contact_sheet.Tile(image, a.name, a.asset_type.value, a.manifest_tag)
        for a, image in zip(shown, images, strict=False)
    ]
    png = contact_sheet.draw(tiles, total=len(shown))
    path = f"manifests/{run.job.manifest_id}/contact_sheet_{run.job.id}.png"
    storage.upload(path, png, "image/png", bucket_name=settings().derived_bucket)
    ref = manifest_ops.manifest_ref(run.job.manifest_id)
    previous = manifest_ops.read_manifest(ref.get()).contact_sheet_path
    ref.update({"contact_sheet_path": path, "updated_at": utcnow()})
    if previous and previous != path:
        storage.delete(previous, bucket_name=settings().derived_bucket)
    run.progress.advance()


def _sheet_order(asset: Asset) -> tuple[int, int]:
    return list(AssetType).index(asset.asset_type), tags.tag_number(asset.manifest_tag)


def _thumbnail(asset: Asset, made_now: bytes | None) -> Image.Image | None:
    """The asset's thumbnail (small and already upright): the one this run made, else the stored
    one; None when there is none to read."""
    path = asset.thumbnail_path or asset.image_path
    if made_now is None and not path:
        return None
    try:
        return imaging.decode(made_now or storage.download(path or "")).rgb
    except (exceptions.NotFound, imaging.UnreadableImage):
        return None
