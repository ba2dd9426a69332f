"""Delivery under notifier faults (reliability.md D3-D9): the outbox against the real apprise
Slack plugin posting to a loopback webhook and email to an in-process SMTP server.

Time is simulated: `Clock` stands in for `now()` in the store and the sender, and a sweep runs
every 5 simulated seconds, as the daemon's does; a 10-minute outage is 120 sweeps. The network
waits are real (client timeouts of 1 s). The real-time outage is in bench/crash_harness.py.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.conftest import Clock
from tests.receivers import HttpReceiver, Reply, SmtpReceiver, smtp_receiver
from watcher.alerts import Alert
from watcher.cli import main
from watcher.config import Config, load_config
from watcher.delivery import deliver_pending
from watcher.pipeline import destinations
from watcher.store import Store, open_store

TOKEN = re.compile(r"\[a(\d+)\]")


class FlakySmtp(SmtpReceiver):
    """Answers 451 (try again later) while `down` is set."""

    down: bool = True

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.down:
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def flaky_smtp() -> Iterator[FlakySmtp]:
    with smtp_receiver(FlakySmtp) as receiver:
        yield receiver


def write_config(tmp_path: Path, targets: str, delivery_table: str = "timeout = 1\n") -> Path:
    path = tmp_path / "watcher.toml"
    path.write_text(
        f'[watcher]\nstate_directory = "{tmp_path}"\n'
        f'database = "sqlite:///{tmp_path / "state.db"}"\n\n'
        # Refused before any connection (loopback is not allowed): no poll leaves the machine.
        '[[feeds]]\nurl = "http://127.0.0.1:9/rss.xml"\nname = "wire"\n\n'
        f"{targets}\n[delivery]\n{delivery_table}"
    )
    return path


SLACK = '[targets.slack]\nurl = "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts"\n'


def mail_target(port: int) -> str:
    return (
        f'[targets.email]\nurl = "mailto://127.0.0.1:{port}?from=watcher@example.org'
        '&to=desk@example.org&mode=insecure"\nformat = "text"\n'
    )


def queue(store: Store, config: Config, count: int, start: int = 1) -> None:
    """`count` alerts, each to every URL of every target, as the pipeline records them."""
    deliveries = destinations(config, list(config.targets))
    for number in range(start, start + count):
        with store.transaction() as db:
            store.record_alert(
                db,
                event_id=None,
                kind="new",
                alert=Alert(
                    title=f"Strike reported [a{number}]",
                    text=f"Alert [a{number}]\n",
                    markdown=f"Alert [a{number}]\n",
                    html=f"<p>Alert [a{number}]</p>\n",
                ),
                deliveries=deliveries,
            )


def copies(payloads: list[object]) -> Counter[int]:
    found = (TOKEN.search(str(payload)) for payload in payloads)
    return Counter(int(match.group(1)) for match in found if match)


def setup(tmp_path: Path, targets: str, table: str = "timeout = 1\n") -> tuple[Config, Store]:
    config = load_config(write_config(tmp_path, targets, table))
    return config, open_store(config.settings.database)


def test_a_ten_minute_outage_loses_nothing_and_drains_within_a_minute(
    tmp_path: Path, clock: Clock, slack: HttpReceiver
) -> None:
    config, store = setup(tmp_path, SLACK)
    slack.default = Reply(status=503, body=b"down")
    outage_end = clock.moment + timedelta(minutes=10)
    queued = 0
    while clock.moment < outage_end:
        if queued < 50:
            queue(store, config, 5, start=queued + 1)  # 50 alerts over the first 50 s
            queued += 5
        deliver_pending(store, config)
        clock.advance()
    calls_in_outage = len(slack.paths)
    slack.default = Reply()
    recovered = clock.moment
    while store.outbox_counts().get("sent", 0) < 50 and clock.moment < recovered + timedelta(
        minutes=30
    ):
        deliver_pending(store, config)
        clock.advance()
    drain = clock.moment - recovered
    delivered = copies(slack.payloads[calls_in_outage:])
    assert sorted(delivered) == list(range(1, 51))
    assert max(delivered.values()) == 1, "no alert arrives twice"
    assert drain <= timedelta(seconds=60), drain
    assert calls_in_outage <= 50 * 15, "the outbox backs off"
    assert store.outbox_counts() == {"sent": 50}


def test_a_slow_receiver_gets_at_most_three_copies_and_blocks_nothing(
    tmp_path: Path, clock: Clock, slack: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    config, store = setup(tmp_path, SLACK)
    record = slack._record

    def slow_for_the_first(path: str, body: bytes) -> Reply:
        reply = record(path, body)
        return Reply(delay=3.0) if b"[a1]" in body else reply

    slack._record = slow_for_the_first  # type: ignore[method-assign]
    queue(store, config, 1)
    clock.advance()
    queue(store, config, 2, start=2)
    queued = clock.moment
    arrived: dict[int, datetime] = {}
    for _ in range(120):  # 10 minutes
        deliver_pending(store, config)
        for number in copies(slack.payloads):
            arrived.setdefault(number, clock.moment)
        clock.advance()
    seen = copies(slack.payloads)
    assert seen[1] == 3, "1 send + 2 re-sends when the outcome is ambiguous, then no more"
    assert seen[2] == seen[3] == 1
    assert arrived[3] - queued <= timedelta(seconds=60), "alerts behind a slow one go on time"
    assert store.outbox_counts() == {"sent": 2, "dead": 1}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    [health] = [r.getMessage() for r in errors if "target health" in r.getMessage()]
    assert health.startswith("target health: slack is failing: 1 alert dead since 2026-11-27")
    errors = [r for r in errors if "target health" not in r.getMessage()]
    assert len(errors) == 1 and "may have arrived" in errors[0].getMessage()


def test_a_destination_that_fails_gets_the_alert_once_and_the_other_is_not_resent(
    tmp_path: Path, clock: Clock, slack: HttpReceiver, flaky_smtp: FlakySmtp
) -> None:
    config, store = setup(tmp_path, SLACK + mail_target(flaky_smtp.port))
    queue(store, config, 1)
    for _ in range(60):  # 5 minutes with email down
        deliver_pending(store, config)
        clock.advance()
    assert len(slack.payloads) == 1 and flaky_smtp.messages == []
    flaky_smtp.down = False
    for _ in range(240):
        deliver_pending(store, config)
        clock.advance()
        if flaky_smtp.messages:
            break
    assert len(flaky_smtp.messages) == 1
    assert len(slack.payloads) == 1, "Slack already had it: not sent again"
    assert store.outbox_counts() == {"sent": 2}


def rate_limited_calls(
    tmp_path: Path, clock: Clock, slack: HttpReceiver, table: str, alerts: int, minutes: int
) -> tuple[Store, list[tuple[datetime, int]]]:
    """The first 3 calls answer 429 with Retry-After: 120; then every call is taken. Returns
    the moments of the calls, each with the alert it carried."""
    config, store = setup(tmp_path, SLACK, table)
    limited = Reply(status=429, body=b"rate_limited", headers=(("Retry-After", "120"),))
    slack.replies.extend([limited] * 3)
    record = slack._record
    calls: list[tuple[datetime, int]] = []

    def timed(path: str, body: bytes) -> Reply:
        reply = record(path, body)
        [number] = copies([slack.payloads[-1]])
        calls.append((clock.moment, number))
        return reply

    slack._record = timed  # type: ignore[method-assign]
    queue(store, config, alerts)
    for _ in range(minutes * 12):
        deliver_pending(store, config)
        clock.advance()
    return store, calls


def test_d6_a_429_is_not_retried_within_two_minutes(
    tmp_path: Path, clock: Clock, slack: HttpReceiver
) -> None:
    """D6 with the default rate_limited_wait: apprise does not pass the Retry-After on, and two
    minutes is what the destination asked for here."""
    store, calls = rate_limited_calls(tmp_path, clock, slack, "timeout = 1\n", 1, 15)
    assert len(calls) == 4
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(calls)]
    assert all(timedelta(seconds=120) <= gap <= timedelta(seconds=130) for gap in gaps), gaps
    assert store.outbox_counts() == {"sent": 1}
    assert copies(slack.payloads[3:]) == {1: 1}, "delivered exactly once"


def test_a_429_holds_every_alert_to_the_destination_for_rate_limited_wait(
    tmp_path: Path, clock: Clock, slack: HttpReceiver
) -> None:
    table = 'timeout = 1\nretry_initial = "10s"\nrate_limited_wait = "10m"\n'
    store, calls = rate_limited_calls(tmp_path, clock, slack, table, 3, 40)
    moments = [moment for moment, _ in calls]
    # Each 429 ends the sweep for the destination, so the three alerts are tried one at a time.
    assert [number for _, number in calls[:3]] == [1, 1, 1]
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments[:4])]
    assert all(timedelta(minutes=10) <= gap <= timedelta(minutes=10, seconds=10) for gap in gaps)
    assert sorted(number for _, number in calls[3:]) == [1, 2, 3], "then each alert once"
    assert store.outbox_counts() == {"sent": 3}


def test_a_rejected_credential_is_dead_lettered_once_and_shown(
    tmp_path: Path,
    clock: Clock,
    slack: HttpReceiver,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, store = setup(tmp_path, SLACK)
    slack.default = Reply(status=401, body=b"invalid_token")
    queue(store, config, 1)
    for _ in range(120):
        deliver_pending(store, config)
        clock.advance()
    assert len(slack.paths) == 1, "a permanent failure is not retried"
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert sum("target health: slack is failing" in message for message in errors) == 1
    errors = [message for message in errors if "target health" not in message]
    assert len(errors) == 1 and "401" in errors[0]
    assert store.outbox_counts() == {"dead": 1}
    [(alert_id, target, attempts, why)] = store.dead_letters()
    assert (alert_id, target, attempts) == (1, "slack", 1)
    assert why is not None and why.startswith("Slack: HTTP 401")
    assert main(["-c", str(config.path), "alerts"]) == 0
    shown = capsys.readouterr().out
    assert "1 dead" in shown and "slack: dead after 1 attempt(s) — Slack: HTTP 401" in shown


def test_a_row_whose_target_left_the_config_is_dead_lettered_with_a_reason(
    tmp_path: Path, clock: Clock, slack: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    config, store = setup(tmp_path, SLACK + '[targets.pager]\nurl = "json://127.0.0.1:9/"\n')
    queue(store, config, 1)
    config = load_config(write_config(tmp_path, SLACK))  # a reload without the pager
    deliver_pending(store, config)
    assert store.outbox_counts() == {"sent": 1, "dead": 1}
    [(_, target, _, why)] = store.dead_letters()
    assert target == "pager" and why == "target pager is no longer in the config"
    assert any(why in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


@pytest.mark.parametrize("source", ["credential", "env"])
def test_an_empty_credential_stops_watcher_at_start(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
) -> None:
    (tmp_path / "apprise-urls").write_text("# no URL yet\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("WATCHER_TEST_SLACK", " ")
    target = (
        '[targets.slack]\ncredential = "apprise-urls"\n'
        if source == "credential"
        else '[targets.slack]\nenv = "WATCHER_TEST_SLACK"\n'
    )
    path = write_config(tmp_path, target)
    assert main(["-c", str(path), "run"]) == 2
    error = capsys.readouterr().err
    assert "targets.slack" in error and ("empty" in error or "unset" in error)
    assert not (tmp_path / "state.db").exists(), "nothing is recorded to be sent later"


def _wait_ready(notify: socket.socket) -> None:
    while b"READY=1" not in notify.recv(4096):
        pass


def test_sigterm_during_a_send_stops_within_30_s_and_loses_nothing(
    tmp_path: Path, slack: HttpReceiver
) -> None:
    # A child process: the Slack plugin cannot be pointed at loopback there; apprise's JSON
    # plugin posts to the same receiver.
    target = f'[targets.desk]\nurl = "json://127.0.0.1:{slack.port}/"\nformat = "text"\n'
    path = write_config(tmp_path, target, "timeout = 5\n")
    config = load_config(path)
    store = open_store(config.settings.database)
    queue(store, config, 20)
    store.engine.dispose()
    slack.default = Reply(delay=2.0)
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(address)
        notify.settimeout(30)
        process = subprocess.Popen(
            [sys.executable, "-m", "watcher", "-c", str(path), "run"],
            env={**os.environ, "NOTIFY_SOCKET": address},
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_ready(notify)
            assert slack.wait_for(2, timeout=20), "the daemon is sending"
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=35)
            stopped_in = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 0
    assert stopped_in <= 30
    slack.default = Reply()
    assert main(["-c", str(path), "run", "--once"]) == 0
    seen = copies(slack.payloads)
    assert sorted(seen) == list(range(1, 21)), "lost = 0"
    assert sum(seen.values()) - 20 <= 1, "at most the send in flight arrives twice"


def test_no_targets_at_all_records_without_queueing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A file without [targets] is a choice (record only), unlike a target whose credential is
    # empty, which stops watcher (above): it warns, and no outbox row waits for a destination.
    path = write_config(tmp_path, "")
    assert main(["-c", str(path), "run", "--once"]) == 0
    assert any("no [targets] configured" in r.getMessage() for r in caplog.records)
    assert open_store(load_config(path).settings.database).outbox_counts() == {}


def test_a_reordered_url_list_sends_each_alert_where_it_was_meant_to_go(
    tmp_path: Path, slack: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    gone = "json://127.0.0.1:9/gone"
    hook = "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts"
    config, store = setup(tmp_path, f'[targets.t]\nurls = ["{gone}", "{hook}"]\n')
    queue(store, config, 1)
    # The admin drops the first URL: Slack moves from number 2 to number 1.
    edited = replace(config, targets={"t": replace(config.targets["t"], urls=(hook,))})
    result = deliver_pending(store, edited)
    assert (result.sent, result.dead) == (1, 1)
    assert slack.wait_for(1) and len(slack.payloads) == 1
    assert (
        sum(
            "no longer has the URL" in r.getMessage()
            for r in caplog.records
            if r.name == "watcher.delivery" and not r.getMessage().startswith("target health")
        )
        == 1
    )
