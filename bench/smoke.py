"""Every bench at its smallest size (`make bench-smoke`, and `make test` after pytest).

Runs each bench in bench/ (every module here but the helpers below) as `python bench/x.py` with
BENCH_SMOKE=1 (bench/sizes.py): its real path on the fewest images and iterations that still print
its figures. Prints each bench's wall time and its last lines, then a table; exits non-zero if any
bench failed or ran past its limit. A bench added to bench/ runs here without being named.

    .venv/bin/python bench/smoke.py [NAME ...]      (only these benches)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELPERS = {
    "__init__",
    "smoke",
    "sizes",
    "timing",
    "latency",
    "engine_run",
    "io_counts",
    "repair_cases",
    "repair_io",
    "tasks",
}
LIMIT_S = 600  # one bench (a hang); the whole takes under 5 minutes on a quiet 2-core machine
TAIL = 6  # lines of each bench's output shown


def benches() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in HELPERS)


def run(name: str) -> tuple[bool, float, str]:
    started = time.perf_counter()
    env = {**os.environ, "BENCH_SMOKE": "1"}
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / f"{name}.py")],
            cwd=HERE.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=LIMIT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as late:
        out = (late.stdout or b"").decode(errors="replace") if isinstance(late.stdout, bytes) else late.stdout
        return False, time.perf_counter() - started, f"{out or ''}\nran past {LIMIT_S} s"
    took = time.perf_counter() - started
    if done.returncode != 0:
        return False, took, f"{done.stdout}\n{done.stderr[-4000:]}\nexit status {done.returncode}"
    return True, took, done.stdout


def _figure(line: str) -> bool:
    """A line of the bench's own (not a JSON log record, a server's access log or a blank)."""
    return bool(line.strip()) and not line.startswith("{") and '" 200 -' not in line


def main() -> None:
    names = sys.argv[1:] or benches()
    unknown = sorted(set(names) - set(benches()))
    if unknown:
        sys.exit(f"no such bench: {', '.join(unknown)}")
    results = []
    started = time.perf_counter()
    for name in names:
        ok, took, out = run(name)
        results.append((name, ok, took))
        lines = [line for line in out.strip().splitlines() if _figure(line)]
        print(f"== {name}: {'ok' if ok else 'FAILED'} in {took:.1f} s", flush=True)
        for line in lines if not ok else lines[-TAIL:]:
            print(f"   {line}", flush=True)
    total = time.perf_counter() - started
    print(f"bench smoke ({os.cpu_count()} cores): {len(results)} benches in {total:.0f} s")
    for name, ok, took in results:
        print(f"  {name:24} {took:6.1f} s  {'ok' if ok else 'FAILED'}")
    failed = [name for name, ok, _ in results if not ok]
    if failed:
        sys.exit(f"bench smoke failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
