"""Errors that domain operations raise and the HTTP layer turns into JSON 4xx answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


def problems(exc: ValidationError) -> list[dict[str, Any]]:
    """A validation error's details as the API reports them: where, what, and its type."""
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the JSON body (none, unless a kind says so)."""
        return {}


class Unauthenticated(ApiError):
    status = 401
    code = "unauthenticated"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"


class InvalidImage(ApiError):
    status = 422
    code = "invalid_image"


class ServiceUnavailable(ApiError):
    """A service this request needs is starting or down: nothing changed, the client may retry."""

    status = 503
    code = "unavailable"


class Contention(ApiError):
    """Other requests kept winning the transaction this one needs (the same record changed by many
    at once), through every retry of its budget: nothing changed, and the same request may succeed
    after `Retry-After` seconds."""

    status = 503
    code = "contention"

    def __init__(self, message: str, details: Any = None, retry_after_s: int = 1) -> None:
        super().__init__(message, details)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}
