"""The studio makes a film (docs/studio.md): a creator on a phone, in Debian's Chromium, writes a
prompt naming two characters of a processed manifest, sees the quote, starts the film, approves it
at each checkpoint, watches the cut in its player, forks it without one of them and watches that
film. The built-in run is the product's own (the real google-genai client against the local
stand-in, the real face models judging every frame and clip)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_studio import PHONE, _shot, _signed_in, browser  # noqa: F401  (a fixture)
from tests.support.api import Api
from tests.support.engine import manifest_of_photos, process

FILM_S = 300  # a two-scene film on two cores, approved step by step


def _approve_until_the_film(page: Any) -> int:
    """Approves each checkpoint the film waits at until its cut is in the player; how many."""
    film = page.get_by_role("region", name="The film", exact=True)
    approve = page.get_by_role("button", name="Approve and go on")
    approved, deadline = 0, time.monotonic() + FILM_S
    while time.monotonic() < deadline:
        if film.count():
            return approved
        if approve.count() and approve.is_enabled():
            approve.click()
            approved += 1
            approve.wait_for(state="detached", timeout=60_000)  # the film goes on
        page.wait_for_timeout(500)
    raise AssertionError(f"no film after {FILM_S} s: {page.get_by_role('list', name='Phases').inner_text()}")


def _watch(page: Any, seconds: float) -> Any:
    """The cut plays in the player, its length as asked; choosing scene 2 shows the film from there."""
    video = page.get_by_role("region", name="The film", exact=True).locator("video")
    video.wait_for()
    duration = video.evaluate(
        "v => v.readyState >= 1 ? v.duration"
        " : new Promise(ok => v.addEventListener('loadedmetadata', () => ok(v.duration)))"
    )
    assert abs(duration - seconds) < 0.6, duration
    scenes = page.get_by_role("list", name="Scenes of the film").get_by_role("button")
    assert scenes.count() == 2
    scenes.nth(1).click()
    assert 7.95 <= video.evaluate("v => v.currentTime") < 8.75  # from scene 2's start (it plays on)
    expect(scenes.nth(1)).to_have_attribute("aria-current", "true")  # as the film reaches it
    link = page.get_by_role("link", name="Download the film")
    assert requests.get(link.get_attribute("href"), timeout=30).content[4:8] == b"ftyp"  # an MP4
    return video


@pytest.mark.usefixtures("worker")
def test_a_creator_on_a_phone_makes_a_film_watches_it_and_forks_it_without_one_character(
    browser: Any,  # noqa: F811
    base_url: str,
    spec: dict[str, Any],
    photos: Path,
    tmp_path: Path,
) -> None:
    uid = f"gwen-{uuid.uuid4().hex[:8]}"
    owner = Api(base_url, spec, uid)
    manifest = manifest_of_photos(
        owner, [("Barack Obama", photos / "obama.jpg"), ("Joe Biden", photos / "biden.jpg")]
    )
    ready = process(owner, manifest["id"])
    handles = {m["name"]: m["handle"] for m in ready["cast"]}

    page, problems = _signed_in(browser, base_url, uid, path="/projects", viewport=PHONE)
    # The header folds into a menu on a phone: the page's own content starts near the top.
    assert page.get_by_role("navigation", name="Studio").is_hidden()
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("navigation", name="Studio").is_visible()
    page.get_by_role("button", name="Menu").click()

    form = page.get_by_role("form", name="New film")
    form.get_by_label("Cast from").locator(f"option[value='{manifest['id']}']").wait_for(state="attached")
    assert form.get_by_label("Cast from").input_value() == manifest["id"]
    # "@" offers the cast by face and name; a name of two words is written as it is spelled, and a
    # name typed by hand ("@Joe Biden") is read whole by the server too.
    prompt = form.get_by_label("Prompt")
    prompt.press_sequentially("@Bar")
    form.get_by_role("listbox", name="Characters to name").get_by_role("option").first.wait_for()
    prompt.press("Enter")
    prompt.press_sequentially("waits at the harbour. @Joe Biden arrives by boat.")
    prompt.press("Escape")
    written = "@Barack Obama waits at the harbour. @Joe Biden arrives by boat."
    assert prompt.input_value() == written
    # The quote before anything starts: two scenes of 8 s, within the default budget.
    form.get_by_label("Length").select_option("16")
    quote = form.get_by_test_id("quote")
    quote.get_by_text("2 scenes, 16 s").wait_for()
    assert "of a $10.00 budget" in quote.inner_text()
    form.get_by_label("Budget (USD)").fill("1")
    form.get_by_text("More than the budget").wait_for()
    assert form.get_by_role("button", name="Make the film").is_disabled()
    form.get_by_label("Budget (USD)").fill("")
    form.get_by_label("Go on by itself").uncheck()  # the creator approves each step
    _shot(page, "film-new", tmp_path)
    form.get_by_role("button", name="Make the film").click()

    phases = page.get_by_role("list", name="Phases")
    phases.wait_for()
    project_id = page.url.rsplit("/", 1)[-1]
    assert [p["phase"] for p in owner.get(f"/api/projects/{project_id}").json()["phases"]] == [1, 2, 3, 4]
    # The storyboard waits for approval: the timeline says so, and the title is the storyboard's.
    waiting = page.get_by_role("group", name="Waiting for your approval")
    waiting.wait_for(timeout=FILM_S * 1000)
    assert "The storyboard: ready" in waiting.inner_text()
    assert phases.get_by_role("listitem", name="Storyboard: done").is_visible()
    title = page.get_by_role("heading", level=1).inner_text()
    stored = owner.get(f"/api/projects/{project_id}").json()
    assert title == stored["title"] and len(title.split()) <= 6 and title != written
    scenes = stored["scenes"]
    assert [s["scene_manifest"]["asset_tags"] for s in scenes] == [
        [handles["Barack Obama"]],
        [handles["Joe Biden"]],
    ]
    _shot(page, "film-storyboard-390", tmp_path)
    assert _approve_until_the_film(page) == 3  # the storyboard, the first frames, the clips

    video = _watch(page, 16.0)
    assert phases.get_by_role("listitem", name="The cut: done").is_visible()
    video.evaluate("v => v.pause()")
    page.get_by_role("region", name="The film", exact=True).scroll_into_view_if_needed()
    _shot(page, "film-390", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("region", name="The film", exact=True).scroll_into_view_if_needed()
    _shot(page, "film", tmp_path)
    page.emulate_media(color_scheme="dark")  # and in the dark, as the system may ask
    _shot(page, "film-dark", tmp_path)
    page.emulate_media(color_scheme="light")

    # Forked without Joe Biden: the preview says which scene is made again and why, by face and name.
    fork = page.get_by_role("region", name="Fork")
    biden = fork.get_by_role("listitem", name=f"{handles['Joe Biden']} Joe Biden", exact=True)
    biden.get_by_role("radio", name="remove").check()
    redone = fork.get_by_role("list", name="Scenes made again")
    redone.get_by_text("Joe Biden is removed").wait_for()
    assert redone.get_by_role("listitem").count() == 1 and "Scene 2" in redone.inner_text()
    assert redone.locator("img.avatar").evaluate("img => img.complete && img.naturalWidth > 0")
    assert "keeps scene 1 of 2 as it is" in fork.get_by_test_id("fork-preview").inner_text()
    page.set_viewport_size(PHONE)
    fork.get_by_test_id("fork-preview").scroll_into_view_if_needed()
    _shot(page, "film-fork-390", tmp_path)
    fork.get_by_role("button", name="Fork", exact=True).click()
    page.get_by_text("A fork of").wait_for()
    fork_id = page.url.rsplit("/", 1)[-1]
    assert fork_id != project_id
    assert _approve_until_the_film(page) >= 1
    _watch(page, 16.0)
    made = owner.get(f"/api/projects/{fork_id}").json()
    assert [s["source"] == "inherited" for s in made["scenes"]] == [True, False]  # scene 2 made again
    assert all(handles["Joe Biden"] not in (s["scene_manifest"]["asset_tags"] or []) for s in made["scenes"])
    cast = page.get_by_role("list", name="Cast as it was")
    assert "Joe Biden" not in cast.inner_text() and "Barack Obama" in cast.inner_text()
    _shot(page, "fork-film-390", tmp_path)

    # The fork's manifest lives with its project: the library shows the creator's one manifest.
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Library").click()
    page.get_by_role("article", name="Cast", exact=True).wait_for()
    assert page.get_by_role("article").count() == 1
    # Face search names him once: the fork's copy of his face is the same person as its source.
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Face search").click()
    page.get_by_label("Choose a photo").set_input_files(str(photos / "obama3.jpg"))
    found = page.get_by_role("region", name="Who it is").locator("ul.found-people > li")
    found.first.wait_for(timeout=60_000)
    assert found.count() == 1, found.all_inner_texts()
    assert found.first.get_attribute("aria-label") == "Barack Obama in Cast"
    assert problems == []
