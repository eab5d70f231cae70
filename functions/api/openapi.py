"""GET /api/openapi.json: OpenAPI 3.1, generated from the route declarations and pydantic models."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from common.ids import ID_PATTERN, INDEX_MAX
from common.records import ErrorOut
from functions.api.router import Call, Route, declared_routes, route

ID_SCHEMA = {"type": "string", "pattern": f"^{ID_PATTERN}$"}
STRING = {"type": "string"}
INDEX_SCHEMA = {"type": "integer", "minimum": 0, "maximum": INDEX_MAX}
# An index sent as a multipart field is text: its digits are bounded here, its value by the handler.
INDEX_FIELD_SCHEMA = {"type": "string", "pattern": f"^[0-9]{{1,{len(str(INDEX_MAX))}}}$"}
ERROR_TEXT = {
    400: "Malformed request (e.g. the body is not JSON)",
    401: "Missing or invalid ID token",
    403: "The caller may not use this operation",
    404: "No such record for this caller",
    409: "Conflicts with the record's current state",
    413: "Body too large",
    415: "Unsupported content type",
    422: "Failed validation",
    503: "A backing service is unavailable, or the request lost to concurrent ones; retry later",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": STRING,
        "description": "Seconds to wait before trying again (sent when the request lost to concurrent ones)",
    }
}


def _response_model(route_: Route) -> type[BaseModel] | None:
    if get_origin(route_.response) is list:
        return get_args(route_.response)[0]
    return route_.response


@cache
def spec() -> dict[str, Any]:
    keyed: list[tuple[type[BaseModel], Any]] = [(ErrorOut, "serialization")]
    documented = [r for r in declared_routes() if r.document]
    for r in documented:
        if r.body:
            keyed.append((r.body, "validation"))
        if r.query:
            keyed.append((r.query, "validation"))
        if (model := _response_model(r)) is not None:
            keyed.append((model, "serialization"))
    refs, top = models_json_schema(list(dict.fromkeys(keyed)), ref_template="#/components/schemas/{model}")
    components = top.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for r in documented:
        paths.setdefault(r.path, {})[r.method.lower()] = _operation(r, refs, components)
    # The same document whatever order the route modules were imported in (the studio's generated
    # types are compared with it byte for byte).
    paths = {path: dict(sorted(ops.items())) for path, ops in sorted(paths.items())}
    return {
        "openapi": "3.1.0",
        "info": {"title": "vidpipe manifest service", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _operation(r: Route, refs: dict[Any, Any], components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": r.summary, "tags": [r.tag], "operationId": r.handler.__name__}
    if params := _parameters(r, refs, components):
        op["parameters"] = params
    if body := _request_body(r, refs):
        op["requestBody"] = body
    if not r.public:
        op["security"] = [{"bearerAuth": []}]
    op["responses"] = _responses(r, refs)
    return op


def _parameters(r: Route, refs: dict[Any, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    """The path's ids and indexes, the query model's fields, and If-None-Match where an ETag is sent."""
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(name)}
        for name in re.findall(r"\{(\w+)\}", r.path)
    ]
    if r.query:
        schema = components[refs[(r.query, "validation")]["$ref"].rsplit("/", 1)[1]]
        required = set(schema.get("required", []))
        params += [
            {"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema["properties"].items()
        ]
    if r.etag:
        params.append({"name": "If-None-Match", "in": "header", "required": False, "schema": STRING})
    return params


def _path_schema(name: str) -> dict[str, Any]:
    """`{..._index}` is a position (as the router's converter takes it); every other name an id."""
    return INDEX_SCHEMA if name.endswith("index") else ID_SCHEMA


def _request_body(r: Route, refs: dict[Any, Any]) -> dict[str, Any] | None:
    """A JSON body (its model), or multipart fields: files, and indexes sent as text."""
    content: dict[str, Any] = {}
    if r.body:
        content["application/json"] = {"schema": refs[(r.body, "validation")]}
    if r.multipart:
        properties = {
            name: INDEX_FIELD_SCHEMA
            if name.endswith("_index")
            else {"type": "string", "contentMediaType": "application/octet-stream"}
            for name in r.multipart
        }
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "properties": properties,
                "required": list(r.multipart),
                "additionalProperties": False,  # the router refuses other fields (422)
            }
        }
    return {"required": True, "content": content} if content else None


def _responses(r: Route, refs: dict[Any, Any]) -> dict[str, Any]:
    """Success (its model and headers), 304 where an ETag is sent, and every error the route can give."""
    ok: dict[str, Any] = {"description": "Success"}
    if (model := _response_model(r)) is not None:
        ref = refs[(model, "serialization")]
        schema = {"type": "array", "items": ref} if get_origin(r.response) is list else ref
        ok["content"] = {"application/json": {"schema": schema}}
    if r.response_headers:
        ok["headers"] = {
            h: {"schema": STRING, "description": "Cursor of the next page, when there is one"}
            for h in r.response_headers
        }
    if r.etag:
        ok.setdefault("headers", {})["ETag"] = {"schema": STRING, "description": "Of the content"}
    not_modified = (
        {"304": {"description": "Not modified: the If-None-Match ETag is current"}} if r.etag else {}
    )
    error_ref = refs[(ErrorOut, "serialization")]
    return (
        {str(r.status): ok}
        | not_modified
        | {
            str(code): {
                "description": ERROR_TEXT[code],
                "content": {"application/json": {"schema": error_ref}},
                **({"headers": RETRY_AFTER} if code == 503 else {}),
            }
            for code in sorted(_error_codes(r))
        }
    )


def _error_codes(r: Route) -> set[int]:
    """The errors a route declares, and those the router itself gives for what it checks."""
    codes = set(r.errors)
    if not r.public:
        codes.add(401)
    if r.body:
        codes |= {400, 413, 415, 422}
    if r.query:
        codes.add(422)
    if r.multipart:
        codes |= {413, 415, 422}
    return codes


@route("GET", "/api/openapi.json", summary="This document", tag="meta", public=True)
def openapi_document(call: Call) -> dict[str, Any]:
    return spec()
