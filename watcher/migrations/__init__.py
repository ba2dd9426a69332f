"""Schema migrations: the Alembic revisions in versions/ and how watcher applies them.

In: an SQLAlchemy URL. Out: where the database's schema stands (`status`), or the database brought
to the newest revision this watcher knows (`upgrade`), after a backup of a SQLite file. A database
made before migrations existed (schema 1: a `meta` row schema_version = 1 and no alembic_version
table) is stamped with the baseline revision 0001, which creates exactly its tables. A database at a
revision this watcher does not know was upgraded by a newer watcher, and is refused.

Every revision runs in one transaction with the others: BEGIN IMMEDIATE on SQLite (whose driver
would otherwise commit each DDL statement on its own), under an advisory lock on PostgreSQL, so that
several instances starting at once upgrade once and a kill leaves the schema at the old or the new
revision, never between (reliability.md Q4). The rules for writing a revision are in DESIGN.md.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from watcher.errors import StateError

log = logging.getLogger(__name__)

SCRIPTS = Path(__file__).parent
BASELINE = "0001"
# Any fixed number: every watcher takes the same PostgreSQL advisory lock to migrate.
_LOCK_KEY = 0x77617463  # "watc"
# Tables of the baseline: a database holding some of them but no record of its schema is not
# an empty one.
_BASELINE_TABLES = {"meta", "feeds", "items", "detections", "events", "alerts", "outbox"}


@dataclass(frozen=True)
class SchemaStatus:
    database: str  # the URL, password hidden
    current: str | None  # the database's revision; None for an empty database
    head: str  # the newest revision this watcher knows
    pending: tuple[str, ...]  # what an upgrade applies, oldest first
    legacy: bool  # made before migrations: an upgrade first stamps it with the baseline
    newer: bool  # at a revision this watcher does not know

    @property
    def up_to_date(self) -> bool:
        return not self.pending and not self.legacy and not self.newer


@functools.cache
def scripts() -> ScriptDirectory:
    return ScriptDirectory(str(SCRIPTS))


def status(url: str) -> SchemaStatus:
    """Where the database's schema stands; changes nothing."""
    parsed = make_url(url)
    engine = _engine(parsed)
    try:
        with engine.connect() as db:
            return _status(db, parsed)
    except OperationalError as error:
        raise StateError(
            f"cannot use database {parsed.render_as_string(hide_password=True)}: {error.orig}"
        ) from None
    finally:
        engine.dispose()


def upgrade(url: str, to: str = "head") -> SchemaStatus:
    """Bring the database to the newest revision (or `to`, for tests); returns where it stood
    before, as read under the lock (another instance may have upgraded it meanwhile).

    Raises StateError, naming the database and what to do, for a database newer than this
    watcher or one whose tables are not watcher's."""
    parsed = make_url(url)
    engine = _engine(parsed)
    try:
        with engine.connect() as db:
            before = _status(db, parsed)
        _refuse_newer(before)
        if before.up_to_date or before.current == to:
            return before
        if _sqlite_file(parsed) and before.current is not None:
            _backup(Path(str(parsed.database)), before)
        with engine.begin() as db:
            if db.dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            now = _status(db, parsed)  # again under the lock: another instance may have done it
            _refuse_newer(now)
            config = Config()
            config.set_main_option("script_location", str(SCRIPTS))
            config.attributes["connection"] = db
            if now.legacy:
                command.stamp(config, BASELINE)
                log.warning(
                    "database %s, made before migrations, recorded as revision %s",
                    now.database,
                    BASELINE,
                )
            if now.pending:
                command.upgrade(config, to)
        if now.current is None:
            log.info("database %s created at revision %s", now.database, now.head)
        elif now.pending:
            log.warning(
                "database %s upgraded from %s to revision %s", now.database, now.current, now.head
            )
        return now
    except OperationalError as error:
        raise StateError(
            f"cannot upgrade database {parsed.render_as_string(hide_password=True)}: {error.orig}"
        ) from None
    finally:
        engine.dispose()


def _engine(url: URL) -> Engine:
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        # The driver's own transaction handling commits before DDL; this makes BEGIN explicit,
        # IMMEDIATE so that the write lock is taken before the first read (SQLAlchemy's recipe).
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: object) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA busy_timeout=5000")

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _status(db: Connection, url: URL) -> SchemaStatus:
    name = url.render_as_string(hide_password=True)
    head = scripts().get_current_head()
    assert head is not None, "the baseline revision ships with watcher"
    tables = set(inspect(db).get_table_names())
    legacy = False
    current: str | None = None
    if "alembic_version" in tables:
        versions = db.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if len(versions) != 1:
            raise StateError(
                f"database {name} records {len(versions)} schema revisions in alembic_version "
                "where watcher writes one; restore it from a backup"
            )
        current = str(versions[0])
    elif "meta" in tables:
        version = db.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
        if version != "1":
            raise StateError(
                f"database {name} has schema_version {version!r} and no migration record; it "
                "was made by another program or a newer watcher: use the watcher that made it"
            )
        current, legacy = BASELINE, True
    elif tables & _BASELINE_TABLES:
        raise StateError(
            f"database {name} holds tables ({', '.join(sorted(tables & _BASELINE_TABLES))}) "
            "but no record of watcher's schema; give watcher a database of its own"
        )
    known = {script.revision for script in scripts().walk_revisions()}
    newer = current is not None and current not in known
    pending: tuple[str, ...] = ()
    if not newer:
        pending = tuple(
            script.revision
            for script in reversed(list(scripts().iterate_revisions(head, current or "base")))
            if script.revision != current
        )
    return SchemaStatus(name, current, head, pending, legacy, newer)


def _refuse_newer(state: SchemaStatus) -> None:
    if state.newer:
        raise StateError(
            f"database {state.database} is at schema revision {state.current}, newer than this "
            f"watcher knows (its newest is {state.head}): it was upgraded by a newer watcher. "
            "Run that version, or restore the backup taken before the upgrade"
        )


def _sqlite_file(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def _backup(path: Path, state: SchemaStatus) -> Path:
    """A consistent copy of the database beside it (SQLite's online backup, WAL included)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-{state.head}-{stamp}")
    source = sqlite3.connect(path)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    log.warning("database %s copied to %s before its upgrade", path, target)
    return target
