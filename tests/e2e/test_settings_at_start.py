"""A malformed setting stops each entry point when it is loaded (as the runtime loads it, before it
listens), with one message naming the variable and the form it expects: not at the first request
that happens to read it."""

from __future__ import annotations

import os

import pytest

from tests.support.fresh import fresh_python

MESSAGE = "MAX_UPLOAD_BYTES: expected an integer number of bytes (1 or more), got '20MB'"


@pytest.mark.parametrize("module", ["functions.main", "gpu_service.main"])
def test_a_malformed_setting_stops_the_entry_point_on_import(module: str) -> None:
    env = {**os.environ, "MAX_UPLOAD_BYTES": "20MB"}
    run = fresh_python(f"import {module}", env)
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1] == f"common.gcp.env.BadSettings: {MESSAGE}"


def test_the_runtime_does_not_build_the_function() -> None:
    """functions-framework, as Cloud Functions runs it: building the app fails, nothing serves."""
    build = "from functions_framework import create_app; create_app('api', 'functions/main.py', 'http')"
    env = {**os.environ, "MAX_UPLOAD_BYTES": "20MB"}
    run = fresh_python(build, env)
    assert run.returncode != 0
    assert MESSAGE in run.stderr
