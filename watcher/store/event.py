"""Detections and the events they join; the lock that orders event decisions across instances."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection

from watcher.store import clock
from watcher.store.engine import Database, new_id
from watcher.store.schema import detections, events, feeds, items


@dataclass(frozen=True)
class EventRecord:
    id: int
    opened: datetime
    last_report: datetime
    reports: int
    summary: str
    state: dict[str, Any]


# Any fixed number: the PostgreSQL advisory lock that orders event decisions across instances.
_EVENTS_LOCK = 0x77617464


class EventStore(Database):
    """Detections, and the events they open or join."""

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
                created=clock.now(),
            )
        )
        return new_id(result)

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
            updated=clock.now(),
            reports=reports,
            summary=summary,
            state=json.dumps(state, default=str),
        )
        if event_id is None:
            return new_id(db.execute(insert(events).values(**values)))
        db.execute(update(events).where(events.c.id == event_id).values(**values))
        return event_id

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


def _event_record(row: Any) -> EventRecord:
    return EventRecord(
        id=row["id"],
        opened=clock.aware(row["opened"]) or clock.now(),
        last_report=clock.aware(row["last_report"]) or clock.now(),
        reports=row["reports"],
        summary=row["summary"],
        state=json.loads(row["state"]),
    )
