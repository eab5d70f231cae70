"""infra/ is parsed (python-hcl2) and checked against what the code relies on: deployed entry
points, environment variables, Firestore indexes, the queue's target and the upload trigger."""

from __future__ import annotations

import ast
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from common.gcp.config import LOCAL_ONLY
from tests.support import terraform
from tests.support.fresh import fresh_python
from tests.support.terraform import INFRA, ROOT, RUNTIME_PROVIDED, env_names_read, resource


@pytest.fixture(scope="module")
def tf() -> dict[str, Any]:
    return terraform.load()


# ---------------------------------------------------------------- entry points
def test_every_entry_point_is_deployed(tf: dict) -> None:
    module = ast.parse((ROOT / "functions/main.py").read_text())
    targets = {n.name for n in module.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
    functions = tf["resource"]["google_cloudfunctions2_function"].values()
    assert (
        {f["build_config"][0]["entry_point"] for f in functions}
        == targets
        == {"api", "on_upload_finalized", "sweep"}
    )
    archive = (INFRA / "functions.tf").read_text()
    assert f"from functions.main import {', '.join(sorted(targets))}" in archive  # the deployed root main.py
    dockerfile = (ROOT / "gpu_service/Dockerfile").read_text()
    worker = ast.parse((ROOT / "gpu_service/main.py").read_text())
    assert "handle_task" in {n.name for n in worker.body if isinstance(n, ast.FunctionDef)}
    assert "--target=handle_task --source=gpu_service/main.py" in dockerfile
    assert (
        resource(tf, "google_cloud_run_v2_service", "gpu")["template"][0]["containers"][0]["image"]
        == "${var.gpu_image}"
    )


def test_deployed_requirements_match_the_project_pins() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["functions"])
    lines = (ROOT / "functions/requirements.txt").read_text().splitlines()
    assert {line for line in lines if line and not line.startswith("#")} == wanted


# ---------------------------------------------------------------- environment
def test_every_variable_the_code_reads_is_set_and_no_local_one_is(tf: dict) -> None:
    common_env = set(tf["locals"]["common_env"])
    gpu_service = resource(tf, "google_cloud_run_v2_service", "gpu")["template"][0]["containers"][0]
    assert gpu_service["dynamic"][0]["env"]["for_each"] == "${local.gpu_env}"
    gpu_env = (
        common_env
        | _merged_keys((INFRA / "main.tf").read_text(), "gpu_env")
        | {e["name"] for e in gpu_service["env"]}
    )
    for function in tf["resource"]["google_cloudfunctions2_function"].values():
        assert function["service_config"][0]["environment_variables"] == "${local.common_env}"
    api_secrets = {
        s["key"]
        for s in resource(tf, "google_cloudfunctions2_function", "api")["service_config"][0][
            "secret_environment_variables"
        ]
    }
    assert api_secrets == {"CDN_SIGNING_KEY"}
    api_env = common_env | api_secrets

    functions_read = env_names_read("functions", "common") - set(LOCAL_ONLY) - RUNTIME_PROVIDED
    gpu_read = (
        env_names_read("gpu_service", "common") - set(LOCAL_ONLY) - RUNTIME_PROVIDED - api_secrets
    )  # the GPU service never makes read URLs
    assert functions_read <= api_env, f"not set for the functions: {sorted(functions_read - api_env)}"
    assert gpu_read <= gpu_env, f"not set for the GPU service: {sorted(gpu_read - gpu_env)}"
    assert not (common_env | gpu_env) & set(LOCAL_ONLY)
    assert {"UPLOADS_BUCKET", "WORKER_URL", "TASKS_SERVICE_ACCOUNT", "GEMINI_API_KEY"} <= gpu_env


def _merged_keys(text: str, name: str) -> set[str]:
    """Keys of `name = merge(local.common_env, { KEY = ... })` in main.tf's locals."""
    block = text.split(f"{name} = merge(local.common_env, {{", 1)[1].split("})", 1)[0]
    return set(re.findall(r"^\s*([A-Z][A-Z0-9_]+)\s*=", block, flags=re.M))


def test_a_deployment_refuses_emulator_settings() -> None:
    env = {**os.environ, "K_SERVICE": "vidpipe-api", "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099"}
    for module in ("functions.main", "gpu_service.main"):
        run = fresh_python(f"import {module}", env)
        assert run.returncode != 0
        assert (
            "refusing to start: local-only settings" in run.stderr
            and "FIREBASE_AUTH_EMULATOR_HOST" in run.stderr
        )
    clean = {k: v for k, v in env.items() if k not in LOCAL_ONLY and not k.endswith("_EMULATOR_HOST")}
    ok = fresh_python("import functions.main", clean)
    assert ok.returncode == 0, ok.stderr


# ---------------------------------------------------------------- queue, service, trigger
def test_the_queue_delivers_to_the_gpu_service_as_the_tasks_identity(tf: dict) -> None:
    queue = resource(tf, "google_cloud_tasks_queue", "processing")
    target = queue["http_target"][0]
    assert target["uri_override"][0]["host"] == '${trimprefix(local.gpu_url, "https://")}'
    assert target["uri_override"][0]["path_override"][0]["path"] == "/tasks"
    assert target["oidc_token"][0] == {
        "service_account_email": "${google_service_account.tasks.email}",
        "audience": "${local.gpu_url}",
    }
    assert tf["locals"]["common_env"]["WORKER_URL"] == "${local.gpu_url}/tasks"
    service_name = resource(tf, "google_cloud_run_v2_service", "gpu")["name"]
    assert tf["locals"]["gpu_url"].startswith(f"https://{service_name}-")  # Cloud Run's deterministic URL
    assert queue["retry_config"][0]["max_attempts"] == "${local.task_max_attempts}"
    assert "TASK_MAX_ATTEMPTS = tostring(local.task_max_attempts)" in re.sub(
        r"\s+", " ", (INFRA / "main.tf").read_text()
    )
    invokers = [
        m
        for m in tf["resource"]["google_cloud_run_v2_service_iam_member"].values()
        if m["name"] == "${google_cloud_run_v2_service.gpu.name}"
    ]
    # Tasks bring work; the api asks for the faces of a search image (/faces/embed). Nobody else.
    assert sorted(m["member"] for m in invokers) == [
        "serviceAccount:${google_service_account.api.email}",
        "serviceAccount:${google_service_account.tasks.email}",
    ]
    assert tf["locals"]["common_env"]["API_SERVICE_ACCOUNT"] == "${google_service_account.api.email}"


def test_the_upload_trigger_listens_to_the_uploads_bucket(tf: dict) -> None:
    trigger = resource(tf, "google_cloudfunctions2_function", "on_upload_finalized")["event_trigger"][0]
    assert trigger["event_type"] == "google.cloud.storage.object.v1.finalized"
    assert trigger["event_filters"] == [
        {"attribute": "bucket", "value": "${google_storage_bucket.uploads.name}"}
    ]
    assert tf["locals"]["common_env"]["UPLOADS_BUCKET"] == "${google_storage_bucket.uploads.name}"
    for name in ("uploads", "derived"):
        bucket = resource(tf, "google_storage_bucket", name)
        assert (
            bucket["uniform_bucket_level_access"] is True and bucket["public_access_prevention"] == "enforced"
        )
        assert bucket["lifecycle_rule"] and bucket["cors"]


def test_the_functions_archive_holds_every_module_they_import() -> None:
    """The zip that infra/functions.tf deploys (its fileset patterns, as Terraform expands them) has
    every project module that importing functions/main.py and every route's module loads, packages
    and all."""
    archive = (INFRA / "functions.tf").read_text()
    patterns = re.findall(r'fileset\("\$\{path\.module\}/\.\.", "([^"]+)"\)', archive)
    assert patterns, "no fileset patterns found in functions.tf"
    zipped = {str(p.relative_to(ROOT)) for pattern in patterns for p in ROOT.glob(pattern)}
    show_files = (
        "import sys, functions.main\nfrom functions.api.router import declared_routes\ndeclared_routes()\n"
        "from common.library import uploads, views\nfrom common.maintenance import sweep\n"
        "for m in list(sys.modules.values()): print(getattr(m, '__file__', ''))"
    )
    shown = fresh_python(show_files)
    assert shown.returncode == 0, shown.stderr
    loaded = shown.stdout.split()
    files = [Path(f).resolve() for f in loaded if f and f != "None"]
    ours = {
        str(f.relative_to(ROOT))
        for f in files
        if f.is_relative_to(ROOT) and f.relative_to(ROOT).parts[0] in ("common", "functions")
    }
    assert len(ours) > 10, f"functions/main.py loaded too few modules of the project: {sorted(ours)}"
    assert ours <= zipped, f"imported but not deployed: {sorted(ours - zipped)}"


def test_the_sweep_runs_nightly_and_only_the_scheduler_may_call_it(tf: dict) -> None:
    function = resource(tf, "google_cloudfunctions2_function", "sweep")
    assert function["build_config"][0]["entry_point"] == "sweep"
    job = resource(tf, "google_cloud_scheduler_job", "sweep")
    target = job["http_target"][0]
    assert target["uri"] == "${google_cloudfunctions2_function.sweep.service_config[0].uri}"
    assert target["oidc_token"][0]["service_account_email"] == "${google_service_account.scheduler.email}"
    assert target["oidc_token"][0]["audience"] == target["uri"]
    invokers = [
        member
        for kind in ("google_cloud_run_service_iam_member", "google_cloud_run_v2_service_iam_member")
        for member in tf["resource"].get(kind, {}).values()
        if "sweep" in str(member.get("service", member.get("name", "")))
    ]
    assert [m["member"] for m in invokers] == ["serviceAccount:${google_service_account.scheduler.email}"]
