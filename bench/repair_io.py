"""The repair bench's I/O count (bench/repair.py, `--io`): each tree's repairs with max_attempts 1
and 3 on the same beats, counted on the client libraries (bench/io_counts.py), each tree in a fresh
process with it first on PYTHONPATH (a git worktree of the code before)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)
os.environ.setdefault("YOLO_CONFIG_DIR", "/tmp/vidpipe-yolo")

from bench import continuity as frames  # labelled people, frames, the cast builder
from bench import io_counts
from bench.repair_cases import (
    IO_CAST,
    OWNER,
    _another_project,
    _handles,
    _needs_repair,
    _run_repair,
    _set_budget,
    _start_repair,
    cases_of,
    recorded,
    three_uploads,
)
from bench.sizes import SMOKE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def io_line(m: dict) -> str:
    """`per attempt after the first: R reads, W writes, C commits, D downloads` and how it was had."""
    extra = m["attempts"]["3"] - m["attempts"]["1"]
    repaired = m["repairs"]
    first = ", ".join(f"{m['io']['1'][k] / max(1, repaired):.1f} {k}" for k in io_counts.KINDS)
    if extra <= 0:
        figures = "n/a (no repair took a second attempt)"
    else:
        figures = ", ".join(f"{(m['io']['3'][k] - m['io']['1'][k]) / extra:.1f} {k}" for k in io_counts.KINDS)
    return (
        f"per attempt after the first: {figures} ({extra} such attempts in {repaired} repairs of "
        f"{m['cast']}; a whole repair of one attempt: {first})"
    )


def io_measure() -> dict:
    """`--io`: in this process, with whichever tree is first on the path, the I/O of repairs with
    max_attempts 1 and 3 on the same beats (see the docstring). Printed as one JSON line."""
    from gpu_service.vision import runtime

    io_counts.install()
    runtime.models()
    owner = f"{OWNER}-io-{os.getpid()}"
    pool = frames.people()
    cast_people = sorted(IO_CAST)
    project_id, snapshot_assets = frames.build_cast(pool, cast_people, three_uploads, owner=owner)
    _, by_name = _handles(snapshot_assets)
    handles = {p: by_name[p] for p in cast_people if p in by_name}
    cases = cases_of(pool, [p for p in cast_people if p in handles])
    if SMOKE:  # one beat of the cast member that never confirms: every attempt taken
        cases = [c for c in cases if c[0] == "stranger" and c[1] == ["solvay#1"]] or cases[:1]
    totals: dict[str, dict[str, int]] = {}
    attempts: dict[str, int] = {}
    repaired = 0
    for most in (1, 3):  # each in a project of its own (a project's storyboard checkpoint is one)
        project = project_id if most == 1 else _another_project(project_id, owner)
        _set_budget(project)
        checkpoint_id = recorded(pool, cases, project, handles)
        spent = io_counts.Counts()
        tries = repaired = 0
        for index in range(len(cases)):
            if not _needs_repair(checkpoint_id, str(index)):
                continue
            job = _start_repair(checkpoint_id, str(index), most)
            with io_counts.counting() as counted:
                result = _run_repair(job)
            spent += counted
            tries += result.attempts
            repaired += 1
        totals[str(most)] = {k: getattr(spent, k) for k in io_counts.KINDS}
        attempts[str(most)] = tries
    return {
        "cast": "+".join(cast_people),
        "repairs": repaired,
        "attempts": attempts,
        "io": totals,
    }


def io_of(trees: dict[str, Path]) -> Callable[[], dict[str, dict]]:
    """Each tree's `--io` figures, each in a fresh process with that tree first on PYTHONPATH
    (against this process's emulators: their addresses are in the environment). At full size one
    after the other, before anything else runs (the repairs' timings stay this process's alone); at
    smoke size side by side with the rest (counts do not depend on timing). Returns the wait."""

    def start(tree: Path) -> tuple[subprocess.Popen[bytes], Any, Any]:
        env = {**os.environ, "PYTHONPATH": str(tree), "BENCH_SMOKE": "1" if SMOKE else "0"}
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115  # read in result
        command = [sys.executable, str(HERE / "repair.py"), "--io"]
        return subprocess.Popen(command, cwd=tree, env=env, stdout=out, stderr=err), out, err

    def result(name: str, started: tuple[subprocess.Popen[bytes], Any, Any]) -> dict:
        child, out, err = started
        child.wait()
        out.seek(0)
        err.seek(0)
        printed, said = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        out.close()
        err.close()
        line = next((s for s in printed.splitlines() if s.startswith("RESULT ")), None)
        if child.returncode != 0 or line is None:
            raise RuntimeError(f"{name} ({trees[name]}): the I/O count failed:\n{said[-3000:]}")
        return dict(json.loads(line.removeprefix("RESULT ")))

    if SMOKE:
        children = {name: start(tree) for name, tree in trees.items()}
        return lambda: {name: result(name, child) for name, child in children.items()}
    done = {name: result(name, start(tree)) for name, tree in trees.items()}
    return lambda: done


def worktree(rev: str, folder: Path) -> Path:
    """A checkout of `rev` in `folder` (git worktree, removed by `drop`), sharing this checkout's
    .cache (models, photos)."""
    path = folder / f"vidpipe-{rev}"
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(path), rev], cwd=ROOT, check=True)
    (path / ".cache").symlink_to(ROOT / ".cache")
    return path


def drop(path: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)
