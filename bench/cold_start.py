"""Cold start of the functions: importing the entry module in a fresh interpreter.

Prints the median and worst import time over several fresh processes, the peak RSS, what the
first request additionally loads (the storage and auth clients are loaded on first use), and
fails if any ML library is imported. Target: import < 0.6 s.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

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


def main() -> None:
    runs = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", f"ML = {ML_LIBRARIES!r}\n{PROBE}"],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    imports = sorted(r["import_s"] for r in runs)
    print(
        f"functions entry import: median {statistics.median(imports):.3f} s, max {imports[-1]:.3f} s "
        f"over {RUNS} fresh interpreters (target < 0.6 s)"
    )
    print(f"peak RSS after import: {statistics.median(r['rss_import_mib'] for r in runs):.0f} MiB")
    print(
        f"first request also loads storage+auth clients: "
        f"+{statistics.median(r['first_use_extra_s'] for r in runs):.3f} s, "
        f"peak RSS {statistics.median(r['rss_after_first_use_mib'] for r in runs):.0f} MiB"
    )
    ml = sorted({m for r in runs for m in r["ml_modules"]})
    print(f"ML libraries imported: {ml or 'none'}")
    if ml:
        sys.exit("functions/ imported an ML library")


if __name__ == "__main__":
    main()
