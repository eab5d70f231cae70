"""The GPU service's settings (gpu_service/config.py): typed, with an error that names the variable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from common.gcp.env import BadSettings
from gpu_service.config import worker_settings


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    worker_settings.cache_clear()
    yield
    worker_settings.cache_clear()


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DETECTOR_WEIGHTS",
        "DESCRIBE_MODE",
        "GEMINI_API_KEY",
        "GOOGLE_GENAI_USE_VERTEXAI",
        "MODEL_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    cfg = worker_settings()
    assert cfg.describe_mode == "batched"
    assert cfg.detector_weights == ("detector/yolo11n-pose.pt", "detector/ssd-mobilenetv2-oidv4.onnx")
    assert cfg.model_dir.name == "models"
    assert not cfg.gemini_configured


def test_variables_are_parsed_by_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETECTOR_WEIGHTS", " a.pt, ,b.onnx ")
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    monkeypatch.setenv("GEMINI_PRICE_INPUT_PER_MTOK", "1.25")
    monkeypatch.setenv("MODEL_DIR", "/weights")
    monkeypatch.setenv("GEMINI_API_KEY", "")  # empty is unset
    cfg = worker_settings()
    assert cfg.detector_weights == ("a.pt", "b.onnx")
    assert cfg.use_vertex and cfg.gemini_configured
    assert cfg.price_input_per_mtok == 1.25
    assert cfg.model_dir == Path("/weights")
    assert cfg.gemini_api_key is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FACE_MIN_SCORE", "abc"),
        ("FACE_MIN_SCORE", "1.5"),
        ("DESCRIBE_MODE", "sometimes"),
        ("DESCRIBE_BATCH_ITEMS", "0"),
        ("TASK_MAX_ATTEMPTS", "-1"),
        ("GEMINI_PRICE_OUTPUT_PER_MTOK", "-2"),
    ],
)
def test_a_bad_value_stops_the_service_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(BadSettings, match=name):
        worker_settings()
