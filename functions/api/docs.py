"""GET /api/docs: an interactive reference for /api/openapi.json (Swagger UI 5, which renders
OpenAPI 3.1), served from the `swagger-ui-py` package's files: no CDN, nothing fetched at run time.
Not API operations themselves, so they stay out of the OpenAPI document."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from werkzeug.wrappers import Response

from common.errors import NotFound
from functions.api.router import Call, route

ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>vidpipe manifest service: API reference</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
"""


@cache
def _static() -> Path:
    spec = importlib.util.find_spec("swagger_ui")  # located, not imported
    if spec is None or not spec.submodule_search_locations:
        raise NotFound("the API reference is not installed here (pip swagger-ui-py)")
    return Path(spec.submodule_search_locations[0]) / "static"


@route("GET", "/api/docs", summary="The API reference", tag="meta", public=True, document=False)
def docs_page(call: Call) -> Response:
    return Response(PAGE, 200, mimetype="text/html", headers={"Cache-Control": "public, max-age=300"})


def _asset(name: str) -> Response:
    data = (_static() / name).read_bytes()
    return Response(data, 200, mimetype=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})


@route("GET", "/api/docs/swagger-ui-bundle.js", summary="Swagger UI", tag="meta", public=True, document=False)
def docs_script(call: Call) -> Response:
    return _asset("swagger-ui-bundle.js")


@route(
    "GET", "/api/docs/swagger-ui.css", summary="Swagger UI's style", tag="meta", public=True, document=False
)
def docs_style(call: Call) -> Response:
    return _asset("swagger-ui.css")
