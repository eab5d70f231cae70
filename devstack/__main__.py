"""`make run`: the whole API on http://127.0.0.1:$PORT (default 8080) over local emulators.

Stopping cannot be interrupted halfway: the first SIGINT or SIGTERM begins it, and any that follow
(a second Ctrl-C, make's own SIGTERM as it is interrupted) are ignored until every process of the
stack is stopped. Should this process die without stopping them (SIGKILL), the stack's watchdog
(devstack/reaper.py) stops them. State and logs go to $DEVSTACK_DIR (default `.devstack/`).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from werkzeug.serving import make_server

from devstack.emulators import Stack
from devstack.models import ensure as ensure_models
from devstack.processes import reserve

STATE_DIR = Path(os.environ.get("DEVSTACK_DIR", ".devstack"))
ENV_FILE = STATE_DIR / "env.json"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _ignore_stop_signals() -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def _begin_stopping(*_: object) -> None:
    """The first stop signal: from now on the others are ignored, then serve_forever is left the
    way Ctrl-C leaves it (server.shutdown() from the serving thread would wait for itself)."""
    _ignore_stop_signals()
    raise KeyboardInterrupt


def main() -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, _begin_stopping)
    port = int(os.environ.get("PORT", "8080"))
    reserve(port)  # bound last, once everything is up: no child may pick it meanwhile
    stack = Stack(state_dir=STATE_DIR.resolve(), auth_emulator=True)
    try:
        print(
            f"starting emulators and the GPU service on the CPU (logs in {stack.state_dir}) ...", flush=True
        )
        ensure_models()
        stack.start()
        stack.start_worker()
        os.environ.update(stack.env())
        ENV_FILE.write_text(json.dumps(stack.env()))  # for tools run beside it: python -m devstack.sweep
        from common.gcp import logs
        from devstack.app import EVENTS_PATH, build

        logs.configure()
        server = make_server("127.0.0.1", port, build(stack), threaded=True)
        stack.push_upload_events_to(f"http://127.0.0.1:{port}{EVENTS_PATH}")
        print(
            f"vidpipe API on http://127.0.0.1:{port}/api (health: /healthz, spec: /api/openapi.json)\n"
            f"token for local calls: .venv/bin/python -m devstack.tokens <uid>\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        _ignore_stop_signals()  # however we got here, stopping runs to its end
        ENV_FILE.unlink(missing_ok=True)
        stack.stop()
        print("stopped", flush=True)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
