"""infra/ against what reads cost in production: a composite index for every query the suite issued,
Cloud CDN in front of the images with the key the api signs with, and the Gemini ceiling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.support import firestore_queries, terraform
from tests.support.terraform import INFRA, resource, strip


@pytest.fixture(scope="module")
def tf() -> dict[str, Any]:
    return terraform.load()


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
    from common.library import assets as asset_ops
    from gpu_service import reprocess
    from gpu_service.run import pipeline
    from tests.support.engine import manifest_of_photos, recorded_run

    manifest = manifest_of_photos(alice, [("Obama", photos / "obama.jpg")])
    job = recorded_run(alice, manifest["id"])
    pipeline.run_manifest(job)
    asset = alice.get(f"/api/manifests/{manifest['id']}").json()["assets"][0]
    asset_ops.of_sources(manifest["id"], [asset["id"]])  # a shard's read (run/shard.py)
    reprocess.run_reprocess(
        ReprocessJob(
            **job.model_dump(include={"id", "owner_id", "manifest_id", "created_at"}), asset_id=asset["id"]
        )
    )
    lifecycle.read_job(job.id, ManifestJob)
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
    matchers = {m["name"]: m for m in tf["resource"]["google_compute_url_map"]["images"]["path_matcher"]}
    rule = matchers["buckets"]["dynamic"][0]["path_rule"]
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


# ---------------------------------------------------------------- the studio (infra/studio.tf)
def test_the_studio_and_its_api_share_one_host_with_the_local_routing_and_policy(tf: dict) -> None:
    from devstack.studio import security_headers

    url_map = tf["resource"]["google_compute_url_map"]["images"]
    hosts = {rule["path_matcher"]: rule["hosts"] for rule in url_map["host_rule"]}
    assert hosts["studio"] == ["${var.studio_domain}"]
    studio = next(m for m in url_map["path_matcher"] if m["name"] == "studio")
    api_rule, app_rule = studio["path_rule"]
    assert api_rule["paths"] == ["/api", "/api/*"]
    assert api_rule["service"] == "${google_compute_backend_service.api.id}"
    neg = resource(tf, "google_compute_region_network_endpoint_group", "api")
    assert neg["cloud_function"][0]["function"] == "${google_cloudfunctions2_function.api.name}"
    # As devstack/studio.py does locally: a page the bucket lacks is the app's index.html.
    fallback = app_rule["custom_error_response_policy"][0]["error_response_rule"][0]
    assert fallback == {"match_response_codes": ["404"], "path": "/index.html", "override_response_code": 200}
    # The same CSP directives, with the same sources for scripts, styles and framing.
    bucket = resource(tf, "google_compute_backend_bucket", "studio")
    assert bucket["custom_response_headers"][0] == "Content-Security-Policy: ${local.studio_csp}"
    deployed = dict(d.strip().split(" ", 1) for d in _join_list(tf["locals"]["studio_csp"]))
    local = dict(d.split(" ", 1) for d in security_headers([], [])["Content-Security-Policy"].split("; "))
    assert set(deployed) == set(local)
    for directive in ("default-src", "script-src", "style-src", "object-src", "frame-ancestors", "base-uri"):
        assert deployed[directive] == local[directive], directive
    # Uploads with signed URLs come from the studio's origin.
    cors = resource(tf, "google_storage_bucket", "uploads")["cors"][0]["origin"]
    assert "https://${var.studio_domain}" in str(cors)


def _join_list(expression: str) -> list[str]:
    """The directives of `join("; ", [ ... ])` as python-hcl2 gives it (the expression's text)."""
    return re.findall(r'"([a-z-]+-(?:src|uri|action|ancestors) [^"]*)"', expression)
