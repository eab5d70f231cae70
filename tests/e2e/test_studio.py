"""The web studio (web/) through the real local stack: the built app served at /, signed in through
the real Firebase Auth emulator, driven in Debian's Chromium by Playwright (tests/e2e/test_docs.py)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from functions.api.studio import studio_config
from tests.e2e.test_docs import CHROMIUM, FLAGS

WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not (WEB / "dist" / "index.html").is_file():
        pytest.fail("the studio is not built: make test builds it (make web)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


def _signed_in(browser: Any, base_url: str, uid: str, path: str = "/") -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base_url}{path}?as={uid}")
    page.get_by_test_id("uid").wait_for(timeout=20_000)
    return page, problems


def test_the_committed_api_types_are_what_the_served_document_generates(
    base_url: str, tmp_path: Path
) -> None:
    document = tmp_path / "openapi.json"
    document.write_bytes(requests.get(f"{base_url}/api/openapi.json", timeout=10).content)
    generated = tmp_path / "schema.d.ts"
    tool = WEB / "node_modules" / ".bin" / "openapi-typescript"
    subprocess.run(
        [str(tool), "--default-non-nullable", "false", str(document), "-o", str(generated)],
        check=True,
        capture_output=True,
    )
    committed = WEB / "src" / "api" / "schema.d.ts"
    assert generated.read_text() == committed.read_text(), "the API changed: run make web-types and commit"


def test_the_app_is_served_at_the_root_with_client_routes_and_security_headers(base_url: str) -> None:
    root = requests.get(f"{base_url}/", timeout=10)
    assert root.status_code == 200 and '<div id="root">' in root.text
    csp = root.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    deep = requests.get(f"{base_url}/manifests/whatever", timeout=10)  # a client route: the app
    assert deep.status_code == 200 and deep.text == root.text
    missing = requests.get(f"{base_url}/assets/nope.js", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    for sneaky in ("/..%2f..%2fetc/passwd", "/.env"):
        answer = requests.get(f"{base_url}{sneaky}", timeout=10)
        assert answer.status_code in (200, 404) and "root:" not in answer.text
    assert (
        requests.get(f"{base_url}/api/nothing-here", timeout=10).headers["Content-Type"] == "application/json"
    )


def test_the_sign_in_shortcut_exists_only_with_an_auth_emulator(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = requests.get(f"{base_url}/api/studio/config", timeout=10).json()
    assert (
        local["auth_emulator_url"].startswith("http://127.0.0.1:") and local["project_id"] == "demo-vidpipe"
    )
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST")
    monkeypatch.setenv("FIREBASE_WEB_API_KEY", "web-key")
    deployed = studio_config()
    assert deployed.auth_emulator_url is None and deployed.api_key == "web-key"


def test_a_creator_signs_in_creates_duplicates_and_deletes_and_others_see_nothing(
    browser: Any, base_url: str
) -> None:
    alice, bob = f"alice-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    page, problems = _signed_in(browser, base_url, alice)
    assert page.get_by_test_id("uid").inner_text() == alice
    assert "as=" not in page.url  # the shortcut leaves the address bar
    page.get_by_text("No manifests here yet").wait_for()

    form = page.get_by_role("form", name="New manifest")
    form.get_by_label("Name").fill("Heroes of the night")
    form.get_by_label("Category").select_option("CHARACTERS")
    form.get_by_label("Tags").fill("noir, hero")
    form.get_by_role("button", name="Create manifest").click()
    card = page.get_by_role("article", name="Heroes of the night", exact=True)
    card.wait_for()
    assert "DRAFT" in card.inner_text() and "CHARACTERS" in card.inner_text()

    page.on("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Duplicate").click()
    page.get_by_role("article", name="Heroes of the night (copy)").wait_for()
    page.get_by_role("article", name="Heroes of the night (copy)").get_by_role(
        "button", name="Delete"
    ).click()
    page.get_by_role("article", name="Heroes of the night (copy)").wait_for(state="detached")

    page.reload()  # what is shown is the server's: it survives a reload
    page.get_by_role("article", name="Heroes of the night", exact=True).wait_for()
    assert page.get_by_role("article").count() == 1
    page.get_by_label("Status").select_option("READY")
    page.get_by_text("No manifests here yet").wait_for()
    assert problems == []

    other, _ = _signed_in(browser, base_url, bob)
    other.get_by_text("No manifests here yet").wait_for()
    assert other.get_by_role("article").count() == 0


def test_an_api_error_is_shown_as_its_message(browser: Any, base_url: str) -> None:
    page, _ = _signed_in(browser, base_url, f"carol-{uuid.uuid4().hex[:8]}")
    form = page.get_by_role("form", name="New manifest")
    form.get_by_label("Name").fill("   ")  # only spaces: the server says why
    form.get_by_role("button", name="Create manifest").click()
    alert = form.get_by_role("alert")
    alert.wait_for()
    assert "visible character" in alert.inner_text()
