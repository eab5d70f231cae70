"""The `vidpipe` command line run as a user would run it, against the suite's stack."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from devstack.tokens import emulator_token

ROOT = Path(__file__).resolve().parents[2]
VIDPIPE = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "vidpipe")


def vidpipe(base_url: str, uid: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIDPIPE_URL": base_url, "VIDPIPE_TOKEN": emulator_token(uid)}
    return subprocess.run([VIDPIPE, *args], capture_output=True, text=True, env=env, timeout=300, check=False)
