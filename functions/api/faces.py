"""/api/faces/search and /api/assets/{id}/similar: the caller's library searched by face."""

from __future__ import annotations

from common.errors import ValidationFailed
from common.gcp import cdn
from common.library import face_embedder, face_search, images
from common.library.face_models import (
    CharacterMatch,
    FaceMatch,
    FaceMatchOut,
    FaceSearchOut,
    FaceSearchRequest,
    FaceSearchResult,
    FoundCharacter,
    SimilarQuery,
)
from common.library.identity_rules import thresholds
from functions.api.router import Call, route

TAG = "faces"


@route(
    "POST",
    "/api/faces/search",
    summary="Find a face in your whole library: send an image (multipart 'file') or {\"asset_id\"}",
    tag=TAG,
    response=FaceSearchOut,
    body=FaceSearchRequest,
    multipart=("file",),
    query=SimilarQuery,
    errors=(404, 409, 503),
)
def search_faces(call: Call) -> FaceSearchOut:
    query: SimilarQuery = call.query
    if call.body is not None:  # JSON: one of the caller's assets
        asset_id = call.body.asset_id
        return _out(face_search.similar_to(call.uid, asset_id, query.limit, query.min_similarity), query, 1)
    image = images.validate(call.image_file(", or JSON with asset_id").read())  # an upload's checks
    answer = face_embedder.faces_in(image.data, image.content_type)
    lead = answer.lead_face
    if lead is None or lead.embedding is None:
        reason = answer.faces[0].identity_note if answer.faces else "no face was found in the image"
        raise ValidationFailed(f"no face to search for: {reason}", {"faces_found": len(answer.faces)})
    found = face_search.search(call.uid, lead.embedding, query.limit, query.min_similarity)
    return _out(found, query, len(answer.faces))


@route(
    "GET",
    "/api/assets/{asset_id}/similar",
    summary="Faces across your library like this asset's face",
    tag=TAG,
    response=FaceSearchOut,
    query=SimilarQuery,
    errors=(404, 409),
)
def similar_assets(call: Call) -> FaceSearchOut:
    query: SimilarQuery = call.query
    found = face_search.similar_to(call.uid, call.params["asset_id"], query.limit, query.min_similarity)
    return _out(found, query, 1)


def _out(found: FaceSearchResult, query: SimilarQuery, faces_in_query: int) -> FaceSearchOut:
    return FaceSearchOut(
        matches=[_match_out(m) for m in found.matches],
        characters=[_character_out(c) for c in found.characters],
        min_similarity=thresholds().match if query.min_similarity is None else query.min_similarity,
        faces_in_query=faces_in_query,
    )


def _match_out(match: FaceMatch) -> FaceMatchOut:
    return FaceMatchOut(**match.model_dump(), thumbnail_url=cdn.read_url(match.thumbnail_path))


def _character_out(character: FoundCharacter) -> CharacterMatch:
    return CharacterMatch(
        **character.model_dump(exclude={"matches"}),
        thumbnail_url=cdn.read_url(character.thumbnail_path),
        matches=[_match_out(m) for m in character.matches],
    )
