"""Page cursors: where the next page of an ordered Firestore listing starts, as an opaque string.

A cursor holds the listing's name, the last document's values of the ordering fields and its id;
a cursor from another listing, or one that was tampered with, is a 422 that says to start over.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from common.errors import ValidationFailed
from common.ids import is_record_id


def encode(listing: str, values: list[Any], last_id: str) -> str:
    raw = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    text = json.dumps({"s": listing, "v": raw, "id": last_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, listing: str, size: int) -> tuple[list[Any], str]:
    """The `size` ordering values and the id the next page starts after."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        raw, last_id = data["v"], data["id"]
        if data["s"] != listing or not isinstance(last_id, str) or not is_record_id(last_id):
            raise ValueError("a cursor of another listing")
        values = [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in raw]
        if len(values) != size or not all(isinstance(v, str | int | float | datetime) for v in values):
            raise ValueError("bad cursor value")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed("cursor is not valid for this listing; start again without it") from exc
    return values, last_id
