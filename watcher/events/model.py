"""The data of the events stage: a report, an event, a decision, and the counts they carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

Count = int | tuple[int, int | None] | None  # N, [min, max], or [N, None] for "at least N"


_T = TypeVar("_T")


@dataclass(frozen=True)
class PlaceKey:
    """A place as far as grouping needs it; `level`: "place" (a town, base, site), "city" (or a
    district or neighbourhood), "governorate", "region" (an area across governorates, such as
    the Kurdistan Region) or "country"."""

    id: str
    name: str
    country: str
    governorate: str | None
    level: str = "place"
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Report:
    """One detection of one item, as the events stage sees it."""

    item_key: str
    alias: str
    outlet: str  # feed name or host: corroboration counts distinct outlets
    title: str
    fingerprint: str  # see fingerprint(): sorted content words of title and lead
    published: datetime | None
    seen: datetime  # first seen, aware UTC
    strike_type: str | None = None
    actors: tuple[str, ...] = ()
    target: str | None = None
    places: tuple[PlaceKey, ...] = ()
    countries: tuple[str, ...] = ()
    killed: Count = None
    wounded: Count = None
    event_date: date | None = None
    # The lead's own strike sentences name that day ("early on Wednesday"): see _days_conflict.
    day_stated: bool = False
    # The day is counted from publication by a word of a sentence that tells the strike
    # ("struck ... overnight", "this morning"): see _days_conflict.
    day_counted: bool = False
    denial: bool = False  # the report denies or corrects the strike
    claimed: bool = False  # the actor claimed responsibility (rather than being blamed)
    # The report tells of deaths or a count after the strike ("dies of wounds", "the toll rose
    # to nine"): the day it names may be that of the death or the count, not of the strike.
    follow_up: bool = False
    # The headline tells a further strike ("another", "a second", "more", "again"): not a
    # follow-up of one reported days before.
    another: bool = False
    # The people the headline says were killed or hurt ("More US Troops Wounded", "drone kills
    # American contractor"): their side was hit, as a target's is (see _hit_sides).
    victims: tuple[str, ...] = ()
    language: str = "en"  # the report's language ("ar", "en"): its feed's, else its text's

    @property
    def when(self) -> datetime:
        return self.published or self.seen


@dataclass(frozen=True)
class EventState:
    """What is known of one event; the store rebuilds it from its rows (id 0 = not stored yet)."""

    id: int
    opened: datetime  # time of the earliest report (published, else seen)
    last_report: datetime
    strike_types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    victims: tuple[str, ...] = ()  # the people its reports' headlines say were hurt
    places: tuple[PlaceKey, ...] = ()  # every place its reports name
    countries: tuple[str, ...] = ()
    event_dates: tuple[date, ...] = ()
    stated_dates: tuple[date, ...] = ()  # the event_dates some report's lead names (day_stated)
    counted_dates: tuple[date, ...] = ()  # those counted in a strike sentence (day_counted)
    outlets: tuple[str, ...] = ()
    # The places reports are matched against: the first report's, and the place each later
    # report leads with. A round-up that also names another strike's town, or a reference
    # point ("near Damascus"), must not make the event a match for that other strike.
    core_places: tuple[PlaceKey, ...] = ()
    item_keys: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    fingerprints: tuple[tuple[str, str], ...] = ()  # (outlet, fingerprint)
    killed: Count = None  # the highest figure reported so far
    wounded: Count = None
    # Every number killed a report gave, lowest first: a report may repeat any of them.
    tolls: tuple[int, ...] = ()
    denied: bool = False
    claimed: bool = False  # an actor claimed it
    reports: int = 0
    languages: tuple[str, ...] = ()  # of its reports, in the order they came (issue #12)


@dataclass(frozen=True)
class Decision:
    event_id: int | None  # None: open a new event (the store gives state its id)
    action: str  # "new" | "update" | "silent" | "duplicate"
    changes: tuple[str, ...]  # reasons, in words; every "update" has at least one
    state: EventState  # the event after this report
    # The kinds (CHANGE_KINDS) of what the report adds, alerting or not: routes choose by them.
    kinds: frozenset[str] = frozenset()
    # A round-up also names other open events' strikes: each is recorded as reported by one
    # more outlet ("silent" decisions), none is merged with the event the report joins.
    also: tuple[Decision, ...] = ()


# What a later report can add. An update alerts only for the kinds a route takes (its
# `update_on`, by default DEFAULT_UPDATE_ON); the others are recorded and shown in the next alert
# and in `watcher events`.
CHANGE_KINDS = ("casualties", "attribution", "denial", "place", "corroboration")


DEFAULT_UPDATE_ON = ("casualties", "attribution", "denial", "place")


def _union(old: tuple[_T, ...], new: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys([*old, *new]))


def _told(count: Count) -> tuple[int, ...]:
    """The number killed a report gives, when it gives one above zero."""
    low = _low(count)
    return (low,) if low else ()


def _low(count: Count) -> int | None:
    return count[0] if isinstance(count, tuple) else count


def _higher(old: Count, new: Count) -> Count:
    low_old, low_new = _low(old), _low(new)
    if low_new is None or (low_old is not None and low_new <= low_old):
        return old
    return new
