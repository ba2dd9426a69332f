"""Where an event is, for maps and exports: an event's state in, one point with its precision
out; and the governorates of Iraq and Syria as outlines (data/admin1.geojson, from Natural
Earth; see data/SOURCES.md). Reads only the packaged file, once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from watcher.events import EventState, PlaceKey

# Ranks of a place's level: the most precise named place with coordinates marks the event.
_RANK = {"place": 0, "city": 0, "governorate": 1, "country": 2}
# What the map and the exports call each level (ACLED's geo_precision says the same in 1..3).
PRECISION = {"place": "town", "city": "town", "governorate": "governorate", "country": "country"}


@dataclass(frozen=True)
class Region:
    id: str  # the gazetteer's id, e.g. "IQ.06"
    ids: tuple[str, ...]  # every gazetteer id drawn inside it (Halabja within Sulaymaniyah)
    name: str  # the gazetteer's name, e.g. "Babil"
    country: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]  # rings of (lon, lat)


@dataclass(frozen=True)
class Map:
    regions: tuple[Region, ...]
    countries: dict[str, tuple[float, float]]  # a central (lon, lat) per country
    source: str


@dataclass(frozen=True)
class Located:
    """An event's point: the place it is drawn at, and how precisely that is known."""

    name: str
    governorate: str | None
    country: str
    precision: str  # town | governorate | country
    lat: float
    lon: float


@cache
def load_map() -> Map:
    data = json.loads(files("watcher.web").joinpath("data/admin1.geojson").read_text("utf-8"))
    regions = tuple(
        Region(
            id=f["properties"]["id"],
            ids=tuple(f["properties"]["ids"]),
            name=f["properties"]["name"],
            country=f["properties"]["country"],
            polygons=tuple(
                tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
                for polygon in f["geometry"]["coordinates"]
            ),
        )
        for f in data["features"]
    )
    countries = {code: (float(x), float(y)) for code, (x, y) in data["countries"].items()}
    return Map(regions=regions, countries=countries, source=data["source"])


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for region in load_map().regions:
        for key in (region.id, *region.ids):
            names[key] = region.name
    return names


def governorate_name(key: str | None) -> str | None:
    """The governorate's name for a gazetteer id ("IQ.06") or name ("Babil")."""
    if not key:
        return None
    return _names().get(key, key)


def governorates() -> list[tuple[str, str]]:
    """(country, name) of every governorate on the map, by country then name."""
    return sorted({(r.country, r.name) for r in load_map().regions if r.ids})


def locate(state: EventState) -> Located | None:
    """The most precise place the event names that has coordinates; a country's centre when
    it names only a country; None when it names nothing that can be drawn."""
    ranked = sorted(
        (p for p in state.places if p.lat is not None and p.lon is not None),
        key=lambda p: _RANK.get(p.level, 0),
    )
    if ranked:
        return _located(ranked[0])
    centres = load_map().countries
    for place in state.places:
        if place.country in centres:
            return _at_centre(place.name, place.country)
    for country in state.countries:
        if country in centres:
            return _at_centre(country, country)
    return None


def _located(place: PlaceKey) -> Located:
    assert place.lat is not None and place.lon is not None
    return Located(
        name=place.name,
        governorate=governorate_name(place.governorate),
        country=place.country,
        precision=PRECISION.get(place.level, "town"),
        lat=place.lat,
        lon=place.lon,
    )


def _at_centre(name: str, country: str) -> Located:
    lon, lat = load_map().countries[country]
    return Located(name, None, country, "country", lat, lon)
