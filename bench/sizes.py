"""Full size (`make bench`) or smoke size (`make bench-smoke`): `BENCH_SMOKE=1` or `--smoke`.

At smoke size every bench runs its real path (the emulators, the models, the product's own calls)
on the fewest images and iterations that still print each of its figures: seconds each, so that
`make test` can run them all (bench/smoke.py). Smoke figures say that a bench runs, not what it
measures.

Every bench that runs as a script starts with the same two lines, so that `bench.x` imports the
same way from `python bench/x.py` and from bench/smoke.py:

    ROOT = Path(__file__).resolve().parent.parent
    sys.path.insert(1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]), str(ROOT))

The repository goes after the trees PYTHONPATH names: a bench that measures the code of another
commit (a git worktree on PYTHONPATH, as bench/repair.py does) keeps that tree's product code first,
while `bench` is still this one (a regular package wins over a tree's folder without __init__.py).
"""

from __future__ import annotations

import os
import sys
from typing import TypeVar

T = TypeVar("T")

SMOKE = os.environ.get("BENCH_SMOKE", "") not in ("", "0") or "--smoke" in sys.argv


def size(full: T, smoke: T) -> T:
    """`full` for make bench, `smoke` for make bench-smoke."""
    return smoke if SMOKE else full
