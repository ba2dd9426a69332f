"""The user's own places ([[places]] and [aliases] of a rules file): the table in, checked; the
new places and the extra spellings of places by id out, for gazetteer.load_gazetteer to add to
the packaged ones. Reads only the packaged gazetteer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from watcher.detection.gazetteer import Place, alias_key, load_gazetteer
from watcher.detection.rule_readers import check_keys, read_number
from watcher.errors import Problem

PLACE_KEYS = ("id", "name", "country", "governorate", "lat", "lon", "kind", "aliases")
PLACE_KINDS = (
    "city",
    "town",
    "village",
    "district",
    "governorate",
    "region",
    "base",
    "airport",
    "crossing",
    "dam",
    "camp",
    "field",
)


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def read_user_places(
    table: Mapping[str, object], file: str, problems: list[Problem]
) -> tuple[list[Place], dict[str, list[str]]]:
    """The user's [[places]] and [aliases], checked: (places, place id -> extra spellings)."""
    packaged = load_gazetteer().places
    governorates = {
        (place.country, alias_key(place.name)): place.id
        for place in packaged.values()
        if place.kind == "governorate"
    }
    raw_places = table.get("places", [])
    if not isinstance(raw_places, list):
        problems.append(
            Problem(
                file,
                "places",
                "must be an array of tables",
                raw_places,
                "write [[detection.places]] with name, country, lat, lon",
            )
        )
        raw_places = []
    places: list[Place] = []
    aliases: dict[str, list[str]] = {}
    for n, raw in enumerate(raw_places):
        path = f"places[{n}]"
        if not isinstance(raw, dict):
            problems.append(
                Problem(file, path, "must be a table", raw, "write name, country, lat, lon")
            )
            continue
        check_keys(raw, PLACE_KEYS, file, path, problems)
        name, country = raw.get("name"), raw.get("country")
        if not _text(name):
            problems.append(
                Problem(file, f"{path}.name", "must be a name", name, 'write name = "Tal Afar"')
            )
            continue
        if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
            problems.append(
                Problem(
                    file,
                    f"{path}.country",
                    "must be an ISO 3166 alpha-2 code",
                    country,
                    'write country = "IQ"',
                )
            )
            continue
        kind = raw.get("kind", "town")
        if kind not in PLACE_KINDS:
            problems.append(
                Problem(
                    file,
                    f"{path}.kind",
                    "unknown kind of place",
                    kind,
                    "use one of: " + ", ".join(PLACE_KINDS),
                )
            )
        coordinates = []
        for key, low, high in (("lat", -90, 90), ("lon", -180, 180)):
            value = raw.get(key)
            coordinates.append(
                None
                if value is None
                else read_number(value, file, f"{path}.{key}", low, high, problems)
            )
        governorate = raw.get("governorate")
        governorate_id = None
        if governorate is not None:
            if isinstance(governorate, str) and governorate in packaged:
                governorate_id = governorate
            elif isinstance(governorate, str):
                governorate_id = governorates.get((country, alias_key(governorate)))
            if governorate_id is None:
                problems.append(
                    Problem(
                        file,
                        f"{path}.governorate",
                        f"no governorate of {country} by that name or id",
                        governorate,
                        'write the governorate as the press names it, e.g. "Nineveh"',
                    )
                )
        place_id = raw.get("id", f"user:{alias_key(str(name)).replace(' ', '-')}")
        if not _text(place_id):
            problems.append(
                Problem(file, f"{path}.id", "must be a text id", place_id, 'write id = "user:x"')
            )
            continue
        places.append(
            Place(
                id=str(place_id),
                name=str(name).strip(),
                country=country,
                governorate=governorate_id,
                lat=coordinates[0],
                lon=coordinates[1],
                kind=str(kind) if kind in PLACE_KINDS else "town",
                population=None,
            )
        )
        spellings = raw.get("aliases", [])
        if not isinstance(spellings, list) or not all(_text(a) for a in spellings):
            problems.append(
                Problem(
                    file,
                    f"{path}.aliases",
                    "must be a list of spellings",
                    spellings,
                    'write aliases = ["Tel Afar", "Talafar"]',
                )
            )
            spellings = []
        aliases.setdefault(str(place_id), []).extend(str(a) for a in spellings)
    raw_aliases = table.get("aliases", {})
    if not isinstance(raw_aliases, dict):
        problems.append(
            Problem(
                file,
                "aliases",
                "must be a table of place id = [spellings]",
                raw_aliases,
                'write [detection.aliases] with "gn:98182" = ["Baghdad Airport"]',
            )
        )
        raw_aliases = {}
    own = {place.id for place in places}
    for place_id, spellings in raw_aliases.items():
        path = f"aliases.{place_id}"
        if place_id not in packaged and place_id not in own:
            problems.append(
                Problem(
                    file,
                    path,
                    "no place with that id",
                    place_id,
                    "use an id of watcher/detection/data/places.tsv, or add the place under "
                    "[[detection.places]]",
                )
            )
            continue
        if not isinstance(spellings, list) or not all(_text(a) for a in spellings):
            problems.append(
                Problem(
                    file,
                    path,
                    "must be a list of spellings",
                    spellings,
                    f'write "{place_id}" = ["spelling", ...]',
                )
            )
            continue
        aliases.setdefault(place_id, []).extend(str(a) for a in spellings)
    return places, {key: value for key, value in aliases.items() if value}
