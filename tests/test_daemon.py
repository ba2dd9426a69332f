"""`watcher run` as systemd runs it: READY after start-up, reload on SIGHUP keeping the old config
when the new one is broken, a clean stop on SIGTERM. The daemon runs in a real subprocess and
talks to a datagram socket standing in for systemd's NOTIFY_SOCKET (tests/daemons.py)."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.daemons import Start, scrape
from tests.httpserver import LoopbackServer
from tests.receivers import free_port

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    b"<item><title>Markets open higher</title><guid>1</guid></item></channel></rss>"
)


def config_text(
    tmp_path: Path, server: LoopbackServer, interval: str = "1h", metrics: int = 0
) -> str:
    return f"""
[watcher]
state_directory = "{tmp_path / "state"}"
allow_private_networks = ["127.0.0.1/32"]
metrics_listen = "127.0.0.1:{metrics}"
jitter = 0  # poll at once at start

[[feeds]]
url = "{server.url("/feed.xml")}"
interval = "{interval}"
"""


def test_ready_reload_and_stop(tmp_path: Path, watcher_run: Start) -> None:
    with LoopbackServer() as server:
        server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, FEED)
        config = tmp_path / "config.toml"
        port = free_port()
        config.write_text(config_text(tmp_path, server, metrics=port))
        daemon = watcher_run(config)
        systemd = daemon.systemd
        ready = systemd.wait_for("READY=1")
        assert "STATUS=1 feeds, 0 targets" in ready
        assert 'watcher_outbox_rows{state="dead"} 0.0' in scrape(port)
        assert "watcher_config_last_reload_successful 1.0" in scrape(port)

        # A broken config: the old one stays, and systemd hears about it.
        config.write_text(config.read_text() + "\n[[feeds]]\nurl = 'ftp://nope'\n")
        daemon.process.send_signal(signal.SIGHUP)
        assert systemd.wait_for("RELOADING=1").count("MONOTONIC_USEC=") == 1
        assert "reload failed" in systemd.wait_for("READY=1")
        assert "watcher_config_last_reload_successful 0.0" in scrape(port)

        # A good one is taken.
        config.write_text(config_text(tmp_path, server, interval="2h", metrics=port))
        daemon.process.send_signal(signal.SIGHUP)
        systemd.wait_for("RELOADING=1")
        assert "reload failed" not in systemd.wait_for("READY=1")

        stderr = daemon.stop()
        systemd.wait_for("STOPPING=1")
        assert "feeds[1].url" in stderr, "the reload error names the key"
        # journald reads the level from <N> prefixes; it adds the time itself.
        assert all(line.startswith("<") for line in stderr.splitlines() if line), stderr
        assert any(r.path == "/feed.xml" for r in server.requests)


def test_a_bad_config_at_start_exits_2_with_every_problem(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[watcher]\njitter = 2\n[[feeds]]\nurl = 'gopher://x'\n")
    result = subprocess.run(
        [sys.executable, "-m", "watcher", "-c", str(config), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "watcher.jitter" in result.stderr and "feeds[0].url" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_reload_keeps_each_feeds_next_poll(tmp_path: Path) -> None:
    from watcher.config import parse_config
    from watcher.daemon import Daemon
    from watcher.store import open_store

    def config(interval: str):  # type: ignore[no-untyped-def]
        return parse_config(
            f'[watcher]\nstate_directory = "{tmp_path}"\n'
            f'[[feeds]]\nurl = "https://a.example/f"\ninterval = "{interval}"\n'
        )

    first = config("10m")
    daemon = Daemon(tmp_path / "c.toml", first, open_store(first.settings.database))
    daemon.scheduler.start(paused=True)
    try:
        daemon._schedule_feeds(first.feeds, 0.1)
        [job] = daemon.scheduler.get_jobs()
        due = job.next_run_time
        daemon._schedule_feeds(first.feeds, 0.1)
        daemon._schedule_feeds(config("20m").feeds, 0.1)
        [job] = daemon.scheduler.get_jobs()
        assert job.next_run_time == due
        assert job.trigger.interval.total_seconds() == 1200
        daemon._schedule_feeds((), 0.1)
        assert daemon.scheduler.get_jobs() == []
    finally:
        daemon.scheduler.shutdown(wait=False)


def test_a_reload_that_changes_workers_says_it_waits_for_the_next_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from watcher.config import load_config
    from watcher.daemon import Daemon
    from watcher.store import open_store

    path = tmp_path / "c.toml"

    def write(workers: int) -> None:
        path.write_text(
            f'[watcher]\nstate_directory = "{tmp_path}"\nworkers = {workers}\n'
            '[[feeds]]\nurl = "https://a.example/f"\n'
        )

    write(8)
    first = load_config(path)
    daemon = Daemon(path, first, open_store(first.settings.database))
    daemon.scheduler.start(paused=True)
    try:
        write(2)
        with caplog.at_level(logging.WARNING, logger="watcher.daemon"):
            assert daemon.reload()
        assert "workers changes at the next start, not now: 8 run" in caplog.text
        # The fetching threads stay 8, and so does what a pool may keep: with fewer, urllib3
        # would warn that a pool is full and drop connections.
        assert daemon.ctx.client.idle_per_host == 8
    finally:
        daemon.scheduler.shutdown(wait=False)
        daemon.ctx.client.close()
