"""Gemini input tokens per asset, one call per asset vs batched, on the same 20-photo manifest.

The whole engine runs twice on this CPU (emulators, the real models) over two copies of the
benchmark photos, describing through the real google-genai client against the local Gemini
stand-in (tests/gemini_standin.py), which counts tokens the way the Gemini API does for Gemini 2.x
(image tiles of 258 tokens, text at 4 characters a token). Prints each mode's requests, tokens and
dollars at the configured prices, and as its last line:

    input tokens per asset: per-asset N, batched M, xR
"""

from __future__ import annotations

import os
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
from devstack.testdata import benchmark_photos
from tests.support.gemini_standin import GeminiStandIn

OWNER = "bench-owner"


def seed(photos: list[Path], name: str) -> str:
    from common.library import assets, manifests, uploads
    from common.library.models import AssetCreate, AssetType, Category, ManifestCreate

    manifest = manifests.create(OWNER, ManifestCreate(name=name, category=Category.MIXED))
    for order, path in enumerate(photos):
        asset = assets.create(
            OWNER, manifest.id, AssetCreate(name=path.stem, asset_type=AssetType.CHARACTER, sort_order=order)
        )
        uploads.upload(OWNER, asset.id, path.name, path.read_bytes())
    return manifest.id


def run(manifest_id: str, mode: str, gemini: GeminiStandIn) -> dict[str, float]:
    from bench.engine_run import start_job
    from common.library import assets
    from gpu_service.config import worker_settings
    from gpu_service.run import pipeline

    os.environ["DESCRIBE_MODE"] = mode
    worker_settings.cache_clear()
    gemini.reset()
    pipeline.run_manifest(start_job(manifest_id))
    described = assets.list_for_manifest(manifest_id)
    assert described, mode
    assert all(a.reverse_prompt_source == "gemini" for a in described), mode
    from common.library import manifests

    costs = manifests.manifest_ref(manifest_id).get().to_dict()["cost_breakdown"]
    cfg = worker_settings()
    tokens_in = sum(used for used, _ in gemini.usage)
    tokens_out = sum(out for _, out in gemini.usage)
    dollars = (tokens_in * cfg.price_input_per_mtok + tokens_out * cfg.price_output_per_mtok) / 1e6
    return {
        "assets": len(described),
        "requests": gemini.calls,
        "in": tokens_in,
        "out": tokens_out,
        "dollars": dollars,
        "per_asset": tokens_in / len(described),
        "recorded_gemini": costs["gemini_usd"],
        "gpu_seconds": costs["gpu_seconds"],
        "gpu_usd": costs["gpu_usd"],
    }


def main() -> None:
    photos = benchmark_photos()[: size(None, 2)]
    gemini = GeminiStandIn(latency_s=0.02)
    gemini.start()
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(state_dir=Path(state))
        stack.start()
        try:
            os.environ.update(stack.env())
            os.environ.update(
                {
                    "GEMINI_API_KEY": "local-bench-key",
                    "GEMINI_BASE_URL": gemini.url,
                    "GEMINI_RETRY_INITIAL_DELAY_S": "0.05",
                }
            )
            from gpu_service.vision import runtime

            runtime.models()
            results = {
                mode: run(seed(photos, f"tokens {mode}"), mode, gemini) for mode in ("per_asset", "batched")
            }
        finally:
            stack.stop()
            gemini.stop()
    for mode, r in results.items():
        print(
            f"{mode}: {r['assets']:.0f} assets described, {r['requests']:.0f} requests, "
            f"{r['in']:.0f} input + {r['out']:.0f} output tokens: Gemini ${r['dollars']:.4f} "
            f"(recorded on the manifest ${r['recorded_gemini']:.4f}), GPU {r['gpu_seconds']:.1f} s "
            f"${r['gpu_usd']:.4f} (this CPU's seconds at GPU_PRICE_PER_S)"
        )
    per, batched = results["per_asset"]["per_asset"], results["batched"]["per_asset"]
    print(f"input tokens per asset: per-asset {per:.0f}, batched {batched:.0f}, x{per / batched:.1f}")


if __name__ == "__main__":
    main()
