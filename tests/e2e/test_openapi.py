"""The published OpenAPI 3.1 document describes every route the service answers."""

from __future__ import annotations

from functions.api.router import declared_routes
from tests.support.api import Api


def test_document_is_public_valid_and_complete(anonymous: Api, spec: dict) -> None:
    r = anonymous.get("/api/openapi.json")
    assert r.status_code == 200
    assert r.json()["openapi"] == "3.1.0"
    published = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    routes = declared_routes()
    declared = {
        (r.method, r.path) for r in routes if r.document
    }  # the docs page and its files are not operations
    assert published == declared
    public = {(r.method, r.path) for r in routes if r.public and r.document}
    assert public == {("GET", "/api/openapi.json"), ("GET", "/api/studio/config")}  # nothing else is open
    for method, path in published:
        op = spec["paths"][path][method.lower()]
        assert op["summary"]
        if (method, path) in public:
            assert "security" not in op and "401" not in op["responses"], (method, path)
        else:
            assert "401" in op["responses"], (method, path)
            assert op["security"] == [{"bearerAuth": []}]
