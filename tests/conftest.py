"""Fixtures every test module may use: loopback notifiers that the real apprise plugins reach."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apprise.plugins.slack import NotifySlack

from tests.receivers import HttpReceiver, SmtpReceiver, slack_receiver, smtp_receiver


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
