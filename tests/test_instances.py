"""Several instances on one PostgreSQL database (issue #13): a feed is polled by the instance that
holds its lease and taken over when that one stops renewing it, a taken-over feed alerts nothing
twice, only the instance that claimed an outbox row treats it as interrupted, and event decisions
are ordered across instances by a database lock. These need a database that several processes
share, so they run on the PostgreSQL server the tests start (tests/postgres.py); on SQLite one
instance holds the state directory (`exclusive`, tests/test_store.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text, update

from tests.daemons import Start
from tests.httpserver import LoopbackServer
from tests.receivers import HttpReceiver, SmtpReceiver
from tests.test_end_to_end import EXPECTED, HISTORY, NEW, publish, slack_texts, write_config
from tests.test_store import _store_with_alert
from watcher.cli import main
from watcher.config import Config, parse_config
from watcher.daemon import Daemon
from watcher.feeds import Item
from watcher.pipeline import (
    TAKEOVER_WITHIN,
    Context,
    FeedResult,
    feed_lease,
    make_client,
    run_feed,
)
from watcher.store import feeds, instances, now, open_store
from watcher.store.feed import HANDOVER_GRACE

LEASE = timedelta(minutes=15)
INTERVAL = timedelta(minutes=10)
FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    b"<item><title>Markets open higher</title><guid>1</guid></item></channel></rss>"
)
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
    assert first.take_feed(feed.id, LEASE, INTERVAL).taken
    held = second.take_feed(feed.id, LEASE, INTERVAL)
    assert not held.taken, "held by the first"
    renewed = first.take_feed(feed.id, LEASE, INTERVAL)
    assert renewed.taken, "renewed by its holder"
    assert held.until is not None and renewed.until is not None and renewed.until >= held.until
    assert second.take_feed(feed.id, LEASE, INTERVAL).until == renewed.until, (
        "the moment to try again"
    )
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
    assert second.take_feed(feed.id, LEASE, INTERVAL).taken
    assert second.seen(feed.id, ["guid:1"], []) == {"guid:1"}
    assert second.feed_state(URL).etag == '"e1"'
    assert not first.take_feed(feed.id, LEASE, INTERVAL).taken
    # A clean stop hands the feed over at once.
    assert second.release_feeds() == 1
    assert first.take_feed(feed.id, LEASE, INTERVAL).taken
    assert second.release_feeds() == 0, "nothing of its own left"


def one_feed(tmp_path: Path, postgres_url: str, server: LoopbackServer) -> Config:
    """A config with one feed, served by `server`, every 10 minutes, on the shared database."""
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, FEED)
    return parse_config(
        f'[watcher]\nstate_directory = "{tmp_path}"\ndatabase = "{postgres_url}"\n'
        'allow_private_networks = ["127.0.0.1/32"]\n'
        f'[[feeds]]\nurl = "{server.url("/feed.xml")}"\ninterval = "10m"\n'
    )


def test_a_held_feed_is_tried_again_when_its_lease_runs_out(
    tmp_path: Path, postgres_url: str
) -> None:
    """The daemon moves the next poll of a feed another instance holds to the end of that
    lease, so that the feed of an instance that died is taken over within one lease time of
    its last poll; the taking instance's lease then runs out that much before one lease time."""
    with LoopbackServer() as server:
        config = one_feed(tmp_path, postgres_url, server)
        [feed] = config.feeds
        holder = open_store(postgres_url, instance="one")
        holder.load_feeds([feed.url])
        lease = holder.take_feed(holder.feed_state(feed.url).id, timedelta(minutes=5), INTERVAL)
        daemon = Daemon(tmp_path / "c.toml", config, open_store(postgres_url, instance="two"))
        daemon.scheduler.start(paused=True)
        try:
            daemon._schedule_feeds(config.feeds, 0.1)
            daemon._poll(feed.url)
            [job] = daemon.scheduler.get_jobs()
            assert job.next_run_time == lease.until
            assert server.requests == [], "the holder polls it"
            expire_leases(postgres_url)  # the holder died
            before = now()
            daemon._poll(feed.url)
            after = now()
            assert [r.path for r in server.requests] == ["/feed.xml"]
        finally:
            daemon.scheduler.shutdown(wait=False)
            daemon.ctx.client.close()
    with holder.transaction() as db:
        owner, until = db.execute(select(feeds.c.lease_owner, feeds.c.lease_until)).one()
    # One lease time is 12 min (10 min, its 10% jitter and a minute); the row's runs out earlier by
    # the time the other instances may take to try.
    written = feed_lease(feed, config.settings) - TAKEOVER_WITHIN
    assert feed_lease(feed, config.settings) == timedelta(minutes=12)
    assert owner == "two"
    assert before + written <= until <= after + written
    assert not holder.take_feed(holder.feed_state(feed.url).id, LEASE, INTERVAL).taken


def leases(url: str) -> dict[int, tuple[str | None, datetime]]:
    store = open_store(url)
    with store.transaction() as db:
        rows = db.execute(select(feeds.c.id, feeds.c.lease_owner, feeds.c.lease_until)).all()
    store.engine.dispose()
    return {row.id: (row.lease_owner, row.lease_until) for row in rows}


def move_lease_end(url: str, ids: list[int], to: datetime) -> None:
    """What the passing of time does to these feeds' lease ends."""
    store = open_store(url)
    with store.transaction() as db:
        db.execute(update(feeds).where(feeds.c.id.in_(ids)).values(lease_until=to))
    store.engine.dispose()


def test_the_feeds_are_shared_out_evenly_among_the_instances_alive(postgres_url: str) -> None:
    """An instance restarted after the others took its feeds over gets its share back within
    one interval: each feed is handed over after a poll, free one interval after that poll
    began, and the one below its share takes it first."""
    urls = [f"https://{n}.example/feed" for n in range(6)]
    one, two = (open_store(postgres_url, instance=name) for name in ("one", "two"))
    # The second made the rows, so it believes they hold no items.
    two.load_feeds(urls)
    one.load_feeds(urls)
    ids = [one.feed_state(url).id for url in urls]
    assert all(one.take_feed(i, LEASE, INTERVAL).taken for i in ids), "alone, it holds all"
    item = Item("guid:1", "alias:1", "1", None, "A title", "", None)
    one.feed_polled(
        ids[0],
        title=None,
        etag='"e1"',
        last_modified=None,
        current_url=urls[0],
        new_items=True,
        listed=[],
        quiet=[(item, "baseline")],
    )
    two.check_in(len(urls))
    one.check_in(len(urls))  # two alive: a share is 3 feeds, and the second holds none
    # Over its share, the first polls each feed and hands it over after the poll, until it
    # holds its share; then it renews.
    before = now()
    polls = [one.take_feed(i, LEASE, INTERVAL) for i in ids]
    after = now()
    assert all(poll.taken for poll in polls)
    handing = [i for i, poll in zip(ids, polls, strict=True) if poll.hand_over_at is not None]
    assert handing == ids[:3]
    free_from = [poll.hand_over_at for poll in polls[:3]]
    assert all(at is not None and before + INTERVAL <= at <= after + INTERVAL for at in free_from)
    # While it polls, the feed is its own.
    polling = two.take_feed(handing[0], LEASE, INTERVAL)
    assert not polling.taken and polling.until == polls[0].until
    for feed_id, at in zip(handing, free_from, strict=True):
        assert at is not None
        one.hand_over(feed_id, at)
    held = leases(postgres_url)
    assert [held[i] for i in handing] == [(None, at) for at in free_from]
    assert {held[i][0] for i in ids[3:]} == {"one"}
    # Then nobody polls it until one interval after that poll began.
    early = two.take_feed(handing[0], LEASE, INTERVAL)
    assert not early.taken and early.until == free_from[0]
    # From then, the instance below its share takes it at once, and reads what the first
    # recorded, not what it had believed; one at its share leaves it to the others for a
    # moment, and then takes it.
    move_lease_end(postgres_url, handing, now())
    assert two.take_feed(handing[0], LEASE, INTERVAL).taken
    assert two.seen(handing[0], ["guid:1"], []) == {"guid:1"}
    assert two.feed_state(urls[0]).etag == '"e1"'
    waiting = one.take_feed(handing[1], LEASE, INTERVAL)
    assert (
        not waiting.taken and waiting.until == leases(postgres_url)[handing[1]][1] + HANDOVER_GRACE
    )
    assert two.take_feed(handing[1], LEASE, INTERVAL).taken
    move_lease_end(postgres_url, [handing[2]], now() - HANDOVER_GRACE)
    assert one.take_feed(handing[2], LEASE, INTERVAL).taken, "taken back when no other took it"
    # A dead instance's feeds are taken over by whoever comes first, over its share or not.
    store = open_store(postgres_url)
    with store.transaction() as db:
        db.execute(insert(feeds).values(url="https://6.example/feed", current_url="x", polls=0))
        db.execute(
            update(feeds)
            .where(feeds.c.url == "https://6.example/feed")
            .values(lease_owner="three", lease_until=now() - timedelta(seconds=1))
        )
        dead_ones = db.execute(select(feeds.c.id).where(feeds.c.lease_owner == "three")).scalar()
    assert dead_ones is not None
    assert one.take_feed(dead_ones, LEASE, INTERVAL).taken, "over its share, and taken all the same"
    # A clean stop ends the instance's leases and takes it off the instances alive.
    three = open_store(postgres_url, instance="three")
    three.check_in(len(urls))
    assert two.release_feeds() == 2
    for engine in (one.engine, two.engine, three.engine):
        engine.dispose()
    with store.transaction() as db:
        alive = set(db.execute(select(instances.c.name)).scalars())
    store.engine.dispose()
    assert alive == {"one", "three"}


def test_polls_at_once_hand_over_only_what_is_over_the_share(postgres_url: str) -> None:
    urls = [f"https://{n}.example/feed" for n in range(8)]
    one, two = (open_store(postgres_url, instance=name) for name in ("one", "two"))
    one.load_feeds(urls)
    ids = [one.feed_state(url).id for url in urls]
    assert all(one.take_feed(i, LEASE, INTERVAL).taken for i in ids)
    two.check_in(len(urls))
    one.check_in(len(urls))  # a share is 4
    polls = []
    threads = [
        threading.Thread(target=lambda i=i: polls.append(one.take_feed(i, LEASE, INTERVAL)))
        for i in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(poll.hand_over_at is not None for poll in polls) == 4
    for store in (one, two):
        store.engine.dispose()


def test_feeds_taken_back_after_a_restart_count_towards_the_share(postgres_url: str) -> None:
    urls = [f"https://{n}.example/feed" for n in range(8)]
    one, two = (open_store(postgres_url, instance=name) for name in ("one", "two"))
    one.load_feeds(urls)
    ids = [one.feed_state(url).id for url in urls]
    assert all(one.take_feed(i, LEASE, INTERVAL).taken for i in ids[:4])
    assert all(two.take_feed(i, LEASE, INTERVAL).taken for i in ids[4:])
    # The first stops cleanly and starts again under its name: its leases have ended.
    assert one.release_feeds() == 4
    one.engine.dispose()
    one = open_store(postgres_url, instance="one")
    two.check_in(len(urls))
    one.check_in(len(urls))  # two alive: a share is 4
    assert all(one.take_feed(i, LEASE, INTERVAL).taken for i in ids[:4])
    # Now at its share, it leaves a feed the second hands over to others for a moment.
    two.take_feed(ids[4], LEASE, INTERVAL)
    two.hand_over(ids[4], now() - timedelta(seconds=1))
    assert not one.take_feed(ids[4], LEASE, INTERVAL).taken
    for store in (one, two):
        store.engine.dispose()


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


def test_a_running_instance_is_counted_alive_until_it_stops(
    tmp_path: Path, postgres_url: str, watcher_run: Start
) -> None:
    """`watcher run` on a shared database says it is alive before it is ready, so that its
    first polls know its share, and a clean stop takes it off the instances alive."""
    config = tmp_path / "watcher.toml"
    config.write_text(
        f'[watcher]\nstate_directory = "{tmp_path / "state"}"\ndatabase = "{postgres_url}"\n'
        f'[[feeds]]\nurl = "https://feeds.example/a.xml"\ninterval = "1h"\n'
    )
    store = open_store(postgres_url)

    def alive() -> set[str]:
        with store.transaction() as db:
            return set(db.execute(select(instances.c.name)).scalars())

    daemon = watcher_run(config)
    daemon.systemd.wait_for("READY=1")
    [name] = alive()
    assert name.endswith(str(tmp_path / "state"))
    daemon.stop()
    assert alive() == set()
    store.engine.dispose()


def test_the_lease_is_taken_only_with_a_slot_for_the_fetch(
    tmp_path: Path, postgres_url: str
) -> None:
    """An instance that waits for one of the host's slots has not taken the feed's lease yet:
    dead in that wait, it keeps the feed from nobody."""
    reached, go = threading.Event(), threading.Event()

    @dataclass
    class WaitingForASlot(Context):
        @contextmanager
        def host_slot(self, url: str) -> Iterator[None]:
            reached.set()
            assert go.wait(10)  # the other polls that hold the host's slots
            with super().host_slot(url):
                yield

    with LoopbackServer() as server:
        config = one_feed(tmp_path, postgres_url, server)
        [feed] = config.feeds
        one = open_store(postgres_url, instance="one")
        ctx = WaitingForASlot(config=config, store=one, client=make_client(config))
        results: list[FeedResult] = []
        poller = threading.Thread(target=lambda: results.append(run_feed(ctx, feed)))
        poller.start()
        assert reached.wait(10)
        two = open_store(postgres_url, instance="two")
        assert two.take_feed(two.feed_state(feed.url).id, LEASE, INTERVAL).taken
        go.set()
        poller.join()
        assert [r.status for r in results] == ["elsewhere"]
        assert server.requests == []
        ctx.client.close()
    for store in (one, two):
        store.engine.dispose()
