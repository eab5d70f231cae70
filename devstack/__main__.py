"""`make run`: the whole API on http://127.0.0.1:$PORT (default 8080) over local emulators."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from werkzeug.serving import make_server

from devstack.emulators import Stack
from devstack.models import ensure as ensure_models

ENV_FILE = Path(".devstack/env.json")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    stack = Stack(state_dir=Path(".devstack").resolve())
    print(f"starting emulators and the GPU service on the CPU (logs in {stack.state_dir}) ...", flush=True)
    ensure_models()
    stack.start()
    try:
        stack.start_worker()
        os.environ.update(stack.env())
        ENV_FILE.write_text(json.dumps(stack.env()))  # for tools run beside it: python -m devstack.sweep
        from common.gcp import logs
        from devstack.app import EVENTS_PATH, build

        logs.configure()
        server = make_server("127.0.0.1", port, build(stack), threaded=True)
        stack.push_upload_events_to(f"http://127.0.0.1:{port}{EVENTS_PATH}")
        # server.shutdown() from a handler on the serving thread would wait for itself forever:
        # leave serve_forever the way Ctrl-C does, and let `finally` stop the emulators.
        signal.signal(signal.SIGTERM, _interrupt)
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
        ENV_FILE.unlink(missing_ok=True)
        stack.stop()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
