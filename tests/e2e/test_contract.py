"""The contract under a fuzzer: schemathesis (its own venv, `make test` builds it) generates requests
from the served /api/openapi.json, valid and invalid, and runs every check against the suite's
stack. Zero failures means the document says exactly what the server does: what it accepts, what
it refuses, with which status, in which shape. Seeded, so a failure reproduces."""

from __future__ import annotations

import contextlib
import re
import subprocess
from pathlib import Path

from common.gcp import db
from common.projects import film, projects
from common.projects.models import TERMINAL_STATUSES
from devstack.tokens import emulator_token

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = ROOT / ".venv-schemathesis" / "bin" / "st"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 7
EXAMPLES = 10  # per operation and phase: about a minute here


def test_schemathesis_finds_no_contract_failure(base_url: str) -> None:
    assert SCHEMATHESIS.exists(), "schemathesis is installed by `make test` (make .venv-schemathesis)"
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "--no-color",
            "run",
            f"{base_url}/api/openapi.json",
            "--url",
            base_url,
            "--header",
            f"Authorization: Bearer {emulator_token('schemathesis')}",
            "--checks",
            "all",
            "--seed",
            str(SEED),
            "--max-examples",
            str(EXAMPLES),
            "--workers",
            "2",
            "--generation-database",
            "none",  # no examples kept between runs: each run is the seed's, nothing else
            # Speed is not the contract: a multi-megabyte upload of random bytes on two busy cores
            # may take seconds. A hung request still fails the run.
            "--request-timeout",
            "60",
            # Nor is how fast Hypothesis builds the fork's large nested bodies on two busy cores
            # (seen once, with other tests running beside it): a health check of generation only.
            "--suppress-health-check",
            "too_slow",
            "--max-response-time",
            "45",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    _stop_films("schemathesis")
    summary = run.stdout[-6000:]
    assert "Failures:" not in run.stdout, summary
    assert run.returncode == 0, summary + run.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", run.stdout)
    assert tested is not None and int(tested.group(1)) >= 40, summary  # every operation was tried
    assert re.search(r"\d+ generated", run.stdout), summary


def _stop_films(owner_id: str) -> None:
    """The fuzzer's generates start films (the built-in run is the default): stopped, so the
    tests after it do not wait behind them in the queue."""
    for project in projects.list_owned(owner_id):
        if project.status not in TERMINAL_STATUSES:
            for _ in range(10):  # again while the worker's transactions hold the project (503)
                with contextlib.suppress(db.Contended):
                    film.stop(owner_id, project.id)
                    break
