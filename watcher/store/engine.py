"""The engine and its transactions: SQLite's pragmas, one transaction at a time in a process,
the durability of each, the write probe of the watchdog, and the state directory's lock that
holds a SQLite database for one instance."""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError

from watcher.errors import StateError
from watcher.store.schema import SCHEMA_VERSION, meta

log = logging.getLogger(__name__)


def sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the CLI read while the daemon writes; FULL so that a committed outbox row
    # survives a power loss (reliability.md D10); 5 s covers a short lock by another process (Q2).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """What every part of the store shares: the engine, who this instance is, whether other
    instances may share the database, and the transaction. Methods that take a `db`
    connection work inside the caller's transaction; the others are one short transaction
    each."""

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


def new_id(result: Any) -> int:
    """The primary key an insert made."""
    key = result.inserted_primary_key
    assert key is not None, "an insert returns its new primary key"
    return int(key[0])


def chunks(values: list[str], size: int) -> Iterator[list[str]]:
    """`values` in lists of at most `size`, to bound the parameters of one statement."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
