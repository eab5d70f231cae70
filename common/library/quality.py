"""Reference quality checks: measures that explain what will hurt every shot using a reference.

Video models copy whatever a reference shows, so a tiny, blurred, dark or crowded reference is
worth a warning. Nothing here refuses an image (the hard limits are in images.py); each check is
recorded on the asset as `{code, severity, message, value, threshold}`, and `quality_score` is
derived from the same checks. Image checks run on upload (Pillow only, so the functions can run
them) and on every crop the engine cuts; face checks (no face, several, too small) and the border
check are fed by the engine's detections. Thresholds are settings (docs/processing.md, "Quality checks").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from common.gcp.config import settings
from common.library.models import AssetType, QualityCheck

if TYPE_CHECKING:
    from PIL import Image

MEASURE_PX = 512  # measured on a copy this large: blur and light do not need every pixel
LAPLACIAN = ((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], 1, 128)  # size, weights, scale, offset
IMAGE_CODES = frozenset({"low_resolution", "blurry", "underexposed", "overexposed", "extreme_aspect"})
FACE_CODES = frozenset({"no_face", "several_faces", "small_face"})
CROP_CODES = frozenset({"cut_at_border"})
CONTENT_CODES = frozenset({"type_mismatch"})  # what fills the image, against the asset's type
PENALTY = {"warning": 0.2, "info": 0.05}  # quality_score = 1 - the sum of penalties, at least 0


@dataclass(frozen=True)
class Thresholds:
    min_side: int  # px, shorter side
    min_sharpness: float  # variance of the Laplacian (grey levels²) at MEASURE_PX
    dark_luma: float  # mean luma (0-255) below which an image is underexposed
    bright_luma: float  # mean luma above which it is overexposed
    max_aspect: float  # longer side / shorter side
    min_face_share: float  # a character's largest face: its shorter side / the image's shorter side


# The code's own thresholds; a setting overrides one (QUALITY_MIN_SIDE, ..., common/gcp/config.py).
DEFAULTS = Thresholds(
    min_side=512,
    # the usual variance-of-Laplacian blur floor; on the package photos sharp ones measure
    # 122-2202 and the same photos blurred (Gaussian, r=3) 17-170
    min_sharpness=100.0,
    # a white-background portrait measures 218: only clearly dark or washed-out images warn
    dark_luma=40.0,
    bright_luma=225.0,
    max_aspect=3.0,
    min_face_share=0.1,
)


def thresholds() -> Thresholds:
    cfg = settings()
    overrides: dict[str, Any] = {
        "min_side": cfg.quality_min_side,
        "min_sharpness": cfg.quality_min_sharpness,
        "dark_luma": cfg.quality_dark_luma,
        "bright_luma": cfg.quality_bright_luma,
        "max_aspect": cfg.quality_max_aspect,
        "min_face_share": cfg.quality_min_face_share,
    }
    return replace(DEFAULTS, **{name: value for name, value in overrides.items() if value is not None})


Severity = Literal["warning", "info"]


def check(
    code: str, message: str, value: float, threshold: float, severity: Severity = "warning"
) -> QualityCheck:
    return QualityCheck(
        code=code, severity=severity, message=message, value=round(value, 3), threshold=threshold
    )


def image_checks(image: Image.Image) -> list[QualityCheck]:
    """Resolution, blur, exposure and aspect ratio of an (upright) image."""
    from PIL import ImageFilter, ImageOps, ImageStat  # only where an image is judged

    t = thresholds()
    width, height = image.size
    short, long = min(width, height), max(width, height)
    small = ImageOps.grayscale(image.convert("RGB"))
    small.thumbnail((MEASURE_PX, MEASURE_PX))
    sharpness = ImageStat.Stat(small.filter(ImageFilter.Kernel(*LAPLACIAN))).var[0]
    luma = ImageStat.Stat(small).mean[0]
    found = []
    if short < t.min_side:
        found.append(
            check(
                "low_resolution",
                f"shorter side {short} px; {t.min_side} px or more keeps detail",
                short,
                t.min_side,
            )
        )
    if sharpness < t.min_sharpness:
        found.append(
            check(
                "blurry",
                f"sharpness {sharpness:.0f}; {t.min_sharpness:.0f} or more looks in focus",
                sharpness,
                t.min_sharpness,
            )
        )
    if luma < t.dark_luma:
        found.append(
            check(
                "underexposed",
                f"mean brightness {luma:.0f} of 255; too dark below {t.dark_luma:.0f}",
                luma,
                t.dark_luma,
            )
        )
    elif luma > t.bright_luma:
        found.append(
            check(
                "overexposed",
                f"mean brightness {luma:.0f} of 255; too bright above {t.bright_luma:.0f}",
                luma,
                t.bright_luma,
            )
        )
    if long / short > t.max_aspect:
        found.append(
            check(
                "extreme_aspect",
                f"aspect ratio {long / short:.1f}:1; {t.max_aspect:.1f}:1 at most",
                long / short,
                t.max_aspect,
            )
        )
    return found


def content_checks(
    asset_type: AssetType, label: str | None, label_type: AssetType | None
) -> list[QualityCheck]:
    """A detection that fills the whole picture says what the image shows: a CHARACTER that is a
    cat (or an OBJECT that is a person) is probably typed wrong."""
    if label is None or label_type is None or asset_type not in (AssetType.CHARACTER, AssetType.OBJECT):
        return []
    if label_type == asset_type:
        return []
    message = f"the image is filled by a {label}, which makes a {label_type.value}, not a {asset_type.value}"
    return [check("type_mismatch", message, 0, 1)]


def face_checks(
    asset_type: AssetType, face_boxes: Sequence[tuple[int, int, int, int]], size: tuple[int, int]
) -> list[QualityCheck]:
    """A CHARACTER reference should show exactly one face, large enough to copy."""
    if asset_type != AssetType.CHARACTER:
        return []
    if not face_boxes:
        return [check("no_face", "a character reference with no face the engine can find", 0, 1)]
    if len(face_boxes) > 1:
        return [
            check(
                "several_faces",
                f"{len(face_boxes)} faces: a character reference should show one",
                len(face_boxes),
                1,
            )
        ]
    x1, y1, x2, y2 = face_boxes[0]
    share = min(x2 - x1, y2 - y1) / max(1, min(size))
    limit = thresholds().min_face_share
    if share < limit:
        return [
            check(
                "small_face",
                f"the face spans {share:.0%} of the image; {limit:.0%} or more reads well",
                share,
                limit,
            )
        ]
    return []


def border_checks(bbox: Sequence[int], size: tuple[int, int]) -> list[QualityCheck]:
    """A crop that touches its source image's edge may be cut off there."""
    x1, y1, x2, y2 = bbox
    edges = [
        name
        for name, touches in (
            ("left", x1 <= 0),
            ("top", y1 <= 0),
            ("right", x2 >= size[0]),
            ("bottom", y2 >= size[1]),
        )
        if touches
    ]
    if not edges:
        return []
    message = f"cut at the source image's {' and '.join(edges)} edge: part of it may be missing"
    return [check("cut_at_border", message, len(edges), 0, severity="info")]


def merged(
    current: Iterable[QualityCheck], replacing: frozenset[str], new: Iterable[QualityCheck]
) -> list[QualityCheck]:
    """The checks of an asset after one kind of check ran again (its codes replaced)."""
    return [c for c in current if c.code not in replacing] + list(new)


def warns(checks: Iterable[QualityCheck]) -> bool:
    """Whether the checks hold a warning (what the manifest's assets_with_warnings counts)."""
    return any(c.severity == "warning" for c in checks)


def score(checks: Iterable[QualityCheck]) -> float:
    return round(max(0.0, 1.0 - sum(PENALTY.get(c.severity, 0.0) for c in checks)), 3)


def fields(checks: list[QualityCheck]) -> dict[str, object]:
    """What an asset stores about its checks."""
    return {
        "quality_checks": [c.model_dump() for c in checks],
        "quality_score": score(checks),
        "quality_warning": warns(checks),
    }
