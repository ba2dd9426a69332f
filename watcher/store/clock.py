"""The store's one clock: `now()`, an aware UTC datetime, and `aware()` for the naive datetimes
SQLite gives back. Every part of the store, and the sender, read the time as `clock.now()` at
each call, never a copy of the function, so that a test sets one clock for all of them (the
`clock` fixture replaces `watcher.store.clock.now`)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every time in watcher is aware UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
