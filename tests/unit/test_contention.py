"""Contention, without emulators: which failures count as a lost race, how `db.run_transaction`
retries them within its budget, the 503 the API answers, and what a budget may be."""

from __future__ import annotations

import json
import math
import threading
from typing import Any

import pytest
from google.api_core import exceptions
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from common.errors import ApiError, Contention, NotFound, ValidationFailed
from common.gcp import db
from common.projects import projects
from functions.api import router


def rollback_failed_over(cause: BaseException) -> Exception:
    """What the client raises when its rollback fails while handling `cause`."""
    try:
        try:
            raise cause
        except BaseException:
            raise exceptions.InvalidArgument("transaction is not active") from None
    except exceptions.InvalidArgument as exc:
        exc.__context__ = cause
        return exc


def gave_up() -> ValueError:
    error = ValueError("Failed to commit transaction in 5 attempts.")
    error.__cause__ = exceptions.Aborted("Transaction lock timeout")
    return error


@pytest.mark.parametrize(
    "exc",
    [
        exceptions.Aborted("Transaction lock timeout"),
        exceptions.DeadlineExceeded("commit"),
        gave_up(),
        ValueError("Failed to commit transaction in 1 attempts."),
        db.Contended(3, 4.1),
        rollback_failed_over(exceptions.Aborted("Transaction lock timeout")),
    ],
)
def test_lost_races_are_contention(exc: Exception) -> None:
    assert db.is_contention(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("not a manifest tag"),
        exceptions.NotFound("no document"),
        exceptions.AlreadyExists("taken"),
        NotFound("project not found"),
        RuntimeError("boom"),
    ],
)
def test_other_failures_are_not(exc: Exception) -> None:
    assert not db.is_contention(exc)


class FakeClient:
    def __init__(self) -> None:
        self.transactions = 0

    def transaction(self, max_attempts: int = 5) -> object:
        assert max_attempts == 1  # the helper retries, not the client
        self.transactions += 1
        return object()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """No Firestore: the transaction wrapper calls the function; time is counted, not slept."""
    clock = {"now": 100.0, "slept": [], "client": FakeClient()}

    def sleep(seconds: float) -> None:
        clock["slept"].append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(db, "client", lambda: clock["client"])
    monkeypatch.setattr(db, "_KeepsPlace", lambda fn: fn)
    monkeypatch.setattr(db.time, "sleep", sleep)
    monkeypatch.setattr(db.time, "monotonic", lambda: clock["now"])
    return clock


def test_a_lost_race_is_run_again_in_a_new_transaction(fake: dict[str, Any]) -> None:
    outcomes: list[Any] = [exceptions.Aborted("lock"), gave_up(), "done"]

    def fn(transaction: object) -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)

    assert db.run_transaction(fn) == "done"
    assert fake["client"].transactions == 3
    assert len(fake["slept"]) == 2 and all(0 <= s <= 0.1 for s in fake["slept"])  # jittered, short


def test_a_domain_error_leaves_at_once(fake: dict[str, Any]) -> None:
    def fn(transaction: object) -> None:
        raise ValidationFailed("over budget")

    with pytest.raises(ValidationFailed):
        db.run_transaction(fn)
    assert fake["client"].transactions == 1 and fake["slept"] == []


def test_contention_that_persists_gives_up_within_the_budget(fake: dict[str, Any]) -> None:
    def fn(transaction: object) -> None:
        fake["now"] += 0.5  # each attempt waits on a lock for a while
        raise exceptions.Aborted("Transaction lock timeout")

    with pytest.raises(db.Contended) as raised:
        db.run_transaction(fn, attempts=50, budget_s=4.0)
    assert raised.value.waited_s <= 4.0 + 0.5  # at most one attempt past the budget
    assert 2 <= raised.value.attempts < 50
    assert max(fake["slept"]) <= 1.0  # pauses double up to a second, no more


def test_each_attempt_after_the_first_is_a_retry_of_the_first() -> None:
    """A new attempt begins with `retry_transaction` = the first attempt's id (its place in line)."""
    begun: list[bytes | None] = []

    class Transaction:
        _read_only = False
        _max_attempts = 1
        in_progress = False

        def _clean_up(self) -> None: ...

        def _begin(self, retry_id: bytes | None = None) -> None:
            begun.append(retry_id)
            self._id = f"t{len(begun)}".encode()

        def _commit(self) -> None:
            raise exceptions.Aborted("lock")

        def _rollback(self) -> None: ...

    wrapped = db._KeepsPlace(lambda transaction: None)
    for _ in range(3):
        with pytest.raises(ValueError, match="Failed to commit transaction in 1 attempts"):
            wrapped(Transaction())
    assert begun == [None, b"t1", b"t1"]


def test_attempts_are_bounded_too(fake: dict[str, Any]) -> None:
    def fn(transaction: object) -> None:
        raise exceptions.Aborted("lock")

    with pytest.raises(db.Contended) as raised:
        db.run_transaction(fn, attempts=3, budget_s=60)
    assert raised.value.attempts == 3 == fake["client"].transactions


def test_transactions_on_one_document_take_turns_in_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "client", FakeClient)
    monkeypatch.setattr(db, "_KeepsPlace", lambda fn: fn)
    inside = 0
    most = 0
    guard = threading.Lock()

    class Ref:
        path = "projects/p1"

    def fn(transaction: object) -> None:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        threading.Event().wait(0.01)
        with guard:
            inside -= 1

    threads = [
        threading.Thread(target=db.run_transaction, args=(fn,), kwargs={"serial_on": Ref()}) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_the_api_answers_contention_with_503_json_and_retry_after() -> None:
    request = Request(EnvironBuilder(method="POST", path="/api/checkpoints/x/repair").get_environ())
    response = router.contention_error(request, db.Contended(8, 4.2))
    assert response.status_code == 503 and response.mimetype == "application/json"
    body = json.loads(response.get_data())
    assert body["error"]["code"] == "contention" and "retry" in body["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 3
    assert body["error"]["details"]["retry_after_s"] == int(response.headers["Retry-After"])


def test_api_errors_carry_their_headers() -> None:
    assert ApiError("x").headers == {}
    error = Contention("busy", retry_after_s=2)
    assert (error.status, error.code, error.headers) == (503, "contention", {"Retry-After": "2"})


@pytest.mark.parametrize("value", [-0.0, -1.0, math.nan, math.inf, -math.inf])
def test_a_budget_is_finite_dollars_not_negative_zero(value: float) -> None:
    with pytest.raises(ValidationFailed) as raised:
        projects._require_dollars("repair_budget", value)
    assert raised.value.details[0]["loc"] == ["repair_budget"]


@pytest.mark.parametrize("value", [0.0, 0.01, 10_000.0])
def test_finite_budgets_pass(value: float) -> None:
    projects._require_dollars("repair_budget", value)
