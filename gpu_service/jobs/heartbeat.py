"""A heartbeat: a call made every so often on a thread of its own while a block of work runs (a
lease or a claim kept alive), stopped and joined when the block ends."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def beating(every_s: float, beat: Callable[[], None], name: str) -> Iterator[None]:
    """Call `beat` every `every_s` seconds until the `with` block ends (`beat` handles its own
    failures: the next beat tries again)."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_s):
            beat()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
