"""One measured manifest run, in a fresh process, of whichever tree is first on sys.path.

bench/engine.py runs this file against the code before a change and against the code now, side by
side, so it uses only what both have: `pipeline.run_manifest`, the library's create/upload calls,
the vision modules' `detect`/`embed_aligned`/`models`, and `common.gcp.storage.download`. It counts
what production pays per call at the client's RPC layer (Firestore documents read and written,
Cloud Storage downloads) and prints one JSON object.

    python bench/engine_run.py run PHOTO...      a run of these photos (one asset each)
    python bench/engine_run.py cache N           a run of N small generated images (downloads per image)
    python bench/engine_run.py first PHOTO       the first detection after the models load, then a warm one
"""

from __future__ import annotations

import io
import json
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__:  # imported as bench.engine_run (bench/reverse_prompt_tokens.py)
    from .timing import Inside
else:  # a script (bench/engine.py runs it against another tree on PYTHONPATH): its folder is on the path
    from timing import Inside  # bench/timing.py

OWNER = f"bench-{uuid.uuid4().hex[:12]}"  # each run its own library: face search reads stay comparable
counts: Counter[str] = Counter()
by_collection: Counter[str] = Counter()  # documents read, by collection
downloads: Counter[str] = Counter()
inference = Inside()  # time inside the models


def count_firestore() -> None:
    """Documents read and written, as Firestore bills them, counted on the client's calls."""
    from google.cloud.firestore_v1.services.firestore.client import FirestoreClient

    def streamed(name: str, has_doc: str) -> None:
        original = getattr(FirestoreClient, name)

        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            for response in original(self, *args, **kwargs):
                if response._pb.HasField(has_doc):
                    counts["reads"] += 1
                    name = getattr(response, has_doc).name
                    by_collection[name.split("/documents/", 1)[-1].rsplit("/", 2)[-2]] += 1
                yield response

        setattr(FirestoreClient, name, call)

    streamed("run_query", "document")
    streamed("batch_get_documents", "found")

    for name, field in (("commit", "writes"), ("batch_write", "writes")):
        original = getattr(FirestoreClient, name)

        def write(
            self: Any, *args: Any, _original: Any = original, _field: str = field, **kwargs: Any
        ) -> Any:
            request = kwargs.get("request") or (args[0] if args else {})
            items = request.get(_field) if isinstance(request, dict) else getattr(request, _field, [])
            counts["writes"] += len(items or [])
            counts["commits"] += 1
            return _original(self, *args, **kwargs)

        setattr(FirestoreClient, name, write)

    original_get = FirestoreClient.get_document

    def get_document(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["reads"] += 1
        by_collection["(get)"] += 1
        return original_get(self, *args, **kwargs)

    FirestoreClient.get_document = get_document  # type: ignore[method-assign]

    original_aggregate = FirestoreClient.run_aggregation_query

    def aggregate(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["reads"] += 1  # a count of up to 1,000 entries bills one read
        by_collection["(count)"] += 1
        return original_aggregate(self, *args, **kwargs)

    FirestoreClient.run_aggregation_query = aggregate  # type: ignore[method-assign]


def count_downloads() -> None:
    from common.gcp import storage

    original = storage.download

    def download(path: str, *args: Any, **kwargs: Any) -> bytes:
        downloads[path] += 1
        return original(path, *args, **kwargs)

    storage.download = download  # type: ignore[assignment]


def time_inference() -> None:
    from gpu_service.vision import detection, faces

    inference.wrap(faces, "detect")
    inference.wrap(faces, "embed_aligned")  # embed() goes through it
    inference.wrap(detection, "detect")


def seed(images: list[tuple[str, bytes]]) -> str:
    from common.library import assets, manifests, uploads
    from common.library.models import AssetCreate, AssetType, Category, ManifestCreate

    manifest = manifests.create(OWNER, ManifestCreate(name="bench", category=Category.MIXED))
    for order, (name, data) in enumerate(images):
        asset = assets.create(
            OWNER,
            manifest.id,
            AssetCreate(name=Path(name).stem, asset_type=AssetType.CHARACTER, sort_order=order),
        )
        uploads.upload(OWNER, asset.id, name, data)
    return manifest.id


def start_job(manifest_id: str) -> Any:
    from common.ids import new_id
    from common.jobs import lifecycle
    from common.jobs.models import ManifestJob
    from common.library import manifests
    from common.records import utcnow

    now = utcnow()
    job = ManifestJob(id=new_id(), owner_id=OWNER, manifest_id=manifest_id, created_at=now)
    lifecycle.job_ref(job.id).create(job.model_dump(exclude={"id"}))
    lease = {"job_id": job.id, "started_at": now, "lease_expires_at": now + timedelta(minutes=60)}
    manifests.manifest_ref(manifest_id).update(
        {"status": "PROCESSING", "processing": {**lease, "finished_at": None}}
    )
    return job


def warm(photo: bytes) -> None:
    """Every model's first call out of the figures (what the service does before it is ready now)."""
    from gpu_service.vision import detection, faces, imaging, runtime

    runtime.models()
    picture = imaging.decode(photo)
    detection.scan(picture.bgr)
    faces.embed(picture.bgr, faces.detect(picture.bgr))


def measured_run(images: list[tuple[str, bytes]]) -> dict[str, Any]:
    from common.library import assets, manifests
    from gpu_service.run import pipeline

    warm(images[0][1])
    manifest_id = seed(images)
    time_inference()
    count_firestore()
    count_downloads()
    job = start_job(manifest_id)
    started = time.perf_counter()
    pipeline.run_manifest(job)
    wall = time.perf_counter() - started
    made = assets.list_for_manifest(manifest_id)
    manifest = manifests.read_manifest(manifests.manifest_ref(manifest_id).get())
    return {
        "images": len(images),
        "assets": len(made),
        "wall_s": wall,
        "inference_s": inference.seconds,
        "reads": counts["reads"],
        "reads_by_collection": dict(by_collection.most_common()),
        "writes": counts["writes"],
        "commits": counts["commits"],
        "downloads": sum(downloads.values()),
        "downloads_per_upload": _per_upload(made),
        "steps_s": {name: p.seconds for name, p in manifest.progress.items()},
        "status": manifest.status.value,
    }


def _per_upload(made: list[Any]) -> dict[str, int]:
    """How often each uploaded image was downloaded: {times: how many images}."""
    spread: dict[int, int] = defaultdict(int)
    for asset in made:
        if asset.source != "extracted" and asset.image_path:
            spread[downloads[asset.image_path]] += 1
    return {str(k): v for k, v in sorted(spread.items())}


def generated(count: int) -> list[tuple[str, bytes]]:
    """Small distinct pictures (shapes on a gradient): enough for every model to run, fast."""
    from PIL import Image, ImageDraw

    out = []
    for i in range(count):
        image = Image.new("RGB", (320, 240), (i % 256, (i * 7) % 256, (i * 13) % 256))
        draw = ImageDraw.Draw(image)
        draw.ellipse((40 + i % 50, 40, 160 + i % 50, 200), fill=((i * 3) % 256, 90, 200))
        draw.rectangle((200, 60 + i % 40, 300, 180), fill=(30, (i * 5) % 256, 60))
        data = io.BytesIO()
        image.save(data, "JPEG", quality=90)
        out.append((f"generated_{i:04d}.jpg", data.getvalue()))
    return out


def first_detection(photo: bytes) -> dict[str, Any]:
    """The first detection after the models load (what the first user's image pays), then a warm one."""
    from gpu_service.vision import detection, faces, imaging, runtime

    started = time.perf_counter()
    runtime.models()
    loaded = time.perf_counter() - started
    picture = imaging.decode(photo)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        detection.scan(picture.bgr)
        faces.embed(picture.bgr, faces.detect(picture.bgr))
        times.append(time.perf_counter() - started)
    return {"load_s": loaded, "first_s": times[0], "warm_s": min(times[1:])}


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "run":
        result = measured_run([(Path(p).name, Path(p).read_bytes()) for p in args])
    elif mode == "cache":
        result = measured_run(generated(int(args[0])))
    else:
        result = first_detection(Path(args[0]).read_bytes())
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
