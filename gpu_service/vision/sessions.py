"""onnxruntime sessions: the execution providers in use (CUDA when present) and the options every
session here runs with. Below both the detectors and the model loader (runtime.py), which use it."""

from __future__ import annotations

from typing import Any


def onnx_providers() -> list[str]:
    import onnxruntime

    available = onnxruntime.get_available_providers()
    if "CUDAExecutionProvider" in available:
        # onnxruntime-gpu: load the CUDA/cuDNN libraries that torch's wheels installed.
        onnxruntime.preload_dlls()
    providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
    return providers or ["CPUExecutionProvider"]


def session_options() -> Any:
    """What every onnxruntime session here runs with. Its intra-op threads do not spin while they
    wait: on a CPU, each image alternates ultralytics (torch) and onnxruntime models, and threads
    spinning for one slowed the other by ~29 % (measured: 30 images, 10.5 s interleaved vs 8.2 s
    phased; 7.8 s interleaved without spinning)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options
