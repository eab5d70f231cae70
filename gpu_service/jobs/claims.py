"""Paid calls claimed before they are made: of two deliveries of one task, one pays, one waits.

Cloud Tasks delivers at least once, and two deliveries of one task can run at the same time. Before
a Gemini call (a description, a regeneration), a delivery claims each unit of work with a
create-if-absent write. A unit claimed by another delivery is left to it: the caller waits for that
delivery's result. While the call runs its holder keeps the claim alive (`kept`: the expiry moves
on every third of DESCRIBE_CLAIM_S), so a claim whose holder died lapses within that time, however
long calls take, and is taken over in a transaction. Claims carry `expires_at`, which a Firestore
TTL policy deletes (infra/firestore.tf).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from google.api_core.exceptions import AlreadyExists, GoogleAPICallError
from google.cloud import firestore

from common.gcp import db
from common.ids import derived_id
from common.records import utcnow
from gpu_service.jobs.heartbeat import beating

POLL_S = 0.25
DONE_KEPT = timedelta(days=2)  # the queues retry a task for at most a day (infra/tasks.tf)


def key(*parts: object) -> str:
    return derived_id("paid", *parts)


def take(claim: str, holder: str, ttl_s: float) -> bool:
    """True when `holder` may make the call: it made the claim, already held it, or took over an
    expired one."""
    ref = db.paid_claims().document(claim)
    now = utcnow()
    fields = {"holder": holder, "claimed_at": now, "expires_at": now + timedelta(seconds=ttl_s)}
    try:
        ref.create(fields, retry=db.CONTENDED)
        return True
    except AlreadyExists:
        pass

    @firestore.transactional
    def take_over(transaction: firestore.Transaction) -> bool:
        if not free_for(ref.get(transaction=transaction).to_dict() or {}, holder, now):
            return False
        transaction.set(ref, fields)
        return True

    return bool(take_over(db.client().transaction()))


def free_for(current: dict[str, Any], holder: str, now: datetime) -> bool:
    """Whether `holder` may take a claim as it stands (`current`, {} when there is none): it is
    gone, already this holder's, or its holder's time ran out. A finished claim is never taken
    again, however late: its call was made (and paid)."""
    if current.get("done"):
        return False
    return not current or current.get("holder") == holder or current["expires_at"] <= now


@contextlib.contextmanager
def kept(claims: list[str], ttl_s: float) -> Iterator[None]:
    """Keep `claims` alive while the work in the `with` block runs."""

    def renew() -> None:
        batch = db.client().batch()
        for claim in claims:
            expires = utcnow() + timedelta(seconds=ttl_s)
            batch.set(db.paid_claims().document(claim), {"expires_at": expires}, merge=True)
        with contextlib.suppress(GoogleAPICallError):  # the next beat tries again
            batch.commit()

    with beating(ttl_s / 3, renew, "claims-heartbeat"):
        yield


def finish(claims: list[str]) -> None:
    """The work of these claims is done (described or failed): whoever waits on them stops. A
    finished claim is kept for DONE_KEPT (its TTL then deletes it), longer than the queue retries a
    task, so no later delivery pays for the call again."""
    batch = db.client().batch()
    expires = utcnow() + DONE_KEPT
    for claim in claims:
        batch.set(db.paid_claims().document(claim), {"done": True, "expires_at": expires}, merge=True)
    batch.commit(retry=db.CONTENDED)


def release(claims: list[str]) -> None:
    """Give claims back unfinished (the holder failed unexpectedly): a retry may take them at once."""
    batch = db.client().batch()
    for claim in claims:
        batch.delete(db.paid_claims().document(claim))
    batch.commit(retry=db.CONTENDED)


def wait_for(claims: list[str], holder: str, ttl_s: float) -> list[str]:
    """Wait while other deliveries hold these claims. Returns as soon as every one is done, or with
    the ones this holder took over (their holder died) for it to do now."""
    refs = {c: db.paid_claims().document(c) for c in claims}
    while refs:
        now = utcnow()
        current = {s.id: s.to_dict() or {} for s in db.client().get_all(list(refs.values()))}
        refs = {c: ref for c, ref in refs.items() if not current.get(c, {}).get("done")}
        lapsed = [c for c in refs if free_for(current.get(c, {}), holder, now)]
        taken = [c for c in lapsed if take(c, holder, ttl_s)]
        if taken:
            return taken
        if refs:
            time.sleep(POLL_S)
    return []
