"""What every domain's records share: ids, timestamps, the base models and common field types.

Schemas are built on first use, not at import (`defer_build`): a function instance only pays for
the models its requests touch. Imports nothing of the project but its errors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from common.errors import ValidationFailed


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid4().hex


ID_PATTERN = "[0-9a-f]{32}"  # every record id: uuid4 hex, or derived_id's hex
RECORD_ID = re.compile(ID_PATTERN)


def is_record_id(value: str) -> bool:
    """Ids are 32 lower-case hex digits (uuid4 or derived); nothing else names a record."""
    return RECORD_ID.fullmatch(value) is not None


def derived_id(*parts: object) -> str:
    """A record id that is the same every time the same work is done (random-looking, never sequential)."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:32]


# Field types the API's inputs share.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=5000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Labels = Annotated[list[Label], Field(max_length=50)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
SortOrder = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
RecordId = Annotated[str, StringConstraints(pattern=f"^{ID_PATTERN}$")]
Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
ShortText = Annotated[str, StringConstraints(max_length=2000)]
TagList = Annotated[list[Annotated[str, StringConstraints(max_length=32)]], Field(max_length=200)]


class Model(BaseModel):
    """Base of every model here. Schemas are built on first use, not at import: a function instance
    only pays for the models its requests touch (the cold start is a product figure)."""

    model_config = ConfigDict(defer_build=True)


class Input(Model):
    """Client input: unknown fields and wrong JSON types are errors, not silently coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Patch(Input):
    """A partial update: only the fields the client sent change, and none may be null but those
    of `CLEARABLE` (where null means "unset it")."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_nulls_and_not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("the body names no field to change")
        nulls = sorted(
            f for f in self.model_fields_set if getattr(self, f) is None and f not in self.CLEARABLE
        )
        if nulls:
            raise ValueError(f"fields cannot be null: {', '.join(nulls)}")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set, mode="python")


class Record(Model):
    # Stored documents may carry fields added by later versions: read what we know, keep going.
    model_config = ConfigDict(extra="ignore")


class DeletedOut(Model):
    status: Literal["deleted"] = "deleted"


class ErrorDetail(Model):
    code: str
    message: str
    details: Any = None


class ErrorOut(Model):
    error: ErrorDetail


def decode_base64(text: str, field: str = "media_data") -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(f"{field}: not valid base64") from exc
