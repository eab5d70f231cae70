"""GET /api/docs in a real headless browser: Debian's Chromium driven by Playwright loads the page,
which renders /api/openapi.json with the files the function serves (no CDN is reachable here)."""

from __future__ import annotations

import shutil

import pytest
import requests

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine notes say: root needs --no-sandbox, and the closed network wants no background calls.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_the_docs_page_lists_the_operations(base_url: str, spec: dict) -> None:
    from playwright.sync_api import sync_playwright

    page_html = requests.get(f"{base_url}/api/docs", timeout=10)
    assert page_html.status_code == 200 and page_html.headers["Content-Type"].startswith("text/html")
    assert "/api/docs" not in spec["paths"]  # the page is not an API operation
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page()
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(f"{base_url}/api/docs", wait_until="networkidle")
            page.wait_for_selector(".opblock", timeout=20_000)
            shown = page.locator(".opblock-summary-path").all_inner_texts()
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()
    assert "vidpipe manifest service" in title
    documented = {path for path in spec["paths"]}
    listed = {text.replace("\u200b", "").strip() for text in shown}
    assert {
        "/api/manifests",
        "/api/manifests/{manifest_id}",
        "/api/checkpoints/{checkpoint_id}/promote",
    } <= listed
    assert listed <= documented and len(listed) == len(documented)
    assert not [url for url in failed if url.startswith(base_url)]  # every file it needs is served here


@pytest.mark.parametrize("name", ["swagger-ui-bundle.js", "swagger-ui.css"])
def test_the_docs_files_are_served_locally(base_url: str, name: str) -> None:
    r = requests.get(f"{base_url}/api/docs/{name}", timeout=10)
    assert r.status_code == 200 and len(r.content) > 100_000 and "max-age" in r.headers["Cache-Control"]
