"""Feeds' poll state and, on a database several instances share, their leases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DateTime,
    Engine,
    Text,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from watcher.store import clock
from watcher.store.engine import chunks
from watcher.store.item import ItemStore
from watcher.store.schema import feeds, instances, items

if TYPE_CHECKING:
    from watcher.feeds import Item


@dataclass(frozen=True)
class FeedState:
    id: int
    url: str
    current_url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    retired: str | None
    polls: int
    failures: int
    last_error: str | None
    last_polled: datetime | None
    last_success: datetime | None
    last_new_item: datetime | None
    not_before: datetime | None
    health: str


@dataclass(frozen=True)
class FeedLease:
    """`Store.take_feed`'s answer: whether this instance polls the feed now; if not, the moment
    to try again (None on SQLite); if so, and it holds more than its share of the feeds, the
    moment from which the feed is free to the others once this poll is done (`hand_over`)."""

    taken: bool
    until: datetime | None
    hand_over_at: datetime | None = None


# An instance counts as alive while its last check-in (`FeedStore.check_in`) is this recent.
PRESENCE = timedelta(minutes=2)
# How long an instance at or over its share of the feeds leaves a feed handed over to one below
# it, before it takes the feed itself.
HANDOVER_GRACE = timedelta(seconds=10)
# A feed's row another instance is claiming at this very moment is asked about again this soon,
# to learn until when that one holds it.
CLAIMED_RETRY = timedelta(seconds=1)


# Every poll writes this; built once, because building it costs more than running it
# (SQLAlchemy's expression objects: bench/README.md, the unchanged cycle). None keeps a value.
_FEED_POLLED = (
    update(feeds)
    .where(feeds.c.id == bindparam("feed_id"))
    .values(
        etag=bindparam("etag"),
        last_modified=bindparam("last_modified"),
        current_url=bindparam("current_url"),
        polls=feeds.c.polls + 1,
        failures=0,
        last_error=None,
        last_polled=bindparam("at"),
        last_success=bindparam("at"),
        not_before=None,
        title=func.coalesce(bindparam("title", type_=Text), feeds.c.title),
        last_new_item=func.coalesce(
            bindparam("new_item_at", type_=DateTime(timezone=True)), feeds.c.last_new_item
        ),
        last_content=func.coalesce(
            bindparam("content_at", type_=DateTime(timezone=True)), feeds.c.last_content
        ),
    )
)


_FEED_BY_URL = select(feeds).where(feeds.c.url == bindparam("url"))


_FEED_BY_ID = select(feeds).where(feeds.c.id == bindparam("feed_id"))


_FEEDS_MOVED_TO = (
    select(feeds.c.id, feeds.c.current_url)
    .where(
        feeds.c.current_url.in_(bindparam("urls", expanding=True)),
        feeds.c.url != feeds.c.current_url,
    )
    .order_by(feeds.c.id)
)


_FEED_NEW = insert(feeds).values(
    url=bindparam("url"), current_url=bindparam("url"), polls=0, failures=0, health="ok"
)


class FeedStore(ItemStore):
    """Feeds' rows; their items through `ItemStore`, since a poll records both in one
    transaction."""

    def __init__(self, engine: Engine, instance: str | None = None) -> None:
        super().__init__(engine, instance)
        # Each configured feed's state as this process last wrote or read it, by config URL:
        # `run` holds the state directory's lock, so no other process writes a feed's row, and
        # every write here reads the row back in its transaction (not with RETURNING, which
        # SQLite has only since 3.35). A poll then needs no transaction to learn its ETag (an
        # unchanged cycle of 200 feeds did 400 transactions, now 200). On a shared database
        # an instance writes a feed's row only while it holds the lease, and a feed taken over
        # is read afresh (`take_feed`).
        self._states: dict[str, FeedState] = {}
        # On a shared database: this instance's fair share of the feeds, how many leases it
        # holds (less those it is handing over) and whether another instance alive holds fewer
        # than a share, as of its last check-in and its takes and hand-overs since. No share
        # is known before the first check-in, and then none is handed over.
        self._share: int | None = None
        self._held = 0
        self._others_below = False

    def feed_state(self, url: str) -> FeedState:
        """The stored state of a configured feed, creating it on first sight.

        A feed whose config URL was changed to where it had moved (a 301) keeps its state:
        its items stay known and its next poll is not a silent first one.
        """
        known = self._states.get(url)
        if known is not None:
            return known
        # The turn is held until the row is remembered: another thread must not read a row
        # this one made, and record its items, before the row is known to have none.
        with self._turn:
            with self.transaction(durable=False) as db:
                row = db.execute(_FEED_BY_URL, {"url": url}).first()
                fresh = []
                if row is None:
                    fresh = self._new_feeds(db, [url])
                    row = db.execute(_FEED_BY_URL, {"url": url}).one()
            return self._remember(row, new=bool(fresh))

    def load_feeds(self, urls: Sequence[str]) -> None:
        """`feed_state` for every one of these configured feeds not yet known, in one
        transaction: what the daemon and `run_once` do before their polls."""
        wanted = [url for url in dict.fromkeys(urls) if url not in self._states]
        if not wanted:
            return
        rows: list[Any] = []
        with self._turn:  # until the rows are remembered, as in `feed_state`
            with self.transaction(durable=False) as db:
                found: set[str] = set()
                for chunk in chunks(wanted, 400):
                    found.update(
                        db.execute(select(feeds.c.url).where(feeds.c.url.in_(chunk))).scalars()
                    )
                fresh = set(self._new_feeds(db, [url for url in wanted if url not in found]))
                # Read after the inserts and moves: a move renames a row that may have been
                # found.
                for chunk in chunks(wanted, 400):
                    rows += db.execute(select(feeds).where(feeds.c.url.in_(chunk)))
            for row in rows:
                self._remember(row, new=row.url in fresh)

    def take_feed(self, feed_id: int, lease: timedelta, interval: timedelta) -> FeedLease:
        """May this instance poll the feed now? On a shared database (PostgreSQL) the feed's
        lease is taken or renewed for `lease` when it is free, expired or already this
        instance's; else the answer says when to try again: when the other instance's lease
        runs out. The row is claimed with FOR UPDATE SKIP LOCKED, so that two instances never
        wait on each other for it.

        The feeds are shared out evenly among the instances alive (`check_in`): an instance
        that holds more than its share, while another holds less, polls a feed of its own this
        time and then hands it over (`hand_over`), free to the others one `interval` after
        this poll began, so that it is polled once an interval all the same. An instance below
        its share takes such a feed as soon as it is free, one at or over its share
        `HANDOVER_GRACE` later (the one that handed it over takes it back if no other has). A
        dead instance's feeds are taken by whoever comes first, as soon as their leases run out.

        A feed last polled by another instance is read afresh: this process's copy of its row
        (ETag, failures) and its belief that the row holds no items may both be out of date.
        One instance alone on SQLite always may."""
        if not self.shared:
            return FeedLease(taken=True, until=None)
        moment = clock.now()
        with self.transaction(durable=False) as db:  # holds self._turn: the counts move with it
            row = db.execute(
                select(feeds.c.lease_owner, feeds.c.lease_until)
                .where(feeds.c.id == feed_id)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:  # another instance is claiming it now
                return FeedLease(taken=False, until=moment + CLAIMED_RETRY)
            owner, until = row.lease_owner, clock.aware(row.lease_until)
            if owner not in (None, self.instance) and until is not None and until > moment:
                return FeedLease(taken=False, until=until)
            if owner is None and until is not None:  # handed over
                ready = until if self._below_share() else until + HANDOVER_GRACE
                if ready > moment:
                    return FeedLease(taken=False, until=ready)
            counted = owner == self.instance and until is not None and until > moment
            hand_over = counted and self._over_share()
            db.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(lease_owner=self.instance, lease_until=moment + lease)
            )
            if hand_over:
                self._held -= 1
            elif not counted:
                self._held += 1
        # Never leased (until is None): no instance has polled it yet.
        if owner != self.instance and until is not None:
            with self._turn:
                self._forget(feed_id)
                self._itemless.discard(feed_id)
        return FeedLease(
            taken=True, until=moment + lease, hand_over_at=moment + interval if hand_over else None
        )

    def hand_over(self, feed_id: int, free_from: datetime) -> None:
        """After a poll that `take_feed` said to hand over: the feed is no instance's, and free
        to the others from `free_from` (at once if that has passed)."""
        with self.transaction(durable=False) as db:
            db.execute(
                update(feeds)
                .where(feeds.c.id == feed_id, feeds.c.lease_owner == self.instance)
                .values(lease_owner=None, lease_until=free_from)
            )

    def check_in(self, configured: int) -> None:
        """On a shared database, every `PRESENCE` / 4: say this instance is alive, forget the
        instances not seen for `PRESENCE` (by the database's clock), and learn this one's share
        of the `configured` feeds (all of them over the instances alive, rounded up), how many
        leases it holds and whether another instance alive holds fewer than a share. Every
        instance is expected to have the same feeds. (SQLite: nothing.)"""
        if not self.shared:
            return
        moment = clock.now()
        with self.transaction(durable=False) as db:  # holds self._turn: the counts move with it
            db.execute(
                postgresql.insert(instances)
                .values(name=self.instance, seen=func.now())
                .on_conflict_do_update(index_elements=[instances.c.name], set_={"seen": func.now()})
            )
            db.execute(delete(instances).where(instances.c.seen < func.now() - PRESENCE))
            alive = list(db.execute(select(instances.c.name)).scalars())
            held: dict[str, int] = {
                owner: count
                for owner, count in db.execute(
                    select(feeds.c.lease_owner, func.count())
                    .where(feeds.c.lease_owner.in_(alive), feeds.c.lease_until > moment)
                    .group_by(feeds.c.lease_owner)
                )
            }
            self._share = -(-configured // max(1, len(alive)))
            self._held = held.get(self.instance, 0)
            self._others_below = any(
                held.get(name, 0) < self._share for name in alive if name != self.instance
            )

    def _below_share(self) -> bool:
        with self._turn:
            return self._share is None or self._held < self._share

    def _over_share(self) -> bool:
        with self._turn:
            return self._share is not None and self._held > self._share and self._others_below

    def release_feeds(self) -> int:
        """At a clean stop, end this instance's leases now and remove its row from
        `instances`, so that the others take its feeds at their next polls and share them out
        without it; returns how many leases. (SQLite: none.)"""
        if not self.shared:
            return 0
        moment = clock.now()
        with self.transaction(durable=False) as db:
            result = db.execute(
                update(feeds)
                .where(feeds.c.lease_owner == self.instance, feeds.c.lease_until > moment)
                .values(lease_until=moment)
            )
            db.execute(delete(instances).where(instances.c.name == self.instance))
            self._held = 0
        return int(result.rowcount or 0)

    def _new_feeds(self, db: Connection, urls: Sequence[str]) -> list[str]:
        """Rows for feeds seen for the first time: the row of the feed each had moved from
        when the config now names where it moved (a 301), else a new one. Returns the URLs
        that got a new row."""
        moved: dict[str, int] = {}
        for chunk in chunks(list(urls), 400):
            for row in db.execute(_FEEDS_MOVED_TO, {"urls": chunk}):
                moved.setdefault(row.current_url, row.id)
        for url, feed_id in moved.items():
            self._forget(feed_id)
            db.execute(update(feeds).where(feeds.c.id == feed_id).values(url=url))
        fresh = [url for url in urls if url not in moved]
        if fresh and self.shared:
            # Instances starting together make the same rows: the first one's stands.
            db.execute(
                postgresql.insert(feeds)
                .values(url=bindparam("url"), current_url=bindparam("url"), polls=0, failures=0)
                .values(health="ok")
                .on_conflict_do_nothing(index_elements=["url"]),
                [{"url": url} for url in fresh],
            )
        elif fresh:
            db.execute(_FEED_NEW, [{"url": url} for url in fresh])
        return fresh

    def _remember(self, row: Any, *, new: bool = False) -> FeedState:
        """Keep a feed's row as read back after a committed write (or a read); `new` when this
        process created the row, which then holds no items."""
        state = _feed_state(row._mapping)
        self._states[state.url] = state
        if new:
            self._itemless.add(state.id)
        return state

    def _forget(self, feed_id: int) -> None:
        for url, state in list(self._states.items()):
            if state.id == feed_id:
                self._states.pop(url, None)

    def all_feeds(self) -> list[FeedState]:
        with self.transaction(durable=False) as db:
            rows = db.execute(select(feeds).order_by(feeds.c.id)).all()
        return [_feed_state(r._mapping) for r in rows]

    def feed_polled(
        self,
        feed_id: int,
        *,
        title: str | None,
        etag: str | None,
        last_modified: str | None,
        current_url: str,
        new_items: bool,
        listed: Sequence[str] | None = None,
        quiet: Sequence[tuple[Item, str]] = (),
    ) -> None:
        """A successful poll. On a full answer, `listed` holds the keys and aliases of its items
        recorded before or during the poll (None on a 304), and `quiet` the new ones to record
        without processing (`record_quiet_items`). One transaction, so that the ETag that would
        hide these items from the next poll is stored only with them."""
        moment = clock.now()
        with self.transaction(durable=False) as db:
            if quiet:
                self.record_quiet_items(db, feed_id, quiet)
            db.execute(
                _FEED_POLLED,
                {
                    "feed_id": feed_id,
                    "etag": etag,
                    "last_modified": last_modified,
                    "current_url": current_url,
                    "at": moment,
                    "title": title or None,
                    "new_item_at": moment if new_items else None,
                    "content_at": moment if listed is not None else None,
                },
            )
            # By key or alias: an item known under an older guid is still the one listed.
            for chunk in chunks(list(listed or ()), 400):
                db.execute(
                    update(items)
                    .where(
                        items.c.feed_id == feed_id,
                        or_(items.c.key.in_(chunk), items.c.alias.in_(chunk)),
                    )
                    .values(last_seen=clock.now())
                )
            row = db.execute(_FEED_BY_ID, {"feed_id": feed_id}).one()
        self._remember(row)

    def feed_failed(self, feed_id: int, error: str, not_before: datetime | None) -> int:
        """Record a failed poll; returns the number of failures in a row."""
        with self.transaction(durable=False) as db:
            db.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(
                    failures=feeds.c.failures + 1,
                    last_error=error,
                    last_polled=clock.now(),
                    not_before=not_before,
                )
            )
            row = db.execute(_FEED_BY_ID, {"feed_id": feed_id}).one()
        return self._remember(row).failures

    def set_health(self, db: Connection, feed_id: int, health: str) -> None:
        """What the last source-health alert said, in the caller's transaction (which may
        still roll back: the feed's state is read afresh next time)."""
        self._forget(feed_id)
        db.execute(update(feeds).where(feeds.c.id == feed_id).values(health=health))

    def retire_feed(self, feed_id: int, reason: str) -> None:
        with self.transaction(durable=False) as db:
            db.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(retired=reason, last_error=reason, last_polled=clock.now())
            )
            row = db.execute(_FEED_BY_ID, {"feed_id": feed_id}).one()
        self._remember(row)


def _feed_state(row: Any) -> FeedState:
    return FeedState(
        id=row["id"],
        url=row["url"],
        current_url=row["current_url"],
        title=row["title"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        retired=row["retired"],
        polls=row["polls"],
        failures=row["failures"],
        last_error=row["last_error"],
        last_polled=clock.aware(row["last_polled"]),
        last_success=clock.aware(row["last_success"]),
        last_new_item=clock.aware(row["last_new_item"]),
        not_before=clock.aware(row["not_before"]),
        health=row["health"],
    )
