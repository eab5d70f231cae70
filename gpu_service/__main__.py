"""`python -m gpu_service`: the GPU service on 127.0.0.1:$PORT (default 8081), models loaded first."""

from __future__ import annotations

import signal
from pathlib import Path

from functions_framework import create_app
from werkzeug.serving import make_server

from gpu_service.config import worker_settings
from gpu_service.vision.runtime import models

SOURCE = str(Path(__file__).resolve().parent / "main.py")


def _exit(*_: object) -> None:
    raise SystemExit(0)


def main() -> None:
    port = worker_settings().port
    models()  # load before accepting work, like Cloud Run's startup probe
    app = create_app("handle_task", SOURCE, "http")
    server = make_server("127.0.0.1", port, app, threaded=True)
    # server.shutdown() from a handler on the serving thread would wait for itself forever.
    signal.signal(signal.SIGTERM, _exit)
    server.serve_forever()


if __name__ == "__main__":
    main()
