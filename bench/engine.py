"""The manifesting engine on this machine's CPU: the code before a change beside the code now, in one
run, each measured in fresh processes (bench/engine_run.py) against the same local emulators.

    python bench/engine.py [--base REV] [--rounds N] [--cache-images N]

Prints, per setting and per tree: images/s end to end, wall time / time inside model inference,
Firestore documents read and written and Cloud Storage downloads per run; the first detection
after the models load beside a warm one; and a manifest of N generated images with the image cache
set below their decoded size: how many times each image is downloaded.

Two settings. "emulators": as they are, with the offline describer. "production-like": what the
emulators hide, simulated on loopback (bench/latency.py): 5 ms added each way in front of
Firestore and Cloud Storage, and Gemini (the local stand-in speaking its REST protocol, through
the real client) answering each request after 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)

from bench.sizes import SMOKE, size
from devstack.emulators import Stack
from devstack.testdata import benchmark_photos

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASE = "891c293"  # the code before architecture step 3 (issue 33)
DELAY_S = 0.005
GEMINI_LATENCY_S = 1.5
CACHE_MB = 16  # far below 600 decoded 320 x 240 pictures (about 130 MB)


def tree_of(rev: str) -> Path:
    """A checkout of `rev` beside this one (git worktree), made once."""
    path = ROOT / ".cache" / "bench-trees" / rev
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), rev], cwd=ROOT, check=True)
    return path


def child(tree: Path, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """bench/engine_run.py with `tree`'s code first on the path; its JSON answer."""
    out = subprocess.run(
        [sys.executable, str(HERE / "engine_run.py"), *args],
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((s for s in out.stdout.splitlines() if s.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"{tree}: {' '.join(args[:2])} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(line.removeprefix("RESULT ")))


def row(setting: str, name: str, r: dict[str, Any]) -> str:
    return (
        f"  {setting:<16} {name:<7} {r['images'] / r['wall_s']:7.2f} {r['wall_s']:7.1f} s"
        f" {r['wall_s'] / r['inference_s']:8.2f} {r['reads']:7d} {r['writes']:7d} {r['downloads']:6d}"
        f" {r['assets']:6d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default=None if SMOKE else BASE, help=f"the code before (default {BASE})")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--cache-images", type=int, default=size(600, 3), help="0 skips the cache check")
    parser.add_argument("--smoke", action="store_true", help="2 photos, this tree alone (BENCH_SMOKE=1)")
    options = parser.parse_args()
    # At smoke size the code now alone (no worktree of the code before) unless --base names one.
    trees = {"now": ROOT} if options.base is None else {"before": tree_of(options.base), "now": ROOT}
    photos = [str(p) for p in benchmark_photos()][: size(None, 2)]
    models = {"MODEL_DIR": str(ROOT / ".cache" / "models")}

    from bench.latency import DelayProxy
    from tests.support.gemini_standin import GeminiStandIn

    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        gemini = GeminiStandIn(latency_s=GEMINI_LATENCY_S)
        gemini.start()
        try:
            base_env = {**os.environ, **stack.env(), **models}
            base_env.pop("GEMINI_API_KEY", None)
            with (
                DelayProxy(stack.firestore_port, DELAY_S) as firestore,
                DelayProxy(stack.storage_port, DELAY_S) as gcs,
            ):
                settings = {
                    "emulators": base_env,
                    "production-like": {
                        **base_env,
                        "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{firestore.port}",
                        "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{gcs.port}",
                        "GEMINI_API_KEY": "bench-key",
                        "GEMINI_BASE_URL": gemini.url,
                    },
                }
                if SMOKE:  # one setting: a run of the engine is what a smoke needs, not the latencies
                    del settings["production-like"]
                runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
                for setting, env in settings.items():
                    for _ in range(options.rounds):
                        for name, tree in trees.items():
                            runs.setdefault((setting, name), []).append(child(tree, ["run", *photos], env))
                first = {name: child(tree, ["first", photos[0]], base_env) for name, tree in trees.items()}
                cache_env = {**base_env, "IMAGE_CACHE_MB": str(CACHE_MB)}
                cache = {
                    name: child(tree, ["cache", str(options.cache_images)], cache_env)
                    for name, tree in trees.items()
                    if options.cache_images  # 0: skip it (it takes minutes)
                }
        finally:
            gemini.stop()
            stack.stop()

    print(
        f"engine: {len(photos)} photos (CPU, {os.cpu_count()} cores), the code before ({options.base}) "
        f"beside now, fresh processes, {options.rounds} round(s) interleaved; production-like = "
        if "before" in trees
        else f"engine: {len(photos)} photos (CPU, {os.cpu_count()} cores), the code now alone (smoke), "
        f"fresh processes, {options.rounds} round(s); production-like = "
        f"+{DELAY_S * 1000:.0f} ms each way to Firestore and Cloud Storage, Gemini stand-in answering in "
        f"{GEMINI_LATENCY_S:g} s"
    )
    print(
        f"  {'setting':<16} {'code':<7} {'img/s':>7} {'wall':>9} {'wall/inf':>8} {'reads':>7} "
        f"{'writes':>7} {'dls':>6} {'assets':>6}"
    )
    for setting in settings:
        best = {name: max(runs[(setting, name)], key=lambda r: r["images"] / r["wall_s"]) for name in trees}
        for name in trees:
            for r in runs[(setting, name)]:
                print(row(setting, name, r))
        now = best["now"]
        print(f"    steps now (s): {json.dumps({k: round(v, 2) for k, v in now['steps_s'].items()})}")
        for name in trees:
            print(f"    documents read, {name}: {json.dumps(best[name]['reads_by_collection'])}")
        if "before" not in best:
            continue
        before = best["before"]
        print(
            f"  {setting}: now / before images/s x{before['wall_s'] / now['wall_s']:.2f}, "
            f"Firestore reads x{now['reads'] / before['reads']:.2f}, "
            f"writes x{now['writes'] / before['writes']:.2f}, "
            f"downloads {before['downloads']} -> {now['downloads']}"
        )
    for name, f in first.items():
        print(
            f"first detection after start, {name}: {f['first_s']:.2f} s, warm {f['warm_s']:.2f} s "
            f"(x{f['first_s'] / f['warm_s']:.2f}; target <= 1.5), models ready in {f['load_s']:.1f} s"
        )
    for name, c in cache.items():
        print(
            f"{c['images']} generated images, IMAGE_CACHE_MB={CACHE_MB}, {name}: downloads of each "
            f"uploaded image {{times: images}} = {c['downloads_per_upload']}, {c['wall_s']:.0f} s, "
            f"{c['reads']} reads, {c['writes']} writes"
        )


if __name__ == "__main__":
    main()
