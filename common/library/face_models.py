"""Face search across an owner's library: the request, the query, the matches and the characters
they show."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from common.records import Input, Model, RecordId


class FaceSearchRequest(Input):
    """POST /api/faces/search as JSON: the faces of one of the caller's assets (or send an image)."""

    asset_id: RecordId


MAX_LIMIT = 50  # matches (and characters) one search answers at most


class SimilarQuery(Model):
    """How many matches, and how alike they must be (default: the face pack's match threshold)."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(10, ge=1, le=MAX_LIMIT)
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
    character_id: str | None = None  # its character in its manifest's cast (cast.py)
    thumbnail_path: str | None = Field(None, exclude=True)


class FaceMatchOut(FaceMatch):
    thumbnail_url: str | None = None


class CharacterFields(Model):
    """A person the query matches, in one manifest: its character, or a face that has none."""

    character_id: str | None = None  # None: a face no character of its manifest holds
    handle: str  # the cast's handle for the character (a lone face: its tag)
    name: str
    manifest_id: str
    manifest_name: str
    similarity: float  # its best matching image's
    face_asset_id: str  # the character's primary face (a lone face: itself)


class FoundCharacter(CharacterFields):
    """A character of a search, as face_search.py finds it (face_characters.py groups it)."""

    thumbnail_path: str | None = Field(None, exclude=True)  # its face's
    matches: list[FaceMatch]  # its best matching images, best first


class CharacterMatch(CharacterFields):
    thumbnail_url: str | None = None  # its face's
    matches: list[FaceMatchOut]  # its best matching images (at most 3), best first


class FaceSearchResult(Model):
    """A search: its best face matches, and the characters they show, best first."""

    matches: list[FaceMatch]
    characters: list[FoundCharacter]


class FaceSearchOut(Model):
    matches: list[FaceMatchOut]
    characters: list[CharacterMatch]  # the matches by character, best first (at most `limit`)
    min_similarity: float
    faces_in_query: int  # faces the query held (the largest one is searched)
