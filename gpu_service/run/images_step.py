"""Steps 1 and 2 over each uploaded image at once: detection, then its faces, then what they make.

Every image is downloaded and decoded once for the whole run. While the picture is in memory it is
searched by every detector (each person or object becomes an asset) and for faces (the face
pipeline, vision/seen.py: each face becomes an asset; those that can be identified keep their
embedding for grouping), its views are judged against its face (views.py), and its description,
with its crops', is queued (describe_step.py): the crops are cut again from the picture in memory
to be described, never read back (and never held past their description). The writes of one
image go to the I/O threads; the image's own fields (what fills it, its checks, a cleared failure)
are one write.

A run resumes: an upload whose results an earlier delivery of the same run stored, for the same
image and models (`inferred_by`, written last among its writes), is neither inferred nor written
again; the later steps take what they need of it from the assets the run read.

Before each image, and again before each image's writes, the pass asks whether this delivery still
holds the run (lease.still_holds: one read): a delete or a newer run stops it within one image. An
image's documents are written in one commit behind the run's fence (lease.Fence): none lands after
the run ended, even one whose check came just before.

Two things are not cut out: a detection that is the whole picture labels the upload itself
(`detection_class`, and a `type_mismatch` warning when it contradicts the asset's type), and a
person sliver at the border with no face of its own (vision/detection.py) is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from common.jobs.models import Step
from common.library import embeddings, quality
from common.library.embeddings import StoredFace
from common.library.models import Asset
from gpu_service.config import worker_settings
from gpu_service.run import views
from gpu_service.run.crops import child
from gpu_service.run.describe_step import Describing
from gpu_service.run.state import Run, finish_all
from gpu_service.store import registry
from gpu_service.store.pictures import fingerprint
from gpu_service.vision import detection, faces, imaging, seen


@dataclass(frozen=True)
class Saved:
    """What one image's writes made: its crops as stored (detections, then faces), the ids of the
    crops it no longer yields, its own fields."""

    source_id: str
    fields: dict[str, Any]
    children: list[Asset]
    removed: list[str]
    thumbnails: dict[str, bytes]
    faces: list[str]


def images_step(run: Run, sources: list[Asset], describing: Describing) -> None:
    run.progress.open(Step.DETECTION, len(sources))
    run.progress.open(Step.FACES, len(sources))
    stored: list[Asset] = []
    todo: list[Asset] = []
    for source in sources:  # stored: an earlier delivery of this run finished them
        (stored if source.inferred_by == inferred_by(run, source) else todo).append(source)
    if stored:  # neither inferred nor written again
        _resume(run, stored)
    run.progress.start(Step.DETECTION)  # its first write counts what is stored: never backwards
    saving = []
    for source, picture in run.pictures.stream(todo, run.io):
        run.progress.check()  # a delete or a newer run stops the pass here, within one image
        if isinstance(picture, imaging.UnreadableImage):
            run.failed.add(source.id)
            registry.record_failure(source.id, Step.DETECTION, str(picture), run.fence)
            run.progress.advance(failed=True)
            run.progress.add_total(Step.FACES, -1)
            continue
        saving.append(_one_image(run, source, picture, describing))
    for saved in finish_all(saving):
        run.assets.apply({saved.source_id: saved.fields})
        run.assets.drop(*saved.removed)
        run.assets.put(*saved.children)
        run.thumbnails.update(saved.thumbnails)
        run.new_faces.extend(saved.faces)


def inferred_by(run: Run, source: Asset) -> str:
    """The mark an upload's results carry once stored: this run, the image, the models."""
    return f"{run.job.id}:{fingerprint(source)}:{worker_settings().inference_version}"


def _resume(run: Run, stored: list[Asset]) -> None:
    """What the later steps need of images whose results are stored, from the assets the run read
    and the stored embeddings (one read): their crops' labels, their faces and the faces' vectors
    (descriptions not made yet are made by describing.rest, from the stored images)."""
    vectors = embeddings.of_manifest(run.job.manifest_id)
    for source in stored:
        children = [a for a in run.assets if a.source_asset_id == source.id and a.source == "extracted"]
        faces = [a.id for a in children if a.is_face_crop]
        run.found[source.id] = [a.detection_class or "" for a in children if not a.is_face_crop]
        run.face_counts[source.id] = len(faces)
        run.new_faces.extend(faces)
        run.resumed.add(source.id)
        run.vectors.update({i: vectors[i] for i in faces if i in vectors})
    run.progress.resumed(len(stored))


def _one_image(run: Run, source: Asset, picture: imaging.Picture, describing: Describing) -> Future[Saved]:
    size = (picture.width, picture.height)
    scanned = detection.scan(picture.bgr)
    found_faces = faces.detect(picture.bgr)
    boxes = [f.bbox for f in found_faces]
    # A sliver of a stranger at the border holds no face: dropped (its faces, if any, are kept).
    found = [
        d for d in scanned.crops if detection.holds_a_face(d, boxes) or not detection.may_be_sliver(d, size)
    ]
    (seen_faces,) = seen.faces_of([picture.bgr], [found_faces])
    seen_faces, judged = _with_views(source, seen_faces)
    run.found[source.id] = [d.label for d in found]
    run.face_counts[source.id] = len(seen_faces)

    whole = scanned.whole
    label_type = detection.asset_type_of(whole.label) if whole else None
    checks = (
        quality.face_checks(source.asset_type, boxes, size)
        + views.checks(source, judged)
        + quality.content_checks(source.asset_type, whole.label if whole else None, label_type)
    )
    fields = {
        **registry.label_fields(source, whole.label if whole else None, whole.confidence if whole else None),
        **registry.checks_fields(
            source, quality.FACE_CODES | views.VIEW_CODES | quality.CONTENT_CODES, checks
        ),
        **({"processing_error": None} if source.processing_error is not None else {}),
    }

    def cut() -> tuple[list[registry.Child], list[registry.Child]]:
        """The crops (cut, encoded, checked on an I/O thread while the next image is searched)."""
        return [
            child(source, picture, "detection", rank, label=d.label, confidence=d.confidence, bbox=d.bbox)
            for rank, d in enumerate(found)
        ], [
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
            for rank, s in enumerate(seen_faces)
        ]

    vectors = {
        registry.child_id(source, "face", rank): StoredFace(s.face.score, s.embedding.tolist(), source.id)
        for rank, s in enumerate(seen_faces)
        if s.embedding is not None
    }
    run.vectors.update(vectors)
    saving = run.io.submit(_save, run, source, fields, cut, vectors, judged)
    # Described as soon as its crops exist, from the picture and the crops in memory.
    labelled = source.model_copy(update=fields)
    describing.queue(labelled, picture, crops=lambda: saving.result().children)
    return saving


def _with_views(source: Asset, found: list[seen.SeenFace]) -> tuple[list[seen.SeenFace], views.Judged]:
    """Judge the source's views against its lead face, and let the views of the same person
    strengthen that face's embedding (views.py)."""
    lead = seen.lead(found)
    judged = views.judge(source, found[lead].embedding if lead is not None else None)
    if lead is not None and judged.same:
        vector = found[lead].embedding
        assert vector is not None  # the lead is identifiable
        found = list(found)
        found[lead] = replace(found[lead], embedding=views.identity_vector(vector, judged))
    return found, judged


def _save(  # noqa: PLR0917 - one image's pieces, handed to an I/O thread
    run: Run,
    source: Asset,
    fields: dict[str, Any],
    cut: Callable[[], tuple[list[registry.Child], list[registry.Child]]],
    vectors: dict[str, StoredFace],
    judged: views.Judged,
) -> Saved:
    detections, face_crops = cut()
    run.progress.check()  # a stopped run does not even store this image's crops
    findings = judged.findings if judged.findings and views.changed(source, judged.findings) else None
    faces = [(face_id, v.score, v.embedding) for face_id, v in vectors.items()]
    # One commit behind the run's fence, the mark that its results are all stored with it.
    stored = registry.store_image(
        run.fence,
        source,
        detections + face_crops,
        run.assets,
        faces,
        {**fields, "inferred_by": inferred_by(run, source)},
        more=(lambda doc: views.recorded(doc, findings)) if findings else None,
    )
    run.progress.advance()
    run.progress.advance(step=Step.FACES)
    return Saved(
        source.id,
        fields,
        stored.assets,
        stored.removed,
        {c.id: c.thumbnail_jpeg for c in detections + face_crops},
        [c.id for c in face_crops],
    )
