"""Checkpoint media (beat images, chunk clips): decoding, checks and where versions are stored.

Every version is its own object in the derived bucket, never overwritten, so a version's URL keeps
showing what that version was. Images get the same checks as reference images; clips are MP4s,
judged by their header (the API does not decode video; the worker does when it regenerates).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from common.checkpoints.models import ArtifactType
from common.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from common.gcp import cdn, storage
from common.gcp.config import settings
from common.library import images

MP4 = "video/mp4"
MAX_CLIP_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Media:
    data: bytes
    mime_type: str
    extension: str

    @cached_property  # a clip may be 50 MB: hash it once
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check(artifact_type: ArtifactType, data: bytes) -> Media:
    """Beat images must be real JPEG/PNG/WebP images; chunk clips MP4 files."""
    if artifact_type == ArtifactType.BEAT_IMAGE:
        image = images.validate(data)
        return Media(image.data, image.content_type, image.extension)
    if artifact_type == ArtifactType.CHUNK_CLIP:
        return check_clip(data)
    raise ValidationFailed(f"{artifact_type.value} artifacts carry no media")


def check_clip(data: bytes) -> Media:
    if len(data) > MAX_CLIP_BYTES:
        raise PayloadTooLarge(f"clips are limited to {MAX_CLIP_BYTES // (1024 * 1024)} MB")
    if len(data) < 16 or data[4:8] != b"ftyp":
        raise UnsupportedMediaType("the clip is not an MP4 file")
    return Media(data, MP4, "mp4")


def object_path(checkpoint_id: str, artifact_type: ArtifactType, key: str, name: str, extension: str) -> str:
    return f"checkpoints/{checkpoint_id}/{artifact_type.value}-{key}/{name}.{extension}"


def store(path: str, media: Media) -> None:
    storage.upload(path, media.data, media.mime_type, bucket_name=settings().derived_bucket)


def load(path: str) -> bytes:
    return storage.download(path, bucket_name=settings().derived_bucket)


def url(path: str | None) -> str | None:
    return cdn.read_url(path, bucket_name=settings().derived_bucket)


def discard(path: str) -> None:
    storage.delete(path, bucket_name=settings().derived_bucket)
