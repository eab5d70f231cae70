"""The documentation stays true to the repository: links resolve, none leaves it, README stays short."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", ROOT / "gpu_service" / "README.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\]\(([^)]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(page: Path) -> None:
    for target in LINK.findall(page.read_text()):
        assert not re.match(r"[a-z]+://", target), f"{target} leaves the repository"
        resolved = (page.parent / target.split("#")[0]).resolve()
        assert resolved.is_relative_to(ROOT), f"{target} leaves the repository"
        assert resolved.exists(), f"{page.name}: {target} does not exist"


def test_readme_is_an_entry_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    assert "make run" in text and "make test" in text
    assert len(list((ROOT / "docs").glob("*.md"))) >= 5


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_reads_as_a_work_log(page: Path) -> None:
    text = page.read_text()
    assert not re.search(r"\bissue \d+", text, flags=re.I)
    assert not re.search(r"\b(at|by) \d{1,2}:\d{2}\b", text)  # hours of the day
    assert "../shared" not in text
