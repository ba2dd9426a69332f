"""The whole path over real loopback servers: feeds and pages over HTTP, the real apprise Slack
plugin posting to a loopback webhook, email to an in-process SMTP server, SQLite on disk.

`watcher run --once` is run as the CLI runs it; each run opens the database afresh, as a restart
would.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.httpserver import LoopbackServer
from tests.receivers import HttpReceiver, SmtpReceiver
from watcher.cli import main


@dataclass(frozen=True)
class Story:
    feed: str
    slug: str
    title: str
    body: str


# Invented reports, worded the way wire and regional outlets write them.
HISTORY = [
    Story(
        "wire",
        "budget",
        "Iraqi parliament passes delayed budget",
        "Lawmakers in Baghdad approved the budget on Sunday after months of wrangling.",
    ),
    Story(
        "regional",
        "old-raid",
        "Air strike hits depot near Albu Kamal, monitor says",
        "An air strike destroyed an arms depot near Albu Kamal in Deir ez-Zor province, a "
        "war monitor said. It was not clear who carried it out.",
    ),
]
NEW = [
    Story(
        "wire",
        "kh-strikes",
        "US strikes Kataib Hezbollah sites in Jurf al-Sakhar",
        "US military aircraft struck weapons depots of the Kataib Hezbollah militia in Jurf "
        "al-Sakhar, south of Baghdad, on Thursday night, two US officials said. Iraqi security "
        "sources said three fighters were killed.",
    ),
    Story(
        "regional",
        "idlib-raids",
        "Russian warplanes pound villages in Idlib countryside",
        "Russian warplanes carried out a series of air strikes on villages south of Idlib "
        "city on Friday, killing at least five civilians, rescue workers said.",
    ),
    Story(
        "wire",
        "walkout",
        "Basra port workers strike over pay",
        "Dock workers at Umm Qasr port near Basra went on strike on Thursday demanding higher "
        "wages, halting the unloading of several ships.",
    ),
    Story(
        "regional",
        "derby",
        "Striker's late goal wins Damascus derby",
        "Al-Wahda's striker scored in stoppage time to beat Al-Jaish 1-0 in the Damascus derby "
        "on Friday evening.",
    ),
]
EXPECTED = {"kh-strikes": "Jurf al-Sakhar", "idlib-raids": "Idlib"}

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<aside><h3>Most read</h3><ul><li><a href="/x">Coalition jets bomb Islamic State positions in
Raqqa, killing dozens</a></li></ul></aside>
<article><h1>{title}</h1>{paragraphs}</article>
<footer>© Example News</footer></body></html>"""


def feed_xml(server: LoopbackServer, name: str, stories: list[Story]) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(s.title)}</title>"
        f"<link>{server.url(f'/article/{s.slug}.html?utm_source=rss')}</link>"
        f"<guid>{name}-{s.slug}</guid><description>{html.escape(s.body)}</description></item>"
        for s in reversed(stories)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name.title()} News'
        f"</title><link>{server.url('/')}</link>{items}</channel></rss>"
    ).encode()


def publish(server: LoopbackServer, stories: list[Story]) -> None:
    for name in ("wire", "regional"):
        body = feed_xml(server, name, [s for s in stories if s.feed == name])
        etag = f'"{name}-{len(stories)}"'

        def answer(handler, body: bytes = body, etag: str = etag) -> None:  # type: ignore[no-untyped-def]
            if handler.headers.get("If-None-Match") == etag:
                handler.send_response(304)
                handler.send_header("ETag", etag)
                handler.end_headers()
                return
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        server.routes[f"/{name}.xml"] = answer
    for story in stories:
        paragraphs = "".join(
            f"<p>{html.escape(sentence)}.</p>" for sentence in story.body.rstrip(".").split(". ")
        )
        page = PAGE.format(title=html.escape(story.title), paragraphs=paragraphs * 2)
        server.routes[f"/article/{story.slug}.html"] = (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            page.encode(),
        )


def write_config(path: Path, server: LoopbackServer, smtp: SmtpReceiver) -> Path:
    config = path / "watcher.toml"
    config.write_text(f"""
[watcher]
state_directory = "{path / "state"}"
allow_private_networks = ["127.0.0.1/32"]

[[feeds]]
name = "wire"
url = "{server.url("/wire.xml")}"

[[feeds]]
name = "regional"
url = "{server.url("/regional.xml")}"

[targets.slack]
url = "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts"

[targets.email]
url = "mailto://127.0.0.1:{smtp.port}?from=watcher@example.org&to=desk@example.org&mode=insecure"
""")
    return config


def slack_texts(slack: HttpReceiver) -> list[str]:
    return [str(payload) for payload in slack.payloads]


def test_alerts_exactly_once_on_the_expected_items(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver
) -> None:
    with LoopbackServer() as server:
        publish(server, HISTORY)
        config = write_config(tmp_path, server, smtp)

        # First run: a new feed's items are history. Recorded, not alerted.
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert slack.payloads == [] and smtp.messages == []

        # Second run: the new items arrive; only the two strike reports alert.
        publish(server, HISTORY + NEW)
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert slack.wait_for(len(EXPECTED)) and smtp.wait_for(len(EXPECTED))
        texts = slack_texts(slack)
        assert len(texts) == len(EXPECTED)
        for place in EXPECTED.values():
            assert sum(place in text for text in texts) == 1, (place, texts)
        for quiet in ("Basra port workers", "Damascus derby", "Raqqa"):
            assert not any(quiet in text for text in texts)
        subjects = sorted(str(m["Subject"]) for m in smtp.messages)
        assert len(subjects) == len(EXPECTED)
        assert smtp.envelopes[0][1] == ("desk@example.org",)

        # Third run, the database opened afresh as after a restart: nothing new, nothing sent,
        # and only conditional requests for the feeds (all answered 304).
        before = len(server.requests)
        assert main(["-c", str(config), "run", "--once"]) == 0
        requests = server.requests[before:]
        assert {r.path for r in requests} == {"/wire.xml", "/regional.xml"}
        assert all("if-none-match" in r.headers for r in requests)
        assert len(slack.payloads) == len(EXPECTED) and len(smtp.messages) == len(EXPECTED)


def test_a_failing_notifier_loses_nothing(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.receivers import Reply

    with LoopbackServer() as server:
        publish(server, HISTORY)
        config = write_config(tmp_path, server, smtp)
        config.write_text(config.read_text() + "\n[delivery]\nretry_initial = 0\n")
        assert main(["-c", str(config), "run", "--once"]) == 0
        publish(server, HISTORY + NEW)
        slack.default = Reply(status=500, body=b"down")
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert smtp.wait_for(len(EXPECTED))
        assert any(
            "failed" in r.getMessage() and "retrying" in r.getMessage() for r in caplog.records
        )
        failed_posts = len(slack.payloads)
        assert failed_posts >= 1

        slack.default = Reply()
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert slack.wait_for(failed_posts + len(EXPECTED))
        delivered = slack_texts(slack)[failed_posts:]
        assert len(delivered) == len(EXPECTED)
        for place in EXPECTED.values():
            assert sum(place in text for text in delivered) == 1, (place, delivered)
        assert len(smtp.messages) == len(EXPECTED), "email already had them: not sent again"


FOLLOW_UP = Story(
    "regional",
    "kh-toll",
    "Death toll from US strikes on Jurf al-Sakhar rises to seven",
    "Seven members of Kataib Hezbollah were killed in the US air strikes on Jurf al-Sakhar on "
    "Thursday night, the group said on Saturday, raising the toll from three.",
)


def alert_on_the_first_strike(
    tmp_path: Path, server: LoopbackServer, slack: HttpReceiver, smtp: SmtpReceiver
) -> Path:
    """A configured watcher past its silent first poll, that has alerted on NEW[0]."""
    publish(server, HISTORY)
    config = write_config(tmp_path, server, smtp)
    assert main(["-c", str(config), "run", "--once"]) == 0
    publish(server, [*HISTORY, NEW[0]])
    assert main(["-c", str(config), "run", "--once"]) == 0
    assert slack.wait_for(1)
    return config


def test_a_restart_between_two_reports_of_one_strike_changes_nothing(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver
) -> None:
    with LoopbackServer() as server:
        config = alert_on_the_first_strike(tmp_path, server, slack, smtp)
        # A new process, a new database connection: the follow-up still joins the event.
        publish(server, [*HISTORY, NEW[0], FOLLOW_UP])
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert slack.wait_for(2)
        first, update = slack_texts(slack)
        assert "Update" not in first
        assert "Update" in update and "7" in update
        assert main(["-c", str(config), "events"]) == 0


def test_silences_mute_matching_alerts_and_keep_the_record(
    tmp_path: Path,
    slack: HttpReceiver,
    smtp: SmtpReceiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LoopbackServer() as server:
        publish(server, HISTORY)
        config = write_config(tmp_path, server, smtp)
        assert main(["-c", str(config), "run", "--once"]) == 0
        # Idlib muted everywhere; Slack muted for everything else for a while.
        assert main(["-c", str(config), "silence", "add", "--place", "idlib", "--for", "2h"]) == 0
        assert main(["-c", str(config), "silence", "add", "--target", "slack", "--for", "1h"]) == 0
        assert main(["-c", str(config), "silence", "add", "--target", "pager"]) == 2
        publish(server, HISTORY + NEW)
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert smtp.wait_for(1)
        assert slack.payloads == []
        [message] = smtp.messages
        assert "Jurf al-Sakhar" in str(message["Subject"])

        capsys.readouterr()
        assert main(["-c", str(config), "silence", "list"]) == 0
        listed = capsys.readouterr().out
        assert "place='idlib'" in listed and "target='slack'" in listed
        assert main(["-c", str(config), "events"]) == 0
        assert "[silenced]" in capsys.readouterr().out, "the muted report is still recorded"
        assert main(["-c", str(config), "silence", "expire", "1"]) == 0
        assert main(["-c", str(config), "silence", "expire", "1"]) == 1


DENIAL = Story(
    "regional",
    "kh-denial",
    "Pentagon denies US strike on Jurf al-Sakhar",
    "The Pentagon denied on Saturday that US aircraft had carried out an air strike on Jurf "
    "al-Sakhar on Thursday night, saying no US forces were involved.",
)
LONE_DENIAL = Story(
    "wire",
    "raqqa-denial",
    "Coalition denies air strike on Raqqa bakery",
    "The US-led coalition denied on Saturday that its aircraft had struck a bakery in Raqqa, "
    "saying it had carried out no air strikes in the city that week.",
)


def test_a_denial_updates_its_event_and_opens_none(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver
) -> None:
    with LoopbackServer() as server:
        config = alert_on_the_first_strike(tmp_path, server, slack, smtp)
        publish(server, [*HISTORY, NEW[0], DENIAL, LONE_DENIAL])
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert slack.wait_for(2)
        texts = slack_texts(slack)
        assert len(texts) == 2, texts
        assert "Update" in texts[1] and "denial" in texts[1].lower()
        assert not any("Raqqa" in text for text in texts)


SECOND_OUTLET = Story(
    "regional",
    "kh-second",
    "American jets hit Kataib Hezbollah depots at Jurf al-Sakhar",
    "American aircraft bombed weapons depots of Kataib Hezbollah at Jurf al-Sakhar on Thursday "
    "night, killing three fighters, Iraqi security sources said.",
)


def test_each_route_gets_the_kinds_of_update_it_takes(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver
) -> None:
    with LoopbackServer() as server:
        config = alert_on_the_first_strike(tmp_path, server, slack, smtp)
        assert smtp.wait_for(1)
        config.write_text(
            config.read_text()
            + '\n[[routes]]\ntargets = ["slack"]\nupdate_on = ["casualties", "corroboration"]\n'
            + '\n[[routes]]\ntargets = ["email"]\n'
        )
        # A second outlet that adds nothing but itself: news for Slack only.
        publish(server, [*HISTORY, NEW[0], SECOND_OUTLET])
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert slack.wait_for(2)
        assert "corroborated by a 2nd outlet" in slack_texts(slack)[1]
        # A higher toll is news for both; the email it makes is the second email, so the
        # corroboration never went there.
        publish(server, [*HISTORY, NEW[0], SECOND_OUTLET, FOLLOW_UP])
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert slack.wait_for(3) and smtp.wait_for(2)
        update = smtp.messages[1]
        assert "Update" in str(update["Subject"])
        body = update.get_payload(0).get_payload(decode=True).decode()
        assert "killed 3 → 7" in body and "reported by 2 outlets" in body, body
        assert "corroborated" not in body
