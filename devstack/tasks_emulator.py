"""`python -m devstack.tasks_emulator PORT QUEUE...`: gcloud-tasks-emulator bound to loopback only.

The emulator really dispatches HTTP tasks and retries failures (immediately, without backoff; and
it delivers one task at a time per queue). Upstream binds [::]; the local stack binds 127.0.0.1.
"""

from __future__ import annotations

import logging
import sys

from gcloud_tasks_emulator import server as emulator


class LoopbackApi(emulator.APIThread):
    def run(self) -> None:
        from concurrent import futures

        import grpc

        self._httpd = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        emulator.add_CloudTasksServicer_to_server(emulator.Greeter(self._state), self._httpd)
        self._httpd.add_insecure_port(f"127.0.0.1:{self._port}")
        self._httpd.start()  # serves from grpc's own threads


def main() -> None:
    port, queues = int(sys.argv[1]), sys.argv[2:]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    emulator.APIThread = LoopbackApi
    server = emulator.create_server("127.0.0.1", port, "127.0.0.1", 80, queues, -1)
    server.run()


if __name__ == "__main__":
    main()
