"""Fixtures every test module may use: loopback notifiers that the real apprise plugins reach,
simulated time, PostgreSQL, and `watcher run` daemons that are stopped after the test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apprise.plugins.slack import NotifySlack

from tests.daemons import Start, watcher_runs
from tests.receivers import HttpReceiver, SmtpReceiver, slack_receiver, smtp_receiver
from watcher.store import clock as store_clock

SWEEP = timedelta(seconds=5)


@dataclass
class Clock:
    """Simulated time: stands in for `now()` in the store and the sender (the `clock` fixture).
    By default it advances by one sweep of the daemon's sender, 5 s."""

    moment: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 6, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, by: timedelta = SWEEP) -> None:
        self.moment += by


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(store_clock, "now", fake)  # the one clock of the store and the sender
    return fake


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    """A Slack webhook on 127.0.0.1 that the real apprise Slack plugin posts to."""
    with slack_receiver() as receiver:
        monkeypatch.setattr(NotifySlack, "webhook_url", receiver.webhook_url)
        yield receiver


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    """An SMTP server on 127.0.0.1 (aiosmtpd) that records every message."""
    with smtp_receiver() as receiver:
        yield receiver


@pytest.fixture
def watcher_run(tmp_path: Path) -> Iterator[Start]:
    """Starts `watcher run -c config` as systemd would (tests/daemons.py); every daemon still
    running after the test is killed."""
    with watcher_runs(tmp_path) as start:
        yield start


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """One PostgreSQL server for the session (tests/postgres.py); the directory of its socket."""
    from tests.postgres import postgres_server

    with postgres_server() as socket_dir:
        yield socket_dir


@pytest.fixture
def postgres_url(postgres: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database."""
    from tests.postgres import fresh_database

    with fresh_database(postgres) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every store test runs on both engines: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        (tmp_path / "state").mkdir()
        yield f"sqlite:///{tmp_path / 'state' / 'state.db'}"
    else:
        yield request.getfixturevalue("postgres_url")
