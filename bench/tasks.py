"""Cloud Tasks played in a bench's own process, for the benches that need tasks side by side
(bench/shards.py, bench/pipeline.py): the Cloud Tasks emulator delivers one task at a time per
queue, so it cannot show them.

Every task the product queues goes through the emulator to this intake (the bench points
WORKER_URL at it); a dispatcher hands each to the next free worker, a thread calling the GPU
service's own `delivery.handle`; a delivery that failed or answered busy goes back to the queue
after a pause (Cloud Tasks' backoff).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack.emulators import free_port

BACKOFF_S = 0.5


class Killed(BaseException):
    """A delivery that dies (BaseException: no `except Exception` of the product catches it)."""


class Tasks:
    """The queue's tasks, handed to free workers. `copies`: how many times each task is delivered
    (2: every task twice, at once, as at-least-once delivery may)."""

    def __init__(self) -> None:
        self.pending: queue.Queue[str] = queue.Queue()
        self.copies = 1
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, self.intake, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tasks"

    @Request.application
    def intake(self, request: Request) -> Response:
        job_id = json.loads(request.get_data())["job_id"]
        for _ in range(self.copies):
            self.pending.put(job_id)
        return Response("{}", 200, mimetype="application/json")

    def work(
        self,
        workers: int,
        ended: Callable[[], bool],
        *,
        attempts: int | None = None,
        stalled_s: float | None = None,
        where: Callable[[], object] = lambda: None,
    ) -> Counter[str]:
        """Deliver tasks on `workers` threads until `ended()`. `attempts`: the queue's, the last
        one delivered as such (None: never the last); `stalled_s`: raise when no delivery has done
        anything for that long (a busy answer does nothing), saying `where()` the run stands."""
        from common.jobs.lease import Busy
        from gpu_service import delivery

        answers: Counter[str] = Counter()
        tries: Counter[str] = Counter()
        done = threading.Event()

        def again(job_id: str) -> None:
            threading.Timer(BACKOFF_S, self.pending.put, (job_id,)).start()

        def worker() -> None:
            while not done.is_set():
                try:
                    job_id = self.pending.get(timeout=0.1)
                except queue.Empty:
                    continue
                tries[job_id] += 1
                last = attempts is not None and tries[job_id] >= attempts
                try:
                    answers[delivery.handle(job_id, last_attempt=last)] += 1
                except Busy:  # as a 503's retry, it does not use up an attempt
                    tries[job_id] -= 1
                    answers["busy"] += 1
                    again(job_id)
                except (Killed, Exception) as exc:
                    answers["killed" if isinstance(exc, Killed) else f"failed: {exc!r}"[:120]] += 1
                    again(job_id)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()

        def moved() -> int:
            return sum(n for answer, n in answers.items() if answer != "busy")

        seen, since = moved(), time.monotonic()
        try:
            while not ended():
                time.sleep(0.1)
                if moved() != seen:
                    seen, since = moved(), time.monotonic()
                elif stalled_s is not None and time.monotonic() - since > stalled_s:
                    raise RuntimeError(f"the run stalled: {where()}; deliveries {dict(answers)}")
        finally:
            done.set()
            for thread in threads:
                thread.join()
        return answers
