"""Branch names of a project lineage: the first line is `main`; children of branch B are B-1, B-2, …

Used by forks (and by checkpoint continuations, which branch the same way). A name is taken by
creating its claim document in the same batch as whatever the branch is for, so two concurrent
forks can never get the same name: the loser's batch fails whole and it tries the next number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud.firestore import FieldFilter

from common.errors import Conflict
from common.gcp import db
from common.records import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference, WriteBatch

ROOT = "main"
MAX_ATTEMPTS = 100


def claim_ref(lineage_id: str, name: str) -> DocumentReference:
    return db.branch_claims().document(f"{lineage_id}:{name}")


def claim_child(
    lineage_id: str,
    parent_branch: str,
    write_with_branch: Callable[[WriteBatch, str], None],
    *,
    details: dict[str, Any] | None = None,
    already_done: Callable[[], str | None] | None = None,
) -> str:
    """Claim the next free child name of `parent_branch` and commit `write_with_branch` with it.

    `details` are stored on the claim (which project and checkpoint the branch belongs to). When
    the batch also creates a document that marks the work as done, `already_done` tells a lost
    race on that marker (return the branch the winner claimed) from a taken name (None).
    """
    claims = db.branch_claims()
    siblings = (
        claims.where(filter=FieldFilter("lineage_id", "==", lineage_id))
        .where(filter=FieldFilter("parent", "==", parent_branch))
        .select([])
    )
    number = sum(1 for _ in siblings.stream()) + 1  # a hint; the claim decides
    for _ in range(MAX_ATTEMPTS):
        name = f"{parent_branch}-{number}"
        batch = db.client().batch()
        doc = {
            **(details or {}),
            "lineage_id": lineage_id,
            "parent": parent_branch,
            "name": name,
            "at": utcnow(),
        }
        batch.create(claim_ref(lineage_id, name), doc)
        write_with_branch(batch, name)
        try:
            batch.commit(retry=db.CONTENDED)
        except exceptions.AlreadyExists:
            done = already_done() if already_done is not None else None
            if done is not None:
                return done
            number += 1
            continue
        return name
    raise Conflict("too many concurrent branches; retry")
