"""Real photos for tests and benchmarks, taken from packages on the registry (nothing else is
reachable): the face_recognition 1.3.0 sdist ships portraits, including same-person pairs."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from devstack.models import DOWNLOADS, ensure

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "testdata"
FACE_RECOGNITION_SDIST = "face_recognition==1.3.0"


def photos_dir() -> Path:
    """Directory holding obama.jpg, obama2.jpg, obama3.jpg, biden.jpg … (fetched once, then cached)."""
    target = CACHE / "face_recognition"
    if (target / "obama.jpg").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            FACE_RECOGNITION_SDIST,
            "-d",
            str(CACHE),
        ],
        check=True,
    )
    sdist = next(CACHE.glob("face_recognition-1.3.0.tar.gz"))
    target.mkdir(exist_ok=True)
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is not None and "/tests/test_images/" in member.name and member.name.endswith(".jpg"):
                (target / Path(member.name).name).write_bytes(handle.read())
    return target


def ultralytics_photos() -> Path:
    """ultralytics ships bus.jpg (four people and a bus) and zidane.jpg (two people)."""
    spec = importlib.util.find_spec("ultralytics")  # located, not imported: importing it takes seconds
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("ultralytics is not installed; run `make venv`")
    return Path(spec.submodule_search_locations[0]) / "assets"


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{name} is not installed; run `make venv`")
    return Path(spec.submodule_search_locations[0])


def stranger_photo() -> Path:
    """A portrait of someone in none of the face_recognition photos (insightface ships it)."""
    return _package_dir("insightface") / "data" / "images" / "Tom_Hanks_54745.png"


def benchmark_photos() -> list[Path]:
    """Twenty real photos that ship in installed packages or cached downloads: portraits, crowds,
    street scenes, a cat, a rocket, a motorcycle."""
    ensure()  # the scrfd sdist (cached with the models) carries the 1927 Solvay conference photo
    scrfd = CACHE / "scrfd"
    if not (scrfd / "solvay_conference_1927.jpg").exists():
        scrfd.mkdir(parents=True, exist_ok=True)
        with tarfile.open(DOWNLOADS / "scrfd-0.3.0.tar.gz") as archive:
            for name in ("solvay_conference_1927.jpg", "readme.jpg"):
                member = archive.extractfile(f"scrfd-0.3.0/images/{name}")
                if member is None:
                    raise RuntimeError(f"{name} is not a file in the scrfd sdist")
                (scrfd / name).write_bytes(member.read())
    faces = photos_dir()
    insight = _package_dir("insightface") / "data" / "images"
    skimage = _package_dir("skimage") / "data"
    return [
        *sorted(faces.glob("*.jpg")),
        ultralytics_photos() / "bus.jpg",
        ultralytics_photos() / "zidane.jpg",
        insight / "t1.jpg",
        insight / "Tom_Hanks_54745.png",
        insight / "mask_white.jpg",
        insight / "mask_blue.jpg",
        skimage / "astronaut.png",
        skimage / "coffee.png",
        skimage / "chelsea.png",
        skimage / "rocket.jpg",
        skimage / "motorcycle_left.png",
        _package_dir("matplotlib") / "mpl-data" / "sample_data" / "grace_hopper.jpg",
        scrfd / "solvay_conference_1927.jpg",
        scrfd / "readme.jpg",
    ]


DARKNET_DEB = "darknet_0.0.0+git20180914.61c9d02e-2+b4_amd64.deb"
DARKNET_SHA256 = "9ca14d36112d242a782bfed4104fa5adcd2ae8bc599ab610f42eb609ee125a01"


def darknet_photos() -> Path:
    """Debian's darknet package ships its test photos (dog.jpg: a dog, a bicycle and a car in a
    street; person.jpg: a woman, her dog and a horse; kite.jpg, horses.jpg, eagle.jpg …), no weights.
    Fetched once with apt (an `apt-get update` first when the package lists are missing), pinned by hash."""
    target = CACHE / "darknet"
    if (target / "dog.jpg").exists():
        return target
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    deb = DOWNLOADS / DARKNET_DEB
    if not deb.exists():
        version = DARKNET_DEB.split("_")[1]
        fetch = ["apt-get", "download", "-q", f"darknet={version}"]
        if subprocess.run(fetch, cwd=DOWNLOADS, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
            subprocess.run(fetch, cwd=DOWNLOADS, capture_output=True, check=True)
    if hashlib.sha256(deb.read_bytes()).hexdigest() != DARKNET_SHA256:
        deb.unlink()
        raise RuntimeError(f"{DARKNET_DEB}: not the pinned sha256")
    unpacked = CACHE / "darknet-deb"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
    (unpacked / "usr" / "share" / "darknet" / "data").replace(target)
    shutil.rmtree(unpacked)
    return target
