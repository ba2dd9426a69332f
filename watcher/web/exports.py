"""Events out for other tools: EventViews in; JSON, ACLED-like CSV, GeoJSON and Atom text out.
Pure functions; `watcher events --format` and the web view's feeds both call them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from watcher.events import Count
from watcher.web.places import governorate_name
from watcher.web.queries import EventView, show_count

ATOM = "http://www.w3.org/2005/Atom"

# ACLED's names where ACLED has the column (event_date, event_type, sub_event_type, actor1,
# country, admin1, location, latitude, longitude, geo_precision, fatalities, source, notes);
# target and the report counts are watcher's own.
CSV_COLUMNS = (
    "event_id",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "target",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "wounded",
    "reports",
    "sources",
    "notes",
    "last_change",
)
# ACLED's sub-event types for the strike types watcher tells apart.
SUB_EVENT = {
    "air_drone": "Air/drone strike",
    "missile_rocket": "Shelling/artillery/missile attack",
    "shelling": "Shelling/artillery/missile attack",
}
# A cell a spreadsheet would run as a formula (=, +, -, @, and the tab and return that some
# read as one) starts with a quote instead: feed text never becomes a formula.
_FORMULA = re.compile(r"^[=+\-@\t\r]")
# Characters XML 1.0 cannot carry at all; feed text has none, but a state written by an older
# version might.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def low(count: Count) -> int | None:
    """The lowest figure of a count: ACLED records the most conservative toll."""
    if count is None:
        return None
    return count[0] if isinstance(count, tuple) else count


def record(event: EventView) -> dict[str, Any]:
    """The event as plain JSON-ready data."""
    state = event.state
    where = event.where
    return {
        "id": event.id,
        "date": event.day.isoformat(),
        "first_report": state.opened.isoformat(),
        "last_report": state.last_report.isoformat(),
        "updated": event.updated.isoformat(),
        "strike_types": list(state.strike_types),
        "actors": list(state.actors),
        "targets": list(state.targets),
        "countries": list(state.countries),
        "governorates": list(event.governorates),
        "places": [
            {
                "name": p.name,
                "level": p.level,
                "governorate": governorate_name(p.governorate),
                "country": p.country,
                "lat": p.lat,
                "lon": p.lon,
            }
            for p in state.places
        ],
        "location": None
        if where is None
        else {
            "name": where.name,
            "precision": where.precision,
            "lat": where.lat,
            "lon": where.lon,
        },
        "killed": _plain(state.killed),
        "wounded": _plain(state.wounded),
        "denied": state.denied,
        "reports": state.reports,
        "outlets": list(state.outlets),
        "summary": event.summary,
    }


def _plain(count: Count) -> int | list[int | None] | None:
    return list(count) if isinstance(count, tuple) else count


def to_json(events: Sequence[EventView]) -> str:
    return json.dumps([record(e) for e in events], ensure_ascii=False, indent=2) + "\n"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA.match(text) else text


def csv_row(event: EventView) -> dict[str, str]:
    state = event.state
    where = event.where
    kinds = [SUB_EVENT.get(k, "Remote violence") for k in state.strike_types]
    row: dict[str, object] = {
        "event_id": event.id,
        "event_date": event.day.isoformat(),
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "; ".join(dict.fromkeys(kinds)),
        "actor1": "; ".join(state.actors),
        "target": "; ".join(state.targets),
        "country": "; ".join(state.countries),
        "admin1": (where.governorate if where else None) or "; ".join(event.governorates),
        "location": where.name if where else "",
        "latitude": f"{where.lat:.4f}" if where else "",
        "longitude": f"{where.lon:.4f}" if where else "",
        "geo_precision": where.precision if where else "",
        "fatalities": low(state.killed),
        "wounded": low(state.wounded),
        "reports": state.reports,
        "sources": "; ".join(state.outlets),
        "notes": event.summary,
        "last_change": event.updated.isoformat(),
    }
    return {key: _cell(value) for key, value in row.items()}


def to_csv(events: Sequence[EventView]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for event in events:
        writer.writerow(csv_row(event))
    return out.getvalue()


def to_geojson(events: Sequence[EventView], base_url: str = "") -> dict[str, Any]:
    """A FeatureCollection: one Point per event at its place, or no geometry when the event
    names nowhere that can be drawn (GeoJSON allows a null geometry)."""
    features = []
    for event in events:
        properties = record(event)
        if base_url:
            properties["url"] = f"{base_url}/events/{event.id}"
        where = event.where
        features.append(
            {
                "type": "Feature",
                "id": event.id,
                "geometry": None
                if where is None
                else {"type": "Point", "coordinates": [round(where.lon, 5), round(where.lat, 5)]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def entry_id(event: EventView) -> str:
    """A stable id for the event's entry: the same whatever host name the feed is read at."""
    return f"tag:watcher,{event.state.opened:%Y-%m-%d}:event/{event.id}"


def to_atom(events: Sequence[EventView], *, base_url: str, self_url: str) -> bytes:
    """An Atom feed, one entry per event, updated when a report changes the event; the
    entry's link is the event's page."""
    ElementTree.register_namespace("", ATOM)

    def add(parent: ElementTree.Element, tag: str, text: str = "", **attrs: str) -> None:
        child = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text:
            child.text = _xml_text(text)

    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    add(feed, "id", f"{base_url}/events.atom")
    add(feed, "title", "watcher: strike events")
    newest = max((e.updated for e in events), default=datetime(1970, 1, 1, tzinfo=UTC))
    add(feed, "updated", _iso(newest))
    add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    add(feed, "link", rel="alternate", href=f"{base_url}/", type="text/html")
    author = ElementTree.SubElement(feed, f"{{{ATOM}}}author")
    add(author, "name", "watcher")
    add(feed, "generator", "watcher")
    for event in events:
        entry = ElementTree.SubElement(feed, f"{{{ATOM}}}entry")
        add(entry, "id", entry_id(event))
        add(entry, "title", title(event))
        add(entry, "updated", _iso(event.updated))
        add(entry, "published", _iso(event.state.opened))
        add(entry, "link", rel="alternate", href=f"{base_url}/events/{event.id}", type="text/html")
        for outlet in event.state.outlets:
            add(entry, "category", term=outlet, label=outlet)
        add(entry, "summary", summary_text(event), type="text")
    body: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def title(event: EventView) -> str:
    where = event.where
    kinds = "/".join(event.state.strike_types) or "strike"
    place = f" at {where.name}" if where else ""
    return f"{kinds.replace('_', ' ')}{place} ({event.day.isoformat()})"


def summary_text(event: EventView) -> str:
    state = event.state
    lines = [event.summary]
    if state.killed is not None or state.wounded is not None:
        killed, wounded = show_count(state.killed) or "-", show_count(state.wounded) or "-"
        lines.append(f"Killed: {killed}; wounded: {wounded}")
    lines.append(f"Reports: {state.reports} from {', '.join(state.outlets) or 'no outlet'}")
    return "\n".join(lines)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
