"""The import rules of docs/design.md are import-linter contracts (`[tool.importlinter]` in
pyproject.toml): layers for every package, the light sides (no ML library in functions/ or common/),
the CLI as a client only, and no import cycle between the children of any package, down to files.
`make lint` runs them; so does this test, so that `pytest tests/unit` alone catches a break."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(linter), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
