"""infra/ is parsed (python-hcl2) and checked against what the code relies on: deployed entry
points, environment variables, Firestore indexes, the queue's target and the upload trigger."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import hcl2
import pytest

from common.gcp.config import LOCAL_ONLY
from tests import firestore_queries

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
RUNTIME_PROVIDED = {"K_SERVICE", "PORT"}  # set by Cloud Run and Cloud Functions themselves


def unquote(value: Any) -> Any:
    return value[1:-1] if isinstance(value, str) and value.startswith('"') and value.endswith('"') else value


def strip(value: Any) -> Any:
    """Parsed HCL without its quoting and block markers."""
    if isinstance(value, dict):
        return {unquote(k): strip(v) for k, v in value.items() if k not in ("__is_block__", "__comments__")}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return unquote(value)


@pytest.fixture(scope="module")
def tf() -> dict[str, Any]:
    merged: dict[str, Any] = {"resource": {}, "locals": {}, "data": {}}
    for path in sorted(INFRA.glob("*.tf")):
        parsed = strip(hcl2.load(path.open()))
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                merged["resource"].setdefault(kind, {}).update(named)
        for block in parsed.get("locals", []):
            merged["locals"].update(block)
    return merged


def resource(tf: dict, kind: str, name: str) -> dict[str, Any]:
    return tf["resource"][kind][name]


def settings_fields(node: ast.ClassDef) -> set[str]:
    """The variables a pydantic-settings class reads: each field's name in capitals, or its alias."""
    names = set()
    for field in node.body:
        if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name):
            alias = next(
                (
                    k.value.value
                    for call in ast.walk(field)
                    if isinstance(call, ast.Call)
                    for k in call.keywords
                    if k.arg == "validation_alias" and isinstance(k.value, ast.Constant)
                ),
                None,
            )
            names.add(alias or field.target.id.upper())
    return names


def env_names_read(*folders: str) -> set[str]:
    """Environment variables the code reads: env("X"), os.environ.get("X"), os.environ["X"],
    "X" in os.environ, and the fields of pydantic-settings classes."""
    names = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and any(
                    ast.unparse(b) == "BaseSettings" for b in node.bases
                ):
                    names |= settings_fields(node)
                elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                    func = ast.unparse(node.func)
                    if func in ("env", "os.environ.get", "os.getenv", "os.environ.setdefault"):
                        names.add(node.args[0].value)
                elif (
                    isinstance(node, ast.Subscript)
                    and ast.unparse(node.value) == "os.environ"
                    and isinstance(node.slice, ast.Constant)
                ):
                    names.add(node.slice.value)
                elif (
                    isinstance(node, ast.Compare)
                    and isinstance(node.left, ast.Constant)
                    and any(ast.unparse(c) == "os.environ" for c in node.comparators)
                ):
                    names.add(node.left.value)
    return {n for n in names if isinstance(n, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", n)}


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
        run = subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode != 0
        assert (
            "refusing to start: local-only settings" in run.stderr
            and "FIREBASE_AUTH_EMULATOR_HOST" in run.stderr
        )
    clean = {k: v for k, v in env.items() if k not in LOCAL_ONLY and not k.endswith("_EMULATOR_HOST")}
    ok = subprocess.run(
        [sys.executable, "-c", "import functions.main"],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
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


# ---------------------------------------------------------------- indexes
def terraform_indexes(tf: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for name, index in tf["resource"]["google_firestore_index"].items():
        if index.get("for_each") == "${local.manifest_indexes}":
            for spec in tf["locals"]["manifest_indexes"].values():
                fields = [(f, "ASCENDING") for f in spec["equality"]] + [(spec["order"], spec["way"])]
                out.append((index["collection"], fields))
        else:
            fields = [(f["field_path"], f["order"]) for f in index["fields"] if f["field_path"] != "__name__"]
            out.append((index["collection"], fields))
        assert out, name
    return out


def serves(index: tuple[str, list[tuple[str, str]]], need: firestore_queries.Need) -> bool:
    collection, fields = index
    prefix, rest = fields[: len(need.equality)], fields[len(need.equality) :]
    return (
        collection == need.collection
        and {f for f, _ in prefix} == need.equality
        and tuple(rest) == need.ordered
    )


@pytest.mark.after_suite
def test_every_query_the_code_issued_has_an_index(tf: dict, alice, photos: Path) -> None:
    """Runs after the rest of the suite: the recorder has seen every query the API process issued.
    The GPU service's queries are issued here, in process, by a real run and a reprocess."""
    from common.jobs import lifecycle
    from common.jobs.models import ManifestJob, ReprocessJob
    from common.records import new_id, utcnow
    from gpu_service import reprocess
    from gpu_service.run import pipeline
    from tests.engine_support import hold_lease, manifest_of_photos

    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg")])
    now = utcnow()
    job = ManifestJob(
        id=new_id(),
        owner_id=alice.uid,
        manifest_id=manifest["id"],
        created_at=now,
    )
    hold_lease(manifest["id"], job.id, expires_in=timedelta(hours=1))
    pipeline.run_manifest(job)
    asset = alice.get(f"/api/manifests/{manifest['id']}").json()["assets"][0]
    reprocess.run_reprocess(
        ReprocessJob(
            **job.model_dump(include={"id", "owner_id", "manifest_id", "created_at"}), asset_id=asset["id"]
        )
    )
    lifecycle.read_job(job.id)
    # The API's list in every shape (the rest of the suite issues them too, when it runs first).
    for sort in ("updated_at", "name", "times_used", "asset_count"):
        for filters in ("", "&category=MIXED", "&status=READY", "&category=MIXED&status=READY"):
            assert alice.get(f"/api/manifests?sort={sort}{filters}").status_code == 200
    assert alice.get("/api/projects").status_code == 200
    assert alice.delete(f"/api/manifests/{manifest['id']}").status_code == 200

    collections = {q["from_"][0]["collection_id"] for q in firestore_queries.recorded}
    assert {"manifests", "assets", "faces", "tag_claims", "projects"} <= collections
    needs = {n for q in firestore_queries.recorded if (n := firestore_queries.need(q))}
    indexes = terraform_indexes(tf)
    missing = [n for n in needs if not any(serves(i, n) for i in indexes)]
    assert not missing, f"queries without a composite index in infra/: {missing}"
    assert len(needs) >= 5  # the list's filters and sorts, and assets in display order


def test_the_functions_archive_holds_every_module_they_import() -> None:
    """The zip that infra/functions.tf deploys (its fileset patterns, as Terraform expands them) has
    every project module that importing functions/main.py loads, packages and all."""
    archive = (INFRA / "functions.tf").read_text()
    patterns = re.findall(r'fileset\("\$\{path\.module\}/\.\.", "([^"]+)"\)', archive)
    assert patterns, "no fileset patterns found in functions.tf"
    zipped = {str(p.relative_to(ROOT)) for pattern in patterns for p in ROOT.glob(pattern)}
    show_files = (
        "import sys, functions.main\nfor m in list(sys.modules.values()): print(getattr(m, '__file__', ''))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", show_files], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
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


# ---------------------------------------------------------------- image reads (Cloud CDN)
def test_images_are_served_by_cloud_cdn_with_the_key_the_api_signs_with(tf: dict, stack) -> None:
    """(`stack`: the settings this reads are cached for the process; the stack's must be set first.)"""
    backends = tf["resource"]["google_compute_backend_bucket"]["images"]
    assert backends["for_each"] == {
        "uploads": "${google_storage_bucket.uploads.name}",
        "derived": "${google_storage_bucket.derived.name}",
    }
    assert backends["enable_cdn"] is True
    # The path the code puts before each bucket's objects is the URL map's route to that bucket.
    from common.gcp.cdn import bucket_alias
    from common.gcp.config import settings

    assert {bucket_alias(settings().uploads_bucket), bucket_alias(settings().derived_bucket)} == set(
        backends["for_each"]
    )
    rule = tf["resource"]["google_compute_url_map"]["images"]["path_matcher"][0]["dynamic"][0]["path_rule"]
    assert rule["for_each"] == "${google_compute_backend_bucket.images}"
    assert rule["content"][0]["paths"] == ["/${path_rule.key}/*"]
    rewrite = rule["content"][0]["route_action"][0]["url_rewrite"][0]
    assert rewrite == {"path_prefix_rewrite": "/"}
    # One key, on both backends, named as the api names it, its value the secret the api reads.
    key = resource(tf, "google_compute_backend_bucket_signed_url_key", "images")
    assert key["for_each"] == "${google_compute_backend_bucket.images}"
    assert key["name"] == "${local.cdn_key_name}" == tf["locals"]["common_env"]["CDN_KEY_NAME"]
    version = resource(tf, "google_secret_manager_secret_version", "cdn_signing_key")
    assert key["key_value"] == version["secret_data"] == "${random_id.cdn_key.b64_url}"
    (secret,) = resource(tf, "google_cloudfunctions2_function", "api")["service_config"][0][
        "secret_environment_variables"
    ]
    assert secret["secret"] == "${google_secret_manager_secret.cdn_signing_key.secret_id}"
    reader = resource(tf, "google_secret_manager_secret_iam_member", "api_reads_cdn_key")
    assert reader["member"] == "serviceAccount:${google_service_account.api.email}"
    # The buckets stay private: only Cloud CDN's fill agent reads them, and no one else is added.
    fill = resource(tf, "google_storage_bucket_iam_member", "cdn_reads_images")
    assert fill["role"] == "roles/storage.objectViewer" and "@cloud-cdn-fill." in fill["member"]
    for bucket in ("uploads", "derived"):
        assert resource(tf, "google_storage_bucket", bucket)["public_access_prevention"] == "enforced"
    assert tf["locals"]["common_env"]["IMAGES_BASE_URL"] == "https://${var.images_domain}"
    proxy = resource(tf, "google_compute_target_https_proxy", "images")
    assert proxy["ssl_policy"] == "${google_compute_ssl_policy.images.id}"


# ---------------------------------------------------------------- the Gemini ceiling
def test_gemini_requests_in_flight_stay_within_the_budget_across_instances(tf: dict) -> None:
    """Runs at once (the queue's concurrent dispatches) x each run's Gemini concurrency <= the
    budget, for the defaults and for a range of settings, with the formulas Terraform uses."""
    queue = resource(tf, "google_cloud_tasks_queue", "processing")
    assert queue["rate_limits"][0]["max_concurrent_dispatches"] == "${local.max_runs}"
    assert tf["locals"]["max_runs"] == "${var.gpu_max_instances * var.gpu_concurrency}"
    per_run = "${max(1, floor(var.gemini_max_in_flight / local.max_runs))}"
    assert tf["locals"]["describe_concurrency"] == per_run
    (precondition,) = queue["lifecycle"][0]["precondition"]
    within = "${local.max_runs * local.describe_concurrency <= var.gemini_max_in_flight}"
    assert precondition["condition"] == within
    assert "DESCRIBE_CONCURRENCY = tostring(local.describe_concurrency)" in " ".join(
        (INFRA / "main.tf").read_text().split()
    )
    defaults = {
        v: next(iter(block.values()))["default"]
        for block in strip(hcl2.load((INFRA / "variables.tf").open()))["variable"]
        for v in block
        if "default" in next(iter(block.values()))
    }
    runs = defaults["gpu_max_instances"] * defaults["gpu_concurrency"]
    budget = defaults["gemini_max_in_flight"]
    assert runs * max(1, budget // runs) <= budget  # the defaults pass the precondition
    assert runs * max(1, (runs - 1) // runs) > runs - 1  # a budget below one request a run fails it
