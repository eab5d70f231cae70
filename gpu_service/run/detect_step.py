"""Step 1, detection: every detector on every uploaded image; each person or object becomes an asset.

Two things are not cut out: a detection that is the whole picture labels the upload itself
(`detection_class`, and a `type_mismatch` warning when it contradicts the asset's type), and a
person sliver at the border with no face of its own (vision/detection.py) is dropped.
"""

from __future__ import annotations

from common.jobs.models import Step
from common.library import quality
from common.library.models import Asset
from gpu_service.run.crops import child
from gpu_service.run.state import Run, Saved, collect
from gpu_service.store import registry
from gpu_service.vision import detection, faces, imaging


def detect_step(run: Run, sources: list[Asset], assets: list[Asset]) -> None:
    run.progress.start(Step.DETECTION, len(sources))
    saving = []
    for source, picture in run.pictures.stream(sources, run.io):
        if isinstance(picture, imaging.UnreadableImage):
            run.failed.add(source.id)
            registry.record_failure(source.id, Step.DETECTION, str(picture))
            run.progress.advance(failed=True)
            continue
        scanned = detection.scan(picture.bgr)
        found = _without_slivers(run, source, picture, scanned.crops)
        run.found[source.id] = [d.label for d in found]
        whole = scanned.whole
        label_type = detection.asset_type_of(whole.label) if whole else None
        run.content_checks[source.id] = quality.content_checks(
            source.asset_type, whole.label if whole else None, label_type
        )
        saving.append(run.io.submit(_save_detections, run, source, picture, found, assets, whole=whole))
    collect(run, saving)


def _without_slivers(
    run: Run, source: Asset, picture: imaging.Picture, crops: list[detection.Detection]
) -> list[detection.Detection]:
    size = (picture.width, picture.height)
    if not any(detection.may_be_sliver(d, size) for d in crops):
        return crops
    # Faces are looked for once per image: the faces step uses what was found here.
    run.faces_found[source.id] = faces.detect(picture.bgr)
    boxes = [f.bbox for f in run.faces_found[source.id]]
    return [d for d in crops if detection.holds_a_face(d, boxes) or not detection.may_be_sliver(d, size)]


def _save_detections(
    run: Run,
    source: Asset,
    picture: imaging.Picture,
    found: list[detection.Detection],
    assets: list[Asset],
    *,
    whole: detection.Detection | None,
) -> Saved:
    if source.processing_error is not None:
        registry.clear_failure(source.id)
    if source.source != "extracted":
        registry.label(source, whole.label if whole else None, whole.confidence if whole else None)
    children = [
        child(source, picture, "detection", rank, label=d.label, confidence=d.confidence, bbox=d.bbox)
        for rank, d in enumerate(found)
    ]
    registry.sync_children(source, "detection", children, assets)
    run.progress.advance()
    return Saved({c.id: c.thumbnail_jpeg for c in children})
