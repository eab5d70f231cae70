"""The one settings loader (common/gcp/env.py) and the settings both sides share
(common/gcp/config.py): defaults, typed values, a bad value's message, the local-only refusal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from common.gcp.config import LOCAL_ONLY, Settings, refuse_local_settings, settings
from common.gcp.env import BadSettings
from common.library import identity_rules, quality
from gpu_service.config import worker_settings


def _variables() -> list[str]:
    return [
        f.validation_alias if isinstance(f.validation_alias, str) else name.upper()
        for name, f in Settings.model_fields.items()
    ]


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every shared variable unset (the e2e stack may have set some in this process)."""
    for name in [*_variables(), *LOCAL_ONLY]:
        monkeypatch.delenv(name, raising=False)
    settings.cache_clear()
    worker_settings.cache_clear()
    yield
    settings.cache_clear()
    worker_settings.cache_clear()


def test_defaults_need_no_environment() -> None:
    cfg = settings()
    assert cfg.project_id == "demo-vidpipe"
    assert (cfg.uploads_bucket, cfg.derived_bucket) == ("demo-vidpipe-uploads", "demo-vidpipe-derived")
    assert cfg.public_storage_url == "https://storage.googleapis.com"
    assert cfg.max_upload_bytes == 20 * 1024 * 1024 and cfg.max_json_bytes == 1024 * 1024
    assert cfg.embed_timeout_s == 30 and cfg.sweep_grace_s == 3600 and cfg.log_level == "INFO"
    assert cfg.firebase_web_api_key == "" and cfg.firebase_auth_domain is None
    assert cfg.firebase_auth_emulator_host is None and cfg.tasks_emulator_host is None
    assert cfg.face_model_pack == "local" and cfg.face_index_cache_mb == 160
    assert not cfg.deployed
    assert identity_rules.thresholds() == identity_rules.PACKS["local"]
    assert quality.thresholds() == quality.DEFAULTS


def test_variables_are_read_by_type_and_an_empty_one_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "films")
    monkeypatch.setenv("DERIVED_BUCKET", "elsewhere")
    monkeypatch.setenv("UPLOADS_BUCKET", "")  # infra sets some variables empty: the default holds
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:4443")
    monkeypatch.setenv("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:8123")
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1000")
    monkeypatch.setenv("EMBED_TIMEOUT_S", "2.5")
    monkeypatch.setenv("FIREBASE_WEB_API_KEY", "web-key")
    monkeypatch.setenv("FACE_MODEL_PACK", "buffalo_l")
    monkeypatch.setenv("FACE_MATCH_THRESHOLD", "0.55")
    monkeypatch.setenv("QUALITY_MIN_SIDE", "256")
    monkeypatch.setenv("QUALITY_MAX_ASPECT", "")
    cfg = settings()
    assert cfg.project_id == "films"
    assert (cfg.uploads_bucket, cfg.derived_bucket) == ("films-uploads", "elsewhere")
    assert cfg.public_storage_url == "http://127.0.0.1:4443"  # signed URLs point at the emulator
    assert cfg.tasks_emulator_host == "127.0.0.1:8123"
    assert cfg.max_upload_bytes == 1000 and cfg.embed_timeout_s == 2.5
    assert cfg.firebase_web_api_key == "web-key"
    assert worker_settings().face_model_pack == "buffalo_l"  # one variable, read once for both sides
    assert identity_rules.thresholds().match == 0.55
    assert identity_rules.thresholds().min_score == identity_rules.PACKS["buffalo_l"].min_score
    assert quality.thresholds().min_side == 256
    assert quality.thresholds().max_aspect == quality.DEFAULTS.max_aspect


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "MAX_UPLOAD_BYTES",
            "20MB",
            "MAX_UPLOAD_BYTES: expected an integer number of bytes (1 or more), got '20MB'",
        ),
        (
            "MAX_IMAGE_PIXELS",
            "0",
            "MAX_IMAGE_PIXELS: expected an integer number of pixels (1 or more), got '0'",
        ),
        ("EMBED_TIMEOUT_S", "soon", "EMBED_TIMEOUT_S: expected a number of seconds (above 0), got 'soon'"),
        ("FACE_MATCH_THRESHOLD", "0,6", "FACE_MATCH_THRESHOLD: expected a number (from 0 to 1), got '0,6'"),
        ("FACE_MIN_PX", "big", "FACE_MIN_PX: expected an integer number of pixels (1 or more), got 'big'"),
        (
            "LOG_LEVEL",
            "loud",
            "LOG_LEVEL: expected one of 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', got 'loud'",
        ),
    ],
)
def test_a_bad_value_is_one_message_naming_the_variable_and_its_form(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(BadSettings) as caught:
        settings()
    assert str(caught.value) == message


def test_the_gpu_services_settings_fail_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "maybe")
    with pytest.raises(BadSettings) as caught:
        worker_settings()
    assert str(caught.value) == "GOOGLE_GENAI_USE_VERTEXAI: expected true or false, got 'maybe'"


def test_every_bad_value_is_named_once_and_derived_defaults_stay_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_JSON_BYTES", "1MB")
    monkeypatch.setenv("SWEEP_GRACE_S", "-1")
    with pytest.raises(BadSettings) as caught:
        settings()
    assert str(caught.value) == (
        "MAX_JSON_BYTES: expected an integer number of bytes (1 or more), got '1MB'; "
        "SWEEP_GRACE_S: expected an integer number of seconds (0 or more), got '-1'"
    )


@pytest.mark.parametrize("marker", [{"K_SERVICE": "vidpipe-api"}, {"VIDPIPE_ENV": "prod"}])
@pytest.mark.parametrize("local", [*LOCAL_ONLY, "DATASTORE_EMULATOR_HOST"])
def test_a_deployment_refuses_every_local_only_variable(
    monkeypatch: pytest.MonkeyPatch, marker: dict[str, str], local: str
) -> None:
    for name, value in marker.items():
        monkeypatch.setenv(name, value)
    refuse_local_settings()  # a deployment without them starts
    monkeypatch.setenv(local, "127.0.0.1:1")
    with pytest.raises(RuntimeError, match=f"refusing to start: local-only settings .*{local}"):
        refuse_local_settings()


def test_the_local_stack_may_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LOCAL_ONLY:
        monkeypatch.setenv(name, "http://127.0.0.1:1")
    monkeypatch.setenv("VIDPIPE_ENV", "local")
    refuse_local_settings()
    assert settings().oidc_certs_url == "http://127.0.0.1:1"
