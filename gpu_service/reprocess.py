"""One asset again: detection and reverse prompting on its own image, nothing else touched.

It updates exactly: reverse_prompt, visual_description, detection_class,
detection_confidence, crop_bbox (plus the bookkeeping of where the text came from). `is_face_crop`
says what a run cut the asset out as (a face), one meaning everywhere: reprocessing never changes it.
Boxes stay in the source image's pixels: for a crop, what is found inside it is shifted by the
crop's origin.
"""

from __future__ import annotations

from typing import Any

from common.jobs.models import ReprocessJob, Step
from common.library import assets as asset_ops
from gpu_service.describe.describer import describer
from gpu_service.describe.subject import DescribeFailed, Subject
from gpu_service.store import registry
from gpu_service.store.pictures import Pictures
from gpu_service.vision import detection, faces, imaging


def run_reprocess(job: ReprocessJob) -> bool:
    """Returns False when the asset is gone (nothing to do)."""
    snapshot = asset_ops.asset_ref(job.asset_id).get()
    if not snapshot.exists:
        return False
    asset = asset_ops.read_asset(snapshot)
    try:
        picture = Pictures().get(asset)
    except imaging.UnreadableImage as exc:
        registry.record_failure(asset.id, Step.DETECTION, str(exc), None)
        raise
    found_faces = faces.detect(picture.bgr)
    face = found_faces[0] if found_faces else None
    fields: dict[str, Any] = {}
    origin = (asset.crop_bbox[0], asset.crop_bbox[1]) if asset.crop_bbox else (0, 0)
    found = detection.detect(picture.bgr, whole_image_ok=True)
    if asset.is_face_crop and face is not None:
        label, confidence, box = "face", face.score, face.bbox
    elif found:
        label, confidence, box = found[0].label, found[0].confidence, found[0].bbox
    else:
        label, confidence, box = None, None, None
    fields["detection_class"] = label
    fields["detection_confidence"] = confidence
    if box is not None:
        x1, y1, x2, y2 = box
        fields["crop_bbox"] = [x1 + origin[0], y1 + origin[1], x2 + origin[0], y2 + origin[1]]
    elif asset.source != "extracted":
        fields["crop_bbox"] = None  # an uploaded image with nothing in it; a crop keeps where it came from
    seen = asset.model_copy(update={k: fields[k] for k in ("detection_class", "detection_confidence")})
    subject = Subject.of(seen, picture.rgb, detections=[d.label for d in found], faces=len(found_faces))
    try:
        result = describer().describe(subject)
    except DescribeFailed as exc:
        registry.record_failure(asset.id, Step.REVERSE_PROMPTING, str(exc), None)
        registry.write_descriptions({asset.id: fields}, job.created_at, None)
        raise
    fields.update(registry.description_fields(asset, result))
    registry.write_descriptions({asset.id: fields}, job.created_at, None)
    registry.add_cost(asset.manifest_id, result.spent)
    return True
