"""Progress writes are throttled to about one a second (gpu_service/jobs/progress.py)."""

from __future__ import annotations

from gpu_service.jobs.progress import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_write_is_due_then_one_per_interval() -> None:
    clock = Clock()
    throttle = Throttle(every_s=1.0, clock=clock)
    assert throttle.take()  # nothing written yet
    assert not throttle.take()
    clock.now += 0.5
    assert not throttle.ready()
    assert not throttle.take()
    clock.now += 0.5
    assert throttle.take()
    assert not throttle.take()


def test_a_forced_write_restarts_the_interval() -> None:
    clock = Clock()
    throttle = Throttle(every_s=1.0, clock=clock)
    throttle.take()
    clock.now += 0.9
    throttle.mark()  # a step boundary wrote anyway
    clock.now += 0.9
    assert not throttle.take()
    clock.now += 0.1
    assert throttle.take()


def test_many_items_in_one_interval_make_one_write() -> None:
    clock = Clock()
    throttle = Throttle(every_s=1.0, clock=clock)
    writes = 0
    for _ in range(1000):
        clock.now += 0.01  # 1,000 items over 10 s
        writes += throttle.take()
    assert 10 <= writes <= 11
