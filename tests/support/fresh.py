"""Python code run in a fresh interpreter from the repository root, as a runtime loads an entry
point: nothing of the test process (settings read, modules imported) carries over."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.terraform import ROOT


def fresh_python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=os.environ if env is None else env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
