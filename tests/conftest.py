"""Both tiers: `unit/` (pure logic, no emulator) and `e2e/` (real emulators, HTTP and models; its own
conftest starts the stack only when a test asks for it)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked after_suite run last (they check what the rest of the suite did)."""
    items.sort(key=lambda item: item.get_closest_marker("after_suite") is not None)
