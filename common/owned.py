"""An owner's record read inside a transaction, and soft deletion, written once for every kind.

A record that does not exist, belongs to someone else or was soft-deleted is NotFound alike (the
caller cannot tell which: ids of other owners' records reveal nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from google.cloud import firestore

from common.errors import NotFound
from common.gcp import db
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, DocumentSnapshot


class Owned(Protocol):
    @property
    def owner_id(self) -> str: ...


R = TypeVar("R", bound=Owned)


def read(
    transaction: firestore.Transaction | None,
    ref: DocumentReference,
    parse: Callable[[DocumentSnapshot], R],
    what: str,
    owner_id: str | None = None,
) -> R:
    """The record at `ref` (as of `transaction`), parsed; NotFound ("{what} not found") when it is
    missing, or with `owner_id` when it is not that owner's or was soft-deleted."""
    snapshot = ref.get(transaction=transaction)
    if not snapshot.exists:
        raise NotFound(f"{what} not found")
    record = parse(snapshot)
    if owner_id is not None and (record.owner_id != owner_id or getattr(record, "deleted_at", None)):
        raise NotFound(f"{what} not found")
    return record


def soft_delete(
    ref: DocumentReference,
    parse: Callable[[DocumentSnapshot], R],
    what: str,
    owner_id: str,
    *,
    changes: Callable[[datetime], dict[str, Any]],
    refuse: Callable[[firestore.Transaction], None] | None = None,
) -> None:
    """Mark the owner's record deleted (`deleted_at`, plus `changes`), in one transaction with the
    check `refuse`, which raises to keep the record (a manifest a live project uses, say)."""

    def run(transaction: firestore.Transaction) -> None:
        read(transaction, ref, parse, what, owner_id)
        if refuse is not None:
            refuse(transaction)
        now = utcnow()
        transaction.update(ref, {"deleted_at": now, **changes(now)})

    db.run_transaction(run)
