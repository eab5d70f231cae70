"""The local stack's child processes: how they start, how the stack knows they are ready, how they stop.

Each process runs in its own process group (stopping it stops what it started too), logs to a file
in the stack's state folder, and is told to the watchdog (devstack/reaper.py), which stops it if
the stack's own process ends without stopping it, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now that this process has not handed out before. A child binds
    its port seconds after the pick (the GPU service after its models load), and the kernel may give
    a just-released port again: two children picked the same one, the second to bind died while a
    readiness probe found the first listening there (a stack whose /healthz stayed 503)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def reserve(port: int) -> None:
    """A port chosen elsewhere (the API's $PORT) that free_port must not hand out."""
    _handed_out.add(port)


@dataclass
class Children:
    """The processes one stack started, in start order."""

    log_dir: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    reaper: subprocess.Popen[bytes] | None = None

    def spawn(
        self, name: str, argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        if self.reaper is None:
            # Its own session: a signal to this process's group does not reach it.
            self.reaper = subprocess.Popen(
                [sys.executable, "-m", "devstack.reaper"], stdin=subprocess.PIPE, start_new_session=True
            )
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, so stopping it stops what it started too
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        self.running.append(proc)
        self._tell_reaper(f"+ {proc.pid}")
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """Kill one process at once (SIGKILL: as a crashed instance dies) and forget it."""
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        self._tell_reaper(f"- {proc.pid}")
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self) -> None:
        """SIGTERM to each, last started first; SIGKILL to any still running 10 s later."""
        for proc in reversed(self.running):
            if proc.poll() is None:
                _signal_group(proc.pid, signal.SIGTERM)
        for proc in self.running:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            self._tell_reaper(f"- {proc.pid}")
        self.running.clear()
        if self.reaper is not None and self.reaper.stdin is not None:
            self.reaper.stdin.close()  # nothing left to watch: it exits
            self.reaper.wait(timeout=30)
            self.reaper = None

    def _tell_reaper(self, line: str) -> None:
        if self.reaper is not None and self.reaper.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.reaper.stdin.write(f"{line}\n".encode())
                self.reaper.stdin.flush()


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes], name: str) -> None:
    """Until `url` answers below 500; fails early if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}; see its log in .devstack/")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} was not ready at {url} after {timeout:.0f} s")


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes], name: str) -> None:
    """Until something listens on `port`; fails early if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}; see its log in .devstack/")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{name} was not listening on {port} after {timeout:.0f} s")
