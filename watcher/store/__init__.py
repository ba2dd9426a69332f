"""What must survive a restart, in SQLAlchemy Core over SQLite or PostgreSQL.

Feeds' poll state, the items seen, detections, events, alerts and the outbox of deliveries,
silences. Each method takes plain values and returns plain dataclasses; the pipeline decides,
the store records. One module per concern:

    schema.py     the tables (the newest migration's), SCHEMA_VERSION
    engine.py     the engine, transactions, the SQLite settings, the state directory's lock
    clock.py      the one clock every part reads (and tests set)
    feed.py       feeds' poll state; their leases when several instances share the database
    item.py       the items seen, by key and alias
    event.py      detections and events; the lock that orders event decisions across instances
    alert.py      alerts and their outbox rows: claims, retries, dead letters, targets' health
    silence.py    silences
    retention.py  what is forgotten after the retention time

`Store` joins the parts; `open_store` opens (and upgrades) a database and returns one. The
tables are exported here under their own names (`feeds`, `items`, `events`, `outbox`, ...):
the modules are named in the singular so that no module hides a table of the same name.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url
from sqlalchemy.event import listen
from sqlalchemy.exc import DatabaseError, OperationalError

from watcher import migrations
from watcher.errors import StateError
from watcher.store import clock
from watcher.store.alert import (
    AlertRecord,
    Delivery,
    OutboxRow,
    OutboxStore,
    Redelivery,
    TargetFailures,
    url_digest,
)
from watcher.store.engine import Database, exclusive, sqlite_pragmas
from watcher.store.event import EventRecord, EventStore
from watcher.store.feed import FeedLease, FeedState, FeedStore
from watcher.store.item import ItemStore
from watcher.store.retention import RetentionStore
from watcher.store.schema import (
    SCHEMA_VERSION,
    alerts,
    detections,
    events,
    feeds,
    instances,
    items,
    meta,
    metadata,
    outbox,
    redeliveries,
    silences,
    target_health,
)
from watcher.store.silence import SilenceStore

__all__ = [
    "SCHEMA_VERSION",
    "AlertRecord",
    "Database",
    "Delivery",
    "EventRecord",
    "FeedLease",
    "FeedState",
    "ItemStore",
    "OutboxRow",
    "Redelivery",
    "Store",
    "TargetFailures",
    "alerts",
    "detections",
    "events",
    "exclusive",
    "feeds",
    "instances",
    "items",
    "meta",
    "metadata",
    "now",
    "open_store",
    "outbox",
    "redeliveries",
    "silences",
    "target_health",
    "url_digest",
]


class Store(FeedStore, EventStore, OutboxStore, SilenceStore, RetentionStore):
    """The database, one part per concern (each part's methods in its module). Parts of one
    class rather than objects of their own, so that a caller holds one store and a poll's
    records (a feed's row and its items) share a transaction."""


def now() -> datetime:
    """The store's clock (`clock.now`, which tests replace), for code outside the store."""
    return clock.now()


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
        listen(engine, "connect", sqlite_pragmas)
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
