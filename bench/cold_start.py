"""Cold start of the api function, the way a fresh instance pays for it.

In production functions-framework builds the app (imports Flask and functions/main.py) before it
listens, and then the instance's first request arrives. main.py loads the clients every request
needs (Firestore, firebase-admin's auth) and the router with its generated route index; a route's
module, with its domain's models and pydantic, loads on that route's first request
(functions/api/router.py). That moves work from the import to the first request rather than
removing it, so the import alone does not tell the cost. Printed, side by side and interleaved run
for run in fresh processes:

1. the import of functions/main.py beside a bare import of the clients every request needs
   (Firestore, Cloud Storage, firebase-admin's auth), and their ratio (target <= 1.2);
2. a fresh process to its first answer of GET /api/manifests: the runtime builds the function,
   then the request (token check, routing, the models, one Firestore query on the emulator);
   beside it the floor: the same runtime, token check and query in a function of a dozen lines
   holding nothing of the project. Their ratio is what the project adds to a cold instance's
   first answer (target <= 1.2);
3. what the first answer loaded (project modules, pydantic, peak RSS); no ML library may load.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from devstack.emulators import Stack
from devstack.tokens import emulator_token

RUNS = 9
ROOT = Path(__file__).resolve().parent.parent
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
t0 = time.perf_counter()
from functions_framework import create_app
app = create_app(sys.argv[2], sys.argv[1], "http")
t1 = time.perf_counter()
answer = app.test_client().get("/api/manifests", headers={"Authorization": "Bearer " + sys.argv[3]})
t2 = time.perf_counter()
assert answer.status_code == 200, (answer.status_code, answer.data[:300])
assert answer.json == [], answer.json
print(json.dumps({
    "build_s": t1 - t0,
    "first_s": t2 - t1,
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


def _fresh(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    run = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if run.returncode != 0:
        sys.exit(f"a fresh process failed:\n{run.stderr[-2000:]}")
    return run.stdout.strip().splitlines()[-1]


def imports() -> None:
    entry, bare = [], []
    for _ in range(RUNS):
        entry.append(float(_fresh(IMPORT)))
        bare.append(float(_fresh(BARE)))
    ratio = statistics.median(entry) / statistics.median(bare)
    print(
        f"import of functions/main.py: median {statistics.median(entry):.3f} s, max {max(entry):.3f} s; "
        f"bare import of the clients (firestore, storage, firebase_admin.auth): median "
        f"{statistics.median(bare):.3f} s; entry / clients x{ratio:.2f} (target <= 1.2; pydantic and "
        f"the models come with the first request, below)"
    )


def first_answers() -> None:
    with tempfile.TemporaryDirectory() as folder:
        floor_source = Path(folder) / "floor.py"
        floor_source.write_text(FLOOR_SOURCE)
        stack = Stack(state_dir=Path(folder) / "stack")
        stack.start()
        try:
            env = {**os.environ, **stack.env()}
            token = emulator_token("cold-start")
            ours, floor = [], []
            probe = f"ML = {ML_LIBRARIES!r}\n{FIRST_ANSWER}"
            for _ in range(RUNS):  # interleaved, so that a slow moment of the machine hits both
                ours.append(json.loads(_fresh(probe, "functions/main.py", "api", token, env=env)))
                floor.append(json.loads(_fresh(probe, str(floor_source), "api", token, env=env)))
        finally:
            stack.stop()

    def total(runs: list[dict]) -> float:
        return statistics.median(r["build_s"] + r["first_s"] for r in runs)

    def part(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    for name, runs in (("the api function", ours), ("the floor function", floor)):
        print(
            f"{name}: built in {part(runs, 'build_s'):.3f} s, first GET /api/manifests "
            f"{part(runs, 'first_s'):.3f} s, spawn-free total {total(runs):.3f} s; peak RSS "
            f"{part(runs, 'rss_mib'):.0f} MiB (median of {RUNS})"
        )
    print(
        f"first answer, api / floor: x{total(ours) / total(floor):.2f} (target <= 1.2); the api "
        f"loaded {ours[0]['project_modules']} project modules, pydantic: {ours[0]['pydantic']}"
    )
    ml = sorted({m for r in ours for m in r["ml_modules"]})
    print(f"ML libraries loaded: {ml or 'none'}")
    if ml:
        sys.exit("functions/ loaded an ML library")


def main() -> None:
    imports()
    first_answers()


if __name__ == "__main__":
    main()
