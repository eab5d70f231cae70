"""The manifesting engine on this machine's CPU: 20 real photos through a whole run.

Prints images/s end to end, wall time per step, the overhead ratio (end-to-end wall time / time
inside model inference; target <= 1.25), batched vs one-by-one face embedding throughput, model
load time in a fresh process (the GPU service's cold start), and peak RSS. The run uses the local
emulators and the offline describer (no paid API), exactly as the local stack does.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from devstack.emulators import Stack
from devstack.testdata import benchmark_photos

OWNER = "bench-owner"
inference_s = 0.0
step_s: dict[str, float] = defaultdict(float)


def timed(module: object, name: str, bucket: dict[str, float] | None = None) -> None:
    """Wrap module.name so its wall time is added to the inference total (or to a step)."""
    original = getattr(module, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        global inference_s  # noqa: PLW0603 - a benchmark's own counter
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - started
            if bucket is None:
                inference_s += elapsed
            else:
                bucket[name] += elapsed

    setattr(module, name, wrapper)


def cold_start() -> tuple[float, float]:
    code = (
        "import time; t = time.perf_counter(); from gpu_service.vision.runtime import models; m = models(); "
        "print(time.perf_counter() - t, m.load_seconds)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    total, weights = out.stdout.split()[-2:]  # libraries may print before it
    return float(total), float(weights)


def seed(photos: list[Path]) -> str:
    from common.library import assets, manifests, uploads
    from common.library.models import AssetCreate, AssetType, Category, ManifestCreate

    manifest = manifests.create(OWNER, ManifestCreate(name="bench", category=Category.MIXED))
    for order, path in enumerate(photos):
        asset = assets.create(
            OWNER, manifest.id, AssetCreate(name=path.stem, asset_type=AssetType.CHARACTER, sort_order=order)
        )
        uploads.upload(OWNER, asset.id, path.name, path.read_bytes())
    return manifest.id


def start_job(manifest_id: str) -> object:
    from common.ids import new_id
    from common.jobs import lifecycle
    from common.jobs.models import ManifestJob
    from common.library import manifests
    from common.records import utcnow

    now = utcnow()
    job = ManifestJob(id=new_id(), owner_id=OWNER, manifest_id=manifest_id, created_at=now)
    lifecycle.job_ref(job.id).create(job.model_dump(exclude={"id"}))
    lease = {
        "job_id": job.id,
        "started_at": now,
        "lease_expires_at": now + timedelta(minutes=30),
        "finished_at": None,
    }
    manifests.manifest_ref(manifest_id).update({"status": "PROCESSING", "processing": lease})
    return job


def embedding_throughput() -> tuple[int, float, float]:
    import numpy as np
    from PIL import Image

    from gpu_service.vision import faces

    path = next(p for p in benchmark_photos() if p.name == "solvay_conference_1927.jpg")
    image = np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1])
    found = faces.detect(image)
    rates = []
    for embed in (faces.embed, faces.embed_one_by_one):
        embed(image, found)  # warm
        started = time.perf_counter()
        for _ in range(3):
            embed(image, found)
        rates.append(3 * len(found) / (time.perf_counter() - started))
    return len(found), rates[0], rates[1]


def main() -> None:
    photos = benchmark_photos()
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            os.environ.update(stack.env())
            cold_total, cold_weights = cold_start()
            from gpu_service.run import pipeline
            from gpu_service.vision import detection, faces, runtime

            runtime.models()
            manifest_id = seed(photos)
            warm = benchmark_photos()[0]  # first inference allocates; keep it out of the run's figures
            from gpu_service.vision.imaging import decode

            picture = decode(warm.read_bytes())
            detection.detect(picture.bgr)
            faces.embed(picture.bgr, faces.detect(picture.bgr))

            for name in ("detect", "embed_aligned"):  # embed() goes through embed_aligned()
                timed(faces, name)
            timed(detection, "detect")
            for step in ("detect_step", "faces_step", "describe_step", "tags_step", "contact_sheet_step"):
                timed(pipeline, step, step_s)
            job = start_job(manifest_id)
            started = time.perf_counter()
            pipeline.run_manifest(job)
            wall = time.perf_counter() - started
            from common.library import assets

            made = assets.list_for_manifest(manifest_id)
            n_faces, batched, single = embedding_throughput()
        finally:
            stack.stop()

    print(
        f"engine run on {len(photos)} photos (CPU, {os.cpu_count()} cores), {len(made)} assets after the run"
    )
    print(f"  end to end            {wall:7.2f} s   {len(photos) / wall:5.2f} images/s")
    for step, seconds in step_s.items():
        print(f"  {step:<21} {seconds * 1000:7.0f} ms")
    print(f"  model inference       {inference_s:7.2f} s")
    print(f"  overhead ratio        {wall / inference_s:7.2f}   (target <= 1.25)")
    print(
        f"face embeddings, {n_faces} faces of one photo: batched {batched:.0f}/s, "
        f"one by one {single:.0f}/s (x{batched / single:.2f})"
    )
    print(
        f"cold start in a fresh process: {cold_total:.2f} s "
        f"(imports + weights; weights alone {cold_weights:.2f} s)"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
