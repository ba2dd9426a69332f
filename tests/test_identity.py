"""Item identity and dates across repeated polls, through the real pipeline (reliability.md B6).

Each test serves an RSS document from a loopback server, calls `pipeline.run_feed` several times
against a real SQLite store, and counts the alerts the store recorded. Items carry distinct strike
reports (different places), so that each one is an event of its own and a second alert could
only come from a failure of identity.
"""

from __future__ import annotations

import html
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.httpserver import LoopbackServer
from watcher.config import parse_config
from watcher.pipeline import Context, make_client, run_feed
from watcher.store import open_store

# Invented strike reports, one place each, that the default rules detect.
STORIES = [
    (
        "US strikes Kataib Hezbollah sites in Jurf al-Sakhar",
        "US military aircraft struck weapons depots of the Kataib Hezbollah militia in Jurf "
        "al-Sakhar, south of Baghdad, on Thursday night, two US officials said.",
    ),
    (
        "Russian warplanes pound villages in Idlib countryside",
        "Russian warplanes carried out a series of air strikes on villages south of Idlib city "
        "on Friday, killing at least five civilians, rescue workers said.",
    ),
    (
        "Drone strike hits car near Albu Kamal",
        "A drone strike hit a car carrying militia commanders near Albu Kamal in Deir ez-Zor "
        "province on Monday, killing two, a war monitor said.",
    ),
    (
        "Rockets hit Ain al-Asad air base in Anbar",
        "Several rockets hit the Ain al-Asad air base in Anbar province on Tuesday, Iraqi "
        "security sources said. No casualties were reported.",
    ),
    (
        "Turkish air strikes target PKK in Sinjar",
        "Turkish warplanes carried out air strikes on PKK positions in Sinjar in Nineveh "
        "province on Wednesday, killing four fighters, local officials said.",
    ),
    (
        "Israeli missile strike hits Damascus suburb",
        "An Israeli missile strike hit a building in the Mezzeh district of Damascus on "
        "Saturday, killing three people, Syrian state media said.",
    ),
    (
        "Shelling kills civilians in Kobani countryside",
        "Turkish artillery shelled villages around Kobani in Aleppo province on Sunday, killing "
        "two civilians, a monitoring group said.",
    ),
]


@dataclass(frozen=True)
class Entry:
    title: str
    body: str
    guid: str | None = None
    link: str | None = None
    date: str | None = None  # the pubDate text, as the feed writes it


def rss(entries: Sequence[Entry], title: str = "Test News") -> bytes:
    parts = []
    for e in entries:
        part = f"<item><title>{html.escape(e.title)}</title>"
        if e.link is not None:
            part += f"<link>{html.escape(e.link)}</link>"
        if e.guid is not None:
            part += f'<guid isPermaLink="false">{html.escape(e.guid)}</guid>'
        if e.date is not None:
            part += f"<pubDate>{html.escape(e.date)}</pubDate>"
        parts.append(part + f"<description>{html.escape(e.body)}</description></item>")
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title>{''.join(parts)}</channel></rss>"
    ).encode()


def serve(server: LoopbackServer, path: str, body: bytes) -> None:
    server.routes[path] = (200, {"Content-Type": "application/rss+xml"}, body)


def make_context(
    tmp_path: Path,
    feeds: Sequence[tuple[str, str]],
    *,
    watcher: str = "",
    extra: str = "",
    allow: str | None = "127.0.0.1/32",
    fetch_timeout: float = 5,
) -> Context:
    """A context over a fresh SQLite file; `feeds` are (name, url). New feeds alert at once
    (backfill) and use the feed's own text unless `watcher` says otherwise. `allow=None` leaves
    allow_private_networks out, as in production."""
    tables = "".join(f'\n[[feeds]]\nname = "{name}"\nurl = "{url}"\n' for name, url in feeds)
    text = f"""
[watcher]
state_directory = "{tmp_path / "state"}"
{f'allow_private_networks = ["{allow}"]' if allow else ""}
backfill = 1000
fetch_timeout = {fetch_timeout}
{watcher or "fetch_articles = false"}
{tables}
{extra}
"""
    config = parse_config(text, str(tmp_path / "watcher.toml"))
    store = open_store(config.settings.database)
    return Context(config=config, store=store, client=make_client(config))


def db_path(ctx: Context) -> Path:
    return ctx.config.settings.state_directory / "state.db"


def count(ctx: Context, sql: str) -> int:
    with sqlite3.connect(db_path(ctx)) as db:
        return int(db.execute(sql).fetchone()[0])


def alert_titles(ctx: Context) -> list[str]:
    with sqlite3.connect(db_path(ctx)) as db:
        return [row[0] for row in db.execute("SELECT title FROM alerts ORDER BY id")]


def alerts(ctx: Context) -> int:
    return count(ctx, "SELECT count(*) FROM alerts")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def poll(ctx: Context, times: int = 1, name: str | None = None) -> None:
    feed = next(f for f in ctx.config.feeds if name is None or f.name == name)
    for _ in range(times):
        result = run_feed(ctx, feed)
        assert result.status == "polled", result


def test_i1_items_without_guid_alert_once_over_ten_polls(
    tmp_path: Path, server: LoopbackServer
) -> None:
    (t1, b1), (t2, b2) = STORIES[:2]
    serve(
        server,
        "/feed.xml",
        rss(
            [
                Entry(t1, b1, link=server.url("/a/1?utm_source=rss")),  # keyed by its link
                Entry(t2, b2),  # no guid, no link: keyed by a content hash
            ]
        ),
    )
    ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))])
    poll(ctx, 10)
    assert alerts(ctx) == 2
    assert count(ctx, "SELECT count(*) FROM items") == 2


def test_i2_a_guid_rotating_every_poll_alerts_once(tmp_path: Path, server: LoopbackServer) -> None:
    title, body = STORIES[0]
    ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))])
    for _ in range(20):
        serve(server, "/feed.xml", rss([Entry(title, body, str(uuid.uuid4()), server.url("/a"))]))
        poll(ctx)
    assert alerts(ctx) == 1
    assert count(ctx, "SELECT count(*) FROM items") == 1


def test_i3_duplicate_guids_with_different_links_alert_each_once(
    tmp_path: Path, server: LoopbackServer
) -> None:
    entries = [
        Entry(t, b, guid="same-guid", link=server.url(f"/a/{n}"))
        for n, (t, b) in enumerate(STORIES[:3])
    ]
    serve(server, "/feed.xml", rss(entries))
    ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))])
    poll(ctx, 3)
    assert alerts(ctx) == 3, alert_titles(ctx)
    assert count(ctx, "SELECT count(DISTINCT key) FROM items") == 3


def test_i4_a_constant_link_with_distinct_guids_alerts_each_once(
    tmp_path: Path, server: LoopbackServer
) -> None:
    entries = [
        Entry(t, b, guid=f"g-{n}", link=server.url("/")) for n, (t, b) in enumerate(STORIES[:3])
    ]
    serve(server, "/feed.xml", rss(entries))
    ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))])
    poll(ctx, 3)
    assert alerts(ctx) == 3


def test_i5_an_edited_title_with_the_same_guid_alerts_at_most_once(
    tmp_path: Path, server: LoopbackServer
) -> None:
    title, body = STORIES[0]
    ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))])
    for edit in (title, title + " (updated)", "UPDATE: " + title, title.upper()):
        serve(server, "/feed.xml", rss([Entry(edit, body, "g-1", server.url("/a/1"))]))
        poll(ctx, 2)
    assert alerts(ctx) == 1


def test_i7_odd_dates_do_not_crash_and_each_item_alerts_once(
    tmp_path: Path, server: LoopbackServer
) -> None:
    dates = [
        "Fri, 01 Jan 2099 00:00:00 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        None,
        "yesterday-ish",
    ]
    entries = [
        Entry(t, b, guid=f"g-{n}", link=server.url(f"/a/{n}"), date=d)
        for n, ((t, b), d) in enumerate(zip(STORIES, dates, strict=False))
    ]
    serve(server, "/feed.xml", rss(entries))
    ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))])
    poll(ctx, 3)
    assert alerts(ctx) == 4
    # A dated-2099 item must not pin "latest seen": a later item with today's date still alerts.
    later = Entry(*STORIES[5], guid="g-later", link=server.url("/a/later"))
    serve(server, "/feed.xml", rss([later, *entries]))
    poll(ctx, 2)
    assert alerts(ctx) == 5
    with sqlite3.connect(db_path(ctx)) as db:
        published = [row[0] for row in db.execute("SELECT published FROM items")]
    assert not any(p and p.startswith(("2099", "1970")) for p in published), published


def test_i9_the_same_story_in_two_feeds_alerts_once(tmp_path: Path, server: LoopbackServer) -> None:
    title, body = STORIES[0]
    link = server.url("/article/kh.html")
    serve(server, "/wire.xml", rss([Entry(title, body, "wire-1", link)], "Wire"))
    serve(server, "/regional.xml", rss([Entry(title, body, "regional-9", link + "?utm_medium=x")]))
    ctx = make_context(
        tmp_path, [("wire", server.url("/wire.xml")), ("regional", server.url("/regional.xml"))]
    )
    poll(ctx, 2, "wire")
    poll(ctx, 2, "regional")
    assert alerts(ctx) == 1, alert_titles(ctx)
    assert count(ctx, "SELECT count(*) FROM items") == 2  # both reports are on record
