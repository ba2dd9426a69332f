"""The store's events, reports and alerts as the web view and the exports read them: the store's
engine and filters in, frozen dataclasses out; every query is a SELECT.

Kept apart from watcher/store/, which records, so that the read side can move with the tables. It
runs the same SQLAlchemy Core statements on SQLite and PostgreSQL; filters other than the
event's id are applied in Python, on the event's state as the store keeps it (JSON text), so
that no query depends on a dialect's JSON functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select

from watcher import events as eventing
from watcher.alerts import safe_link
from watcher.store import alerts, detections, events, feeds, items, outbox
from watcher.store.clock import aware
from watcher.web import places


@dataclass(frozen=True)
class EventView:
    """One event as the store holds it, with what listings and maps ask of it."""

    id: int
    updated: datetime  # when a report last changed it, by our clock
    summary: str
    state: eventing.EventState
    where: places.Located | None = field(default=None, compare=False)

    @property
    def day(self) -> date:
        """The strike's date when a report states it, else the day of its first report."""
        return self.state.event_dates[0] if self.state.event_dates else self.state.opened.date()

    @property
    def governorates(self) -> tuple[str, ...]:
        names = (places.governorate_name(p.governorate) for p in self.state.places)
        return tuple(dict.fromkeys(name for name in names if name))


def event_view(event_id: int, updated: datetime, summary: str, state: str) -> EventView:
    decoded = eventing.state_from_dict(json.loads(state))
    return EventView(
        id=event_id,
        updated=aware(updated) or decoded.last_report,
        summary=summary,
        state=decoded,
        where=places.locate(decoded),
    )


@dataclass(frozen=True)
class Filters:
    """What the events page and the exports may be narrowed to; empty means any."""

    country: str = ""  # ISO code, e.g. "IQ"
    governorate: str = ""  # the gazetteer's name, e.g. "Babil"
    actor: str = ""  # part of an actor's name, any case
    since: date | None = None  # the event's day (see EventView.day), inclusive
    until: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """From a query string; raises ValueError naming the parameter that is wrong."""

        def day(name: str) -> date | None:
            text = args.get(name, "").strip()
            if not text:
                return None
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"{name} must be a date like 2026-11-24, not {text!r}") from None

        return cls(
            country=args.get("country", "").strip().upper()[:8],
            governorate=args.get("governorate", "").strip()[:80],
            actor=args.get("actor", "").strip()[:80],
            since=day("since"),
            until=day("until"),
        )

    def params(self) -> dict[str, str]:
        """The filters as query parameters (the empty ones left out)."""
        pairs = {
            "country": self.country,
            "governorate": self.governorate,
            "actor": self.actor,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {key: value for key, value in pairs.items() if value}

    def matches(self, event: EventView) -> bool:
        state = event.state
        if self.country and self.country not in state.countries:
            return False
        if self.governorate and self.governorate.casefold() not in (
            name.casefold() for name in event.governorates
        ):
            return False
        if self.actor and not any(self.actor.casefold() in a.casefold() for a in state.actors):
            return False
        if self.since and event.day < self.since:
            return False
        return not (self.until and event.day > self.until)


def show_count(value: eventing.Count | list[int | None]) -> str:
    """A casualty figure in words; JSON gives ranges back as lists."""
    if value is None:
        return ""
    return eventing._show(tuple(value) if isinstance(value, list) else value)  # type: ignore[arg-type]


def list_events(engine: Engine, filters: Filters = Filters(), limit: int = 200) -> list[EventView]:
    """Events that pass the filters, newest first (by their first report), at most `limit`."""
    found: list[EventView] = []
    for event in _all_events(engine):
        if filters.matches(event):
            found.append(event)
            if len(found) >= limit:
                break
    return found


def _all_events(engine: Engine) -> Iterator[EventView]:
    query = select(events.c.id, events.c.updated, events.c.summary, events.c.state).order_by(
        events.c.opened.desc(), events.c.id.desc()
    )
    with engine.connect() as db:
        for row in db.execute(query).yield_per(500):
            yield event_view(row.id, row.updated, row.summary, row.state)


def get_event(engine: Engine, event_id: int) -> EventView | None:
    with engine.connect() as db:
        row = db.execute(
            select(events.c.id, events.c.updated, events.c.summary, events.c.state).where(
                events.c.id == event_id
            )
        ).first()
    return None if row is None else event_view(row.id, row.updated, row.summary, row.state)


@dataclass(frozen=True)
class ReportView:
    """One report of an event: the item, its outlet, and what the detection made of it."""

    detection_id: int
    recorded: datetime
    published: datetime | None
    outlet: str
    title: str
    link: str | None  # absolute http(s) only; anything else is dropped
    decision: str  # new | update | silent | duplicate | held | silenced
    rule_id: str
    score: float
    fields: Mapping[str, Any]
    evidence: tuple[str, ...]
    added: tuple[str, ...] = ()  # what it told that earlier reports had not


def event_reports(engine: Engine, event_id: int) -> list[ReportView]:
    """Every report of the event in the order they came, each with what it added."""
    query = (
        select(
            detections.c.id,
            detections.c.created,
            detections.c.decision,
            detections.c.rule_id,
            detections.c.score,
            detections.c.fields,
            detections.c.evidence,
            items.c.title,
            items.c.link,
            items.c.published,
            feeds.c.title.label("feed_title"),
            feeds.c.url.label("feed_url"),
        )
        .join(items, items.c.id == detections.c.item_id)
        .join(feeds, feeds.c.id == items.c.feed_id)
        .where(detections.c.event_id == event_id)
        .order_by(detections.c.id)
    )
    with engine.connect() as db:
        rows = db.execute(query).all()
    reports = [
        ReportView(
            detection_id=row.id,
            recorded=aware(row.created) or datetime.now(UTC),
            published=aware(row.published),
            outlet=row.feed_title or row.feed_url,
            title=row.title,
            link=safe_link(row.link),
            decision=row.decision,
            rule_id=row.rule_id,
            score=row.score,
            fields=json.loads(row.fields),
            evidence=tuple(json.loads(row.evidence)),
        )
        for row in rows
    ]
    return with_additions(reports)


def with_additions(reports: Sequence[ReportView]) -> list[ReportView]:
    """Each report with what it added to the ones before it: places, actors, a higher toll,
    a new outlet. Worked out from the stored fields, so that it holds for silent reports too."""
    seen_places: set[str] = set()
    seen_actors: set[str] = set()
    seen_outlets: set[str] = set()
    seen_types: set[str] = set()
    killed = wounded = -1
    out = []
    for number, report in enumerate(reports):
        fields = report.fields
        added: list[str] = ["first report"] if number == 0 else []
        if report.outlet not in seen_outlets and number:
            added.append(f"another outlet ({len(seen_outlets) + 1} in all)")
        seen_outlets.add(report.outlet)
        for name in fields.get("places") or ():
            if name.casefold() not in seen_places and number:
                added.append(f"new place: {name}")
            seen_places.add(name.casefold())
        actor = fields.get("actor")
        if actor and actor.casefold() not in seen_actors and number:
            added.append(f"actor: {actor}")
        if actor:
            seen_actors.add(actor.casefold())
        kind = fields.get("strike_type")
        if kind and kind not in seen_types and number:
            added.append(f"strike type: {kind}")
        if kind:
            seen_types.add(kind)
        for label, value in (("killed", fields.get("killed")), ("wounded", fields.get("wounded"))):
            low = value[0] if isinstance(value, list) else value
            if not isinstance(low, int):
                continue
            before = killed if label == "killed" else wounded
            if low > before:
                if number:
                    added.append(f"{label}: {show_count(value)}")
                if label == "killed":
                    killed = low
                else:
                    wounded = low
        out.append(replace(report, added=tuple(added)))
    return out


@dataclass(frozen=True)
class DeliveryView:
    target: str
    status: str  # pending | sending | sent | ambiguous | dead
    attempts: int
    error: str | None
    sent: datetime | None


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str  # new | update
    title: str
    text: str  # as sent in plain text: fields, evidence, rule, score and the terms that fired
    created: datetime
    deliveries: tuple[DeliveryView, ...]


def event_alerts(engine: Engine, event_id: int) -> list[AlertView]:
    """The alerts sent for the event, oldest first, each with where it went and how it fared."""
    with engine.connect() as db:
        rows = db.execute(
            select(alerts.c.id, alerts.c.kind, alerts.c.title, alerts.c.text, alerts.c.created)
            .where(alerts.c.event_id == event_id)
            .order_by(alerts.c.id)
        ).all()
        sends = db.execute(
            select(
                outbox.c.alert_id,
                outbox.c.target,
                outbox.c.status,
                outbox.c.attempts,
                outbox.c.last_error,
                outbox.c.sent,
            )
            .where(outbox.c.alert_id.in_([row.id for row in rows]))
            .order_by(outbox.c.id)
        ).all()
    by_alert: dict[int, list[DeliveryView]] = {}
    for send in sends:
        by_alert.setdefault(send.alert_id, []).append(
            DeliveryView(send.target, send.status, send.attempts, send.last_error, aware(send.sent))
        )
    return [
        AlertView(
            id=row.id,
            kind=row.kind,
            title=row.title,
            text=row.text,
            created=aware(row.created) or datetime.now(UTC),
            deliveries=tuple(by_alert.get(row.id, ())),
        )
        for row in rows
    ]
