"""The words the library speaks in: manifest categories and statuses, asset types, view angles and
what processing says of a view's face, the image types taken. Both sides and the clients use them
(GET /api/studio/config serves the rules); imports nothing of the project.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field


class Category(StrEnum):
    CHARACTERS = "CHARACTERS"
    ENVIRONMENTS = "ENVIRONMENTS"
    OBJECTS = "OBJECTS"
    STYLES = "STYLES"
    MIXED = "MIXED"


class ManifestStatus(StrEnum):
    DRAFT = "DRAFT"
    PROCESSING = "PROCESSING"
    READY = "READY"
    ERROR = "ERROR"


# Why a face cannot be identified (gpu_service/vision/identity.py).
IdentityStatus = Literal["too_small", "unsure", "blurry"]

ViewAngle = Literal["front", "left", "right", "back", "other"]
MAX_VIEWS = 4  # extra views beside the reference image, as reference-library tools allow
# What processing found in a view, against the asset's own face (gpu_service/run/views.py).
ViewIdentity = Literal["same", "different", "no_face", "unidentified", "no_reference"]


class AssetType(StrEnum):
    CHARACTER = "CHARACTER"
    OBJECT = "OBJECT"
    ENVIRONMENT = "ENVIRONMENT"
    STYLE = "STYLE"


# The asset type a manifest's category suggests for its uploads (served to the studio and the CLI
# by GET /api/studio/config; a mixed manifest starts with characters).
CATEGORY_ASSET_TYPES = {
    Category.CHARACTERS: AssetType.CHARACTER,
    Category.ENVIRONMENTS: AssetType.ENVIRONMENT,
    Category.OBJECTS: AssetType.OBJECT,
    Category.STYLES: AssetType.STYLE,
    Category.MIXED: AssetType.CHARACTER,
}


# The image types the service takes, with the extension each is stored under. A signed upload URL
# is made for these content types only (415); the studio and the CLI read them from GET
# /api/studio/config.
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# How a person reads each (upper-cased: Pillow's format name, images.FORMATS), in the same order.
IMAGE_TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}


def in_words(items: Iterable[str]) -> str:
    """["JPEG", "PNG", "WebP"] -> "JPEG, PNG or WebP"."""
    *others, last = items
    return f"{', '.join(others)} or {last}" if others else last


IMAGE_TYPES_IN_WORDS = in_words(IMAGE_TYPE_NAMES.values())  # for messages
ImageContentType = Annotated[str, Field(json_schema_extra={"enum": list(IMAGE_TYPES)})]
