"""The studio's budgets, measured in Debian's Chromium through the real local stack.

1. What a first visit downloads before it can render: the JS and CSS that web/dist/index.html
   loads, gzipped (budget <= 200 KB).
2. A 1,000-asset manifest's cast (200 characters, each two photos, a face cut from each and a figure):
   the time from opening it in the app (a click in the library: the app is loaded, the user signed
   in) to its first character cards on screen, beside the API read
   alone (the same GET /api/manifests/{id}, timed from Python on the same machine), median of
   RUNS each, the browser's HTTP cache off, so the app never gets a 304 for the manifest's ETag
   (budget: first cards <= 2x the read). Also how many cards the page holds (the list is
   virtualized: only the rows on screen are rendered), and a full page load to first cards.
   Thumbnails are not stored (the images' loads are not what is timed: cards count once in the page).

    .venv/bin/python bench/studio.py           (about a minute on 2 cores; make web first)
"""

from __future__ import annotations

import gzip
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)

from bench.read_latency import OWNER
from bench.sizes import size
from devstack.emulators import Stack, free_port
from devstack.tokens import emulator_token
from tests.e2e.test_docs import CHROMIUM, FLAGS

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
ASSETS = int(os.environ.get("BENCH_ASSETS", str(size(1000, 50))))
RUNS = size(7, 1)
BUDGET_KB = 200


def initial_download_kb() -> tuple[float, list[str]]:
    index = (DIST / "index.html").read_text()
    files = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', index)
    return sum(len(gzip.compress((DIST / f).read_bytes(), 9)) for f in files) / 1024, files


def main() -> None:
    kb, files = initial_download_kb()
    print(f"initial JS + CSS, gzipped: {kb:.1f} KB ({', '.join(files)}); budget <= {BUDGET_KB} KB")
    with tempfile.TemporaryDirectory() as folder:
        stack = Stack(state_dir=Path(folder), auth_emulator=True)
        stack.start()
        try:
            os.environ.update(stack.env())
            from common.gcp import db
            from devstack.app import build

            manifest_id, writes = seed_cast(f"{ASSETS} assets", ASSETS)
            db.set_all(writes)
            port = free_port()
            server = make_server("127.0.0.1", port, build(stack), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{port}"
            measure(base, manifest_id)
            server.shutdown()
        finally:
            stack.stop()


PER_CHARACTER = 5  # two photos, a face cut from each, a figure cut from the first


def seed_cast(name: str, assets: int) -> tuple[str, list]:
    """A processed manifest of `assets` assets as a run leaves them: characters with their faces."""
    from common.gcp import db
    from common.ids import new_id
    from common.library.assets import to_doc as asset_doc
    from common.library.manifests import to_doc as manifest_doc
    from common.library.models import Asset, AssetType, Category, Manifest, ManifestStatus
    from common.records import utcnow

    now = utcnow()
    manifest = Manifest(
        id=new_id(),
        owner_id=OWNER,
        name=name,
        category=Category.CHARACTERS,
        status=ManifestStatus.READY,
        created_at=now,
        updated_at=now,
        asset_count=assets,
    )
    writes = [(db.collection(db.MANIFESTS).document(manifest.id), manifest_doc(manifest))]
    made: list[Asset] = []

    def add(**fields: object) -> Asset:
        n = len(made)
        asset = Asset.model_validate(
            {
                "id": new_id(),
                "owner_id": OWNER,
                "manifest_id": manifest.id,
                "asset_type": AssetType.CHARACTER,
                "manifest_tag": f"CHAR_{n + 1:02d}",
                "sort_order": n,
                "image_path": f"manifests/{manifest.id}/{n}.jpg",
                "thumbnail_path": f"manifests/{manifest.id}/{n}_thumb.jpg",
                "image_width": 600,
                "image_height": 800,
                "created_at": now,
                "updated_at": now,
            }
            | fields
        )
        made.append(asset)
        return asset

    for person in range(assets // PER_CHARACTER):
        photos = [add(name=f"person {person}"), add(name=f"person {person} again")]
        face_id = new_id()
        for k, photo in enumerate(photos):
            add(
                id=face_id if k == 0 else new_id(),
                name=f"person {person} · face {k + 1}",
                source="extracted",
                source_asset_id=photo.id,
                is_face_crop=True,
                crop_bbox=[200, 100, 400, 320],
            )
        add(
            name=f"person {person} · person 1",
            source="extracted",
            source_asset_id=photos[0].id,
            crop_bbox=[50, 40, 550, 800],
        )
        for asset in made[-PER_CHARACTER:]:
            asset.character_id = face_id
            if asset.is_face_crop:
                asset.face_group_id = face_id
    writes += [(db.collection(db.ASSETS).document(a.id), asset_doc(a)) for a in made]
    return manifest.id, writes


def api_read_s(base: str, manifest_id: str) -> list[float]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {emulator_token(OWNER)}"
    session.get(f"{base}/api/manifests/{manifest_id}", timeout=60).raise_for_status()  # warm, as the app's
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        answer = session.get(f"{base}/api/manifests/{manifest_id}", timeout=60)
        answer.raise_for_status()
        answer.json()
        times.append(time.perf_counter() - start)
    return times


def measure(base: str, manifest_id: str) -> None:
    from playwright.sync_api import sync_playwright

    read = api_read_s(base, manifest_id)
    in_app, full, cards = [], [], 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # No HTTP cache: every read is a full one (no 304 on the manifest's ETag), as on a first visit.
        page.context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.goto(f"{base}/?as={OWNER}")
        page.get_by_test_id("uid").wait_for(timeout=30_000)
        name = f"{ASSETS} assets"
        for _ in range(RUNS):
            page.goto(f"{base}/")
            link = page.get_by_role("link", name=name, exact=True)
            link.wait_for(timeout=30_000)
            start = time.perf_counter()
            link.click()
            page.locator("article.character-card").first.wait_for(timeout=60_000)
            in_app.append(time.perf_counter() - start)
            cards = page.locator("article.character-card").count()
        for _ in range(RUNS):
            start = time.perf_counter()
            page.goto(f"{base}/manifests/{manifest_id}", wait_until="commit")  # not the images' load
            page.locator("article.character-card").first.wait_for(timeout=60_000)
            full.append(time.perf_counter() - start)
        browser.close()
    med = statistics.median
    print(
        f"GET /api/manifests/{{id}} of {ASSETS} assets alone (Python, warm): median {med(read) * 1000:.0f} ms"
    )
    print(
        f"opening it in the studio to its first character cards: median {med(in_app) * 1000:.0f} ms, "
        f"x{med(in_app) / med(read):.2f} the read alone (budget <= 2.0); "
        f"{cards} character cards in the page of {ASSETS // PER_CHARACTER}"
    )
    print(
        f"a full page load of it to its first cards: median {med(full) * 1000:.0f} ms, "
        f"x{med(full) / med(read):.2f}"
    )


if __name__ == "__main__":
    main()
