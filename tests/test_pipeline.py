"""run_feed over time: new feeds, old items, moves, retirement, backoff."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.httpserver import LoopbackServer
from watcher.config import parse_config
from watcher.pipeline import Context, make_client, run_feed
from watcher.store import feeds, open_store

STRIKE = (
    "Air strikes hit militia positions near Al Qaim",
    "US aircraft struck positions of an Iran-backed militia near Al Qaim in Anbar province "
    "overnight, killing two fighters, Iraqi security sources said.",
)
OTHER = ("Iraq's central bank cuts interest rates", "The central bank in Baghdad cut rates.")


def rss(
    items: list[tuple[str, str, str, datetime | None]], links: dict[str, str] | None = None
) -> bytes:
    """Items as (guid, title, description, date); `links` gives some guids a link."""
    links = links or {}
    body = "".join(
        f"<item><title>{title}</title><guid>{guid}</guid><description>{text}</description>"
        + (f"<pubDate>{format_datetime(when)}</pubDate>" if when else "")
        + (f"<link>{links[guid]}</link>" if guid in links else "")
        + "</item>"
        for guid, title, text, when in items
    )
    channel = f"<channel><title>Test</title>{body}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def context(
    tmp_path: Path, server: LoopbackServer, extra: str = "", *, fetch: bool = False
) -> Context:
    config = parse_config(
        f"""
[watcher]
state_directory = "{tmp_path}"
allow_private_networks = ["127.0.0.1/32"]
fetch_articles = {str(fetch).lower()}
{extra}

[[feeds]]
name = "test"
url = "{server.url("/feed.xml")}"
""",
        str(tmp_path / "c.toml"),
    )
    return Context(
        config=config, store=open_store(config.settings.database), client=make_client(config)
    )


def feed_answer(
    server: LoopbackServer,
    path: str,
    items: list[tuple[str, str, str, datetime | None]],
    links: dict[str, str] | None = None,
) -> None:
    server.routes[path] = (200, {"Content-Type": "application/rss+xml"}, rss(items, links))


def test_first_poll_is_silent_then_new_items_alert(tmp_path: Path, server: LoopbackServer) -> None:
    ctx = context(tmp_path, server)
    feed = ctx.config.feeds[0]
    feed_answer(server, "/feed.xml", [("1", *STRIKE, None), ("2", *OTHER, None)])
    first = run_feed(ctx, feed)
    assert (first.status, first.new, first.baseline, first.alerts) == ("polled", 2, 2, 0)
    feed_answer(
        server,
        "/feed.xml",
        [
            ("3", STRIKE[0] + " again", STRIKE[1].replace("two", "three"), None),
            ("1", *STRIKE, None),
        ],
    )
    second = run_feed(ctx, feed)
    assert (second.new, second.baseline, second.detections, second.alerts) == (1, 0, 1, 1)


def test_every_item_still_listed_survives_pruning(tmp_path: Path, server: LoopbackServer) -> None:
    # Items taken one by one during a poll, not only those known before it, are stamped as
    # listed by that poll: pruning forgets only items that have left their feed.
    ctx = context(tmp_path, server)
    feed = ctx.config.feeds[0]
    feed_answer(server, "/feed.xml", [("1", *OTHER, None)])
    run_feed(ctx, feed)
    feed_answer(server, "/feed.xml", [("2", "Markets close higher", "Shares rose.", None)])
    assert run_feed(ctx, feed).new == 1
    assert ctx.store.prune_items(timedelta(0)) == 1  # only "1", which left the feed
    feed_answer(server, "/feed.xml", [("2", "Markets close higher", "Shares rose.", None)])
    assert run_feed(ctx, feed).new == 0


def test_backfill_lets_the_newest_items_of_a_new_feed_alert(
    tmp_path: Path, server: LoopbackServer
) -> None:
    ctx = context(tmp_path, server, "backfill = 1")
    feed_answer(server, "/feed.xml", [("1", *STRIKE, None), ("2", *OTHER, None)])
    result = run_feed(ctx, ctx.config.feeds[0])
    assert (result.baseline, result.detections, result.alerts) == (1, 1, 1)


def test_items_older_than_the_age_limit_never_alert(tmp_path: Path, server: LoopbackServer) -> None:
    ctx = context(tmp_path, server)
    feed_answer(server, "/feed.xml", [("0", *OTHER, None)])
    run_feed(ctx, ctx.config.feeds[0])
    old = datetime.now(UTC) - timedelta(days=30)
    feed_answer(server, "/feed.xml", [("1", *STRIKE, old), ("0", *OTHER, None)])
    result = run_feed(ctx, ctx.config.feeds[0])
    assert (result.new, result.baseline, result.alerts) == (1, 1, 0)


def test_a_permanent_redirect_moves_the_feed(tmp_path: Path, server: LoopbackServer) -> None:
    ctx = context(tmp_path, server)
    server.routes["/feed.xml"] = (301, {"Location": server.url("/new.xml")}, b"")
    feed_answer(server, "/new.xml", [("1", *OTHER, None)])
    assert run_feed(ctx, ctx.config.feeds[0]).status == "polled"
    assert ctx.store.feed_state(ctx.config.feeds[0].url).current_url == server.url("/new.xml")
    before = len(server.requests)
    run_feed(ctx, ctx.config.feeds[0])
    assert [r.path for r in server.requests[before:]] == ["/new.xml"]


def test_a_gone_feed_is_retired_and_not_asked_again(
    tmp_path: Path, server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = context(tmp_path, server)
    server.routes["/feed.xml"] = (410, {}, b"gone")
    assert run_feed(ctx, ctx.config.feeds[0]).status == "retired"
    assert any("gone (HTTP 410)" in r.getMessage() for r in caplog.records)
    assert run_feed(ctx, ctx.config.feeds[0]).status == "retired"
    assert len(server.requests) == 1


def test_retry_after_is_honoured_and_failures_back_off(
    tmp_path: Path, server: LoopbackServer
) -> None:
    ctx = context(tmp_path, server)
    server.routes["/feed.xml"] = (503, {"Retry-After": "7200"}, b"busy")
    result = run_feed(ctx, ctx.config.feeds[0])
    assert result.status == "failed"
    state = ctx.store.feed_state(ctx.config.feeds[0].url)
    assert state.not_before is not None
    assert state.not_before - datetime.now(UTC) > timedelta(seconds=7000)
    assert run_feed(ctx, ctx.config.feeds[0]).status == "waiting"
    assert len(server.requests) == 1, "no request before the server's Retry-After"


def test_a_failing_feed_fails_alone(tmp_path: Path, server: LoopbackServer) -> None:
    from watcher.pipeline import run_once

    config_text = f"""
[watcher]
state_directory = "{tmp_path}"
allow_private_networks = ["127.0.0.1/32"]
fetch_articles = false

[[feeds]]
url = "{server.url("/broken.xml")}"

[[feeds]]
url = "{server.url("/feed.xml")}"
"""
    config = parse_config(config_text)
    ctx = Context(
        config=config, store=open_store(config.settings.database), client=make_client(config)
    )
    server.routes["/broken.xml"] = (
        200,
        {"Content-Type": "text/xml"},
        b"<rss><channel><item><title>x",
    )
    feed_answer(server, "/feed.xml", [("1", *OTHER, None)])
    results = {r.feed.split("/")[-1]: r for r in run_once(ctx)}
    assert results["feed.xml"].status == "polled"


def health_alerts(ctx: Context) -> list[str]:
    return [a.title for a in reversed(ctx.store.recent_alerts(50)) if a.kind == "health"]


def behind_the_stores_back(ctx: Context, **values: object) -> None:
    """Write every feed's row directly, as time passing would have; the store keeps the feed
    states it wrote, so they are dropped too."""
    with ctx.store.transaction() as db:
        db.execute(feeds.update().values(**values))
    ctx.store._states.clear()


def due_now(ctx: Context) -> None:
    """Skip the backoff, as if its time had come."""
    behind_the_stores_back(ctx, not_before=None)


def test_source_health_alerts_once_per_episode(tmp_path: Path, server: LoopbackServer) -> None:
    ctx = context(
        tmp_path,
        server,
        'failures_before_error = 2\nsilent_after = "1h"\n\n[targets.ops]\nurl = "json://127.0.0.1:9/"',
    )
    feed = ctx.config.feeds[0]
    server.routes["/feed.xml"] = (500, {}, b"oops")
    for _ in range(4):
        due_now(ctx)
        run_feed(ctx, feed)
    assert health_alerts(ctx) == ["Source health: test has failed 2 times in a row"]

    feed_answer(server, "/feed.xml", [("1", *OTHER, None)])
    due_now(ctx)
    assert run_feed(ctx, feed).status == "polled"
    assert run_feed(ctx, feed).status == "polled"
    assert health_alerts(ctx)[1:] == ["Source health: test works again"]

    # Nothing new for longer than `silent_after`: said once, and once more when items return.
    behind_the_stores_back(ctx, last_new_item=datetime.now(UTC) - timedelta(hours=2))
    run_feed(ctx, feed)
    run_feed(ctx, feed)
    assert health_alerts(ctx)[2:] == [health_alerts(ctx)[2]]
    assert "has brought nothing new since" in health_alerts(ctx)[2]
    feed_answer(server, "/feed.xml", [("2", *OTHER, None), ("1", *OTHER, None)])
    run_feed(ctx, feed)
    assert health_alerts(ctx)[3:] == ["Source health: test has new items again"]


def test_a_retired_feed_raises_one_health_alert(tmp_path: Path, server: LoopbackServer) -> None:
    ctx = context(tmp_path, server, '\n[targets.ops]\nurl = "json://127.0.0.1:9/"')
    server.routes["/feed.xml"] = (410, {}, b"gone")
    run_feed(ctx, ctx.config.feeds[0])
    run_feed(ctx, ctx.config.feeds[0])
    assert health_alerts(ctx) == ["Source health: test is gone (HTTP 410) and was retired"]


def test_writing_the_moved_url_into_the_config_keeps_the_feeds_state(
    tmp_path: Path, server: LoopbackServer
) -> None:
    ctx = context(tmp_path, server)
    server.routes["/feed.xml"] = (301, {"Location": server.url("/new.xml")}, b"")
    feed_answer(server, "/new.xml", [("1", *OTHER, None)])
    run_feed(ctx, ctx.config.feeds[0])
    moved = ctx.store.feed_state(server.url("/feed.xml"))
    # The user follows the log's advice and writes the new URL in the config.
    ctx = context(tmp_path, server)
    renamed = replace(ctx.config.feeds[0], url=server.url("/new.xml"))
    feed_answer(server, "/new.xml", [("2", *STRIKE, None), ("1", *OTHER, None)])
    result = run_feed(ctx, renamed)
    assert ctx.store.feed_state(renamed.url).id == moved.id
    assert (result.new, result.baseline, result.alerts) == (1, 0, 1), "not a silent first poll"


def test_a_stop_between_items_leaves_the_rest_for_the_next_start(
    tmp_path: Path, server: LoopbackServer
) -> None:
    ctx = context(tmp_path, server)
    feed = ctx.config.feeds[0]
    feed_answer(server, "/feed.xml", [("0", *OTHER, None)])
    run_feed(ctx, feed)
    feed_answer(server, "/feed.xml", [("2", *STRIKE, None), ("1", *OTHER, None)])
    ctx.stopping.set()
    assert run_feed(ctx, feed).status == "interrupted"
    ctx.stopping.clear()
    result = run_feed(ctx, feed)
    assert (result.status, result.new, result.alerts) == ("polled", 2, 1)


TOWNS = [
    "Mosul",
    "Kirkuk",
    "Tikrit",
    "Ramadi",
    "Fallujah",
    "Baqubah",
    "Samarra",
    "Haditha",
    "Rutba",
    "Sinjar",
    "Tal Afar",
    "Dohuk",
    "Najaf",
    "Karbala",
    "Basra",
    "Nasiriyah",
    "Amarah",
    "Kut",
    "Raqqa",
    "Deir ez-Zor",
    "Idlib",
    "Aleppo",
    "Homs",
    "Hama",
    "Daraa",
]


def test_the_storm_guard_caps_alerts_and_records_everything(
    tmp_path: Path, server: LoopbackServer
) -> None:
    ctx = context(tmp_path, server, 'storm_limit = 5\n\n[targets.ops]\nurl = "json://127.0.0.1:9/"')
    feed = ctx.config.feeds[0]
    feed_answer(server, "/feed.xml", [("0", *OTHER, None)])
    run_feed(ctx, feed)
    storm = [
        (
            f"s{n}",
            f"Air strike hits militia post in {town}",
            f"Warplanes struck a militia post in {town} on Monday, killing {n + 2} fighters, "
            "security sources said.",
            None,
        )
        for n, town in enumerate(TOWNS)
    ]
    feed_answer(server, "/feed.xml", [*storm, ("0", *OTHER, None)])
    result = run_feed(ctx, feed)
    assert result.new == len(TOWNS)
    assert result.detections == len(TOWNS), "every report detected and recorded"
    kinds = [alert.kind for alert in ctx.store.recent_alerts(100)]
    assert kinds.count("summary") == 1
    assert len(kinds) - 1 == 5, kinds
    run_feed(ctx, feed)
    assert len(ctx.store.recent_alerts(100)) == 6, "nothing is alerted twice"


def test_a_round_up_is_counted_by_each_strike_it_names(
    tmp_path: Path, server: LoopbackServer
) -> None:
    ctx = context(tmp_path, server)
    feed = ctx.config.feeds[0]
    feed_answer(server, "/feed.xml", [("1", *OTHER, None)])
    run_feed(ctx, feed)
    rockets = (
        "Rockets hit Ain al-Asad air base in Iraq",
        "Militia rockets struck the Ain al-Asad air base in Anbar province on Monday, "
        "wounding three soldiers, officials said.",
    )
    raid = (
        "US jets strike militia depot in Jurf al-Sakhar",
        "US aircraft bombed a Kataib Hezbollah depot in Jurf al-Sakhar in Babil province on "
        "Monday, killing two fighters.",
    )
    round_up = (
        "US jets strike Jurf al-Sakhar depot after rocket attack on Ain al-Asad air base",
        "US aircraft bombed a Kataib Hezbollah depot in Jurf al-Sakhar on Monday, killing "
        "four fighters, hours after rockets struck the Ain al-Asad air base.",
    )
    feed_answer(server, "/feed.xml", [("2", *rockets, None), ("3", *raid, None)])
    assert run_feed(ctx, feed).alerts == 2
    feed_answer(server, "/feed.xml", [("4", *round_up, None)])
    run_feed(ctx, feed)
    recorded = ctx.store.recent_events(10)
    # Two strikes stay two events, and each counts the round-up among its reports.
    assert sorted(e.reports for e in recorded) == [2, 2]


def _page(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{sentence}</p>" for sentence in text.split(". "))
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1>{paragraphs * 3}</article></body></html>"
    ).encode()


@pytest.mark.parametrize(("summary_day", "new_events"), [(" on Wednesday", 2), ("", 1)])
def test_the_feed_summary_names_the_day_that_the_page_leaves_out(
    tmp_path: Path, server: LoopbackServer, summary_day: str, new_events: int
) -> None:
    # Two reports of a raid on one depot, four hours apart, in the same words. The second
    # page names no day, which lets it join the first raid's Friday; its feed summary says
    # Wednesday: an earlier raid of its own, reported late.
    ctx = context(tmp_path, server, fetch=True)
    feed = ctx.config.feeds[0]
    feed_answer(server, "/feed.xml", [("1", *OTHER, None)])
    run_feed(ctx, feed)
    today = datetime.now(UTC).replace(hour=4, minute=0, second=0, microsecond=0)
    friday = today - timedelta(days=(today.weekday() - 4) % 7 or 7)  # the last, all in the past
    reports = [
        (
            "a",
            "US aircraft strike militia depot in Al Qaim",
            "US aircraft struck a militia weapons depot in Al Qaim early on Friday, officials "
            "said. Two fighters were killed, a militia spokesman said.",
            "US aircraft struck a militia weapons depot in Al Qaim early on Friday.",
            friday,
        ),
        (
            "b",
            "Air strikes hit militia weapons depot near Al Qaim, Iraq",
            "US aircraft struck a militia weapons depot in Al Qaim, officials said. "
            "Three fighters were killed, a militia spokesman said.",
            f"US aircraft struck a militia weapons depot in Al Qaim{summary_day}.",
            friday + timedelta(hours=4),
        ),
    ]
    listed: list[tuple[str, str, str, datetime | None]] = [("1", *OTHER, None)]
    links = {}
    for slug, title, page, summary, when in reports:
        server.routes[f"/{slug}.html"] = (200, {"Content-Type": "text/html"}, _page(title, page))
        links[slug] = server.url(f"/{slug}.html")
        listed.insert(0, (slug, title, summary, when))
        feed_answer(server, "/feed.xml", listed, links)
        assert run_feed(ctx, feed).detections == 1
    recorded = ctx.store.recent_events(10)
    assert len(recorded) == new_events
    assert sum(e.reports for e in recorded) == 2
