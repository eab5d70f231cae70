"""The api function loads a route's module on that route's first request, from a generated index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devstack import route_index
from functions.api.router import declared

ROOT = Path(__file__).resolve().parents[2]


def test_the_index_is_exactly_what_the_declarations_say() -> None:
    assert route_index.TARGET.read_text() == route_index.render(), "run `make route-index`"


def test_a_route_missing_from_its_module_is_an_error_that_says_what_to_run() -> None:
    with pytest.raises(LookupError, match="make route-index"):
        declared("GET", "/api/manifests/{manifest_id}/nothing", "manifests")


# A fresh interpreter: the import holds no domain (pydantic comes with the settings); a request to a
# manifests route loads that module and its domain (the library and its runs' jobs), and no other
# domain's models.
FRESH = r"""
import json, sys
import functions.main
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

def loaded(*names):
    return [n for n in names if n in sys.modules]

domains = ("pydantic", "functions.api.manifests", "common.library.models", "common.projects.models",
           "common.checkpoints.models", "common.jobs.models", "common.maintenance.sweep")
after_import = loaded(*domains)
missing = functions.main.api(Request(EnvironBuilder(path="/api/nothing-here").get_environ()))
answer = functions.main.api(Request(EnvironBuilder(path="/api/manifests").get_environ()))
print(json.dumps({
    "after_import": after_import,
    "missing": [missing.status_code, missing.json["error"]["code"]],
    "after_request": loaded(*domains),
    "answer": [answer.status_code, answer.json["error"]["code"]],
}))
"""


def test_the_import_loads_no_domain_and_a_request_only_its_own() -> None:
    run = subprocess.run([sys.executable, "-c", FRESH], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["after_import"] == ["pydantic"]
    assert seen["missing"] == [404, "not_found"]
    assert seen["answer"] == [401, "unauthenticated"]  # routed, then refused: no token
    # The manifests' domain: the library, and the jobs whose runs a delete of a manifest ends.
    assert seen["after_request"] == [
        "pydantic",
        "functions.api.manifests",
        "common.library.models",
        "common.jobs.models",
    ]
