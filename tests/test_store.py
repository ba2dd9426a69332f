"""The store fails closed: a corrupt or unwritable database stops watcher with a clear message, and
nothing committed is lost across a crash in the middle of a send. Tests that take `database_url` run
on SQLite and on a real PostgreSQL server (tests/postgres.py)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from watcher.alerts import Alert
from watcher.errors import StateError
from watcher.feeds import Item
from watcher.store import Delivery, open_store, url_digest


def _store_with_alert(url: str):  # type: ignore[no-untyped-def]
    store = open_store(url)
    feed = store.feed_state("https://a.example/feed")
    with store.transaction() as db:
        store.record_item(
            db,
            feed.id,
            key="guid:1",
            alias="alias:1",
            link=None,
            title="t",
            published=None,
            outcome="detected",
        )
        store.record_alert(
            db,
            event_id=None,
            kind="new",
            alert=Alert(title="T", text="x", markdown="x", html="x"),
            deliveries=[
                Delivery("slack", 0, url_digest("slack://a/b/c"), "markdown"),
                Delivery("email", 0, url_digest("mailto://d@e.f"), "html"),
            ],
        )
    return store


def test_a_corrupt_database_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = _store_with_alert(f"sqlite:///{path}")
    store.engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    raw = bytearray(path.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)  # the first page's b-tree header and cells
    path.write_bytes(bytes(raw))
    size = path.stat().st_size
    with pytest.raises(StateError) as caught:
        open_store(f"sqlite:///{path}")
    message = str(caught.value)
    assert str(path) in message or "database" in message
    assert "backup" in message
    assert path.stat().st_size == size, "the corrupt file is left as it was"


def test_an_unwritable_state_path_fails_fast_with_its_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StateError) as caught:
        open_store(f"sqlite:///{blocker / 'state.db'}")
    assert str(blocker) in str(caught.value)


def test_rows_interrupted_while_sending_become_ambiguous(database_url: str) -> None:
    store = _store_with_alert(database_url)
    lease = timedelta(minutes=5)
    slack, email = store.claim_next("slack", 0, lease), store.claim_next("email", 0, lease)
    assert slack is not None and email is not None
    assert store.claim_next("email", 0, lease) is None, "claimed rows are not handed out twice"
    store.mark_sent(slack.id)
    # The process dies here, with the email row in `sending`.
    reopened = open_store(database_url)
    assert reopened.recover_sending() == 1
    again = reopened.claim_next("email", 0, lease)
    assert again is not None
    assert (again.target, again.ambiguous, again.attempts) == ("email", 1, 2)
    assert reopened.outbox_counts() == {"sent": 1, "sending": 1}


def test_one_outbox_row_per_alert_and_destination(database_url: str) -> None:
    store = _store_with_alert(database_url)
    assert store.outbox_counts() == {"pending": 2}
    [alert] = store.recent_alerts(5)
    assert [d[0] for d in alert.deliveries] == ["slack", "email"]


def test_pruning_forgets_only_items_that_left_their_feed(database_url: str) -> None:
    from datetime import timedelta

    from sqlalchemy import select, update

    from watcher.store import items, now

    store = open_store(database_url)
    feed = store.feed_state("https://a.example/feed")
    with store.transaction() as db:
        for key in ("still-listed", "gone", "alerted"):
            store.record_item(
                db,
                feed.id,
                key=key,
                alias=f"alias:{key}",
                link=None,
                title=key,
                published=None,
                outcome="detected" if key == "alerted" else "seen",
            )
        # All three were last listed long ago...
        db.execute(update(items).values(last_seen=now() - timedelta(days=200)))
    # ...and today's full answer still lists one of them.
    store.feed_polled(
        feed.id,
        title=None,
        etag=None,
        last_modified=None,
        current_url=feed.url,
        new_items=False,
        listed=["still-listed"],
    )
    assert store.prune_items(timedelta(days=90)) == 1
    with store.transaction() as db:
        left = set(db.execute(select(items.c.key)).scalars())
    assert left == {"still-listed", "alerted"}


def test_one_running_watcher_per_state_directory(tmp_path: Path) -> None:
    from watcher.store import exclusive

    with exclusive(tmp_path):
        with pytest.raises(StateError) as caught, exclusive(tmp_path):
            pass
        assert f"pid {os.getpid()}" in str(caught.value)
        assert str(tmp_path) in str(caught.value)
    with exclusive(tmp_path):
        pass  # released


def test_history_is_forgotten_only_when_finished_and_old(database_url: str) -> None:
    from sqlalchemy import func, select, update

    from watcher.store import alerts, detections, events, now, outbox

    store = _store_with_alert(database_url)
    with store.transaction() as db:
        event_id = store.save_event(
            db, None, opened=now(), last_report=now(), reports=1, summary="s", state={}
        )
        item_id = store.record_item(
            db,
            1,
            key="guid:2",
            alias="alias:2",
            link=None,
            title="t",
            published=None,
            outcome="detected",
        )
        store.record_detection(
            db,
            item_id=item_id,
            event_id=event_id,
            rule_id="r",
            score=1.0,
            decision="new",
            fields={},
            evidence=[],
        )
        long_ago = now() - timedelta(days=200)
        db.execute(update(outbox).values(created=long_ago))
        db.execute(update(alerts).values(created=long_ago))
        db.execute(update(events).values(updated=long_ago))

    def count(table):  # type: ignore[no-untyped-def]
        with store.transaction() as db:
            return db.execute(select(func.count()).select_from(table)).scalar_one()

    # One delivery is still pending: its alert stays; the event has no alert and goes.
    slack = store.claim_next("slack", 0, timedelta(minutes=5))
    assert slack is not None
    store.mark_sent(slack.id)
    store.prune_history(timedelta(days=90))
    assert (count(outbox), count(alerts), count(events), count(detections)) == (1, 1, 0, 0)
    email = store.claim_next("email", 0, timedelta(minutes=5))
    assert email is not None
    store.mark_sent(email.id)
    store.prune_history(timedelta(days=90))
    assert (count(outbox), count(alerts)) == (0, 0)


def test_alerts_commit_durably_and_poll_bookkeeping_does_not(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    full, normal = 2, 1  # SQLite's numbers for synchronous=FULL and NORMAL
    for _ in range(2):  # and again, on connections that have been used both ways
        with store.transaction() as db:
            assert db.exec_driver_sql("PRAGMA synchronous").scalar() == full
        with store.transaction(durable=False) as db:
            assert db.exec_driver_sql("PRAGMA synchronous").scalar() == normal


def test_a_database_missing_columns_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "state.db"
    open_store(f"sqlite:///{path}").engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE outbox DROP COLUMN url_digest")
    with pytest.raises(StateError) as caught:
        open_store(f"sqlite:///{path}")
    assert "table outbox lacks url_digest" in str(caught.value)


def test_feed_states_are_kept_as_written_and_match_a_fresh_read(database_url: str) -> None:
    url = database_url
    store = open_store(url)
    feed = store.feed_state("https://a.example/feed")
    store.feed_polled(
        feed.id,
        title="Desk",
        etag='"v2"',
        last_modified=None,
        current_url=feed.url,
        new_items=True,
        listed=[],
    )
    assert store.feed_failed(feed.id, "HTTP 500", None) == 1
    kept = store.feed_state(feed.url)
    assert (kept.etag, kept.title, kept.failures, kept.last_error) == (
        '"v2"',
        "Desk",
        1,
        "HTTP 500",
    )
    assert kept == open_store(url).feed_state(feed.url)  # what another process would read

    # A health change inside a transaction that rolls back leaves the stored health, not a
    # remembered one that never was.
    with pytest.raises(RuntimeError), store.transaction() as db:
        store.set_health(db, feed.id, "failing")
        raise RuntimeError("rolled back")
    assert store.feed_state(feed.url).health == "ok"
    with store.transaction() as db:
        store.set_health(db, feed.id, "failing")
    assert store.feed_state(feed.url).health == "failing"
    store.retire_feed(feed.id, "gone (410)")
    assert store.feed_state(feed.url).retired == "gone (410)"
    assert open_store(url).feed_state(feed.url) == store.feed_state(feed.url)


def test_load_feeds_creates_keeps_and_follows_a_move_in_one_go(database_url: str) -> None:
    url = database_url
    store = open_store(url)
    kept = store.feed_state("https://a.example/feed")
    moved = store.feed_state("https://b.example/old")
    item = Item("guid:b1", "alias:b1", "b1", None, "B's item", "", None)
    store.feed_polled(
        moved.id,
        title=None,
        etag=None,
        last_modified=None,
        current_url="https://b.example/old",
        new_items=True,
        listed=[],
        quiet=[(item, "baseline")],
    )
    store.feed_polled(
        moved.id,
        title=None,
        etag='"m"',
        last_modified=None,
        current_url="https://b.example/new",  # it answered with a 301
        new_items=False,
    )
    # The config now names b's new URL and a feed never seen before.
    later = open_store(url)
    wanted = ["https://a.example/feed", "https://b.example/new", "https://c.example/feed"]
    later.load_feeds(wanted)
    assert sorted(s.url for s in later.all_feeds()) == wanted  # b's row renamed, c's made
    states = [later.feed_state(u) for u in wanted]
    assert [s.id for s in states[:2]] == [kept.id, moved.id]
    assert states[1].etag == '"m"' and states[2].polls == 0
    assert states == [open_store(url).feed_state(u) for u in wanted]
    # The moved row keeps its items known; only the row made here holds none.
    assert later.seen(moved.id, ["guid:b1"], []) == {"guid:b1"}
    assert later.seen(states[2].id, ["guid:b1"], []) == set()


def test_a_new_feeds_items_are_seen_once_recorded_whichever_way(database_url: str) -> None:
    url = database_url
    store = open_store(url)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    store.load_feeds(["https://a.example/feed"])
    quiet, one_by_one = (
        store.feed_state("https://a.example/feed"),
        store.feed_state("https://b.example/feed"),
    )
    item = Item("guid:1", "alias:1", "1", None, "A title", "", None)
    statements.clear()
    # Rows this store made have no items: nothing to ask the database.
    assert store.seen(quiet.id, ["guid:1"], ["alias:1"]) == set()
    assert store.seen(one_by_one.id, ["guid:1"], ["alias:1"]) == set()
    assert statements == []
    with store.transaction(durable=False) as db:
        store.record_quiet_items(db, quiet.id, [(item, "baseline")])
        store.record_item(
            db,
            one_by_one.id,
            key="guid:1",
            alias="alias:1",
            link=None,
            title="t",
            published=None,
            outcome="seen",
        )
    assert store.seen(quiet.id, ["guid:1"], ["alias:1"]) == {"guid:1", "alias:1"}
    assert store.seen(one_by_one.id, ["guid:1", "guid:2"], []) == {"guid:1"}
    # Another process's store knows nothing of which rows are new, and asks.
    assert open_store(url).seen(quiet.id, ["guid:1"], []) == {"guid:1"}
