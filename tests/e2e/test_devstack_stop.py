"""`make run` stops its whole stack, whatever signal ends it: the process group's SIGTERM (what a CI
runner, `timeout` or a closing terminal sends), two quick Ctrl-Cs, or SIGKILL to devstack alone.
After each, no process of the stack is left and none of its ports answers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from devstack.emulators import free_port

ROOT = Path(__file__).resolve().parents[2]
START_S = 240
STOP_S = 60


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        found[int(entry.name)] = (int(ppid), state)
    return found


def descendants(root: int) -> set[int]:
    table = processes()
    out, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in table.items() if ppid in frontier} - out
        out |= frontier
    return out


def running(pids: set[int]) -> set[int]:
    table = processes()
    return {pid for pid in pids if pid in table and table[pid][1] != "Z"}  # a zombie holds nothing


def answering(ports: set[int]) -> set[int]:
    busy = set()
    for port in ports:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                busy.add(port)
    return busy


class Run:
    """`make run` in its own process group, up and answering, with what it started."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.port = free_port()
        env = {**os.environ, "PORT": str(self.port), "DEVSTACK_DIR": str(state_dir)}
        for name in ("FIRESTORE_EMULATOR_HOST", "STORAGE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST"):
            env.pop(name, None)  # the suite's own stack is not this one's
        self.log = (state_dir.parent / f"{state_dir.name}-make.log").open("wb")
        self.make = subprocess.Popen(
            ["make", "-s", "run"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pids: set[int] = set()

    def up(self) -> None:
        """Wait until the stack answers, then note every process and port it holds."""
        deadline = time.monotonic() + START_S
        while not self._healthy():
            assert self.make.poll() is None, f"make run exited: {self._tail()}"
            assert time.monotonic() < deadline, f"make run did not come up: {self._why()}"
            time.sleep(1)
        stack_env = json.loads((self.state_dir / "env.json").read_text())
        self.ports = {self.port} | {
            urlparse(f"//{stack_env[name]}" if "://" not in stack_env[name] else stack_env[name]).port or 0
            for name in (
                "FIRESTORE_EMULATOR_HOST",
                "STORAGE_EMULATOR_HOST",
                "PUBSUB_EMULATOR_HOST",
                "CLOUD_TASKS_EMULATOR_HOST",
                "IMAGES_BASE_URL",
                "WORKER_URL",
            )
        }
        self.pids = descendants(self.make.pid)
        table = processes()
        (self.devstack,) = [pid for pid in self.pids if table[pid][0] == self.make.pid]  # make's child
        assert b"devstack" in Path(f"/proc/{self.devstack}/cmdline").read_bytes()
        assert len(self.pids) >= 7, "devstack and the stack's six processes"
        assert answering(self.ports) == self.ports

    def _healthy(self) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _why(self) -> str:
        """Which components /healthz finds down, and the end of each one's log."""
        try:
            components = requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5).json()["components"]
        except (requests.RequestException, ValueError, KeyError):
            return self._tail()
        down = [name for name, ok in components.items() if not ok]
        tails = []
        for name in down:
            log = self.state_dir / f"{'worker' if name == 'gpu_service' else name}.log"
            if log.exists():
                tails.append(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}")
        return f"down: {down}\n" + "\n".join(tails)

    def _tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def gone(self) -> tuple[set[int], set[int]]:
        """Wait until nothing of the stack runs or listens; what is left when the wait ends."""
        deadline = time.monotonic() + STOP_S
        while time.monotonic() < deadline:
            self.make.poll()
            left, open_ports = running(self.pids), answering(self.ports)
            if not left and not open_ports:
                break
            time.sleep(0.5)
        return running(self.pids), answering(self.ports)

    def close(self) -> None:
        # Never leave a stack behind, whatever the test found (or if it never came up).
        for pid in running(self.pids | descendants(self.make.pid) | {self.make.pid}):
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
        self.make.wait(timeout=30)
        self.log.close()


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[Callable[[], Run]]:
    started: list[Run] = []

    def start() -> Run:
        run = Run(tmp_path / f"devstack-{len(started)}")
        started.append(run)
        run.up()
        return run

    yield start
    for run in started:
        run.close()


def test_sigterm_to_the_process_group_stops_everything(make_run: Callable[[], Run]) -> None:
    run = make_run()
    os.killpg(run.make.pid, signal.SIGTERM)  # make and devstack both get it; make then signals again
    assert run.gone() == (set(), set())


def test_stop_signals_during_the_shutdown_do_not_cut_it_short(make_run: Callable[[], Run]) -> None:
    """A supervisor that keeps signalling: whichever instant of the shutdown a signal lands in
    (make's own SIGTERM to its child is one such), stopping goes on to its end."""
    run = make_run()
    os.killpg(run.make.pid, signal.SIGTERM)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            os.kill(run.devstack, signal.SIGTERM)
        except ProcessLookupError:
            break
        time.sleep(0.0002)
    assert run.gone() == (set(), set())


def test_two_quick_ctrl_cs_still_stop_everything(make_run: Callable[[], Run]) -> None:
    run = make_run()
    os.killpg(run.make.pid, signal.SIGINT)
    time.sleep(0.05)
    os.killpg(run.make.pid, signal.SIGINT)  # arrives while the first one's shutdown runs
    assert run.gone() == (set(), set())


def test_sigkill_to_devstack_alone_leaves_no_orphan(make_run: Callable[[], Run]) -> None:
    run = make_run()
    os.kill(run.devstack, signal.SIGKILL)  # no handler, no finally: only the watchdog can act
    assert run.gone() == (set(), set())
