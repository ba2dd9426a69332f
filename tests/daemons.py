"""`watcher run` in a real subprocess, as systemd runs it: a datagram socket stands in for
systemd's NOTIFY_SOCKET, and every daemon a test started is stopped after it, killed if it did
not stop. Through the `watcher_run` fixture (conftest.py):

    daemon = watcher_run(config, WATCHER_WEB_TOKEN="t")   # more environment, if any
    daemon.systemd.wait_for("READY=1")
    daemon.process.send_signal(signal.SIGHUP)
    stderr = daemon.stop()                                  # SIGTERM; it must exit 0
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class Systemd:
    """The receiving end of sd_notify."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(20)

    def wait_for(self, prefix: str) -> str:
        """The next message that starts with `prefix` (others are skipped); fails after 20 s."""
        while True:
            message = self.sock.recv(4096).decode()
            if message.startswith(prefix):
                return message


def scrape(port: int) -> str:
    """The daemon's /metrics page."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode())


@dataclass(frozen=True)
class Daemon:
    """One `watcher run` and the socket it notifies."""

    process: subprocess.Popen[str]
    systemd: Systemd

    def stop(self) -> str:
        """SIGTERM, then what it wrote to stderr once it has exited; it must exit 0."""
        self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, stderr
        return stderr


Start = Callable[..., Daemon]


@contextmanager
def watcher_runs(directory: Path) -> Iterator[Start]:
    """A function that starts `watcher run -c config` in `directory`, with NOTIFY_SOCKET and
    JOURNAL_STREAM set (so its stderr has journald's <N> level prefixes); on the way out every
    daemon still running is killed and reaped, and the socket closed."""
    systemd = Systemd(directory / "notify.sock")
    started: list[subprocess.Popen[str]] = []

    def start(config: Path, **environment: str) -> Daemon:
        process = subprocess.Popen(
            [sys.executable, "-m", "watcher", "-c", str(config), "run"],
            env=dict(
                os.environ, NOTIFY_SOCKET=str(systemd.path), JOURNAL_STREAM="8:1", **environment
            ),
            stderr=subprocess.PIPE,
            text=True,
            cwd=directory,
        )
        started.append(process)
        return Daemon(process, systemd)

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.communicate()
        systemd.sock.close()
