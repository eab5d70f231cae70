"""Films on the local stack, from a prompt to the stitched MP4 (docs/pipeline.md): wall time per
phase, scenes side by side, and every step delivered twice.

    .venv/bin/python bench/pipeline.py [--smoke]     (about four minutes on 2 cores; smoke: seconds)

The emulators and the product's own calls: a film is started as POST /api/generate starts it
(common/checkpoints/film.generate), with `auto_continue`, and every task the product queues (the
storyboard, each phase, its scenes, the fan-ins, the cut) goes through this bench's intake, a local
HTTP endpoint standing in for the GPU service's URL, and Cloud Tasks is played from there
(bench/tasks.py: W workers calling the GPU service's own `delivery.handle`; the emulator delivers
one task at a time per queue, so it could not show scenes side by side).

1. Offline: the offline storyboarder and generators (no credentials), a 3-scene and a 12-scene
   film on 2 workers (this machine's cores): seconds per phase, from its jobs' documents.
2. Production latencies, simulated on loopback and labelled so: the real google-genai client
   against the local stand-in, which answers a storyboard in 3 s, an image in 8 s and finishes a
   Veo clip 60 s after it starts; 12 workers (gpu_max_instances x gpu_concurrency's order). A
   1-scene film and a 12-scene film: the goal is T12 <= 1.5 x T1 (the scenes run side by side).
3. Delivered twice: the 12-scene film again with every task queued twice at once; counted: the
   image and Veo calls the stand-in answered (goal: one per scene) and the versions written (one
   per artifact), and what the run spent against a run delivered once.
4. Continuity: a manifest of the package photos (Obama, Biden) processed by the real models, then
   4 films of 3 scenes naming both, with auto_repair off and on; counted: the scenes that expect
   someone whose clip in the cut continuity confirms (goal >= 95 %). The stand-in draws each pack's
   people into its images and clips, so this measures the run's checks and repairs end to end, not
   a model's fidelity.

Last line: `pipeline: 3 scenes A s, 12 scenes B s offline; simulated T1 C s, T12 D s (x E);
delivered twice: F image and G Veo calls for N scenes, versions H, spent I vs J; continuity
confirmed K/L (auto_repair off), M/N (on)`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]), str(ROOT))

import functools  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

from bench import engine_run  # noqa: E402
from bench.sizes import size  # noqa: E402
from bench.tasks import Tasks  # noqa: E402
from devstack.emulators import Stack  # noqa: E402

OWNER = engine_run.OWNER  # its seeded manifests are this owner's
SMALL, LARGE = size((3, 12), (1, 2))  # part 1's films, in scenes
SCENES = size(12, 3)  # parts 2 and 3
LATENCY = size(
    {"storyboard": 3.0, "image": 8.0, "video": 60.0}, {"storyboard": 0.2, "image": 0.5, "video": 2.0}
)
WORKERS = size(12, 4)
PEOPLE = [("Obama", "obama.jpg"), ("Biden", "biden.jpg"), ("Obama", "obama2.jpg")]
PROMPTS = [
    "@Obama waits at the harbour. @Biden arrives by boat. They shake hands.",
    "@Biden reads a letter by the window. @Obama walks in.",
    "@Obama gives a speech. @Biden listens from the front row.",
    "@Biden and @Obama walk through a park in autumn.",
]
FILMS, CAST_SCENES = size((4, 3), (1, 2))  # part 4
# No delivery did anything for this long, and the run has not ended: say where it stands (longer
# than a simulated Veo call, which one delivery waits out).
STALLED_S = 60 + 2 * LATENCY["video"]
SECONDS_PER_SCENE = 8  # a film of N scenes asks for 8N s: scenes of Veo's longest clip


def stalled(project_id: str) -> list[dict[str, Any]]:
    """The run's jobs as they are, to say where a run that stopped moving stands."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    from common.gcp import db

    found = db.jobs().where(filter=FieldFilter("project_id", "==", project_id)).stream()
    keep = ("kind", "status", "error", "shards", "shards_done", "delivery_id", "index", "phase")
    return [{"id": s.id[:8], **{k: v for k, v in (s.to_dict() or {}).items() if k in keep}} for s in found]


def film(scenes: int, workers: int) -> tuple[str, float]:
    """A film of `scenes` scenes from its request to its cut: (project id, wall seconds)."""
    from common.checkpoints import film as films
    from common.projects import projects
    from common.projects.models import TERMINAL_STATUSES, GenerateRequest

    request = GenerateRequest(
        prompt="A lighthouse keeper's day. Dawn over the sea. A storm. Night falls.",
        auto_continue=True,
        target_duration_s=scenes * SECONDS_PER_SCENE,
        budget=1000.0,
    )
    started = time.perf_counter()
    project = films.generate(OWNER, request)
    answers = TASKS.work(
        workers,
        lambda: projects.get(project.id).status in TERMINAL_STATUSES,
        stalled_s=STALLED_S,
        where=lambda: stalled(project.id),
    )
    wall = time.perf_counter() - started
    ended = projects.get(project.id)
    assert ended.status.value == "complete", (ended.status, ended.error, dict(answers))
    return project.id, wall


def phase_seconds(project_id: str) -> dict[str, float]:
    """Each phase's seconds, from its job's first delivery to its end."""
    from common.jobs import lifecycle
    from common.projects.film import PhaseJob, StitchJob
    from common.projects.storyboard import StoryboardJob

    ids = {
        "storyboard": StoryboardJob.id_for(project_id, "main"),
        "keyframes": PhaseJob.id_for(project_id, "main", 2),
        "clips": PhaseJob.id_for(project_id, "main", 3),
        "cut": StitchJob.id_for(project_id, "main"),
    }
    out = {}
    for name, job_id in ids.items():
        doc = lifecycle.read_doc(job_id) or {}
        out[name] = (doc["finished_at"] - doc["started_at"]).total_seconds()
    return out


def versions(project_id: str) -> Counter[int]:
    from common.checkpoints import checkpoints

    counted: Counter[int] = Counter()
    for checkpoint in checkpoints.list_for_project(OWNER, project_id, None):
        for artifact in checkpoints.artifacts_of(checkpoint.id):
            counted[artifact.version] += 1
    return counted


def configure(gemini_url: str | None) -> None:
    """The generators as the GPU service makes them: Google's through the stand-in, or offline."""
    from gpu_service.config import worker_settings
    from gpu_service.describe import gemini
    from gpu_service.generate import generators

    if gemini_url is None:
        os.environ.pop("GEMINI_API_KEY", None)
    else:
        os.environ.update({"GEMINI_API_KEY": "local-bench-key", "GEMINI_BASE_URL": gemini_url})
    for cached in (worker_settings, generators.generator):
        cached.cache_clear()
    gemini.reset()


def ended(project_id: str) -> bool:
    from common.projects import projects
    from common.projects.models import TERMINAL_STATUSES

    return projects.get(project_id).status in TERMINAL_STATUSES


def cast_manifest() -> str:
    """The package photos of two people, processed by the real models (part 4's cast)."""
    from bench.engine_run import seed
    from common.ids import new_id
    from common.jobs import lifecycle
    from common.jobs.models import ManifestJob
    from common.library import manifests
    from common.records import utcnow
    from devstack.testdata import photos_dir

    photos = photos_dir()
    manifest_id = seed([(f"{name}.jpg", (photos / file).read_bytes()) for name, file in PEOPLE])
    job = ManifestJob(id=new_id(), owner_id=OWNER, manifest_id=manifest_id, created_at=utcnow())
    lifecycle.start_run(job)
    ref = manifests.manifest_ref(manifest_id)
    TASKS.work(2, lambda: (ref.get().to_dict() or {}).get("status") != "PROCESSING")
    return manifest_id


def confirmed(manifest_id: str, auto_repair: bool) -> tuple[int, int]:
    """Part 4: films of the cast; (scenes whose expected characters continuity confirms in the
    clip the cut used, scenes that expect someone)."""
    from common.checkpoints import checkpoints
    from common.checkpoints import film as films
    from common.checkpoints.report import HOLDS
    from common.jobs import lifecycle
    from common.projects import projects
    from common.projects.film import StitchJob
    from common.projects.models import GenerateRequest, ProjectUpdate

    held = expected = 0
    for prompt in PROMPTS[:FILMS]:
        request = GenerateRequest(
            prompt=prompt,
            manifest_id=manifest_id,
            auto_continue=True,
            target_duration_s=CAST_SCENES * SECONDS_PER_SCENE,
            budget=1000.0,
        )
        project_id = films.generate(OWNER, request).id
        projects.update(OWNER, project_id, ProjectUpdate(auto_repair=auto_repair, repair_budget=100.0))
        TASKS.work(WORKERS, functools.partial(ended, project_id), stalled_s=STALLED_S)
        cut = lifecycle.read_doc(StitchJob.id_for(project_id, "main")) or {}
        for clip in checkpoints.artifacts_of(str(cut.get("checkpoint_id", ""))):
            report = clip.continuity
            if report is None or not any(c.expected for c in report.characters):
                continue
            expected += 1
            held += report.status in HOLDS
    return held, expected


def plural(scenes: int) -> str:
    return f"{scenes} scene{'s' if scenes > 1 else ''}"


def timed(label: str, scenes: int, workers: int) -> tuple[str, float]:
    project_id, wall = film(scenes, workers)
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in phase_seconds(project_id).items())
    print(f"{label}, {plural(scenes)} on {workers} workers: {wall:.1f} s ({phases})")
    return project_id, wall


def twice(gemini: Any) -> tuple[Counter[str], Counter[int], float]:
    """Part 3: the calls the stand-in answered, the versions written and what the run spent."""
    from common.projects import projects

    gemini.reset()
    TASKS.copies = 2
    project_id, _ = film(SCENES, WORKERS)
    TASKS.copies = 1
    kinds = Counter(
        "image" if "Draw the first frame" in json.dumps(body) else method for method, body in gemini.requests
    )
    return kinds, versions(project_id), projects.get(project_id).spent


def main() -> None:
    global TASKS  # noqa: PLW0603 - one intake for the bench's films
    from common.projects import projects
    from tests.support.gemini_standin import GeminiStandIn

    gemini = GeminiStandIn(latency_s=0.0, simulated=LATENCY)
    gemini.start()
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            TASKS = Tasks()
            os.environ.update({**stack.env(), "WORKER_URL": TASKS.url, "VIDEO_POLL_S": "0.5"})
            configure(None)
            offline = {n: timed("offline", n, 2)[1] for n in (SMALL, LARGE)}
            configure(gemini.url)
            latencies = ", ".join(f"{k} {v:g} s" for k, v in LATENCY.items())
            label = f"simulated on loopback ({latencies})"
            one_id, one = timed(label, 1, WORKERS)
            many = timed(label, SCENES, WORKERS)[1]
            once = projects.get(one_id).spent * SCENES  # the spend of one scene's film, SCENES times
            kinds, made, spent = twice(gemini)
            gemini.simulated = {}  # part 4 measures the checks, not the waits
            cast = cast_manifest()
            share = {on: confirmed(cast, on) for on in (False, True)}
            for on, (held, expected) in share.items():
                print(
                    f"continuity confirms the expected characters in {held}/{expected} scenes' clips "
                    f"with auto_repair {'on' if on else 'off'} ({FILMS} films of {CAST_SCENES} scenes, "
                    "the stand-in's images and clips, the real face models)"
                )
            print(
                f"delivered twice: {plural(SCENES)}, {kinds['image']} image calls, "
                f"{kinds['predictLongRunning']} Veo calls, versions {dict(made)}, spent ${spent:.4f}"
            )
            print(
                f"pipeline: {SMALL} scenes {offline[SMALL]:.1f} s, {LARGE} scenes {offline[LARGE]:.1f} s "
                f"offline; simulated T1 {one:.1f} s, T{SCENES} {many:.1f} s (x{many / one:.2f}); "
                f"delivered twice: {kinds['image']} image and {kinds['predictLongRunning']} Veo calls "
                f"for {SCENES} scenes, versions {dict(made)}, spent ${spent:.2f} (about ${once:.2f} once); "
                f"continuity confirmed {share[False][0]}/{share[False][1]} (auto_repair off), "
                f"{share[True][0]}/{share[True][1]} (on)"
            )
        finally:
            stack.stop()
            gemini.stop()


TASKS: Tasks

if __name__ == "__main__":
    main()
