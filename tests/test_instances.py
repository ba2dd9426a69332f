"""Several instances on one PostgreSQL database (issue #13): a feed is polled by the instance that
holds its lease and taken over when that one stops renewing it, a taken-over feed alerts nothing
twice, only the instance that claimed an outbox row treats it as interrupted, and event decisions
are ordered across instances by a database lock. These need a database that several processes
share, so they run on the PostgreSQL server the tests start (tests/postgres.py); on SQLite one
instance holds the state directory (`exclusive`, tests/test_store.py)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text, update

from tests.httpserver import LoopbackServer
from tests.receivers import HttpReceiver, SmtpReceiver
from tests.test_end_to_end import EXPECTED, HISTORY, NEW, publish, slack_texts, write_config
from tests.test_store import _store_with_alert
from watcher.cli import main
from watcher.feeds import Item
from watcher.store import feeds, now, open_store

LEASE = timedelta(minutes=15)
URL = "https://a.example/feed"


def expire_leases(url: str) -> None:
    """What the passing of one lease time does after an instance stopped renewing."""
    store = open_store(url)
    with store.transaction() as db:
        db.execute(update(feeds).values(lease_until=now() - timedelta(seconds=1)))
    store.engine.dispose()


def test_one_instance_polls_a_feed_until_its_lease_runs_out(postgres_url: str) -> None:
    first, second = (open_store(postgres_url, instance=name) for name in ("one", "two"))
    # Both start with the feed; the second made its row, so it believes the row holds no items.
    second.load_feeds([URL])
    first.load_feeds([URL])
    feed = first.feed_state(URL)
    assert first.take_feed(feed.id, LEASE)
    assert not second.take_feed(feed.id, LEASE), "held by the first"
    assert first.take_feed(feed.id, LEASE), "renewed by its holder"
    item = Item("guid:1", "alias:1", "1", None, "A title", "", None)
    first.feed_polled(
        feed.id,
        title=None,
        etag='"e1"',
        last_modified=None,
        current_url=URL,
        new_items=True,
        listed=[],
        quiet=[(item, "baseline")],
    )
    # The first stops; once its lease has run out the second takes the feed over, and reads
    # what the first recorded instead of what it had believed.
    expire_leases(postgres_url)
    assert second.take_feed(feed.id, LEASE)
    assert second.seen(feed.id, ["guid:1"], []) == {"guid:1"}
    assert second.feed_state(URL).etag == '"e1"'
    assert not first.take_feed(feed.id, LEASE)
    # A clean stop hands the feed over at once.
    assert second.release_feeds() == 1
    assert first.take_feed(feed.id, LEASE)
    assert second.release_feeds() == 0, "nothing of its own left"


def test_instances_starting_together_make_each_feed_once(postgres_url: str) -> None:
    urls = [f"https://{n}.example/feed" for n in range(50)]
    stores = [open_store(postgres_url, instance=f"i{n}") for n in range(3)]
    errors: list[BaseException] = []

    def load(store):  # type: ignore[no-untyped-def]
        try:
            store.load_feeds(urls)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=load, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(stores[0].all_feeds()) == len(urls)
    assert {s.feed_state(urls[7]).id for s in stores} == {stores[0].feed_state(urls[7]).id}


def test_only_the_instance_that_claimed_a_row_recovers_it(postgres_url: str) -> None:
    one = _store_with_alert(postgres_url)
    one.instance = "one"
    slack = one.claim_next("slack", 0, timedelta(minutes=5))
    assert slack is not None
    other = open_store(postgres_url, instance="two")
    assert other.recover_sending() == 0, "in flight at another instance"
    assert other.claim_next("slack", 0, timedelta(minutes=5)) is None
    # The first instance restarts under its own name: its interrupted send is its to recover.
    restarted = open_store(postgres_url, instance="one")
    assert restarted.recover_sending() == 1
    again = other.claim_next("slack", 0, timedelta(minutes=5))
    assert again is not None and again.ambiguous == 1


def test_event_decisions_wait_for_each_other_across_instances(postgres_url: str) -> None:
    first, second = (open_store(postgres_url, instance=name) for name in ("one", "two"))
    inside, leave = threading.Event(), threading.Event()
    order: list[str] = []

    def hold() -> None:
        with first.events_turn():
            order.append("first in")
            inside.set()
            leave.wait(10)
            order.append("first out")

    def follow() -> None:
        with second.events_turn():
            order.append("second in")

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    follower = threading.Thread(target=follow)
    follower.start()
    # The follower is seen waiting on the lock in the server before the holder lets go.
    probe = create_engine(postgres_url)
    deadline = time.monotonic() + 10
    with probe.connect() as db:
        while (
            db.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar()
            != 1
        ):
            assert time.monotonic() < deadline, "the second instance never waited"
            db.commit()
    probe.dispose()
    leave.set()
    holder.join()
    follower.join()
    assert order == ["first in", "first out", "second in"]


def test_a_feed_taken_over_alerts_nothing_twice(
    tmp_path: Path, postgres_url: str, slack: HttpReceiver, smtp: SmtpReceiver
) -> None:
    with LoopbackServer() as server:
        configs = []
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
            config = write_config(tmp_path / name, server, smtp)
            config.write_text(
                config.read_text().replace(
                    "[watcher]\n", f'[watcher]\ndatabase = "{postgres_url}"\n', 1
                )
            )
            configs.append(config)
        publish(server, HISTORY)
        assert main(["-c", str(configs[0]), "run", "--once"]) == 0
        publish(server, [*HISTORY, NEW[0]])
        assert main(["-c", str(configs[1]), "run", "--once"]) == 0  # the feeds are the first's
        assert main(["-c", str(configs[0]), "run", "--once"]) == 0
        assert slack.wait_for(1)
        # The first instance stops; the second takes its feeds over and finds the strike known.
        expire_leases(postgres_url)
        publish(server, [*HISTORY, *NEW])
        assert main(["-c", str(configs[1]), "run", "--once"]) == 0
        assert slack.wait_for(len(EXPECTED))
    delivered = slack_texts(slack)
    assert len(delivered) == len(EXPECTED)
    for place in EXPECTED.values():
        assert sum(place in text for text in delivered) == 1, (place, delivered)
