"""Alerts: rendering, output injection (reliability.md B5 C1-C6) and outcome classification (D4,
D6, D7), through the real apprise Slack and email plugins posting to loopback receivers."""

from __future__ import annotations

import io
import logging
import re
import socket
import threading
import time
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser

import apprise
import pytest
from apprise.plugins.slack import NotifySlack

from tests.receivers import (
    HttpReceiver,
    Reply,
    SmtpReceiver,
    free_port,
    slack_receiver,
)
from watcher.alerts import Alert, AlertContent, Outcome, masked, render_alert, safe_link, send

LINK = "https://news.example/iraq/strike-jurf?utm_source=x"
SLACK_URL = "slack://T0AAAAAAA/B0BBBBBBB/xoxSecretWebhookToken42"
SECRET = "xoxSecretWebhookToken42"
HOSTILE = (
    "Update <!channel> <!here> <@U0123ABC> <!subteam^S1> <http://evil.example|official> "
    "[official](http://evil.example) `code <!channel>` \\<!here>"
)
HOSTILE_HTML = (
    '<script>alert(1)</script><img src=//tracker.example/p.gif onerror="x()">'
    '<a href="http://evil.example">official</a>'
)


def content(**changes: object) -> AlertContent:
    base = AlertContent(
        event_id=42,
        kind="new",
        headline="Drone strike hits depot near Jurf al-Sakhar, killing three",
        outlet="Example News",
        published=datetime(2026, 11, 26, 21, 5, tzinfo=UTC),
        link=LINK,
        rule_id="iq-air-strike",
        score=0.87,
        strike_type="air_drone",
        actor="United States",
        target="weapons depot",
        places=("Jurf al-Sakhar (Babil, Iraq)", "Hillah (Babil, Iraq)"),
        killed="3",
        wounded="2-4",
        event_date="2026-11-26",
        evidence=(
            "A drone struck a weapons depot near Jurf al-Sakhar late on Wednesday.",
            "Three fighters were killed, a security source said.",
        ),
        reports=1,
        outlets=("Example News",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def hostile(**changes: object) -> AlertContent:
    return replace(
        content(),
        kind="update",
        headline=HOSTILE + " " + HOSTILE_HTML,
        outlet=HOSTILE_HTML,
        actor=HOSTILE,
        target=HOSTILE_HTML,
        places=(HOSTILE,),
        evidence=(HOSTILE, HOSTILE_HTML),
        changes=(HOSTILE,),
        **changes,  # type: ignore[arg-type]
    )


def mailto(smtp: SmtpReceiver) -> str:
    return f"mailto://127.0.0.1:{smtp.port}?from=alerts@watcher.example&to=analyst@example.org"


def slack_texts(payload: object) -> list[str]:
    assert isinstance(payload, dict)
    attachment = payload["attachments"][0]
    return [attachment["title"], attachment["text"]]


# --- rendering ----------------------------------------------------------------------------------


def test_new_alert_title_and_body_carry_the_strike_fields() -> None:
    alert = render_alert(content())
    assert alert.title == (
        "Strike reported: Jurf al-Sakhar (Babil, Iraq) — air or drone strike by United States"
    )
    for body in (alert.text, alert.markdown, alert.html):
        for expected in (
            "Drone strike hits depot near Jurf al-Sakhar, killing three",
            "Example News",
            "2026-11-26 21:05 UTC",
            "Jurf al-Sakhar (Babil, Iraq); Hillah (Babil, Iraq)",
            "air or drone strike",
            "United States",
            "weapons depot",
            "3 killed, 2-4 wounded",
            "2026-11-26",
            "Three fighters were killed, a security source said.",
            "iq-air-strike",
            "0.87",
            "https://news.example/iraq/strike-jurf?utm_source=x",
        ):
            assert expected in body, (expected, body)
    assert "“A drone struck a weapons depot near Jurf al-Sakhar late on Wednesday.”" in alert.text
    assert "Reports:" not in alert.text  # one report: nothing to count yet


def test_update_says_what_changed_and_counts_reports() -> None:
    alert = render_alert(
        content(
            kind="update",
            killed="5",
            changes=("casualties rose from 3 to 5 killed",),
            reports=3,
            outlets=("Example News", "Other Wire"),
        )
    )
    assert alert.title.startswith("Update: Strike reported: Jurf al-Sakhar")
    assert "What this report adds:\n  - casualties rose from 3 to 5 killed" in alert.text
    assert "Reports: 3 reports from 2 outlets (Example News, Other Wire)" in alert.text
    assert "<li>casualties rose from 3 to 5 killed</li>" in alert.html


@pytest.mark.parametrize(
    ("changes", "title"),
    [
        ({"places": ()}, "Strike reported: air or drone strike by United States"),
        ({"places": (), "strike_type": None, "actor": None}, "Strike reported: Drone strike hits"),
        ({"kind": "test"}, "Test: Strike reported: Jurf al-Sakhar (Babil, Iraq) — air or drone"),
        ({"kind": "summary", "headline": "12 more reports"}, "Summary: 12 more reports"),
    ],
)
def test_title_falls_back_when_fields_are_missing(changes: dict[str, object], title: str) -> None:
    assert render_alert(content(**changes)).title.startswith(title)


# --- C1: Slack mentions and link spoofing --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_c1_slack_mentions_and_links_from_feeds_arrive_as_literal_text(
    slack: HttpReceiver, fmt: str
) -> None:
    alert = render_alert(hostile())
    assert send(SLACK_URL, alert, fmt).status == "sent"
    title, text = slack_texts(slack.payloads[0])
    for part in (title, text):
        # Every live <...> sequence in the payload must be our own link, nothing from the feed.
        live = re.findall(r"<([^<>]*)>", part)
        assert live in ([], [f"{LINK}|Read the report"]), live
        assert "&lt;!channel&gt;" in part and "&lt;@U0123ABC&gt;" in part
    assert text.count("&lt;http://evil.example|official&gt;") == len(
        re.findall(re.escape("<http://evil.example|official>"), alert.text)
    )


def test_c1_markdown_keeps_our_formatting_live(slack: HttpReceiver) -> None:
    alert = render_alert(content())
    assert send(SLACK_URL, alert, "markdown").status == "sent"
    payload = slack.payloads[0]
    assert isinstance(payload, dict) and payload["mrkdwn"] is True
    _, text = slack_texts(payload)
    assert f"<{LINK}|Read the report>" in text
    assert "*Where:* Jurf al-Sakhar (Babil, Iraq)" in text


# --- C2, C3: email HTML and headers ---------------------------------------------------------------


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_c2_email_html_has_only_our_tags(smtp: SmtpReceiver) -> None:
    alert = render_alert(hostile())
    assert send(mailto(smtp), alert, "html").status == "sent"
    assert smtp.wait_for(1)
    html_part = smtp.messages[0].get_body(("html",))
    assert html_part is not None
    collector = TagCollector()
    collector.feed(html_part.get_content())
    tags = {tag for tag, _ in collector.tags}
    assert tags <= {"h3", "p", "ul", "li", "strong", "blockquote", "a", "small"}, tags
    assert [attrs for tag, attrs in collector.tags if attrs] == [[("href", LINK)]]
    assert "&lt;script&gt;" in html_part.get_content()


def test_c3_crlf_in_the_title_never_reaches_the_headers(smtp: SmtpReceiver) -> None:
    injected = "x\r\nBcc: victim@evil.example\r\nX-Injected: 1"
    alert = render_alert(content(places=(injected,)))
    assert send(mailto(smtp), alert, "html").status == "sent"
    assert smtp.wait_for(1)
    message = smtp.messages[0]
    assert smtp.envelopes == [("alerts@watcher.example", ("analyst@example.org",))]
    assert message["X-Injected"] is None and message["Bcc"] is None
    assert message["Subject"] == alert.title
    assert "\n" not in alert.title and "\r" not in alert.title


# --- C4: link schemes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "/relative/path",
        "//evil.example/protocol-relative",
        "https://official.gov.example@evil.example/",
        "https://news.example/\u202egnp.exe",
        "http://",
    ],
)
def test_c4_only_absolute_http_links_are_emitted(link: str) -> None:
    alert = render_alert(content(link=link))
    assert safe_link(link) is None
    for body in (alert.text, alert.markdown, alert.html):
        assert "Read" not in body
        assert not re.search(r"(javascript|data|file):", body, re.IGNORECASE)


def test_c4_links_are_encoded_so_they_cannot_close_markup() -> None:
    link = 'https://News.Example/a b<c>|d"e?q=1&r=ü'
    encoded = "https://news.example/a%20b%3Cc%3E%7Cd%22e?q=1&r=%C3%BC"
    assert safe_link(link) == encoded
    alert = render_alert(content(link=link))
    assert f'href="{encoded.replace("&", "&amp;")}"' in alert.html
    assert f"[Read the report](<{encoded}>)" in alert.markdown
    assert safe_link("https://bücher.example/x") == "https://xn--bcher-kva.example/x"


# --- C5: size and invisible characters ------------------------------------------------------------


def test_c5_oversize_and_control_characters_are_stripped() -> None:
    junk = "\u202e\u200b\u2066\ufeff\x00\x07\x1b[31m\u2028"
    alert = render_alert(
        content(
            headline=junk + "A" * 1_000_000,
            places=(junk + "Fallujah" + junk + " " * 10_000 + "(Anbar, Iraq)",),
            evidence=(junk + "B" * 1_000_000,) * 50,
            actor="X" * 1_000_000,
        )
    )
    assert len(alert.title) <= 300
    assert alert.title.startswith("Strike reported: [31m Fallujah [31m (Anbar, Iraq) — ")
    for part in (alert.title, alert.text, alert.markdown, alert.html):
        assert len(part) < 6000
        bad = [c for c in part if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl")]
        assert bad == []


# --- C6: secrets stay out of logs -----------------------------------------------------------------


@pytest.mark.parametrize("reply", [Reply(status=401, body=b"invalid_token"), Reply(status=500)])
def test_c6_failures_never_log_the_token(
    slack: HttpReceiver, caplog: pytest.LogCaptureFixture, reply: Reply
) -> None:
    # At DEBUG, apprise ("Slack POST URL: ...") and urllib3 (the request line) log the webhook
    # URL themselves: the CLI keeps both at INFO or above, as this test does; everything else,
    # this module included, logs at DEBUG here.
    caplog.set_level(logging.INFO, logger="apprise")
    caplog.set_level(logging.INFO, logger="urllib3")
    caplog.set_level(logging.DEBUG)  # last: it also sets the capture handler's level
    slack.answer(reply)
    outcome = send(SLACK_URL, render_alert(content()), "markdown")
    assert outcome.status in ("dead", "retry")
    assert any(r.name == "watcher.alerts" for r in caplog.records)
    assert any(r.levelno >= logging.WARNING and r.name == "apprise" for r in caplog.records)
    assert SECRET not in caplog.text
    assert SECRET not in outcome.detail


@pytest.mark.parametrize(
    "url",
    [
        "slack://T0AAAAAAA/xoxSecretWebhookToken42",  # third token missing
        "nosuchscheme://user:xoxSecretWebhookToken42@host/xoxSecretWebhookToken42",
        "xoxSecretWebhookToken42",
    ],
)
def test_c6_unusable_urls_are_dead_and_never_logged(
    caplog: pytest.LogCaptureFixture, url: str
) -> None:
    caplog.set_level(logging.INFO, logger="apprise")
    caplog.set_level(logging.DEBUG)
    outcome = send(url, render_alert(content()), "text")
    assert outcome.status == "dead"
    assert "not a usable apprise URL" in outcome.detail
    assert SECRET not in caplog.text + outcome.detail + masked(url)


def test_masked_uses_apprises_privacy_form() -> None:
    assert masked(SLACK_URL) == "slack://T...A/B...B/x...2//"
    assert masked("mailto://user:hunter2pass@mail.example.org?to=a@example.org") == (
        "mailto://user:****@mail.example.org/a%40example.org"
    )


# --- outcomes (D4, D6, D7) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(), Outcome("sent", "Slack: accepted")),
        (Reply(status=500, body=b"boom"), Outcome("retry", "Slack: HTTP 500")),
        (Reply(status=200, body=b"not ok"), Outcome("retry", "Slack: HTTP 200")),
        (Reply(status=503, headers=(("Retry-After", "120"),)), Outcome("retry", "Slack: HTTP 503")),
        (
            Reply(status=429, headers=(("Retry-After", "30"),)),
            Outcome("retry", "Slack: HTTP 429 (rate limited)", rate_limited=True),
        ),
        (Reply(status=429), Outcome("retry", "Slack: HTTP 429 (rate limited)", rate_limited=True)),
        (
            Reply(status=401, body=b"invalid_token"),
            Outcome("dead", "Slack: HTTP 401 (credentials or destination rejected)"),
        ),
        (
            Reply(status=403, body=b"invalid_token"),
            Outcome("dead", "Slack: HTTP 403 (credentials or destination rejected)"),
        ),
        (
            Reply(status=404, body=b"no_service"),
            Outcome("dead", "Slack: HTTP 404 (credentials or destination rejected)"),
        ),
        (Reply(delay=2.0), Outcome("ambiguous", "Slack: no answer within 1 s")),
    ],
)
def test_outcome_classification(slack: HttpReceiver, reply: Reply, expected: Outcome) -> None:
    slack.answer(reply)
    outcome = send(SLACK_URL, render_alert(content()), "markdown", timeout=1.0)
    assert outcome == expected
    assert len(slack.paths) == 1  # one attempt: apprise's own retries are off
    assert slack.paths[0] == "/services/T0AAAAAAA/B0BBBBBBB/xoxSecretWebhookToken42"


def test_a_held_answer_is_released_when_the_receiver_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = set(threading.enumerate())
    with slack_receiver() as receiver:
        monkeypatch.setattr(NotifySlack, "webhook_url", receiver.webhook_url)
        receiver.answer(Reply(delay=60.0))
        outcome = send(SLACK_URL, render_alert(content()), "text", timeout=0.5)
        assert outcome.status == "ambiguous" and receiver.paths  # it arrived, then no answer
    # apprise keeps its own worker pool; every receiver thread must be gone, well before 60 s.
    left = [t for t in set(threading.enumerate()) - before if "ThreadPoolExecutor" not in t.name]
    assert left == [], [(t.name, getattr(t, "_target", None)) for t in left]


def test_apprise_passes_no_retry_after_on(slack: HttpReceiver) -> None:
    """Contract (DESIGN.md "Notifier answers through apprise's result"): a 429's Retry-After is
    in no part of apprise's result, its logs at every level included, so the delivery waits
    `rate_limited_wait` instead. When this fails, apprise passes it on: read it from there."""
    slack.answer(Reply(status=429, headers=(("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),)))
    notifier = apprise.Apprise()
    notifier.add(f"{SLACK_URL}?retry=0")
    with notifier.notify(body="b", title="t", log_level=1) as result:  # 1: below TRACE
        everything = io.StringIO()
        result.write_json(everything)
    assert slack.paths and "error=429" in everything.getvalue()  # the status is there...
    assert "Oct 2015" not in everything.getvalue()  # ...its Retry-After is not


def test_unreachable_port_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{free_port()}/services")
    outcome = send(SLACK_URL, render_alert(content()), "markdown", timeout=1.0)
    assert outcome == Outcome("retry", "Slack: A Connection error occurred posting to Slack.")


def test_a_connect_timeout_is_retried_not_ambiguous(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing was sent: connecting gets a third of the timeout, so it fails before the time
    that says "sent, no answer"."""
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        filler.connect(listener.getsockname())  # fills the accept queue; nothing is accepted
        port = listener.getsockname()[1]
        monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{port}/services")
        started = time.monotonic()
        outcome = send(SLACK_URL, render_alert(content()), "text", timeout=1.5)
    assert 0.4 <= time.monotonic() - started < 1.5
    assert outcome == Outcome("retry", "Slack: A Connection error occurred posting to Slack.")


def test_unknown_format_is_a_config_error() -> None:
    outcome = send(SLACK_URL, render_alert(content()), "rich")
    assert outcome.status == "dead" and "'rich'" in outcome.detail


# --- email end to end ------------------------------------------------------------------------


def test_email_arrives_with_subject_and_both_parts(smtp: SmtpReceiver) -> None:
    alert = render_alert(content())
    assert send(mailto(smtp), alert, "html", timeout=2.0) == Outcome("sent", "E-Mail: accepted")
    assert smtp.wait_for(1)
    message = smtp.messages[0]
    assert message["Subject"] == alert.title
    assert message["To"] == "analyst@example.org"
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    assert "<h3>Drone strike hits depot near Jurf al-Sakhar, killing three</h3>" in (
        html_part.get_content()
    )
    assert "Three fighters were killed, a security source said." in text_part.get_content()


def test_text_format_to_email_is_plain_text_only(smtp: SmtpReceiver) -> None:
    alert = render_alert(hostile())
    assert send(mailto(smtp), alert, "text").status == "sent"
    assert smtp.wait_for(1)
    message = smtp.messages[0]
    assert message.get_content_type() == "text/plain"  # no HTML part for feed tags to live in
    assert message.get_content().replace("\r\n", "\n").strip() == alert.text.strip()


def test_alert_is_plain_data() -> None:
    alert = render_alert(content())
    assert isinstance(alert, Alert) and "event 42" in alert.text
    assert render_alert(content()) == alert  # pure: same content, same alert
