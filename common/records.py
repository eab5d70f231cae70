"""What every domain's records share: timestamps, the base models and common field types.

Schemas are built on first use, not at import (`defer_build`): a function instance only pays for
the models its requests touch. Imports nothing of the project but its errors and ids.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from common.errors import ValidationFailed
from common.ids import ID_PATTERN, INDEX_MAX


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- field types the API's inputs share
# Names, labels and prompts are trimmed, and must hold something once trimmed. Each rule is one
# regular expression, given to clients in the OpenAPI document as `pattern` and checked by the
# server from the same text, so the document says exactly what the server accepts. Lengths count
# what the client sent (before trimming), as JSON Schema counts them. The classes are spelled out:
# `\s` means different things to ECMA-262, Python and Rust.
CONTROL = r"\x00-\x1f\x7f-\x9f"  # C0, DEL and C1 control characters
CONTROL_BUT_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # the same, tab and line breaks allowed
SPACES = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
LINES = r"\t\n\r"


def _characters(escaped_class: str) -> str:
    """The characters a regex class body like `\x00-\x1f ` stands for (str.strip takes characters)."""
    chars = codecs.decode(escaped_class, "unicode_escape")
    return re.sub(r"(.)-(.)", lambda m: "".join(map(chr, range(ord(m[1]), ord(m[2]) + 1))), chars)


def text_field(max_length: int, *, lines: bool = False) -> Any:
    """A string of at most `max_length` characters as sent, with a visible one, and no control
    characters (but tabs and line breaks where `lines`); stored trimmed."""
    forbidden, blank = (CONTROL_BUT_LINES, SPACES + LINES) if lines else (CONTROL, SPACES)
    pattern = f"^[^{forbidden}]*[^{forbidden}{blank}][^{forbidden}]*$"
    rule, edges = re.compile(pattern), _characters(blank)

    def trimmed(value: str) -> str:
        if not rule.match(value):
            raise ValueError("must hold a visible character, and no control characters")
        return value.strip(edges)

    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=max_length),
        Field(json_schema_extra={"pattern": pattern}),
        AfterValidator(trimmed),
    ]


def _whole_number(value: object) -> object:
    """JSON Schema's `integer` includes 2.0: a whole number sent as a float is that integer."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Last in an int's Annotated (after its Field), so that the Field's bounds stay in the schema.
WholeNumber = BeforeValidator(_whole_number)

if TYPE_CHECKING:  # to mypy they are strings; to pydantic, the rules above
    Name = str
    Label = str
    Prompt = str
else:
    Name = text_field(200)
    Label = text_field(64)
    Prompt = text_field(20000, lines=True)
Description = Annotated[str, StringConstraints(max_length=5000)]
Labels = Annotated[list[Label], Field(max_length=50)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
SortOrder = Annotated[int, Field(ge=-1_000_000, le=1_000_000), WholeNumber]
Index = Annotated[int, Field(ge=0, le=INDEX_MAX), WholeNumber]  # a scene's, beat's or chunk's position
RecordId = Annotated[str, StringConstraints(pattern=f"^{ID_PATTERN}$")]
ShortText = Annotated[str, StringConstraints(max_length=2000)]
TagList = Annotated[list[Annotated[str, StringConstraints(max_length=32)]], Field(max_length=200)]


class Model(BaseModel):
    """Base of every model here. Schemas are built on first use, not at import: a function instance
    only pays for the models its requests touch (the cold start is a product figure)."""

    model_config = ConfigDict(defer_build=True)


class Input(Model):
    """Client input: unknown fields and wrong JSON types are errors, not silently coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _patch_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """What the server enforces, in the document: at least one field, and null only where it unsets."""
    schema["minProperties"] = 1
    clearable: frozenset[str] = getattr(model, "CLEARABLE", frozenset())
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [])
        if name in clearable or {"type": "null"} not in options:
            continue
        rest = [o for o in options if o != {"type": "null"}]
        del prop["anyOf"]
        prop.pop("default", None)
        prop.update(rest[0] if len(rest) == 1 else {"anyOf": rest})


class Patch(Input):
    """A partial update: only the fields the client sent change, and none may be null but those
    of `CLEARABLE` (where null means "unset it")."""

    model_config = ConfigDict(json_schema_extra=_patch_schema)

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
