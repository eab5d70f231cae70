"""Branch names: main → main-1, main-2 …; main-1 → main-1-1; unique under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from common.gcp import db
from common.ids import new_id
from common.projects import branches


@pytest.mark.usefixtures("stack")
def test_branch_names_are_sequential_nested_and_unique_under_concurrency() -> None:
    lineage = new_id()
    made = db.collection("branch_test_targets")

    def fork(parent: str) -> str:
        target = made.document(new_id())
        return branches.claim_child(
            lineage, parent, lambda batch, name: batch.create(target, {"branch": name})
        )

    assert [fork("main") for _ in range(2)] == ["main-1", "main-2"]
    assert fork("main-1") == "main-1-1"
    assert fork("main-1-1") == "main-1-1-1"
    with ThreadPoolExecutor(max_workers=10) as pool:
        names = list(pool.map(fork, ["main"] * 10))
    assert sorted(names, key=lambda n: int(n.rsplit("-", 1)[1])) == [f"main-{i}" for i in range(3, 13)]
    # Each name was committed together with exactly one target, never twice.
    stored = sorted(s.to_dict()["branch"] for s in made.stream())
    assert len(stored) == len(set(stored)) == 14
    assert branches.claim_child(new_id(), "main", lambda *_: None) == "main-1"  # lineages are separate
