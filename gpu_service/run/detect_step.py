"""Step 1, detection: every detector on every uploaded image; each person or object becomes an asset."""

from __future__ import annotations

from common.jobs.models import Step
from common.library.models import Asset
from gpu_service.run.crops import child
from gpu_service.run.state import Run, Saved, collect
from gpu_service.store import registry
from gpu_service.vision import detection, imaging


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
    collect(run, saving)


def _save_detections(
    run: Run, source: Asset, picture: imaging.Picture, found: list[detection.Detection], assets: list[Asset]
) -> Saved:
    if source.processing_error is not None:
        registry.clear_failure(source.id)
    children = [
        child(source, picture, "detection", rank, label=d.label, confidence=d.confidence, bbox=d.bbox)
        for rank, d in enumerate(found)
    ]
    registry.sync_children(source, "detection", children, assets)
    run.progress.advance()
    return Saved({c.id: c.thumbnail_jpeg for c in children})
