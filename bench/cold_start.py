"""Cold start of the api function, the way a fresh instance pays for it.

In production functions-framework builds the app (imports Flask and functions/main.py) before it
listens, and then the instance's first request arrives. main.py loads the settings (and pydantic
with them), the clients every request needs (Firestore, firebase-admin's auth) and the router with
its generated route index; a route's module, with its domain's models, loads on that route's first
request (functions/api/router.py). That moves work from the import to the first request, so the
import alone does not tell the cost.

Printed, side by side and interleaved run for run in fresh processes (in random order each round,
so that a slow moment of the machine hits every variant alike):

1. the import of functions/main.py beside a bare import of the clients every request needs
   (Firestore, Cloud Storage, firebase-admin's auth), and their ratio;
2. a fresh process to its first answer of GET /api/manifests: the runtime builds the function,
   then the request (token check, routing, the models, one Firestore query on the emulator);
   beside it the floor: the same runtime, token check and query in a function of a dozen lines
   holding nothing of the project. Their ratio is what the project adds to a cold instance's
   first answer (target <= 1.2);
3. what the first answer loaded (project modules, pydantic, peak RSS); no ML library may load.

`--beside NAME=DIR` measures another checkout of the project too (a git worktree of another
commit, e.g. `git worktree add --detach /tmp/before HEAD~1`, or of the same code importing every
route at load), in the same rounds: the same figures, and this tree's first answer against its
own, in wall time and in CPU time (which other work on the machine disturbs less).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)

from bench.sizes import size
from devstack.emulators import Stack
from devstack.tokens import emulator_token

ROOT = Path(__file__).resolve().parent.parent
RUNS = size(9, 1)  # per variant; --runs to change
ML_LIBRARIES = ("torch", "ultralytics", "insightface", "onnxruntime", "cv2", "tensorflow")

IMPORT = r"""
import time
t0 = time.perf_counter()
import functions.main
print(time.perf_counter() - t0)
"""

BARE = r"""
import time
t0 = time.perf_counter()
import firebase_admin.auth, google.cloud.firestore, google.cloud.storage
print(time.perf_counter() - t0)
"""

# A fresh process as the runtime runs one: build the app from a source file and target, then serve
# the first GET /api/manifests. argv: source, target, token.
FIRST_ANSWER = r"""
import json, resource, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from functions_framework import create_app
app = create_app(sys.argv[2], sys.argv[1], "http")
t1, c1 = time.perf_counter(), time.process_time()
answer = app.test_client().get("/api/manifests", headers={"Authorization": "Bearer " + sys.argv[3]})
t2, c2 = time.perf_counter(), time.process_time()
assert answer.status_code == 200, (answer.status_code, answer.data[:300])
assert answer.json == [], answer.json
print(json.dumps({
    "build_s": t1 - t0,
    "first_s": t2 - t1,
    "cpu_s": c2 - c0,
    "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "project_modules": sum(m.split(".")[0] in ("common", "functions") for m in sys.modules),
    "pydantic": "pydantic" in sys.modules,
    "ml_modules": sorted(m for m in sys.modules if m.split(".")[0] in ML),
}))
"""

# The floor: what any function answering this request must do, and nothing of the project.
FLOOR_SOURCE = """
import json
import os

import firebase_admin
from firebase_admin import auth
from google.cloud import firestore

PROJECT = os.environ["GOOGLE_CLOUD_PROJECT"]


def api(request):
    if not firebase_admin._apps:
        firebase_admin.initialize_app(options={"projectId": PROJECT})
    uid = auth.verify_id_token(request.headers["Authorization"].removeprefix("Bearer "))["uid"]
    query = (
        firestore.Client(project=PROJECT)
        .collection("manifests")
        .where(filter=firestore.FieldFilter("owner_id", "==", uid))
        .where(filter=firestore.FieldFilter("deleted_at", "==", None))
        .order_by("updated_at", direction="DESCENDING")
        .order_by("__name__", direction="DESCENDING")
        .limit(51)
    )
    return json.dumps([d.to_dict() for d in query.stream()]), 200, {"Content-Type": "application/json"}
"""


def _fresh(code: str, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    run = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=cwd, check=False
    )
    if run.returncode != 0:
        sys.exit(f"a fresh process failed in {cwd}:\n{run.stderr[-2000:]}")
    return run.stdout.strip().splitlines()[-1]


def _rounds(runs: int, names: list[str]) -> list[list[str]]:
    """`runs` rounds of every variant once, each round in a random order."""
    return [random.sample(names, len(names)) for _ in range(runs)]


def imports(trees: dict[str, Path], runs: int) -> None:
    times: dict[str, list[float]] = {name: [] for name in [*trees, "clients"]}
    for order in _rounds(runs, list(times)):
        for name in order:
            code, cwd = (BARE, ROOT) if name == "clients" else (IMPORT, trees[name])
            times[name].append(float(_fresh(code, cwd=cwd)))
    bare = statistics.median(times["clients"])
    print(f"bare import of the clients (firestore, storage, firebase_admin.auth): median {bare:.3f} s")
    for name in trees:
        entry = times[name]
        print(
            f"import of functions/main.py, {name}: median {statistics.median(entry):.3f} s, max "
            f"{max(entry):.3f} s; entry / clients x{statistics.median(entry) / bare:.2f} (of {runs})"
        )


def first_answers(trees: dict[str, Path], runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        floor_source = Path(folder) / "floor.py"
        floor_source.write_text(FLOOR_SOURCE)
        stack = Stack(state_dir=Path(folder) / "stack")
        stack.start()
        try:
            env = {**os.environ, **stack.env()}
            token = emulator_token("cold-start")
            probe = f"ML = {ML_LIBRARIES!r}\n{FIRST_ANSWER}"
            found: dict[str, list[dict]] = {name: [] for name in [*trees, "floor"]}
            for order in _rounds(runs, list(found)):
                for name in order:
                    source, cwd = (
                        (str(floor_source), ROOT) if name == "floor" else ("functions/main.py", trees[name])
                    )
                    found[name].append(json.loads(_fresh(probe, source, "api", token, env=env, cwd=cwd)))
        finally:
            stack.stop()

    def total(name: str) -> float:
        return statistics.median(r["build_s"] + r["first_s"] for r in found[name])

    def part(name: str, key: str) -> float:
        return statistics.median(r[key] for r in found[name])

    def cpu(name: str) -> float:
        return part(name, "cpu_s")

    for name in found:
        print(
            f"{name}: built in {part(name, 'build_s'):.3f} s, first GET /api/manifests "
            f"{part(name, 'first_s'):.3f} s, first answer (spawn-free) {total(name):.3f} s, its CPU time "
            f"{cpu(name):.3f} s; peak RSS "
            f"{part(name, 'rss_mib'):.0f} MiB (median of {runs})"
        )
    ours, *others = trees
    for name in trees:
        first = found[name][0]
        print(
            f"first answer, {name} / floor: x{total(name) / total('floor'):.2f} (target <= 1.2); "
            f"{first['project_modules']} project modules loaded, pydantic: {first['pydantic']}"
        )
    for name in others:
        print(
            f"first answer, {ours} / {name}: x{total(ours) / total(name):.3f} (CPU time "
            f"x{cpu(ours) / cpu(name):.3f}, which another load on the machine disturbs less)"
        )
    ml = sorted({m for name in trees for r in found[name] for m in r["ml_modules"]})
    print(f"ML libraries loaded: {ml or 'none'}")
    if ml:
        sys.exit("functions/ loaded an ML library")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--beside", action="append", default=[], metavar="NAME=DIR", help="another checkout")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--smoke", action="store_true", help="one run per variant (BENCH_SMOKE=1)")
    options = parser.parse_args()
    trees = {"this tree": ROOT}
    for given in options.beside:
        name, _, folder = given.partition("=")
        trees[name] = Path(folder).resolve()
    imports(trees, options.runs)
    first_answers(trees, options.runs)


if __name__ == "__main__":
    main()
