"""Dead deliveries sent again after a fix (issue #15): `watcher alerts --retry-dead` puts them
back, each once; they go out with their original content and a line saying that they are late
and why; rows already sent are never touched.

Time is simulated as in test_delivery.py: `Clock` stands in for `now()`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Clock
from tests.receivers import HttpReceiver, refusing_smtp_receiver
from tests.test_delivery import SLACK, copies, mail_target, queue, setup
from watcher.cli import main
from watcher.delivery import deliver_pending
from watcher.store import Store


def sweep(store: Store, config: object, clock: Clock, times: int) -> None:
    for _ in range(times):
        deliver_pending(store, config)  # type: ignore[arg-type]
        clock.advance()


def test_retry_dead_sends_each_dead_alert_once_marked_late(
    tmp_path: Path,
    clock: Clock,
    slack: HttpReceiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with refusing_smtp_receiver() as (smtp, start):
        config, store = setup(
            tmp_path,
            SLACK + mail_target(smtp.port),
            'timeout = 1\nmax_attempts = 2\nretry_initial = "10s"\n',
        )
        queue(store, config, 3)
        sweep(store, config, clock, 20)
        assert sorted(copies(slack.payloads)) == [1, 2, 3]
        assert store.outbox_counts() == {"sent": 3, "dead": 3}
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
        assert store.outbox_counts() == {"sent": 6}
        assert sorted(copies([m.get_content() for m in smtp.messages])) == [1, 2, 3]
        for message in smtp.messages:
            body = message.get_content().replace("\r\n", "\n")
            assert str(message["Subject"]).startswith("Late: Strike reported [a")
            assert body.startswith("Late: queued 2026-11-27 06:00 UTC, given up at 2026-11-27")
            assert f"({why}) and sent again on request" in body
            assert "\n\nAlert [a" in body, "the original content follows the line"
        assert len(slack.payloads) == 3, "Slack's rows, sent already, were not touched"
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
