"""Time spent inside chosen functions (model inference), added up, for the benches' overhead ratios."""

from __future__ import annotations

import time


class Inside:
    """Wraps module-level functions so their wall time adds to `seconds` (nested calls too)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, module: object, name: str) -> None:
        original = getattr(module, name)

        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(module, name, timed)
