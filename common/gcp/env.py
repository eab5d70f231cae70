"""The one loader of settings from the environment, for the functions and the GPU service alike.

A settings class is a pydantic-settings class on `CONFIG`: each field is read from the variable of
its name in capitals (or its `validation_alias`), an empty variable counts as unset, and the value
is typed and checked. `load` builds one; a malformed value raises `BadSettings`, one message that
names every bad variable and the form it expects ("MAX_UPLOAD_BYTES: expected an integer number
of bytes, got '20MB'"). The entry points load their settings on import, so such a value stops the
process at start rather than at the first request that reads it.
"""

from __future__ import annotations

import os
import types
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True)

# Constrained kinds the settings share; their bounds are also spelled out in a bad value's message.
Positive = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=1)]

# What a number counts, read from its variable's suffix (the names already say it: *_BYTES, *_S).
UNITS = {
    "_BYTES": "bytes",
    "_PIXELS": "pixels",
    "_PX": "pixels",
    "_MB": "megabytes",
    "_S": "seconds",
    "_DAYS": "days",
}

S = TypeVar("S", bound=BaseSettings)


class BadSettings(RuntimeError):
    """A variable the process reads holds a value it cannot use."""


def load(cls: type[S]) -> S:
    """Read `cls` from the environment, or raise BadSettings naming each bad variable."""
    try:
        return cls()
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            if error["type"] == "default_factory_not_called":
                continue  # a default derived from a bad value: that value is reported
            variable, field = _field(cls, str(error["loc"][0]))
            expected = _form(field, variable) or error["msg"].removeprefix("Input should be ")
            problems.setdefault(variable, f"{variable}: expected {expected}, got {error.get('input')!r}")
        raise BadSettings("; ".join(problems.values())) from None


def variables_set() -> list[str]:
    """The names of the variables set in this process (the local-only check reads them)."""
    return list(os.environ)


def _field(cls: type[BaseSettings], key: str) -> tuple[str, FieldInfo | None]:
    """The variable and field an error's location names (a field's name, or its alias)."""
    for name, field in cls.model_fields.items():
        variable = field.validation_alias if isinstance(field.validation_alias, str) else name.upper()
        if key in (name, variable):
            return variable, field
    return key.upper(), None


def _form(field: FieldInfo | None, variable: str) -> str:
    """A field's type in words: "a number (from 0 to 1)", "an integer number of bytes (1 or more)"."""
    if field is None:
        return ""
    kind, bounds = _unwrap(field.annotation, list(field.metadata))
    if kind is bool:
        return "true or false"
    if get_origin(kind) is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(kind))
    if kind not in (int, float):
        return ""
    unit = next((unit for suffix, unit in UNITS.items() if variable.endswith(suffix)), "")
    words = ("an integer" if kind is int else "a") + (" number" if unit or kind is float else "")
    words += f" of {unit}" if unit else ""
    return words + _range(bounds)


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, dict[str, float]]:
    """The type under Optional[...] and Annotated[...], and its bounds (ge, gt, le, lt)."""
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        metadata = metadata + [m for e in extra for m in (e.metadata if isinstance(e, FieldInfo) else [e])]
    bounds = {k: getattr(m, k) for m in metadata for k in ("ge", "gt", "le", "lt") if hasattr(m, k)}
    return annotation, bounds


def _range(bounds: dict[str, float]) -> str:
    if "ge" in bounds and "le" in bounds:
        return f" (from {bounds['ge']:g} to {bounds['le']:g})"
    if "gt" in bounds:
        return f" (above {bounds['gt']:g})"
    if "ge" in bounds:
        return f" ({bounds['ge']:g} or more)"
    return f" ({bounds['le']:g} or less)" if "le" in bounds else ""
