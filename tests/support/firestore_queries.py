"""Every Firestore query the suite's process issues, recorded at the client's RPC layer, and the
composite indexes those queries need in production (the emulator needs none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EQUALITY_OPS = {5, 7, 8, 9}  # EQUAL, ARRAY_CONTAINS, IN, ARRAY_CONTAINS_ANY
NULL_OPS = {2, 3}  # IS_NAN, IS_NULL: equality on a special value
DIRECTIONS = {1: "ASCENDING", 2: "DESCENDING"}

recorded: list[dict[str, Any]] = []


def start_recording() -> None:
    from google.cloud.firestore_v1.services.firestore.client import FirestoreClient

    original = FirestoreClient.run_query
    if getattr(original, "_records", False):
        return

    def run_query(self: FirestoreClient, *args: Any, **kwargs: Any) -> Any:
        request = kwargs.get("request") or (args[0] if args else {})
        query = request.get("structured_query") if isinstance(request, dict) else None
        if query is not None:
            recorded.append(type(query).to_dict(query))
        return original(self, *args, **kwargs)

    run_query._records = True  # type: ignore[attr-defined]
    FirestoreClient.run_query = run_query  # type: ignore[method-assign]


@dataclass(frozen=True)
class Need:
    """A composite index a query needs: equality fields (any order), then ordered fields."""

    collection: str
    equality: frozenset[str]
    ordered: tuple[tuple[str, str], ...]


def _filters(where: dict[str, Any]) -> list[dict[str, Any]]:
    if not where:
        return []
    if "composite_filter" in where:
        return [f for sub in where["composite_filter"]["filters"] for f in _filters(sub)]
    return [where]


def need(query: dict[str, Any]) -> Need | None:
    """None when single-field indexes serve the query (one field, or equality filters only)."""
    equality: set[str] = set()
    inequality: list[str] = []
    for item in _filters(query.get("where") or {}):
        if "unary_filter" in item:
            field, op = item["unary_filter"]["field"]["field_path"], item["unary_filter"]["op"]
            (equality.add(field) if op in NULL_OPS else inequality.append(field))
        else:
            field, op = item["field_filter"]["field"]["field_path"], item["field_filter"]["op"]
            (equality.add(field) if op in EQUALITY_OPS else inequality.append(field))
    ordered = [(o["field"]["field_path"], DIRECTIONS[o["direction"]]) for o in query.get("order_by", [])]
    ordered = [o for o in ordered if o[0] != "__name__"]
    for field in inequality:  # an inequality field is ordered too, first, if the query did not say
        if field not in {name for name, _ in ordered}:
            ordered.insert(0, (field, "ASCENDING"))
    fields = equality | {name for name, _ in ordered}
    if len(fields) <= 1 or not ordered:
        return None
    return Need(query["from_"][0]["collection_id"], frozenset(equality), tuple(ordered))
