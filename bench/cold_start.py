"""Cold start of the functions: importing the entry module in a fresh interpreter.

Prints the median and worst import time over several fresh processes, the peak RSS, what the
first request additionally loads (the storage and auth clients are loaded on first use), and
fails if any ML library is imported. Target: import < 0.6 s.

Side by side, interleaved run for run: a bare import of the clients every request needs
(Firestore, Cloud Storage, firebase-admin's auth), and the ratio of the entry import to it (target
<= 1.2: what the project adds on top of its clients). Then the first `GET /manifests` of a fresh
process through the real app (function built, request dispatched, the Firestore query on the
emulator), so that a cost moved from import to the first request shows.
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

RUNS = 7
ML_LIBRARIES = ("torch", "ultralytics", "insightface", "onnxruntime", "cv2", "tensorflow")

PROBE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import functions.main
t1 = time.perf_counter()
rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import firebase_admin.auth, google.cloud.storage, google.auth.transport.requests
t2 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0,
    "first_use_extra_s": t2 - t1,
    "rss_import_mib": rss_import / 1024,
    "rss_after_first_use_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "ml_modules": sorted(m for m in sys.modules if m.split(".")[0] in ML),
}))
"""


FIRST_LIST = r"""
import sys, time
t0 = time.perf_counter()
from functions_framework import create_app
app = create_app("api", "functions/main.py", "http")  # what the runtime does before the first request
t1 = time.perf_counter()
answer = app.test_client().get("/api/manifests", headers={"Authorization": "Bearer " + sys.argv[1]})
t2 = time.perf_counter()
assert answer.status_code == 200, answer.status_code
print(t1 - t0, t2 - t1)
"""

BARE = r"""
import time
t0 = time.perf_counter()
import firebase_admin.auth, google.cloud.firestore, google.cloud.storage
print(time.perf_counter() - t0)
"""


def _fresh(code: str) -> str:
    return (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )


def main() -> None:
    runs, bare = [], []
    for _ in range(RUNS):
        runs.append(json.loads(_fresh(f"ML = {ML_LIBRARIES!r}\n{PROBE}")))
        bare.append(float(_fresh(BARE)))
    imports = sorted(r["import_s"] for r in runs)
    print(
        f"functions entry import: median {statistics.median(imports):.3f} s, max {imports[-1]:.3f} s "
        f"over {RUNS} fresh interpreters (target < 0.6 s)"
    )
    clients = statistics.median(bare)
    print(
        f"bare import of the clients (firestore, storage, firebase_admin.auth): median {clients:.3f} s; "
        f"entry / clients x{statistics.median(imports) / clients:.2f} (target <= 1.2)"
    )
    print(f"peak RSS after import: {statistics.median(r['rss_import_mib'] for r in runs):.0f} MiB")
    print(
        f"first request also loads storage+auth clients: "
        f"+{statistics.median(r['first_use_extra_s'] for r in runs):.3f} s, "
        f"peak RSS {statistics.median(r['rss_after_first_use_mib'] for r in runs):.0f} MiB"
    )
    first_list()
    ml = sorted({m for r in runs for m in r["ml_modules"]})
    print(f"ML libraries imported: {ml or 'none'}")
    if ml:
        sys.exit("functions/ imported an ML library")


def first_list() -> None:
    """A fresh process: the function built as the runtime builds it, then its first GET /manifests
    (auth, routing, the model schemas built on first use, one Firestore query on the emulator)."""
    with tempfile.TemporaryDirectory() as folder:
        stack = Stack(state_dir=Path(folder))
        stack.start()
        try:
            env = {**os.environ, **stack.env()}
            token = emulator_token("cold-start")
            timings = []
            for _ in range(RUNS):
                out = subprocess.run(
                    [sys.executable, "-c", FIRST_LIST, token],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                )
                timings.append(tuple(map(float, out.stdout.split())))
        finally:
            stack.stop()
    build = statistics.median(b for b, _ in timings)
    first = statistics.median(f for _, f in timings)
    print(
        f"fresh process: function built in {build:.3f} s, "
        f"then its first GET /manifests {first:.3f} s (median of {RUNS})"
    )


if __name__ == "__main__":
    main()
