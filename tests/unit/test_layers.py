"""Each package imports only what its `__init__` docstring says it may (read from the source, not
run): the layering of docs/design.md, checked rather than trusted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE = {"common.errors", "common.records", "common.ids", "common.cursors", "common.owned"}

# package -> the project's packages and modules it may import besides itself
ALLOWED: dict[str, set[str]] = {
    "common.gcp": set(),
    "common.library": {"common.gcp"} | BASE,
    "common.jobs": {"common.library", "common.gcp"} | BASE,
    "common.projects": {"common.jobs", "common.library", "common.gcp"} | BASE,
    "gpu_service.vision": {"gpu_service.config", "gpu_service.errors", "common.library", "common.gcp"},
    "gpu_service.describe": {
        "gpu_service.config",
        "gpu_service.errors",
        "gpu_service.vision",
        "common.library",
    },
    "gpu_service.jobs": {"gpu_service.config", "common.jobs", "common.library", "common.gcp"} | BASE,
}


def _imports(package: str) -> set[tuple[str, str]]:
    """(file, imported project module) for every project import in the package."""
    found = set()
    for path in sorted((ROOT / package.replace(".", "/")).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.split(".")[0] in {"common", "gpu_service", "functions", "cli", "devstack"}:
                    found.add((path.name, name))
    return found


def _allowed(name: str, package: str) -> bool:
    if name == package.split(".", maxsplit=1)[0]:  # `from common import x`: judged by its fuller name
        return True
    return any(name == p or name.startswith(p + ".") for p in ALLOWED[package] | {package})


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_its_layers(package: str) -> None:
    broken = sorted(f"{file}: {name}" for file, name in _imports(package) if not _allowed(name, package))
    assert broken == [], f"{package} imports past its layer"


def test_the_checker_sees_a_break() -> None:
    """The rule is live: common.library's own face client once imported the jobs' task wire."""
    assert not _allowed("common.jobs.task_wire", "common.library")
    assert _allowed("common.library.embed_wire", "common.library")
