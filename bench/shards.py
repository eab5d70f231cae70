"""Shards on the local stack: every image inferred and described once though deliveries die
mid-shard, then how much faster a big run goes on 2 and 4 workers than on 1.

    .venv/bin/python bench/shards.py [--smoke]     (about two minutes on 2 cores)

The emulators, the product's own calls: a run is started as POST /process starts it
(lifecycle.start_run), and every task the product queues (the run, its shards, the fan-in) goes
through the Cloud Tasks emulator to this bench's intake, a local HTTP endpoint standing in for the
GPU service's URL, and Cloud Tasks is played from there (bench/tasks.py: a dispatcher hands each
task to the next free worker, a thread calling the GPU service's own `delivery.handle`; a task
whose delivery failed or answered busy goes back to the queue after a pause). The emulator itself
delivers one task at a time per queue, so it could not show shards side by side.

1. Deliveries killed. N generated images (bench/engine_run.py's) in shards of S, the real models,
   Gemini the local stand-in through the real google-genai client (so descriptions are claimed as
   paid ones are), one worker. The first delivery of every shard dies after storing half its images
   (an exception raised where the image pass checks its lease before an image, once what the
   delivery inferred is stored: a process killed there, with no image in flight); its lease lapses
   (PROCESSING_LEASE_S=3) and the shard's next delivery goes on. Counted: inferences per image
   (calls of the image pass's per-image inference) and descriptions per asset (calls of the
   describer per asset).
2. Speed, simulated: the same run shape with M images in shards of S2, each image's inference a
   fixed sleep of SIM_S seconds (simulated GPU time: no model runs, nothing is found) on 1, 2 and 4
   workers; wall time from the start to READY, and the speed-ups x2 = T1 / T2, x4 = T1 / T4. The
   Firestore writes are the emulator's, on loopback.

Last line: `shards: inferred once N/N, described once M/M, x2 A, x4 B` (goal: N/N and M/M whole,
A >= 1.8, B >= 3.2).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]), str(ROOT))

import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from bench.sizes import size  # noqa: E402
from bench.tasks import Killed, Tasks  # noqa: E402
from devstack.emulators import Stack  # noqa: E402

IMAGES, SHARD = size((24, 6), (4, 2))  # part 1: images, shard size
SIM_IMAGES, SIM_SHARD, SIM_S = size((64, 8, 0.5), (8, 2, 0.2))  # part 2
LEASE_S = 3
ATTEMPTS = 5  # the queue's (infra/main.tf): the last one records the error and ends the run


def processing_ended(manifest_id: str) -> bool:
    from common.library import manifests

    return (manifests.manifest_ref(manifest_id).get().to_dict() or {}).get("status") != "PROCESSING"


def seeded(count: int) -> str:
    from bench.engine_run import generated, seed

    return seed(generated(count))


def start(manifest_id: str) -> str:
    from bench.engine_run import OWNER
    from common.ids import new_id
    from common.jobs import lifecycle
    from common.jobs.models import ManifestJob
    from common.records import utcnow

    job = ManifestJob(id=new_id(), owner_id=OWNER, manifest_id=manifest_id, created_at=utcnow())
    return lifecycle.start_run(job).id


def wrap(module: Any, name: str, around: Callable[..., Any]) -> None:
    original = getattr(module, name)
    setattr(module, name, lambda *a, **k: around(original, *a, **k))


def killed_runs() -> tuple[int, int, int, int, Counter[str]]:
    """Part 1: (images inferred once, images, assets described once, assets described, answers)."""
    from common.library import assets
    from gpu_service.jobs import progress
    from gpu_service.run import describe_step, images_step
    from gpu_service.store import registry

    inferred: Counter[str] = Counter()
    described: Counter[str] = Counter()
    stored: Counter[str] = Counter()  # per delivery
    began: Counter[str] = Counter()
    died: set[str] = set()  # shards whose first delivery died

    runner: dict[str, int] = {}  # the thread each delivery's image pass runs on

    def one_image(original: Any, run: Any, source: Any, *args: Any) -> Any:
        inferred[source.id] += 1
        began[run.progress.delivery_id] += 1
        runner[run.progress.delivery_id] = threading.get_ident()
        return original(run, source, *args)

    def store(original: Any, fence: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(fence, *args, **kwargs)
        stored[fence.delivery_id] += 1
        return result

    def check(original: Any, self: Any) -> None:
        """Before an image, on the pass's own thread: the first delivery of a shard that has
        inferred half its images dies, once what it inferred is stored."""
        shard, mine = self.shard, self.delivery_id
        half = (len(shard.sources) + 1) // 2
        if shard.id not in died and runner.get(mine) == threading.get_ident() and began[mine] >= half:
            deadline = time.monotonic() + 30
            while stored[mine] < began[mine] and time.monotonic() < deadline:
                time.sleep(0.01)
            died.add(shard.id)
            raise Killed(f"shard {shard.index + 1}'s first delivery dies")
        original(self)

    def describe(original: Any, run: Any, source: Any, members: list[Any], *args: Any) -> Any:
        described.update(a.id for a in members)
        return original(run, source, members, *args)

    wrap(images_step, "_one_image", one_image)
    wrap(registry, "store_image", store)
    original_check = progress.ShardProgress.check
    progress.ShardProgress.check = lambda self: check(original_check, self)  # type: ignore[method-assign]
    wrap(describe_step, "_describe", describe)

    manifest_id = seeded(IMAGES)
    start(manifest_id)
    answers = TASKS.work(1, lambda: processing_ended(manifest_id), attempts=ATTEMPTS)
    made = assets.list_for_manifest(manifest_id)
    uploads = [a for a in made if a.source != "extracted"]
    assert all(a.reverse_prompt for a in made), "an asset was left undescribed"
    assert len(died) == -(-IMAGES // SHARD), died
    once = sum(1 for a in uploads if inferred[a.id] == 1)
    described_once = sum(1 for a in made if described[a.id] == 1)
    return once, len(uploads), described_once, len(made), answers


def simulated(workers: int) -> float:
    """Part 2: seconds from the start of a run of SIM_IMAGES to READY on `workers` workers."""
    from common.library import manifests

    manifest_id = seeded(SIM_IMAGES)
    started = time.perf_counter()
    start(manifest_id)
    TASKS.work(workers, lambda: processing_ended(manifest_id), attempts=ATTEMPTS)
    wall = time.perf_counter() - started
    status = manifests.read_manifest(manifests.manifest_ref(manifest_id).get()).status
    assert status.value == "READY", status
    return wall


def simulate_inference() -> None:
    """Each image's inference becomes SIM_S seconds of waiting (simulated GPU time), finding nothing."""
    from gpu_service.vision import detection, faces, seen

    def scan(_image: Any) -> detection.Scan:
        time.sleep(SIM_S)
        return detection.Scan([], None)

    detection.scan = scan  # type: ignore[assignment]
    faces.detect = lambda _image: []  # type: ignore[assignment]
    seen.faces_of = lambda images, _found=None: [[] for _ in images]  # type: ignore[assignment]


def main() -> None:
    global TASKS  # noqa: PLW0603 - one intake for the bench's runs
    from tests.support.gemini_standin import GeminiStandIn

    gemini = GeminiStandIn(latency_s=0.05)
    gemini.start()
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            TASKS = Tasks()
            os.environ.update(
                {
                    **stack.env(),
                    "WORKER_URL": TASKS.url,
                    "PROCESSING_LEASE_S": str(LEASE_S),
                    "DESCRIBE_CLAIM_S": "2",
                    "SHARD_SIZE": str(SHARD),
                    "GEMINI_API_KEY": "local-bench-key",
                    "GEMINI_BASE_URL": gemini.url,
                    "GEMINI_RETRY_INITIAL_DELAY_S": "0.05",
                }
            )
            from gpu_service.config import worker_settings
            from gpu_service.vision import runtime

            runtime.models()
            once, images, described_once, assets, answers = killed_runs()
            print(
                f"deliveries killed: {images} images in shards of {SHARD}, each shard's first delivery "
                f"killed after half its images: inferred once {once}/{images}, "
                f"described once {described_once}/{assets}; deliveries: {dict(answers)}"
            )
            simulate_inference()
            os.environ["SHARD_SIZE"] = str(SIM_SHARD)
            worker_settings.cache_clear()
            walls = {n: simulated(n) for n in (1, 2, 4)}
            for n, wall in walls.items():
                print(
                    f"simulated GPU time ({SIM_S:g} s an image): {SIM_IMAGES} images in shards of "
                    f"{SIM_SHARD} on {n} worker{'s' if n > 1 else ''}: {wall:.1f} s"
                )
            x2, x4 = walls[1] / walls[2], walls[1] / walls[4]
            print(
                f"shards: inferred once {once}/{images}, described once {described_once}/{assets}, "
                f"x2 {x2:.2f}, x4 {x4:.2f}"
            )
        finally:
            stack.stop()
            gemini.stop()


TASKS: Tasks

if __name__ == "__main__":
    main()
