"""Record ids: random (uuid4) or derived from the work they name, always 32 lower-case hex digits;
and the range of a position (a scene's, beat's or chunk's index).

Imports nothing: the api's router matches ids and indexes in paths before any model module is loaded.
"""

from __future__ import annotations

import hashlib
import re
from uuid import uuid4

ID_PATTERN = "[0-9a-f]{32}"  # every record id: uuid4 hex, or derived_id's hex
RECORD_ID = re.compile(ID_PATTERN)
# A scene's, beat's or chunk's position, wherever it is sent: records.Index, a path's `{..._index}`,
# a multipart field, the OpenAPI document.
INDEX_MAX = 9999


def new_id() -> str:
    return uuid4().hex


def is_record_id(value: str) -> bool:
    """Ids are 32 lower-case hex digits (uuid4 or derived); nothing else names a record."""
    return RECORD_ID.fullmatch(value) is not None


def derived_id(*parts: object) -> str:
    """A record id that is the same every time the same work is done (random-looking, never sequential)."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:32]
