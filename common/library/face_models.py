"""Face search across an owner's library: the request, the query, and the matches."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from common.records import Input, Model, RecordId


class FaceSearchRequest(Input):
    """POST /api/faces/search as JSON: the faces of one of the caller's assets (or send an image)."""

    asset_id: RecordId


class SimilarQuery(Model):
    """How many matches, and how alike they must be (default: the face pack's match threshold)."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(10, ge=1, le=50)
    min_similarity: float | None = Field(None, ge=-1.0, le=1.0)


class FaceMatch(Model):
    """A face asset of the caller's library that matches the query, with where it lives."""

    asset_id: str
    manifest_id: str
    manifest_name: str
    manifest_tag: str
    name: str
    similarity: float  # cosine of the two faces' embeddings
    source_asset_id: str | None = None  # the uploaded image the face was cut from
    face_group_id: str | None = None  # its person within its manifest
    thumbnail_path: str | None = Field(None, exclude=True)


class FaceMatchOut(FaceMatch):
    thumbnail_url: str | None = None


class FaceSearchOut(Model):
    matches: list[FaceMatchOut]
    min_similarity: float
    faces_in_query: int  # faces the query held (the largest one is searched)
