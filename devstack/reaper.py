"""A watchdog that stops the stack's processes when the process that started them ends, however it ends.

The stack starts it before anything else, with a pipe on its stdin that only the stack holds open,
and tells it each process group it starts (`+PGID`) and stops (`-PGID`). When the stack's process
ends (a clean exit, an exception, SIGKILL), the kernel closes that pipe: the watchdog reads
end-of-file, sends SIGTERM to every group it still knows, and SIGKILL to what is left after
`GRACE_S`. It runs in its own session and ignores SIGINT and SIGTERM, so a signal to the stack's
process group (Ctrl-C, a CI runner's or a supervisor's SIGTERM) cannot stop it before its work.
"""

from __future__ import annotations

import os
import signal
import sys
import time

GRACE_S = 10.0


def alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def stop(groups: set[int], grace_s: float = GRACE_S) -> None:
    """SIGTERM to each group, then SIGKILL to those still there after `grace_s`."""
    for group in groups:
        if alive(group):
            os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(alive(g) for g in groups) and time.monotonic() < deadline:
        time.sleep(0.1)
    for group in groups:
        if alive(group):
            os.killpg(group, signal.SIGKILL)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    groups: set[int] = set()
    for line in sys.stdin:  # until the stack's end of the pipe closes
        sign, _, number = line.strip().partition(" ")
        if number.isdigit():
            (groups.add if sign == "+" else groups.discard)(int(number))
    stop(groups)


if __name__ == "__main__":
    main()
