"""A failing target (issue #15): the other targets are told once when it fails and once when it
works again; `watcher alerts --retry-dead` puts its dead deliveries back, each once; they go out
with their original content and a line saying that they are late and why; rows already sent are
never touched.

Time is simulated as in test_delivery.py: `Clock` stands in for `now()`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import func, select

from tests.conftest import Clock
from tests.receivers import HttpReceiver, SmtpReceiver, refusing_smtp_receiver
from tests.test_delivery import SLACK, copies, mail_target, queue, setup
from watcher.cli import main
from watcher.config import Config, load_config
from watcher.delivery import deliver_pending, report_targets
from watcher.metrics import StoreCollector
from watcher.store import Store, outbox


def sweep(store: Store, config: Config, clock: Clock, times: int) -> None:
    for _ in range(times):
        deliver_pending(store, config)
        clock.advance()


def slack_and_mail(tmp_path: Path, port: int) -> tuple[Config, Store]:
    """Slack, and a mail server at `port` that alerts die on after two attempts 10 s apart."""
    table = 'timeout = 1\nmax_attempts = 2\nretry_initial = "10s"\n'
    return setup(tmp_path, SLACK + mail_target(port), table)


def test_retry_dead_sends_each_dead_alert_once_marked_late(
    tmp_path: Path,
    clock: Clock,
    slack: HttpReceiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with refusing_smtp_receiver() as (smtp, start):
        config, store = slack_and_mail(tmp_path, smtp.port)
        queue(store, config, 3)
        sweep(store, config, clock, 20)
        assert sorted(copies(slack.payloads)) == [1, 2, 3]
        assert store.outbox_counts() == {"sent": 4, "dead": 3}, "3 alerts, 1 about email"
        [(_, target, _, why)] = store.dead_letters(1)
        assert target == "email" and why

        # Nothing to put back for Slack: its rows were sent and stay as they are.
        assert main(["-c", str(config.path), "alerts", "--retry-dead", "--target", "slack"]) == 0
        assert capsys.readouterr().out.startswith("0 dead alert deliveries put back")

        start()
        assert main(["-c", str(config.path), "alerts", "--retry-dead", "--target", "email"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("3 dead alert deliveries put back to be sent (email 3)"), out
        assert main(["-c", str(config.path), "alerts", "--retry-dead"]) == 0
        assert capsys.readouterr().out.startswith("0 dead"), "each is put back once"
        sweep(store, config, clock, 5)
        assert smtp.wait_for(3)
        assert store.outbox_counts() == {"sent": 8}, "and 1 more to Slack: email works again"
        assert sorted(copies([m.get_content() for m in smtp.messages])) == [1, 2, 3]
        for message in smtp.messages:
            body = message.get_content().replace("\r\n", "\n")
            assert str(message["Subject"]).startswith("Late: Strike reported [a")
            assert body.startswith("Late: queued 2026-11-27 06:00 UTC, given up at 2026-11-27")
            assert f"({why}) and sent again on request" in body
            assert "\n\nAlert [a" in body, "the original content follows the line"
        assert copies(slack.payloads) == {1: 1, 2: 1, 3: 1}, "Slack's rows were not touched"
        sweep(store, config, clock, 20)
        assert len(smtp.messages) == 3, "nothing arrives twice"


def test_retry_dead_names_only_configured_targets(
    tmp_path: Path, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    config, _ = setup(tmp_path, SLACK)
    assert main(["-c", str(config.path), "alerts", "--retry-dead", "--target", "pager"]) == 2
    assert "no target named 'pager'; the config has: slack" in capsys.readouterr().err
    assert main(["-c", str(config.path), "alerts", "--target", "slack"]) == 2
    assert "--target goes with --retry-dead" in capsys.readouterr().err


def scrape(store: Store, config: Config) -> str:
    """The metrics as Prometheus would read them from the daemon serving this store."""
    registry = CollectorRegistry()
    context = SimpleNamespace(store=store, config=config)
    registry.register(StoreCollector(lambda: context))  # type: ignore[arg-type, return-value]
    return generate_latest(registry).decode()


def next_due(store: Store) -> datetime | None:
    """When the outbox's next waiting row is due."""
    with store.transaction() as db:
        value = db.execute(
            select(func.min(outbox.c.next_attempt)).where(
                outbox.c.status.in_(("pending", "ambiguous"))
            )
        ).scalar()
    return None if value is None else value.replace(tzinfo=UTC)


def test_a_day_with_the_mail_server_down(
    tmp_path: Path, clock: Clock, slack: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    """The mail server refuses connections for a simulated day, with target_failing_after =
    15 min and retries from 30 s doubling to 4 h, 10 attempts (8.5 h in all); an alert is
    queued every two hours. (apprise's mail plugin loads the system's CA certificates for each
    send, 0.1 s even to a refused port: the default 20 attempts would make this test slow.)
    The sender sweeps at each moment something happens: an alert is queued, a waiting row
    comes due, or the check at 06:20 (the daemon sweeps every 5 s; the sweeps in between would
    find nothing due)."""
    with refusing_smtp_receiver() as (smtp, start):
        config, store = setup(
            tmp_path,
            SLACK + mail_target(smtp.port),
            'timeout = 1\nmax_attempts = 10\nretry_max = "4h"\n',
        )
        assert config.delivery.target_failing_after == 15 * 60
        began = clock.moment
        check = began + timedelta(minutes=20)
        alerts = 12
        every = timedelta(hours=2)
        queued = 0
        while clock.moment < began + timedelta(days=1):
            if clock.moment == began + every * queued:
                queued += 1
                queue(store, config, 1, start=queued)
                deliver_pending(store, config)
                assert copies(slack.payloads)[queued] == 1, "Slack has it at once"
            else:
                deliver_pending(store, config)
            if clock.moment == check:
                assert main(["-c", str(config.path), "alerts"]) == 0
                shown = capsys.readouterr().out
                assert "target slack: ok\n" in shown
                assert "target email: failing — 1 alert waiting since 2026-11-27 06:00 UTC" in shown
                metrics = scrape(store, config)
                assert 'watcher_target_failing{target="email"} 1.0' in metrics
                assert 'watcher_target_failing{target="slack"} 0.0' in metrics
            moments = [began + every * queued, next_due(store) or check]
            moments += [check] if clock.moment < check else []
            clock.moment = max(clock.moment + timedelta(seconds=5), min(moments))
        assert queued == alerts and sorted(copies(slack.payloads)) == list(range(1, alerts + 1))
        told = [str(p) for p in slack.payloads if "Target health" in str(p)]
        assert len(told) == 1, "one operator alert about email, however long it fails"
        assert "email is failing: 1 alert waiting since 2026-11-27 06:00 UTC" in told[0]
        assert "last error: E-Mail: Connection error while submitting email to" in told[0]
        assert smtp.messages == []
        dead = store.dead_counts()["email"]
        assert 0 < dead < alerts, "the day's first alerts ran out of attempts, the last did not"
        assert f'watcher_target_dead_deliveries{{target="email"}} {dead}.0' in scrape(store, config)

        start()
        assert main(["-c", str(config.path), "alerts", "--retry-dead", "--target", "email"]) == 0
        assert capsys.readouterr().out.startswith(f"{dead} dead alert deliveries put back")
        for _ in range(10):
            deliver_pending(store, config)
            clock.advance()
        bodies = [m.get_content().replace("\r\n", "\n") for m in smtp.messages]
        assert copies(bodies) == dict.fromkeys(range(1, alerts + 1), 1), "every email, once"
        assert all(body.startswith("Late: queued 2026-11-2") for body in bodies)
        assert sum("and sent again on request" in body for body in bodies) == dead
        assert sum("email failed until now" in body for body in bodies) == alerts - dead
        told = [str(p) for p in slack.payloads if "Target health" in str(p)]
        assert len(told) == 2 and "email works again" in told[1], "the recovery, once"
        assert store.outbox_counts() == {"sent": alerts * 2 + 2}
        assert main(["-c", str(config.path), "alerts"]) == 0
        assert "target email: ok\n" in capsys.readouterr().out


def test_a_target_is_not_called_working_again_before_its_put_back_alerts_arrive(
    tmp_path: Path, clock: Clock, slack: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dead deliveries put back by --retry-dead wait to be sent; until they are, the target is
    still failing. The health is judged at the end of every sweep, which may read the outbox
    between the retry and the send (the command runs beside the daemon)."""
    with refusing_smtp_receiver() as (smtp, start):
        config, store = slack_and_mail(tmp_path, smtp.port)
        queue(store, config, 2)
        sweep(store, config, clock, 20)
        assert store.dead_counts() == {"email": 2}
        assert sum("email is failing" in str(p) for p in slack.payloads) == 1

        assert main(["-c", str(config.path), "alerts", "--retry-dead", "--target", "email"]) == 0
        capsys.readouterr()
        assert report_targets(store, config) == 0, "nothing was delivered: no recovery to tell"
        assert main(["-c", str(config.path), "alerts"]) == 0
        shown = capsys.readouterr().out
        assert "target email: retrying — 2 alerts waiting since 2026-11-27 06:00 UTC" in shown

        start()
        sweep(store, config, clock, 5)
        assert smtp.wait_for(2)
        told = [str(p) for p in slack.payloads if "Target health" in str(p)]
        assert len(told) == 2 and "email works again" in told[1], "the recovery, once"


def test_alerts_dead_at_a_wrong_url_go_to_the_fixed_one(
    tmp_path: Path, clock: Clock, slack: HttpReceiver, smtp: SmtpReceiver
) -> None:
    """The mistake of issue #15: the mail URL is wrong, its alerts die; the URL is fixed in the
    config and --retry-dead sends them to the URL that replaced it, each once."""
    with refusing_smtp_receiver() as (wrong, _):
        config, store = slack_and_mail(tmp_path, wrong.port)
        queue(store, config, 2)
        sweep(store, config, clock, 20)
        assert store.dead_counts() == {"email": 2}

    config.path.write_text(config.path.read_text().replace(str(wrong.port), str(smtp.port)))
    assert main(["-c", str(config.path), "alerts", "--retry-dead", "--target", "email"]) == 0
    config = load_config(config.path)
    sweep(store, config, clock, 5)
    assert smtp.wait_for(2)
    assert sorted(copies([m.get_content() for m in smtp.messages])) == [1, 2]
    assert store.dead_counts() == {}
    assert main(["-c", str(config.path), "alerts", "--retry-dead"]) == 0
    sweep(store, config, clock, 5)
    assert len(smtp.messages) == 2, "each once"
