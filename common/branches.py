"""Branch names of a project lineage: the first line is `main`; children of branch B are B-1, B-2, …

Used by forks (and by checkpoint continuations, which branch the same way). A name is taken by
creating its claim document in the same batch as whatever the branch is for, so two concurrent
forks can never get the same name: the loser's batch fails whole and it tries the next number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from google.api_core import exceptions
from google.cloud.firestore import FieldFilter

from common import db
from common.errors import Conflict
from common.models import utcnow

if TYPE_CHECKING:
    from google.cloud.firestore import WriteBatch

BRANCH_CLAIMS = "branch_claims"
ROOT = "main"
MAX_ATTEMPTS = 100


def claim_child(
    lineage_id: str, parent_branch: str, write_with_branch: Callable[[WriteBatch, str], None]
) -> str:
    """Claim the next free child name of `parent_branch` and commit `write_with_branch` with it."""
    claims = db.collection(BRANCH_CLAIMS)
    siblings = (
        claims.where(filter=FieldFilter("lineage_id", "==", lineage_id))
        .where(filter=FieldFilter("parent", "==", parent_branch))
        .select([])
    )
    number = sum(1 for _ in siblings.stream()) + 1  # a hint; the claim decides
    for _ in range(MAX_ATTEMPTS):
        name = f"{parent_branch}-{number}"
        batch = db.client().batch()
        doc = {"lineage_id": lineage_id, "parent": parent_branch, "name": name, "at": utcnow()}
        batch.create(claims.document(f"{lineage_id}:{name}"), doc)
        write_with_branch(batch, name)
        try:
            batch.commit(retry=db.CONTENDED)
        except exceptions.AlreadyExists:
            number += 1
            continue
        return name
    raise Conflict("too many concurrent branches; retry")
