"""The web studio (web/) through the real local stack: the built app served at /, signed in through
the real Firebase Auth emulator, driven in Debian's Chromium by Playwright (tests/e2e/test_docs.py)."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.gcp.config import settings
from devstack.testdata import photos_dir, stranger_photo
from functions.api.studio import studio_config
from tests.e2e.test_continuity import clip_of, jpeg, record, reports
from tests.e2e.test_docs import CHROMIUM, FLAGS
from tests.support.api import Api
from tests.support.checkpoints import checkpoint
from tests.support.engine import manifest_of_photos, process

WEB = Path(__file__).resolve().parents[2] / "web"
# STUDIO_SCREENSHOTS=docs/studio make test (or pytest tests/e2e/test_studio.py) refreshes the
# screenshots the docs show; otherwise they go to a temporary folder and are only looked at by hand.
SHOTS = os.environ.get("STUDIO_SCREENSHOTS")
PHONE_SHOTS = os.environ.get("STUDIO_PHONE_SHOTS")  # a folder for each screen at 390 px too


def _shot(page: Any, name: str, folder: Path) -> None:
    target = Path(SHOTS) if SHOTS else folder
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"))
    _fits(page, name)
    _accessible(page, name)


# The page's elements that reach past the window's right edge (what makes it scroll sideways).
PAST_THE_EDGE = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const past = (e) => e && e.getBoundingClientRect().right > edge;
  return [...document.querySelectorAll('body *')]
    .filter((e) => past(e) && !past(e.parentElement))
    .slice(0, 5)
    .map((e) => `${e.tagName}.${[...e.classList].join(".")} ${e.getBoundingClientRect().right}`);
}"""


AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"  # the studio's dev dependency (npm ci)
# WCAG 2.2 A and AA, as axe-core tags them.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _accessible(page: Any, name: str) -> None:
    """axe-core finds no WCAG 2.2 A or AA violation on the screen as it is."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's devtools protocol: the app's CSP (script-src 'self') stays on.
        page.evaluate(f"() => {{ {AXE.read_text()}\n }}")
    found = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    ran = {
        rule["id"] for kind in ("passes", "violations", "incomplete", "inapplicable") for rule in found[kind]
    }
    assert "target-size" in ran, "axe ran without WCAG 2.2's target size rule"
    # Headings in order and one h1 (axe's best-practice rules, run by name beside WCAG's).
    ordered = page.evaluate(
        "(rules) => axe.run(document, {runOnly: {type: 'rule', values: rules}})",
        ["heading-order", "page-has-heading-one"],
    )
    broken = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in [*found["violations"], *ordered["violations"], *_contrast_in_each_theme(page)]
    ]
    assert broken == [], f"{name}: {broken}"
    assert page.locator("h1").count() == 1, f"{name}: {page.locator('h1').all_inner_texts()}"


def _contrast_in_each_theme(page: Any) -> list[dict[str, Any]]:
    """axe's colour contrast rule with the screen in the light theme, then the dark (the theme
    switch's data-theme), as a creator may see it either way; the page's own theme is put back."""
    before = page.evaluate("document.documentElement.dataset.theme ?? null")
    found = []
    for theme in ("light", "dark"):
        page.evaluate("(theme) => { document.documentElement.dataset.theme = theme; }", theme)
        found += page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})"
        )["violations"]
    page.evaluate(
        "(theme) => theme === null ? delete document.documentElement.dataset.theme"
        " : (document.documentElement.dataset.theme = theme)",
        before,
    )
    return found


# Controls smaller than 24 x 24 px (WCAG 2.5.8's minimum): buttons, fields, disclosures, options.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, select, summary, textarea, [role="option"], '
    + 'input:not([type="checkbox"]):not([type="radio"]):not([type="hidden"])')]
  .filter((e) => e.getClientRects().length > 0)
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([, r]) => r.width < 24 || r.height < 24)
  .slice(0, 5)
  .map(([e, r]) => `${e.tagName} "${e.textContent.trim().slice(0, 30)}" ${r.width}x${r.height}`)"""


def _fits(page: Any, name: str) -> None:
    """No screen is wider than a phone's (390 px) or a laptop's (1280 px) window: nothing scrolls sideways."""
    before = page.viewport_size
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        page.wait_for_timeout(250)  # layouts that follow the window's size settle first
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} at {width} px is {wide} px wide: {page.evaluate(PAST_THE_EDGE)}"
        assert page.evaluate(SMALL_TARGETS) == [], f"{name} at {width} px: controls under 24 px"
        if PHONE_SHOTS and width == 390:  # every screen as a phone shows it, to look at by hand
            page.screenshot(path=str(Path(PHONE_SHOTS) / f"{name}-phone.png"))
    page.set_viewport_size(before)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not (WEB / "dist" / "index.html").is_file():
        pytest.fail("the studio is not built: make test builds it (make web)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


PHONE = {"width": 390, "height": 844}


def _signed_in(
    browser: Any, base_url: str, uid: str, path: str = "/", viewport: dict[str, int] | None = None
) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base_url}{path}?as={uid}")
    page.get_by_test_id("uid").wait_for(state="attached", timeout=20_000)  # folded in a phone's menu
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
    settings.cache_clear()  # settings are read once per process: read them again as deployed
    try:
        deployed = studio_config()
    finally:
        settings.cache_clear()  # and again as the stack's once the variables are back
    assert deployed.auth_emulator_url is None and deployed.api_key == "web-key"


def test_a_creator_signs_in_creates_duplicates_and_deletes_and_others_see_nothing(
    browser: Any, base_url: str, tmp_path: Path
) -> None:
    alice, bob = f"alice-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    page, problems = _signed_in(browser, base_url, alice)
    assert page.get_by_test_id("uid").inner_text() == alice
    assert "as=" not in page.url  # the shortcut leaves the address bar
    page.get_by_text("No manifests yet").wait_for()

    form = page.get_by_role("form", name="New manifest")
    form.get_by_label("Name").fill("Heroes of the night")
    form.get_by_label("Category").select_option("CHARACTERS")
    form.get_by_label("Tags").fill("noir, hero")
    form.get_by_role("button", name="Create manifest").click()
    page.get_by_role("heading", name="Heroes of the night", level=1).wait_for()  # its page, to add photos
    page.get_by_role("link", name="← Library").click()
    card = page.get_by_role("article", name="Heroes of the night", exact=True)
    card.wait_for()
    assert "Draft" in card.inner_text() and "CHARACTERS" in card.inner_text()

    page.on("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Duplicate").click()
    page.get_by_role("article", name="Heroes of the night (copy)").wait_for()
    _shot(page, "library", tmp_path)
    page.get_by_role("article", name="Heroes of the night (copy)").get_by_role(
        "button", name="Delete"
    ).click()
    page.get_by_role("article", name="Heroes of the night (copy)").wait_for(state="detached")

    page.reload()  # what is shown is the server's: it survives a reload
    page.get_by_role("article", name="Heroes of the night", exact=True).wait_for()
    assert page.get_by_role("article").count() == 1
    page.get_by_label("Status").select_option("READY")
    page.get_by_text("No manifest here matches these filters").wait_for()
    assert problems == []

    other, _ = _signed_in(browser, base_url, bob)
    other.get_by_text("No manifests yet").wait_for()
    assert other.get_by_role("article").count() == 0


def test_an_api_error_is_shown_as_its_message(browser: Any, base_url: str) -> None:
    page, _ = _signed_in(browser, base_url, f"carol-{uuid.uuid4().hex[:8]}")
    form = page.get_by_role("form", name="New manifest")
    form.get_by_label("Name").fill("   ")  # only spaces: the server says why
    form.get_by_role("button", name="Create manifest").click()
    alert = form.get_by_role("alert")
    alert.wait_for()
    assert "visible character" in alert.inner_text()


@pytest.mark.usefixtures("worker")
def test_a_creator_drops_photos_processes_them_and_edits_the_registry(
    browser: Any, base_url: str, spec: dict[str, Any], photos: Path, tmp_path: Path
) -> None:
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_bytes(b"these are notes, not a photo" * 100)
    page, problems = _signed_in(browser, base_url, f"dana-{uuid.uuid4().hex[:8]}")
    form = page.get_by_role("form", name="New manifest")
    form.get_by_label("Name").fill("Two presidents")
    form.get_by_role("button", name="Create manifest").click()
    page.get_by_role("heading", name="Two presidents", level=1).wait_for()
    manifest_url = page.url

    files = [photos / "obama.jpg", photos / "obama2.jpg", photos / "biden.jpg", not_an_image]
    page.get_by_label("Choose photos").set_input_files([str(f) for f in files])
    uploads = page.get_by_role("list", name="Uploads")
    uploads.get_by_text("added").nth(2).wait_for(timeout=60_000)
    refusal = uploads.get_by_role("alert")
    refusal.wait_for(timeout=60_000)
    assert "this file is not a photo (JPEG, PNG or WebP)" in refusal.inner_text()
    assert uploads.get_by_text("added").count() == 3
    page.get_by_text("3 images").wait_for()  # the refused file left no asset behind
    # It was judged before any asset was made for it: it used no tag.
    owner = Api(base_url, spec, page.get_by_test_id("uid").inner_text())
    made = owner.get(f"/api/manifests/{manifest_url.rsplit('/', 1)[-1]}").json()["assets"]
    assert sorted(a["manifest_tag"] for a in made) == ["CHAR_01", "CHAR_02", "CHAR_03"]

    page.get_by_role("button", name="Process", exact=True).click()
    _shot(page, "creator", tmp_path)
    page.get_by_test_id("run-status").get_by_text("Ready").wait_for(timeout=180_000)
    # The manifest opens on its cast: a card per person (however many images each), led by the face
    # the run found (a face crop, not the photo's centre), named, on the first screen.
    characters = page.locator("article.character-card")
    characters.nth(1).wait_for()
    assert characters.count() == 2
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(250)
        assert characters.first.bounding_box()["y"] < height, (
            f"the cast starts below the first screen at {width} px"
        )
    page.set_viewport_size({"width": 1280, "height": 900})
    # Named after his first photo in (the uploads go three at a time: obama or obama2).
    obama = page.get_by_role("article", name=re.compile(r"^CHAR_\d+ obama2?$"))
    name, handle = obama.get_by_role("heading").inner_text(), obama.locator(".handle").inner_text()
    face = obama.locator("img.face")
    assert face.get_attribute("alt") == name
    assert face.evaluate(
        "img => img.complete && img.naturalWidth > 0 && img.naturalWidth <= img.naturalHeight * 1.5"
    )
    for photo in ("obama", "obama2"):  # each of his photos, named for him
        assert obama.get_by_role("img", name=f"{name}: {photo}", exact=True).count() == 1
    _shot(page, "registry", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(250)
    # A phone's first screen shows the cast: both characters' names, the tools folded above them.
    names = page.locator("article.character-card h3")
    assert names.count() == 2
    assert all(names.nth(n).bounding_box()["y"] + 24 < 844 for n in range(2)), "the cast starts too low"
    _shot(page, "registry-390", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Search and the type filter: the cards that answer, kept in the address.
    search = page.get_by_role("searchbox", name="Search")
    search.fill("biden")
    characters.nth(1).wait_for(state="detached")
    assert "biden" in characters.first.get_attribute("aria-label")
    assert "q=biden" in page.url
    page.get_by_label("Show").select_option("OBJECT")
    page.get_by_text("Nothing here matches").wait_for()
    page.get_by_label("Show").select_option("")
    search.fill("")
    characters.nth(1).wait_for()

    # Edits wait behind his card's details (opened from the keyboard): one form per image, one Save.
    obama.get_by_text("Details", exact=True).focus()
    page.keyboard.press("Enter")
    editor = obama.get_by_role("region", name=f"Edit {handle} {name}", exact=True)
    editor.get_by_label("Reverse prompt").fill("a tall man in a dark suit, studio light")
    editor.get_by_role("button", name="Save", exact=True).click()
    editor.get_by_text("Saved", exact=True).wait_for()
    _shot(page, "registry-details", tmp_path)
    page.reload()
    obama.get_by_text("Details", exact=True).click()
    kept = editor.get_by_label("Reverse prompt")
    kept.wait_for()
    assert kept.input_value() == "a tall man in a dark suit, studio light"
    # Renamed while the description says the old name: the editor offers to say the new one there.
    described = editor.get_by_label("Visual description")
    seen = described.input_value()
    kept.fill(f"a portrait reference for {name}, studio light")
    editor.get_by_label("Name").fill("Barack Obama")
    editor.get_by_role("button", name="Say \u201cBarack Obama\u201d there too").click()
    assert kept.input_value() == "a portrait reference for Barack Obama, studio light"
    editor.get_by_label("Name").fill(name)  # the rest of the test knows him by his first name
    kept.fill("a tall man in a dark suit, studio light")
    described.fill(seen)  # renamed there too when it said his name
    assert editor.get_by_text("Unsaved changes").count() == 0

    # Another angle of him: on his card as an angle, then gone again.
    editor.get_by_label("Angle").select_option("left")
    editor.get_by_label("Add a view").set_input_files(str(photos / "obama3.jpg"))
    obama.get_by_role("img", name=f"{name}, left view").wait_for(timeout=30_000)
    editor.get_by_role("button", name="Remove the left view").click()
    obama.get_by_role("img", name=f"{name}, left view").wait_for(state="detached")

    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Face search").click()
    page.get_by_label("Choose a photo").set_input_files(str(photos / "obama3.jpg"))  # a photo never uploaded
    # It answers with the person: his face and name once, his matching images under it.
    found = page.get_by_role("region", name="Who it is").locator("ul.found-people > li")
    found.first.wait_for(timeout=60_000)
    assert found.count() == 1, found.all_inner_texts()
    assert found.first.get_attribute("aria-label") == f"{name} in Two presidents"
    assert found.first.get_by_role("img", name=name, exact=True).count() == 1
    assert found.first.get_by_role("list").get_by_role("img").count() == 2  # his two faces
    _shot(page, "face-search", tmp_path)
    assert problems == []

    # A project now uses the manifest: deleting it is refused, and the card says why.
    manifest_id = manifest_url.rsplit("/", 1)[-1]
    made = owner.post(
        "/api/generate", json={"pipeline": "external", "prompt": "a debate", "manifest_id": manifest_id}
    )
    assert made.status_code == 201, made.text
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Library").click()
    card = page.get_by_role("article", name="Two presidents", exact=True)
    card.get_by_role("button", name="Delete").click()
    refusal = card.get_by_role("alert")
    refusal.wait_for()
    assert "Projects keep working from their snapshot" in refusal.inner_text()
    assert "the project \u201ca debate\u201d uses this manifest" in refusal.inner_text()  # what holds it
    page.reload()
    page.get_by_role("article", name="Two presidents", exact=True).wait_for()  # nothing was deleted
    assert [p for p in problems if "409" not in p] == []  # Chromium logs the refused DELETE itself

    stranger, _ = _signed_in(
        browser, base_url, f"erin-{uuid.uuid4().hex[:8]}", path=manifest_url[len(base_url) :]
    )
    # Another creator's manifest, an id that names nothing, an address that is no page of the
    # studio: the studio's own not-found page, with a way back.
    stranger.get_by_role("heading", name="Nothing here", level=1).wait_for()
    for address in ("/manifests/not-an-id", "/projects/" + "f" * 32, "/no/such/page"):
        stranger.goto(f"{base_url}{address}")
        stranger.get_by_role("heading", name="Nothing here", level=1).wait_for()
    stranger.get_by_role("link", name="Back to the library").click()
    stranger.get_by_role("heading", name="Library", level=1).wait_for()


@pytest.mark.usefixtures("worker")
def test_a_project_from_a_manifest_shows_its_scenes_characters_snapshot_and_continuity(
    browser: Any, base_url: str, spec: dict[str, Any], pipeline: Api, tmp_path: Path
) -> None:
    uid, photos = f"fay-{uuid.uuid4().hex[:8]}", photos_dir()
    owner = Api(base_url, spec, uid)
    manifest = manifest_of_photos(owner, [("Obama", photos / "obama.jpg"), ("Biden", photos / "biden.jpg")])
    ready = process(owner, manifest["id"])
    handles = {m["name"]: m["handle"] for m in ready["cast"]}

    page, problems = _signed_in(browser, base_url, uid, path="/projects")
    form = page.get_by_role("form", name="New film")
    form.get_by_label("Cast from").locator(f"option[value='{manifest['id']}']").wait_for(state="attached")
    assert form.get_by_label("Cast from").input_value() == manifest["id"]  # the READY one, preselected
    # "@" offers the manifest's cast by face and name; Enter writes the one chosen as the server reads it.
    prompt = form.get_by_label("Prompt")
    prompt.press_sequentially("@Bi")
    offered = form.get_by_role("listbox", name="Characters to name").get_by_role("option")
    offered.first.wait_for()
    assert [" ".join(t.split()) for t in offered.all_inner_texts()] == [f"Biden {handles['Biden']}"]
    _shot(page, "new-project", tmp_path)
    prompt.press("Enter")
    assert prompt.input_value() == "@Biden "
    prompt.fill("two men debate at dawn")
    form.get_by_label("Cast from").select_option(
        label=f"Cast · v{ready['version']} · {ready['asset_count']} assets"
    )
    form.get_by_role("button", name="Make the film").click()
    page.get_by_role("heading", name="two men debate at dawn", level=1).wait_for()
    made = page.url.rsplit("/", 1)[-1]
    assert owner.get(f"/api/projects/{made}").json()["pipeline"] == "built_in"  # the form makes the film
    assert owner.as_a_client("POST", f"/api/projects/{made}/stop").status_code == 200
    # The rest is played by an external pipeline, scene by scene, on a project of the same prompt.
    body = {"pipeline": "external", "prompt": "two men debate at dawn", "manifest_id": manifest["id"]}
    project_id = owner.post("/api/generate", json=body).json()["project_id"]
    page.goto(f"{base_url}/projects/{project_id}")
    page.get_by_role("heading", name="two men debate at dawn", level=1).wait_for()

    # The video pipeline records two scenes and their beat images: scene 1 asks for both men, but
    # its beat shows Obama alone.
    for index, tags in enumerate(([handles["Obama"]], [handles["Obama"], handles["Biden"]])):
        scene = {"storyboard_text": f"scene {index} at the podium", "scene_manifest": {"asset_tags": tags}}
        assert (
            pipeline.put(f"/api/pipeline/projects/{project_id}/scenes/{index}", json=scene).status_code == 200
        )
    beats = record(pipeline, project_id, 2, [jpeg(photos / "obama2.jpg"), jpeg(photos / "obama3.jpg")])
    assert reports(owner, beats)["1"]["status"] == "missing"

    page.reload()
    second = page.get_by_role("listitem", name="Scene 2")
    second.get_by_text("missing", exact=True).wait_for(timeout=30_000)
    chips = second.get_by_label("Characters").inner_text()
    assert f"{handles['Obama']} · Obama" in chips and f"{handles['Biden']} · Biden" in chips
    # Who is missing, by face and name (the snapshot's), not by a bare tag.
    missing = second.locator(".chip.person.missing")
    assert missing.first.inner_text() == "missing Biden"
    assert missing.first.locator("img.avatar").evaluate("img => img.complete && img.naturalWidth > 0")
    # Pictures first: each scene shows its latest beat, its faces named on it.
    assert second.get_by_label("Faces in the frame").inner_text() == f"Obama ({handles['Obama']})"
    assert second.get_by_role("img", name="Scene 2, its latest beat").is_visible()
    summary = page.get_by_label("Continuity summary").inner_text()
    assert "1 missing" in summary and "1 ok" in summary, summary
    first = page.get_by_role("listitem", name="Scene 1")
    assert "ok" in first.locator("[data-status]").first.inner_text()
    snapshot = page.get_by_role("list", name="Cast as it was")
    assert snapshot.get_by_role("listitem").count() == 2
    # The result on the first screen, at 1280 and 390 px: scene 1's frame, not a form.
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(250)
        box = first.get_by_role("img", name="Scene 1, its latest beat").bounding_box()
        assert box["y"] < height, f"scene 1's frame starts below the first screen at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})

    # The projects list shows each project by its first frame (scene 1's latest beat).
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Projects").click()
    cover = page.get_by_role("img", name="two men debate at dawn: its first frame")
    cover.wait_for()
    assert cover.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    _shot(page, "projects", tmp_path)
    page.go_back()
    page.get_by_role("heading", name="two men debate at dawn", level=1).wait_for()
    # Scene 1's reference pack: both men, each with why, before either has a second image.
    second.get_by_text("References for this scene").click()
    pack = second.get_by_role("list", name="References of scene 2")
    pack.get_by_role("img").first.wait_for(timeout=20_000)
    names = [
        pack.get_by_role("listitem").nth(n).inner_text() for n in range(pack.get_by_role("listitem").count())
    ]
    assert len(names) == 3 and handles["Obama"] in names[0] and handles["Biden"] in names[1], names
    assert "Spent $0.0000 of $1.00" in page.get_by_role("region", name="Repairs").inner_text()
    page.evaluate("window.scrollTo(0, 0)")  # the storyboard as the project opens
    _shot(page, "project", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    second.scroll_into_view_if_needed()
    _shot(page, "project-390", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The spec (phase 1): edited in place, a bad value refused at its field, then continued on a new branch.
    checkpoint(pipeline, project_id, 1)
    page.reload()
    main = page.get_by_role("listitem", name="Branch main", exact=True)
    main.get_by_role("link", name="1. ").click()
    spec = page.get_by_role("form", name="Video spec")
    spec.get_by_label("Title").fill("   ")
    spec.get_by_role("button", name="Save spec").click()
    assert "visible character" in spec.get_by_role("alert").first.inner_text()
    spec.get_by_label("Title").fill("The debate, at dawn")
    spec.get_by_role("button", name="Save spec").click()
    spec.get_by_text("Saved as a new version").wait_for()
    page.reload()
    assert (
        page.get_by_role("form", name="Video spec").get_by_label("Title").input_value()
        == "The debate, at dawn"
    )
    page.get_by_role("button", name="Continue").click()
    assert "new branch main-1" in page.get_by_test_id("continued").inner_text()
    _shot(page, "checkpoint-spec", tmp_path)
    page.get_by_role("link", name="← Project").click()
    page.get_by_role("listitem", name="Branch main-1").wait_for()

    # The beats (phase 2): every version with its continuity; the missing character is named.
    main = page.get_by_role("listitem", name="Branch main", exact=True)
    main.get_by_role("link", name="2. ").click()
    beat = page.get_by_role("article", name="Beat 2")
    beat.get_by_text("missing Biden").wait_for()
    assert "missing" in beat.locator("[data-status]").inner_text()
    # The faces the check found are named on the frame: Obama, asked for, with a box.
    assert beat.get_by_label("Faces in the frame").inner_text() == f"Obama ({handles['Obama']})"
    assert beat.locator("svg.face-boxes rect.cast").count() == 1
    # Named on the frame and in its alt text; the keyboard reaches each name, which lights its box.
    assert beat.locator("svg.face-boxes text").all_text_contents() == ["Obama"]
    assert beat.get_by_role("img", name=f"Beat 2, version 1: Obama ({handles['Obama']})").count() == 1
    beat.get_by_label("Faces in the frame").get_by_role("button").first.focus()
    assert beat.locator("g.face-box-group.lit rect.cast").count() == 1
    _shot(page, "checkpoint-beats", tmp_path)
    # Dark where the system asks for it (axe checks its contrast too), or where the person chose
    # it: kept across a reload, and back to the system's with "System".
    page.emulate_media(color_scheme="dark")
    _shot(page, "checkpoint-beats-dark", tmp_path)
    page.emulate_media(color_scheme="light")
    page.get_by_label("Theme").select_option("dark")
    page.reload()
    page.get_by_role("article", name="Beat 2").wait_for()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(20, 20, 24)"
    page.get_by_label("Theme").select_option("system")
    assert page.evaluate("document.documentElement.dataset.theme") is None
    # Beat 1 repaired: generated again with both men's references until Biden is seen.
    beat.get_by_role("button", name="Repair").click()
    beat.get_by_role("status").get_by_text("Repaired: v2 is ok").wait_for(timeout=120_000)
    assert "Attempt 1: v2 ok" in beat.get_by_label("Repair attempts").inner_text()
    assert "Biden" in beat.get_by_label("Made with").inner_text()
    named = beat.get_by_label("Faces in the frame").inner_text()
    assert f"Obama ({handles['Obama']})" in named and f"Biden ({handles['Biden']})" in named, named
    beat.get_by_role("button", name="v2 · repair 1").wait_for()
    beat.scroll_into_view_if_needed()
    _shot(page, "checkpoint-repaired", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    beat.get_by_role("status").scroll_into_view_if_needed()
    _shot(page, "checkpoint-repaired-390", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    # Beat 0 generated again: the job is followed, and its result is the next version.
    first_beat = page.get_by_role("article", name="Beat 1")
    first_beat.get_by_role("button", name="Regenerate").click()
    first_beat.get_by_role("button", name=re.compile(r"^v2 · ")).wait_for(timeout=120_000)
    # And made a reference asset of the manifest it came from.
    promote = page.get_by_role("form", name="Make it a reference")
    promote.get_by_label("Frame of").select_option(label="beat 2")
    promote.get_by_label("Asset name").fill("Obama at the podium")
    promote.get_by_role("button", name="Make it a reference").click()
    promote.get_by_text("Added as CHAR_").wait_for()

    # A clip (phase 3) of Obama, then a stranger: its presence strip shows who is in which frame,
    # and choosing a frame shows that moment of the clip.
    clips = record(pipeline, project_id, 3, [clip_of(photos / "obama2.jpg", stranger_photo())])
    assert reports(owner, clips)["0"]["status"] == "unknown"
    page.goto(f"{base_url}/checkpoints/{clips}")
    strip = page.get_by_role("figure", name="Who is in the clip, frame by frame")
    strip.wait_for(timeout=30_000)
    frames = strip.get_by_role("group", name="Show a checked frame").get_by_role("button")
    assert frames.count() == 8
    assert frames.nth(0).get_attribute("aria-label").startswith(f"0 s: Obama ({handles['Obama']})")
    assert "a face of nobody in the cast" in (frames.nth(6).get_attribute("aria-label") or "")
    frames.nth(6).click()
    assert page.evaluate("document.querySelector('video.clip').currentTime") == 3
    _shot(page, "checkpoint-clip", tmp_path)

    # Finished, the project forks: Biden removed, Obama's prompt edited, a new photo uploaded.
    finished = pipeline.put(f"/api/pipeline/projects/{project_id}", json={"status": "complete"})
    assert finished.status_code == 200, finished.text
    page.goto(f"{base_url}/projects/{project_id}")
    fork = page.get_by_role("region", name="Fork")
    fork.wait_for()
    preview = fork.get_by_test_id("fork-preview")
    preview.get_by_text("Nothing to redo").wait_for()  # nothing changed yet: everything inherited
    biden = fork.get_by_role("listitem", name=f"{handles['Biden']} Biden", exact=True)
    biden.get_by_role("radio", name="remove").check()
    obama = fork.get_by_role("listitem", name=f"{handles['Obama']} Obama", exact=True)
    obama.get_by_role("radio", name="edit").check()
    obama.get_by_label("Reverse prompt").fill("a tall man at a podium")
    fork.get_by_label("New uploads", exact=True).set_input_files(str(photos / "obama3.jpg"))
    preview.get_by_text("The fork keeps no scene and makes the rest again from the first frames").wait_for()
    # scene 1 asked for Biden: it says so, by his name
    assert "Biden is removed" in preview.get_by_role("list", name="Scenes made again").inner_text()
    _shot(page, "fork", tmp_path)
    fork.get_by_role("button", name="Fork", exact=True).click()
    page.get_by_text("A fork of").wait_for()
    assert page.url.rsplit("/", 1)[-1] != project_id
    page.get_by_test_id("run-status").get_by_text("READY").wait_for(timeout=180_000)
    cast = page.get_by_role("list", name="Cast as it was")
    cast.get_by_role("listitem").first.wait_for(timeout=30_000)
    assert cast.inner_text().count("Biden") == 0 and "Obama" in cast.inner_text()
    # Biden was removed as a character: his upload and every crop and face of him are gone.
    forked = owner.get(f"/api/projects/{page.url.rsplit('/', 1)[-1]}").json()
    left = owner.get(f"/api/manifests/{forked['manifest_id']}").json()["assets"]
    assert left and not [a["name"] for a in left if "biden" in a["name"].lower()]
    assert "branch main-" in page.locator("p.meta").first.inner_text()  # a branch of its own, under main
    # Chromium logs the refused spec (422) itself, and a fork's snapshot read while its run settles (409).
    assert [p for p in problems if not re.search(r"status of (422|409)", p)] == []
