"""What must survive a restart, in SQLAlchemy Core over SQLite (or PostgreSQL).

Feeds' poll state, the items seen, detections, events, alerts and the outbox of deliveries. Each
function takes plain values and returns plain dataclasses; the pipeline decides, the store records.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    case,
    create_engine,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DatabaseError, OperationalError

from watcher import migrations
from watcher.errors import StateError
from watcher.silences import Silence

if TYPE_CHECKING:
    from watcher.alerts import Alert
    from watcher.feeds import Item

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# Any fixed number: the PostgreSQL advisory lock that orders event decisions across instances.
_EVENTS_LOCK = 0x77617464

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),  # as configured: the feed's identity
    Column("current_url", Text, nullable=False),  # after 301s
    Column("title", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("retired", Text),  # why the feed was retired (410), None while active
    Column("polls", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),  # in a row
    Column("last_error", Text),
    Column("last_polled", DateTime(timezone=True)),
    Column("last_success", DateTime(timezone=True)),
    Column("last_new_item", DateTime(timezone=True)),
    Column("last_content", DateTime(timezone=True)),  # the last full (200) answer
    Column("not_before", DateTime(timezone=True)),  # backoff and Retry-After
    # ok | failing | silent: what the last source-health alert said, so that it is said once
    Column("health", String(16), nullable=False, default="ok"),
    # Several instances on one database (PostgreSQL): the one that polls the feed, and until
    # when (`Store.take_feed`). Unused on SQLite, which one instance holds.
    Column("lease_owner", Text),
    Column("lease_until", DateTime(timezone=True)),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("alias", Text, nullable=False),
    Column("link", Text),
    Column("title", Text, nullable=False),
    Column("published", DateTime(timezone=True)),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    # The last time a full answer of the feed still listed the item: pruning forgets only items
    # that have left their feed, so that an undated item still listed never alerts twice.
    Column("last_seen", DateTime(timezone=True), nullable=False),
    # baseline | old | seen | detected | denial | error
    Column("outcome", String(16), nullable=False),
    UniqueConstraint("feed_id", "key"),
    Index("items_alias", "feed_id", "alias"),
)

detections = Table(
    "detections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("event_id", Integer, ForeignKey("events.id")),
    Column("rule_id", Text, nullable=False),
    Column("score", Float, nullable=False),
    # new | update | silent | duplicate (from events.py), held (storm guard), silenced
    Column("decision", String(16), nullable=False),
    Column("fields", Text, nullable=False),  # JSON
    Column("evidence", Text, nullable=False),  # JSON list of sentences
    Column("created", DateTime(timezone=True), nullable=False),
    Index("detections_event", "event_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("opened", DateTime(timezone=True), nullable=False),
    Column("last_report", DateTime(timezone=True), nullable=False),
    # When a report last joined, by our clock: which events are still open. last_report is
    # the reports' own (published) time, which can lag by days after an outage.
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("reports", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # one line for listings
    Column("state", Text, nullable=False),  # JSON of events.EventState
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("events.id")),
    Column("kind", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("markdown", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Index("alerts_event", "event_id"),
)

# One row per (alert, target, URL of the target): a partial failure never re-sends to a
# destination that already has it (reliability.md finding 6). The URL itself is a secret and is
# never stored; `url_index` points into the target's URL list, and `url_digest` (a truncated
# SHA-256 of the URL) makes sure that it still points at the same URL when the row is sent.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False),
    Column("target", Text, nullable=False),
    Column("url_index", Integer, nullable=False),
    Column("url_digest", String(16), nullable=False),
    Column("format", String(16), nullable=False),
    # pending | sending | sent | ambiguous | dead
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("ambiguous", Integer, nullable=False, default=0),
    Column("next_attempt", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("sent", DateTime(timezone=True)),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("claimed_by", Text),  # the instance that moved the row to `sending`
    UniqueConstraint("alert_id", "target", "url_index"),
    Index("outbox_due", "status", "next_attempt"),
)

# A dead row put back to be sent by `watcher alerts --retry-dead` (issue #15): why it had died
# and since when, so that the alert says it is late and why. A table of its own rather than
# outbox columns, so that a database made before it only gains a table (revision 0002) and needs
# no migration of the outbox.
redeliveries = Table(
    "redeliveries",
    metadata,
    Column("outbox_id", Integer, ForeignKey("outbox.id"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("dead_since", DateTime(timezone=True), nullable=False),
    Column("requested", DateTime(timezone=True), nullable=False),
)

# What the last operator alert about a target said ("ok" | "failing"), so that it is said once
# (as feeds.health is for sources; revision 0004). The failure itself is read from the outbox.
target_health = Table(
    "target_health",
    metadata,
    Column("target", Text, primary_key=True),
    Column("health", String(16), nullable=False),
    Column("changed", DateTime(timezone=True), nullable=False),
)


silences = Table(
    "silences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule", Text),
    Column("place", Text),
    Column("actor", Text),
    Column("target", Text),
    Column("comment", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True), nullable=False),
)


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
# One statement for keys and aliases; a UNION, not an OR, so that each half is read through
# its own index (with an OR, SQLite scanned the feed's items).
_ITEMS_SEEN = union_all(
    select(items.c.key).where(
        items.c.feed_id == bindparam("feed_id"), items.c.key.in_(bindparam("keys", expanding=True))
    ),
    select(items.c.alias).where(
        items.c.feed_id == bindparam("feed_id"),
        items.c.alias.in_(bindparam("aliases", expanding=True)),
    ),
)


def now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every time in watcher is aware UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


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
    """`Store.take_feed`'s answer: whether this instance polls the feed now, and when the
    lease of the instance that does runs out (None on SQLite, or when another instance was
    taking the feed at that very moment)."""

    taken: bool
    until: datetime | None


@dataclass(frozen=True)
class SeenItem:
    key: str
    alias: str


@dataclass(frozen=True)
class Delivery:
    """Where one alert goes: a target's URL, named by its position and its digest."""

    target: str
    url_index: int
    url_digest: str
    format: str


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Redelivery:
    """Why a dead row was put back to be sent: the error it died with, and when."""

    reason: str
    dead_since: datetime


@dataclass(frozen=True)
class TargetFailures:
    """One target's failed deliveries as the outbox has them now."""

    dead: int = 0
    dead_since: datetime | None = None  # when the first of them was given up
    waiting: int = 0  # not sent yet, after one failed attempt or more
    waiting_since: datetime | None = None  # when the oldest of those was queued
    last_error: str | None = None  # of the latest queued failed delivery


@dataclass(frozen=True)
class OutboxRow:
    id: int
    alert_id: int
    target: str
    url_index: int
    url_digest: str
    format: str
    status: str
    attempts: int
    ambiguous: int
    title: str
    text: str
    markdown: str
    html: str
    queued: datetime | None = None
    last_error: str | None = None
    redelivery: Redelivery | None = None


@dataclass(frozen=True)
class AlertRecord:
    id: int
    event_id: int | None
    kind: str
    title: str
    created: datetime
    deliveries: tuple[tuple[str, str, int, str | None], ...]  # (target, status, attempts, error)


@dataclass(frozen=True)
class EventRecord:
    id: int
    opened: datetime
    last_report: datetime
    reports: int
    summary: str
    state: dict[str, Any]


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the CLI read while the daemon writes; FULL so that a committed outbox row
    # survives a power loss (reliability.md D10); 5 s covers a short lock by another process (Q2).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store:
    """The database. Methods that take a `db` connection work inside the caller's transaction;
    the others are one short transaction each."""

    def __init__(self, engine: Engine, instance: str | None = None) -> None:
        self.engine = engine
        # Who this process is among the instances sharing the database: its feed leases and
        # outbox claims carry it. `watcher run` names it by host and state directory, so that
        # a restarted instance recognises its own interrupted sends.
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}"
        # SQLite is held by one instance (`exclusive`); PostgreSQL may be shared by several.
        self.shared = engine.dialect.name == "postgresql"
        # One transaction at a time in this process: SQLite takes one writer anyway, and its
        # sleep-and-retry busy handler is unfair; with 32 pollers one waited past busy_timeout
        # (bench/README.md). Re-entrant, so that a nested call in one thread cannot deadlock.
        self._turn = threading.RLock()
        # Each configured feed's state as this process last wrote or read it, by config URL:
        # `run` holds the state directory's lock, so no other process writes a feed's row, and
        # every write here reads the row back in its transaction (not with RETURNING, which
        # SQLite has only since 3.35). A poll then needs no transaction to learn its ETag (an
        # unchanged cycle of 200 feeds did 400 transactions, now 200).
        self._states: dict[str, FeedState] = {}
        # Feeds whose rows this process created and for which it has recorded no item since:
        # `seen` needs no query for them (a first poll of 200 new feeds made 200).
        self._itemless: set[int] = set()

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Connection]:
        """One transaction. A durable one (alerts, deliveries, detections) survives a power
        loss once committed (reliability.md D10); the bookkeeping of polls, which a power loss
        may roll back at worst to a poll done again, is committed without waiting for the disk.
        Either way a crash of the process loses nothing committed (WAL)."""
        with self._turn, self.engine.connect() as connection:
            wanted = "FULL" if durable else "NORMAL"
            info = connection.connection.info  # lives as long as the pooled SQLite connection
            if self.engine.dialect.name == "sqlite" and info.get("synchronous") != wanted:
                connection.exec_driver_sql(f"PRAGMA synchronous={wanted}")
                connection.commit()  # ends the autobegun, empty transaction around the pragma
                info["synchronous"] = wanted
            with connection.begin():
                yield connection

    # --- feeds -------------------------------------------------------------------------------

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
                for chunk in _chunks(wanted, 400):
                    found.update(
                        db.execute(select(feeds.c.url).where(feeds.c.url.in_(chunk))).scalars()
                    )
                fresh = set(self._new_feeds(db, [url for url in wanted if url not in found]))
                # Read after the inserts and moves: a move renames a row that may have been
                # found.
                for chunk in _chunks(wanted, 400):
                    rows += db.execute(select(feeds).where(feeds.c.url.in_(chunk)))
            for row in rows:
                self._remember(row, new=row.url in fresh)

    def take_feed(self, feed_id: int, lease: timedelta) -> FeedLease:
        """May this instance poll the feed now? On a shared database (PostgreSQL) the feed's
        lease is taken or renewed for `lease` when it is free, expired or already this
        instance's, else another instance polls it and the answer says until when its lease
        runs, the moment to try again. The row is claimed with FOR UPDATE SKIP LOCKED, so that
        two instances never wait on each other for it.

        A feed taken over from another instance is read afresh: this process's copy of its row
        (ETag, failures) and its belief that the row holds no items may both be out of date.
        One instance alone on SQLite always may."""
        if not self.shared:
            return FeedLease(taken=True, until=None)
        moment = now()
        with self.transaction(durable=False) as db:
            row = db.execute(
                select(feeds.c.lease_owner, feeds.c.lease_until)
                .where(feeds.c.id == feed_id)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return FeedLease(taken=False, until=None)  # another is taking it now
            owner, until = row.lease_owner, _aware(row.lease_until)
            if owner not in (None, self.instance) and until is not None and until > moment:
                return FeedLease(taken=False, until=until)
            db.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(lease_owner=self.instance, lease_until=moment + lease)
            )
        if owner not in (None, self.instance):
            # Taken over: the other instance may have recorded items and polled since.
            with self._turn:
                self._forget(feed_id)
                self._itemless.discard(feed_id)
        return FeedLease(taken=True, until=moment + lease)

    def release_feeds(self) -> int:
        """At a clean stop, end this instance's leases now; returns how many. (SQLite: none.)"""
        if not self.shared:
            return 0
        moment = now()
        with self.transaction(durable=False) as db:
            result = db.execute(
                update(feeds)
                .where(feeds.c.lease_owner == self.instance, feeds.c.lease_until > moment)
                .values(lease_until=moment)
            )
        return int(result.rowcount or 0)

    @contextmanager
    def events_turn(self) -> Iterator[None]:
        """Held while a report is clustered and its event recorded, so that one strike opens one
        event whichever instance sees it first: a PostgreSQL advisory lock on a connection of
        its own, across the reading of open events and the transaction that records the
        decision. Within one process the caller's own lock orders its threads."""
        if not self.shared:
            yield
            return
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _EVENTS_LOCK})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _EVENTS_LOCK})
                connection.commit()

    def _new_feeds(self, db: Connection, urls: Sequence[str]) -> list[str]:
        """Rows for feeds seen for the first time: the row of the feed each had moved from
        when the config now names where it moved (a 301), else a new one. Returns the URLs
        that got a new row."""
        moved: dict[str, int] = {}
        for chunk in _chunks(list(urls), 400):
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
        moment = now()
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
            for chunk in _chunks(list(listed or ()), 400):
                db.execute(
                    update(items)
                    .where(
                        items.c.feed_id == feed_id,
                        or_(items.c.key.in_(chunk), items.c.alias.in_(chunk)),
                    )
                    .values(last_seen=now())
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
                    last_polled=now(),
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
                .values(retired=reason, last_error=reason, last_polled=now())
            )
            row = db.execute(_FEED_BY_ID, {"feed_id": feed_id}).one()
        self._remember(row)

    # --- items -------------------------------------------------------------------------------

    def seen(self, feed_id: int, keys: Sequence[str], aliases: Sequence[str]) -> set[str]:
        """Which of these keys and aliases this feed has already recorded."""
        found: set[str] = set()
        if feed_id in self._itemless:
            return found
        keys, aliases = list(keys), list(aliases)
        with self.transaction(durable=False) as db:
            for start in range(0, max(len(keys), len(aliases)), 400):
                rows = db.execute(
                    _ITEMS_SEEN,
                    {
                        "feed_id": feed_id,
                        "keys": keys[start : start + 400],
                        "aliases": aliases[start : start + 400],
                    },
                )
                found.update(rows.scalars())
        return found

    def record_item(
        self,
        db: Connection,
        feed_id: int,
        *,
        key: str,
        alias: str,
        link: str | None,
        title: str,
        published: datetime | None,
        outcome: str,
    ) -> int:
        self._itemless.discard(feed_id)
        result = db.execute(
            insert(items).values(
                feed_id=feed_id,
                key=key,
                alias=alias,
                link=link,
                title=title[:1000],
                published=published,
                first_seen=now(),
                last_seen=now(),
                outcome=outcome,
            )
        )
        return _new_id(result)

    def record_quiet_items(
        self, db: Connection, feed_id: int, rows: Sequence[tuple[Item, str]]
    ) -> None:
        """Items recorded without processing ((item, outcome) pairs), in one statement: a
        first poll of 200 feeds records thousands (bench/README.md)."""
        self._itemless.discard(feed_id)
        seen = now()
        db.execute(
            # On a shared database a feed taken over mid-poll may see its items recorded by the
            # instance that held it: recorded once, whoever is first.
            postgresql.insert(items).on_conflict_do_nothing(index_elements=["feed_id", "key"])
            if self.shared
            else insert(items),
            [
                {
                    "feed_id": feed_id,
                    "key": item.key,
                    "alias": item.alias,
                    "link": item.link,
                    "title": item.title[:1000],
                    "published": item.published,
                    "first_seen": seen,
                    "last_seen": seen,
                    "outcome": outcome,
                }
                for item, outcome in rows
            ],
        )

    def prune_items(self, retention: timedelta) -> int:
        """Forget items that left their feed longer than `retention` ago and never alerted.

        An item still listed is kept however old, so that it never alerts twice; one that comes
        back after being forgotten is stopped by the item-age limit when it carries a date.
        """
        cutoff = now() - retention
        listed_later = (
            select(feeds.c.id)
            .where(feeds.c.id == items.c.feed_id, feeds.c.last_content > items.c.last_seen)
            .exists()
        )
        forgotten = 0
        while True:
            # In batches, so that no transaction holds the write lock for long.
            with self.transaction(durable=False) as db:
                batch = (
                    select(items.c.id)
                    .where(
                        items.c.last_seen < cutoff,
                        items.c.outcome.in_(("baseline", "old", "seen", "denial", "error")),
                        listed_later,
                    )
                    .limit(1000)
                )
                deleted = int(db.execute(items.delete().where(items.c.id.in_(batch))).rowcount or 0)
            forgotten += deleted
            if deleted < 1000:
                return forgotten

    def prune_history(self, retention: timedelta) -> int:
        """Forget deliveries, alerts, events and their detections older than `retention`.

        Only finished history goes: a delivery still pending or ambiguous keeps its alert, and
        an event a report joined within `retention` keeps everything. The items stay, so that
        an old article still listed in a feed never alerts again.
        """
        cutoff = now() - retention
        finished = outbox.c.created < cutoff, outbox.c.status.in_(("sent", "dead"))
        with self.transaction() as db:
            db.execute(
                redeliveries.delete().where(
                    redeliveries.c.outbox_id.in_(select(outbox.c.id).where(*finished))
                )
            )
            gone = db.execute(outbox.delete().where(*finished)).rowcount or 0
            unsent = select(outbox.c.id).where(outbox.c.alert_id == alerts.c.id).exists()
            gone += (
                db.execute(alerts.delete().where(alerts.c.created < cutoff, ~unsent)).rowcount or 0
            )
            old_events = select(events.c.id).where(
                events.c.updated < cutoff,
                ~select(alerts.c.id).where(alerts.c.event_id == events.c.id).exists(),
            )
            gone += (
                db.execute(
                    detections.delete().where(detections.c.event_id.in_(old_events))
                ).rowcount
                or 0
            )
            gone += (
                db.execute(
                    events.delete().where(
                        events.c.updated < cutoff,
                        ~select(detections.c.id)
                        .where(detections.c.event_id == events.c.id)
                        .exists(),
                    )
                ).rowcount
                or 0
            )
        return int(gone)

    # --- detections, events, alerts ----------------------------------------------------------

    def record_detection(
        self,
        db: Connection,
        *,
        item_id: int,
        event_id: int | None,
        rule_id: str,
        score: float,
        decision: str,
        fields: dict[str, Any],
        evidence: Sequence[str],
    ) -> int:
        result = db.execute(
            insert(detections).values(
                item_id=item_id,
                event_id=event_id,
                rule_id=rule_id,
                score=score,
                decision=decision,
                fields=json.dumps(fields, default=str),
                evidence=json.dumps(list(evidence)),
                created=now(),
            )
        )
        return _new_id(result)

    def open_events(self, since: datetime) -> list[EventRecord]:
        """Events a report has joined since then (by our clock)."""
        with self.transaction() as db:
            rows = db.execute(
                select(events).where(events.c.updated >= since).order_by(events.c.id)
            ).all()
        return [_event_record(r._mapping) for r in rows]

    def recent_events(self, limit: int) -> list[EventRecord]:
        with self.transaction() as db:
            rows = db.execute(select(events).order_by(events.c.id.desc()).limit(limit)).all()
        return [_event_record(r._mapping) for r in rows]

    def event_reports(self, event_id: int) -> list[tuple[str, str | None, str, str]]:
        """(title, link, outlet, decision) of each report of an event, oldest first."""
        with self.transaction() as db:
            rows = db.execute(
                select(
                    items.c.title, items.c.link, feeds.c.title, feeds.c.url, detections.c.decision
                )
                .join(items, items.c.id == detections.c.item_id)
                .join(feeds, feeds.c.id == items.c.feed_id)
                .where(detections.c.event_id == event_id)
                .order_by(detections.c.id)
            ).all()
        return [(r[0], r[1], r[2] or r[3], r[4]) for r in rows]

    def save_event(
        self,
        db: Connection,
        event_id: int | None,
        *,
        opened: datetime,
        last_report: datetime,
        reports: int,
        summary: str,
        state: dict[str, Any],
    ) -> int:
        values = dict(
            opened=opened,
            last_report=last_report,
            updated=now(),
            reports=reports,
            summary=summary,
            state=json.dumps(state, default=str),
        )
        if event_id is None:
            return _new_id(db.execute(insert(events).values(**values)))
        db.execute(update(events).where(events.c.id == event_id).values(**values))
        return event_id

    def record_alert(
        self,
        db: Connection,
        *,
        event_id: int | None,
        kind: str,
        alert: Alert,
        deliveries: Sequence[Delivery],
    ) -> int:
        """An alert, in every format, and one outbox row per delivery, in the caller's
        transaction."""
        created = now()
        alert_id = _new_id(
            db.execute(
                insert(alerts).values(
                    event_id=event_id,
                    kind=kind,
                    title=alert.title,
                    text=alert.text,
                    markdown=alert.markdown,
                    html=alert.html,
                    created=created,
                )
            )
        )
        for delivery in deliveries:
            db.execute(
                insert(outbox).values(
                    alert_id=alert_id,
                    target=delivery.target,
                    url_index=delivery.url_index,
                    url_digest=delivery.url_digest,
                    format=delivery.format,
                    status="pending",
                    attempts=0,
                    ambiguous=0,
                    next_attempt=created,
                    created=created,
                )
            )
        return alert_id

    def alerts_since(self, feed_id: int, since: datetime) -> int:
        """Alerts caused by this feed's items since a time: the storm guard's count."""
        with self.transaction() as db:
            return int(
                db.execute(
                    select(func.count())
                    .select_from(detections.join(items, items.c.id == detections.c.item_id))
                    .where(
                        items.c.feed_id == feed_id,
                        detections.c.created >= since,
                        detections.c.decision.in_(("new", "update")),
                    )
                ).scalar_one()
            )

    # --- outbox ------------------------------------------------------------------------------
    # The states a row goes through, and who moves it, are described in watcher/delivery.py.

    def recover_sending(self) -> int:
        """Rows left in `sending` by a crash may have been delivered: mark them ambiguous.

        On a shared database only this instance's own claims: another instance's rows in
        `sending` are in flight there, and become due again only when their lease runs out."""
        mine = outbox.c.status == "sending"
        if self.shared:
            mine = mine & (outbox.c.claimed_by == self.instance)
        with self.transaction() as db:
            result = db.execute(
                update(outbox)
                .where(mine)
                .values(
                    status="ambiguous",
                    ambiguous=outbox.c.ambiguous + 1,
                    next_attempt=now(),
                    last_error="interrupted while sending",
                )
            )
        return int(result.rowcount or 0)

    def due_destinations(self) -> list[tuple[str, int]]:
        """(target, url index) of every destination with a row due now, stale claims included."""
        with self.transaction() as db:
            rows = db.execute(
                select(outbox.c.target, outbox.c.url_index)
                .where(_due(now()))
                .group_by(outbox.c.target, outbox.c.url_index)
                .order_by(func.min(outbox.c.id))
            ).all()
        return [(row[0], row[1]) for row in rows]

    def claim_next(self, target: str, url_index: int, lease: timedelta) -> OutboxRow | None:
        """The destination's next due row, moved to `sending` just before it is sent.

        One row at a time, so that a crash leaves in `sending` only what was really in flight.
        The claim holds for `lease`; a row still in `sending` after that was abandoned by a
        sender that failed to record its outcome, and is claimed again as ambiguous.
        """
        moment = now()
        with self.transaction() as db:
            row = db.execute(
                _outbox_rows()
                .where(outbox.c.target == target, outbox.c.url_index == url_index, _due(moment))
                .order_by(outbox.c.next_attempt, outbox.c.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            stale = row.status == "sending"
            ambiguous = row.ambiguous + 1 if stale else row.ambiguous
            # Compare and set: a second process that read the same row claims nothing.
            claimed = db.execute(
                update(outbox)
                .where(outbox.c.id == row.id, outbox.c.status == row.status)
                .values(
                    status="sending",
                    claimed_by=self.instance,
                    attempts=outbox.c.attempts + 1,
                    ambiguous=ambiguous,
                    next_attempt=moment + lease,
                )
            )
            if claimed.rowcount != 1:
                return None
        return _outbox_row(row._mapping, ambiguous)

    def mark_sent(self, row_id: int) -> None:
        """The row arrived. Its destination works again, so the rows to it that wait on a plain
        retry become due now instead of at the end of their backoff."""
        moment = now()
        with self.transaction() as db:
            row = db.execute(
                select(outbox.c.target, outbox.c.url_index).where(outbox.c.id == row_id)
            ).first()
            db.execute(
                update(outbox)
                .where(outbox.c.id == row_id)
                .values(status="sent", sent=moment, last_error=None)
            )
            if row is not None:
                db.execute(
                    update(outbox)
                    .where(
                        outbox.c.target == row.target,
                        outbox.c.url_index == row.url_index,
                        outbox.c.status == "pending",
                        outbox.c.next_attempt > moment,
                    )
                    .values(next_attempt=moment)
                )

    def mark_retry(self, row_id: int, *, status: str, next_attempt: datetime, error: str) -> None:
        """status is "pending" (plain retry), "ambiguous" (may have arrived) or "dead"."""
        values: dict[str, Any] = {
            "status": status,
            "next_attempt": next_attempt,
            "last_error": error[:500],
        }
        if status == "ambiguous":
            values["ambiguous"] = outbox.c.ambiguous + 1
        with self.transaction() as db:
            db.execute(update(outbox).where(outbox.c.id == row_id).values(**values))

    def hold_destination(self, target: str, url_index: int, until: datetime) -> int:
        """No row to this destination before `until` (its Retry-After): every waiting row to it
        is put back to then. Returns how many rows moved."""
        with self.transaction() as db:
            result = db.execute(
                update(outbox)
                .where(
                    outbox.c.target == target,
                    outbox.c.url_index == url_index,
                    outbox.c.status.in_(("pending", "ambiguous")),
                    outbox.c.next_attempt < until,
                )
                .values(next_attempt=until)
            )
        return int(result.rowcount or 0)

    def retry_dead(self, targets: Mapping[str, Sequence[str]]) -> dict[str, int]:
        """Put the dead rows to these targets back to be sent, each once, with a fresh count
        of attempts; remember why each had died. Returns how many per target.

        `targets` gives each target's URL digests as the config lists them now. A row whose
        URL is no longer among them goes to the URL now at its place in the list: the fix of
        a URL apprise refused, or of a password, is an edit of that URL. It stays dead when
        the list has no URL there, or when its alert has a row for that URL already.

        Compare and set, row by row: a row that is no longer dead when it is updated (another
        `--retry-dead` took it first) is left alone, and a sent row is never touched.
        """
        moment = now()
        put_back: dict[str, int] = {}
        with self.transaction() as db:
            dead = db.execute(
                select(
                    outbox.c.id,
                    outbox.c.alert_id,
                    outbox.c.target,
                    outbox.c.url_index,
                    outbox.c.url_digest,
                    outbox.c.last_error,
                    outbox.c.next_attempt,
                )
                .where(outbox.c.status == "dead", outbox.c.target.in_(list(targets)))
                .order_by(outbox.c.id)
            ).all()
            for row in dead:
                digests = targets[row.target]
                digest = row.url_digest
                if digest not in digests:
                    if row.url_index >= len(digests):
                        continue
                    digest = digests[row.url_index]
                    twin = db.execute(
                        select(outbox.c.id).where(
                            outbox.c.alert_id == row.alert_id,
                            outbox.c.target == row.target,
                            outbox.c.url_digest == digest,
                        )
                    ).first()
                    if twin is not None:
                        continue
                taken = db.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id, outbox.c.status == "dead")
                    .values(
                        status="pending",
                        url_digest=digest,
                        attempts=0,
                        ambiguous=0,
                        next_attempt=moment,
                        last_error=None,
                    )
                )
                if taken.rowcount != 1:
                    continue
                db.execute(redeliveries.delete().where(redeliveries.c.outbox_id == row.id))
                db.execute(
                    insert(redeliveries).values(
                        outbox_id=row.id,
                        reason=row.last_error or "given up",
                        # A row is marked dead with next_attempt set to that moment.
                        dead_since=row.next_attempt,
                        requested=moment,
                    )
                )
                put_back[row.target] = put_back.get(row.target, 0) + 1
        return put_back

    def target_failures(self) -> dict[str, TargetFailures]:
        """Each target with failed deliveries: how many are dead or still waiting, since when,
        and the last error. A row put back by `retry_dead` has a fresh count of attempts and is
        still a failed delivery until it is sent: its target has not been seen to work again."""
        put_back = select(redeliveries.c.outbox_id).where(redeliveries.c.outbox_id == outbox.c.id)
        failed = (outbox.c.attempts > 0) | put_back.exists()
        waiting = outbox.c.status.in_(("pending", "ambiguous", "sending"))
        dead = outbox.c.status == "dead"
        with self.transaction() as db:
            rows = db.execute(
                select(
                    outbox.c.target,
                    func.sum(case((dead, 1), else_=0)),
                    func.min(case((dead, outbox.c.next_attempt))),
                    func.sum(case((waiting, 1), else_=0)),
                    func.min(case((waiting, outbox.c.created))),
                    func.max(outbox.c.id),
                )
                .where(failed, dead | waiting)
                .group_by(outbox.c.target)
            ).all()
            errors = dict(
                db.execute(
                    select(outbox.c.id, outbox.c.last_error).where(
                        outbox.c.id.in_([row[5] for row in rows])
                    )
                ).all()
            )
        return {
            row[0]: TargetFailures(
                dead=int(row[1] or 0),
                dead_since=_aware(_datetime(row[2])),
                waiting=int(row[3] or 0),
                waiting_since=_aware(_datetime(row[4])),
                last_error=errors.get(row[5]),
            )
            for row in rows
        }

    def reported_health(self) -> dict[str, str]:
        """What the last operator alert said of each target: "ok" or "failing"."""
        with self.transaction() as db:
            rows = db.execute(select(target_health.c.target, target_health.c.health)).all()
        return {row[0]: row[1] for row in rows}

    def set_target_health(self, db: Connection, target: str, was: str, health: str) -> bool:
        """Compare and set, in the caller's transaction: the target's reported health goes
        from `was` to `health`; False when another process changed it first."""
        moment = now()
        changed = db.execute(
            update(target_health)
            .where(target_health.c.target == target, target_health.c.health == was)
            .values(health=health, changed=moment)
        )
        if changed.rowcount == 1:
            return True
        if was != "ok":
            return False
        known = db.execute(
            select(target_health.c.target).where(target_health.c.target == target)
        ).first()
        if known is not None:
            return False
        db.execute(insert(target_health).values(target=target, health=health, changed=moment))
        return True

    def dead_counts(self) -> dict[str, int]:
        """Dead rows per target."""
        with self.transaction() as db:
            rows = db.execute(
                select(outbox.c.target, func.count())
                .where(outbox.c.status == "dead")
                .group_by(outbox.c.target)
            ).all()
        return {target: int(count) for target, count in rows}

    def outbox_counts(self) -> dict[str, int]:
        """Rows per state: pending, sending, sent, ambiguous, dead (only the states present)."""
        with self.transaction() as db:
            rows = db.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
        return {status: int(count) for status, count in rows}

    def dead_letters(self, limit: int = 100) -> list[tuple[int, str, int, str | None]]:
        """The rows given up on, newest first: (alert id, target, attempts, why)."""
        with self.transaction() as db:
            rows = db.execute(
                select(outbox.c.alert_id, outbox.c.target, outbox.c.attempts, outbox.c.last_error)
                .where(outbox.c.status == "dead")
                .order_by(outbox.c.id.desc())
                .limit(limit)
            ).all()
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    def recent_alerts(self, limit: int) -> list[AlertRecord]:
        with self.transaction() as db:
            rows = db.execute(select(alerts).order_by(alerts.c.id.desc()).limit(limit)).all()
            records = []
            for row in rows:
                deliveries = db.execute(
                    select(outbox.c.target, outbox.c.status, outbox.c.attempts, outbox.c.last_error)
                    .where(outbox.c.alert_id == row.id)
                    .order_by(outbox.c.id)
                ).all()
                records.append(
                    AlertRecord(
                        id=row.id,
                        event_id=row.event_id,
                        kind=row.kind,
                        title=row.title,
                        created=_aware(row.created) or now(),
                        deliveries=tuple((d[0], d[1], d[2], d[3]) for d in deliveries),
                    )
                )
        return records

    # --- silences ----------------------------------------------------------------------------

    def add_silence(
        self,
        *,
        rule: str | None,
        place: str | None,
        actor: str | None,
        target: str | None,
        comment: str,
        expires: datetime,
    ) -> int:
        with self.transaction() as db:
            return _new_id(
                db.execute(
                    insert(silences).values(
                        rule=rule,
                        place=place,
                        actor=actor,
                        target=target,
                        comment=comment,
                        created=now(),
                        expires=expires,
                    )
                )
            )

    def silences(self, *, active_at: datetime | None = None) -> list[Silence]:
        """Every silence, newest first; with `active_at`, only those not expired by then."""
        query = select(silences).order_by(silences.c.id.desc())
        if active_at is not None:
            query = query.where(silences.c.expires > active_at)
        with self.transaction() as db:
            rows = db.execute(query).all()
        return [
            Silence(
                id=r.id,
                rule=r.rule,
                place=r.place,
                actor=r.actor,
                target=r.target,
                comment=r.comment,
                created=_aware(r.created) or now(),
                expires=_aware(r.expires) or now(),
            )
            for r in rows
        ]

    def expire_silence(self, silence_id: int) -> bool:
        with self.transaction() as db:
            result = db.execute(
                update(silences)
                .where(silences.c.id == silence_id, silences.c.expires > now())
                .values(expires=now())
            )
        return bool(result.rowcount)

    def ping(self) -> bool:
        """Can we still write? Gates the systemd watchdog (reliability.md P3)."""
        try:
            with self.transaction() as db:
                db.execute(
                    update(meta)
                    .where(meta.c.key == "schema_version")
                    .values(value=str(SCHEMA_VERSION))
                )
            return True
        except DatabaseError as error:
            log.error("database is not writable: %s", error.orig)
            return False


def _datetime(value: object) -> datetime | None:
    """An aggregate of a DateTime column: SQLite gives MIN(...) back as text."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None, "an insert returns its new primary key"
    return int(key[0])


def _outbox_rows() -> Any:
    return select(
        outbox,
        alerts.c.title,
        alerts.c.text,
        alerts.c.markdown,
        alerts.c.html,
        redeliveries.c.reason.label("dead_reason"),
        redeliveries.c.dead_since,
    ).select_from(
        outbox.join(alerts, alerts.c.id == outbox.c.alert_id).outerjoin(
            redeliveries, redeliveries.c.outbox_id == outbox.c.id
        )
    )


def _due(moment: datetime) -> Any:
    """Waiting rows whose time has come, and claims whose lease ran out."""
    return outbox.c.status.in_(("pending", "ambiguous", "sending")) & (
        outbox.c.next_attempt <= moment
    )


def _outbox_row(r: Any, ambiguous: int) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        alert_id=r["alert_id"],
        target=r["target"],
        url_index=r["url_index"],
        url_digest=r["url_digest"],
        format=r["format"],
        status=r["status"],
        attempts=r["attempts"] + 1,
        ambiguous=ambiguous,
        title=r["title"],
        text=r["text"],
        markdown=r["markdown"],
        html=r["html"],
        queued=_aware(r["created"]),
        last_error=r["last_error"],
        redelivery=Redelivery(r["dead_reason"], _aware(r["dead_since"]) or now())
        if r["dead_reason"] is not None
        else None,
    )


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
        last_polled=_aware(row["last_polled"]),
        last_success=_aware(row["last_success"]),
        last_new_item=_aware(row["last_new_item"]),
        not_before=_aware(row["not_before"]),
        health=row["health"],
    )


def _event_record(row: Any) -> EventRecord:
    return EventRecord(
        id=row["id"],
        opened=_aware(row["opened"]) or now(),
        last_report=_aware(row["last_report"]) or now(),
        reports=row["reports"],
        summary=row["summary"],
        state=json.loads(row["state"]),
    )


def open_store(url: str, *, upgrade: bool = True, instance: str | None = None) -> Store:
    """Open (or create) the database; fail closed on a corrupt or unwritable one.

    The schema is brought to this watcher's newest revision (watcher/migrations, after a backup of
    a SQLite file); with `upgrade=False` a database that needs it is refused instead.

    A missing SQLite file is created: the pipeline then treats every feed as new (baseline, no
    alerts). A file that exists but fails its integrity check is never replaced: a fresh database
    would re-alert everything (reliability.md Q3).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _check_sqlite_path(Path(parsed.database))
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.begin() as db:
            if engine.dialect.name == "sqlite":
                verdict = db.execute(text("PRAGMA quick_check")).scalar()
                if verdict != "ok":
                    raise StateError(
                        f"database {parsed.database} is corrupt ({verdict}); restore it from a "
                        "backup or move it away to start afresh (every feed then starts silently)"
                    )
        if upgrade:
            migrations.upgrade(url)
        else:
            _refuse_stale(migrations.status(url))
        with engine.connect() as db:
            _check_columns(db, parsed.render_as_string(hide_password=True))
    except OperationalError as error:
        raise StateError(
            f"cannot use database {parsed.render_as_string(hide_password=True)}: {error.orig}"
        ) from None
    except DatabaseError as error:
        raise StateError(
            f"database {parsed.render_as_string(hide_password=True)} is unusable ({error.orig}); "
            "restore it from a backup or move it away to start afresh"
        ) from None
    return Store(engine, instance)


@contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """Hold the state directory for one running watcher (`run` or `run --once`).

    Two would each believe the other's in-flight deliveries were interrupted and send them
    again, and could each open an event for the same strike. Read-only commands need no lock.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "watcher.lock"
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise StateError(
                f"another watcher ({holder}) is running with the state in {directory}; stop it "
                "first (`watcher alerts`, `events` and `feeds` are safe to run alongside)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _refuse_stale(state: migrations.SchemaStatus) -> None:
    if state.newer or not state.up_to_date:
        raise StateError(
            f"database {state.database} is at schema revision {state.current or '(empty)'}, "
            f"this watcher needs {state.head}: run `watcher db upgrade` first"
        )


def _check_columns(db: Connection, name: str) -> None:
    """Fail closed on tables that lack columns this version writes, as a database stamped with
    the baseline could (made by a development version before the first release): a poll would
    otherwise fail on every detection."""
    inspector = inspect(db)
    for table in metadata.sorted_tables:
        have = {column["name"] for column in inspector.get_columns(table.name)}
        missing = sorted(set(table.columns.keys()) - have)
        if missing:
            raise StateError(
                f"database {name} was made by another version of watcher: table {table.name} "
                f"lacks {', '.join(missing)}; move it away to start afresh (every feed then "
                "starts silently) or use the watcher that made it"
            )


def _check_sqlite_path(path: Path) -> None:
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StateError(
            f"cannot create the state directory {directory}: {error.strerror}"
        ) from None
    probe = directory / ".watcher-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise StateError(
            f"the state directory {directory} is not writable ({error.strerror}); check its "
            "owner and mode, or StateDirectory= in the unit"
        ) from None
