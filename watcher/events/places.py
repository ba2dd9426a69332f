"""Where strikes are: the places of a report and of an event, and how close they are."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from watcher.events.model import EventState, PlaceKey, Report
from watcher.events.settings import EventSettings


class _PlaceLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def governorate(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def precision(self) -> str: ...


# Gazetteer kinds that name an area rather than a strike site.
_COUNTRY_KINDS = frozenset({"country", "demonym"})


_GOVERNORATE_KINDS = frozenset({"governorate", "province"})


_AREA_KINDS = frozenset({"region", "district"})


def _core(state: EventState) -> tuple[PlaceKey, ...]:
    return state.core_places or state.places


def _near_any(place: PlaceKey, others: Sequence[PlaceKey], settings: EventSettings) -> bool:
    return any(
        place.id == other.id or _distance_km(place, other) <= settings.near_km for other in others
    )


def _place_score(
    ours: Sequence[PlaceKey], theirs: Sequence[PlaceKey], settings: EventSettings
) -> float | None:
    """3 same site, 2 same city or nearby, 1 same governorate or within a region, 0 unknown or
    country only, None for named sites apart.

    The most precise level both sides name decides: a shared mention of a city or a governorate
    must not join two strikes on different towns around it.
    """
    if not ours or not theirs:
        return 0.0
    sites = [(a, b) for a in ours for b in theirs if a.level == b.level == "place"]
    if sites:
        if any(a.id == b.id for a, b in sites):
            return 3.0
        return 2.0 if any(_distance_km(a, b) <= settings.near_km for a, b in sites) else None
    named = [(a, b) for a in ours for b in theirs if {a.level, b.level} <= {"place", "city"}]
    if any(a.id == b.id or _distance_km(a, b) <= settings.near_km for a, b in named):
        return 2.0
    best: float | None = None
    apart = False
    for a in ours:
        for b in theirs:
            if "country" in (a.level, b.level):
                if a.country == b.country:
                    best = 0.0
                continue
            if _scope(a) == _scope(b):
                return 1.0
            if "region" in (a.level, b.level) and a.country == b.country:
                # A region ("Kurdistan Region") holds what lies within its reach, and no more.
                if _distance_km(a, b) <= settings.region_km:
                    return 1.0
                apart = True
            elif a.country == b.country:
                best = 0.0
    return None if apart and best is None else best


def _placed(places: Sequence[PlaceKey]) -> tuple[PlaceKey, ...]:
    """The places a strike hit or was near, without the points it was measured from."""
    return tuple(p for p in places if not _beside(p) or p.name.startswith("near "))


def _below_country(places: Sequence[PlaceKey]) -> bool:
    """Whether the places say more of where a strike fell than its country."""
    return any(p.level != "country" for p in places)


def _beside(place: PlaceKey) -> bool:
    """Whether the detector names the place as a point the strike was near or measured from:
    it writes the words before the name ("near Damascus", "south of Baghdad")."""
    return place.name[:1].islower()


def _lead(report: Report) -> tuple[PlaceKey, ...]:
    """The place a report leads with: its first town or city, else its first place."""
    named = [p for p in report.places if p.level in ("place", "city")]
    return tuple((named or list(report.places))[:1])


def _scope(place: PlaceKey) -> str:
    return place.governorate or place.id


def _distance_km(a: PlaceKey, b: PlaceKey) -> float:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return math.inf
    la, lb = math.radians(a.lat), math.radians(b.lat)
    dlon = math.radians(b.lon - a.lon)
    h = math.sin((lb - la) / 2) ** 2 + math.cos(la) * math.cos(lb) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _place_key(place: _PlaceLike) -> PlaceKey:
    kind = place.precision.lower()
    # The detector names a place's governorate by name, and a governorate by its own name.
    governorate = place.governorate
    if kind in _COUNTRY_KINDS:
        level = "country"
    elif kind in _GOVERNORATE_KINDS or place.id == place.governorate:
        level = "governorate"
        governorate = governorate or place.id
    elif kind in _AREA_KINDS:
        # A neighbourhood or district lies in one governorate and is as precise as a city;
        # an area across governorates ("Kurdistan Region") is a region.
        level = "city" if governorate else "region"
    elif kind == "city":
        level = "city"
    else:
        level = "place"
    return PlaceKey(
        id=place.id,
        name=place.name,
        country=place.country,
        governorate=governorate,
        level=level,
        lat=place.lat,
        lon=place.lon,
    )
