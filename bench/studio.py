"""The studio's budgets, measured in Debian's Chromium through the real local stack.

1. What a first visit downloads before it can render: the JS and CSS that web/dist/index.html
   loads, gzipped (budget <= 200 KB).
2. A 1,000-asset manifest's registry: the time from opening it in the app (a click in the library:
   the app is loaded, the user signed in) to its first asset cards on screen, beside the API read
   alone (the same GET /api/manifests/{id}, timed from Python on the same machine), median of
   RUNS each, the browser's HTTP cache off, so the app never gets a 304 for the manifest's ETag
   (budget: first cards <= 2x the read). Also how many cards the page holds (the list is
   virtualized: only the rows on screen are rendered), and a full page load to first cards.

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.read_latency import OWNER, seed_manifest
from devstack.emulators import Stack, free_port
from devstack.tokens import emulator_token
from tests.e2e.test_docs import CHROMIUM, FLAGS

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
ASSETS = int(os.environ.get("BENCH_ASSETS", "1000"))
RUNS = 7
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

            manifest_id, writes = seed_manifest(f"{ASSETS} assets", ASSETS)
            db.set_all(writes)
            port = free_port()
            server = make_server("127.0.0.1", port, build(stack), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{port}"
            measure(base, manifest_id)
            server.shutdown()
        finally:
            stack.stop()


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
            page.locator("article.asset").first.wait_for(timeout=60_000)
            in_app.append(time.perf_counter() - start)
            cards = page.locator("article.asset").count()
        for _ in range(RUNS):
            start = time.perf_counter()
            page.goto(f"{base}/manifests/{manifest_id}", wait_until="commit")  # not the images' load
            page.locator("article.asset").first.wait_for(timeout=60_000)
            full.append(time.perf_counter() - start)
        browser.close()
    med = statistics.median
    print(
        f"GET /api/manifests/{{id}} of {ASSETS} assets alone (Python, warm): median {med(read) * 1000:.0f} ms"
    )
    print(
        f"opening it in the studio to its first cards: median {med(in_app) * 1000:.0f} ms, "
        f"x{med(in_app) / med(read):.2f} the read alone (budget <= 2.0); "
        f"{cards} cards in the page of {ASSETS}"
    )
    print(
        f"a full page load of it to its first cards: median {med(full) * 1000:.0f} ms, "
        f"x{med(full) / med(read):.2f}"
    )


if __name__ == "__main__":
    main()
