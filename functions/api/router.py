"""Route registry and dispatch for the `api` function.

Routes are declared next to their handlers (one module per resource) with the models that
describe them; the same declarations drive request validation and /api/openapi.json. Matching
is werkzeug's router; every failure leaves as a JSON error body.

A request loads only the module that declares its route (and that module its domain's models):
the paths are matched against `route_index`, generated from the declarations, so a fresh instance
imports no domain before its first request, and the upload trigger and the sweep, deployed from the
same source, never load the API's routes. Importing every route module at load instead made a
fresh instance's first answer x1.14 slower, side by side (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from common.errors import (
    ApiError,
    Contention,
    Forbidden,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    problems,
)
from common.gcp import db
from common.gcp.config import settings
from common.ids import ID_PATTERN, INDEX_MAX
from functions.api import route_index
from functions.api.auth import PIPELINE_ROLE, authenticate

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

log = logging.getLogger(__name__)

MULTIPART_SLACK = 64 * 1024  # room for multipart boundaries and headers around the file


class IdConverter(BaseConverter):
    """Ids are uuid4 hex; anything else cannot name a record, so it never reaches a handler."""

    regex = ID_PATTERN


@dataclass
class Call:
    """What a handler gets: the caller, validated inputs, path ids and the raw request."""

    uid: str
    request: Request
    params: dict[str, Any]
    body: Any = None
    query: Any = None
    role: str | None = None  # the caller's custom claim `role` ("pipeline" for the video pipeline)

    @property
    def is_pipeline(self) -> bool:
        return self.role == PIPELINE_ROLE

    def image_file(self, otherwise: str = "") -> FileStorage:
        """The image sent in the multipart field 'file'; without it, a 422 (`otherwise`: what else
        the route accepts)."""
        file = self.request.files.get("file")
        if file is None:
            raise ValidationFailed(f"send the image in the multipart field 'file'{otherwise}")
        return file


@dataclass
class Reply:
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # OpenAPI template: /api/manifests/{manifest_id}
    handler: Callable[[Call], Any]
    summary: str
    tag: str
    status: int
    response: Any  # a pydantic model, list[model], or None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    multipart: tuple[str, ...] = ()
    public: bool = False
    errors: tuple[int, ...] = ()
    response_headers: tuple[str, ...] = ()
    pipeline: bool = False  # only the video pipeline's service identity may call it
    body_limit: int | None = None  # JSON bodies that carry images may be larger than the default
    etag: bool = False  # reads that carry an ETag and answer 304 to If-None-Match
    document: bool = True  # in /api/openapi.json (the docs page and its files are not API operations)


ROUTES: list[Route] = []


def route(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    status: int = 200,
    response: Any = None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    multipart: tuple[str, ...] = (),
    public: bool = False,
    errors: tuple[int, ...] = (),
    response_headers: tuple[str, ...] = (),
    pipeline: bool = False,
    body_limit: int | None = None,
    etag: bool = False,
    document: bool = True,
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    def register(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
        ROUTES.append(
            Route(
                method=method,
                path=path,
                handler=handler,
                summary=summary,
                tag=tag,
                status=status,
                response=response,
                body=body,
                query=query,
                multipart=multipart,
                public=public,
                errors=errors + ((403,) if pipeline else ()),
                response_headers=response_headers,
                pipeline=pipeline,
                body_limit=body_limit,
                etag=etag,
                document=document,
            )
        )
        return handler

    return register


_url_map: Map | None = None
_loaded: dict[tuple[str, str], Route] = {}
# One module load at a time: two threads importing two domains that import each other in turn
# could otherwise meet Python's import deadlock detection and see a half-initialized module.
_loading = threading.Lock()


def _converter(match: re.Match[str]) -> str:
    """`{scene_index}` is a number; every other path parameter is a record id."""
    name = match.group(1)
    return f"<int(max={INDEX_MAX}):{name}>" if name.endswith("index") else f"<id:{name}>"


def url_map() -> Map:
    global _url_map  # noqa: PLW0603 - built once, from the generated index
    if _url_map is None:
        rules = [
            Rule(re.sub(r"\{(\w+)\}", _converter, path), methods=[method], endpoint=(method, path, module))
            for method, path, module in route_index.ROUTES
        ]
        _url_map = Map(rules, converters={"id": IdConverter}, strict_slashes=False)
    return _url_map


def _load(modules: list[str]) -> None:
    """Import route modules of this package, one load at a time (see `_loading`)."""
    with _loading:
        for module in modules:
            importlib.import_module(f"{__package__}.{module}")


def declared(method: str, path: str, module: str) -> Route:
    """The route `module` declares for `method path`, the module imported on first use."""
    key = (method, path)
    if key not in _loaded:
        _load([module])
        found = [r for r in ROUTES if (r.method, r.path) == key]
        if not found:
            raise LookupError(f"{__package__}.{module} declares no {method} {path}: run `make route-index`")
        _loaded[key] = found[0]
    return _loaded[key]


def declared_routes() -> list[Route]:
    """Every route, each declaring module loaded (the OpenAPI document needs them all)."""
    _load(sorted({module for _, _, module in route_index.ROUTES}))
    return ROUTES


def dispatch(request: Request) -> Response:
    try:
        adapter = url_map().bind_to_environ(request.environ)
        endpoint, params = adapter.match()
        return _run(declared(*endpoint), request, dict(params))
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)
    except RequestEntityTooLarge:
        return error_response(413, "payload_too_large", "the request body is too large")
    except HTTPException as exc:
        return framework_error(exc)
    except Exception as exc:
        if db.is_contention(exc):
            return contention_error(request, exc)
        log.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return error_response(500, "internal", "internal error; the request may be retried")


def contention_error(request: Request, exc: Exception) -> Response:
    """A write that kept losing races for the same records (common/gcp/db.py's `run_transaction` gave
    up, or a client call said Aborted): 503 with a jittered Retry-After, never a 500. Nothing changed."""
    log.warning("contention", extra={"path": request.path, "method": request.method, "error": str(exc)[:200]})
    wait = random.randint(1, 3)  # noqa: S311 - spreads the retries of racing clients apart
    error = Contention(
        f"too many requests are changing the same records at this moment; nothing was changed: "
        f"retry in {wait} s",
        {"retry_after_s": wait},
        retry_after_s=wait,
    )
    return error_response(error.status, error.code, error.message, error.details, error.headers)


def _run(matched: Route, request: Request, params: dict[str, str]) -> Response:
    uid, role = "", None
    if not matched.public:
        claims = authenticate(request)
        uid, role = str(claims["uid"]), claims.get("role")
        if matched.pipeline and role != PIPELINE_ROLE:
            raise Forbidden("only the video pipeline's service identity may call this")
    call = Call(uid=uid, request=request, params=params, role=role)
    if (query := matched.query) is not None:
        call.query = validated(lambda: query.model_validate(request.args.to_dict()))
    # A route may take JSON, a multipart upload, or either (told apart by the content type).
    sends_file = bool(matched.multipart) and (
        matched.body is None or request.mimetype == "multipart/form-data"
    )
    if (body := matched.body) is not None and not sends_file:
        raw = _json_body(request, matched.body_limit or settings().max_json_bytes)
        call.body = validated(lambda: body.model_validate_json(raw, strict=True))
    if sends_file:
        _check_multipart(request, matched.multipart)
    result = matched.handler(call)
    if isinstance(result, Response):  # a page or a file, not JSON
        return result
    reply = result if isinstance(result, Reply) else Reply(result)
    if reply.payload is None:
        return Response(status=204, headers=reply.headers)
    content = to_json(reply.payload)
    if matched.etag:
        tag = entity_tag(content)
        reply.headers["ETag"] = f'"{tag}"'
        if request.if_none_match.contains(tag):
            return Response(status=304, headers=reply.headers)
    return Response(content, matched.status, reply.headers, mimetype="application/json")


def entity_tag(body: bytes) -> str:
    """A hash of the response body, image URLs included: they stay the same within a signing
    window (common/gcp/cdn.py), and a 304 must not keep a client on URLs about to expire."""
    return hashlib.sha256(body).hexdigest()[:32]


def validated(parse: Callable[[], Any]) -> Any:
    """Run a pydantic parse; malformed JSON is a 400, anything else invalid a 422 (as ApiErrors)."""
    try:
        return parse()
    except ValidationError as exc:
        details = problems(exc)
        if any(p["type"] == "json_invalid" for p in details):
            raise ApiError("the body is not valid JSON", details) from exc
        raise ValidationFailed("the request is not valid", details) from exc


def _json_body(request: Request, limit: int) -> bytes:
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes")
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes")
    if not raw.strip():
        return b"{}"
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
    return raw


def _check_multipart(request: Request, fields: tuple[str, ...]) -> None:
    limit = settings().max_upload_bytes + MULTIPART_SLACK
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(f"uploads are limited to {settings().max_upload_bytes // (1024 * 1024)} MB")
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send the file as multipart/form-data")
    request.max_content_length = limit
    unknown = sorted((set(request.form) | set(request.files)) - set(fields))
    if unknown:
        raise ValidationFailed(
            f"unknown multipart fields: {', '.join(unknown)[:200]}", {"allowed": list(fields)}
        )


def framework_error(exc: HTTPException) -> Response:
    """A werkzeug HTTP error (no such path or method, a malformed request) as the API's JSON error;
    a 405 says which methods the path takes (RFC 9110, 15.5.6)."""
    if isinstance(exc, MethodNotAllowed):
        response = error_response(405, "method_not_allowed", "this path does not take that method")
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
        return response
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 400, code, exc.description or code)


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return Response(to_json({"error": error}), status, headers or {}, mimetype="application/json")
