"""The [events] table and its [events.words] in, `EventSettings` (watcher.events) out: when two
reports are the same strike, which changes make an update, the names of one striker and of the
sides, the words that tell them; no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from watcher.config.reading import UPDATE_FIX, Reader, boolean, change_kinds, count, number
from watcher.events import EventSettings, EventWords


def _ints(value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        raise ValueError("must be a list of whole numbers above 0")
    return tuple(value)


def _name_lists(value: object) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not all(
        isinstance(names, list)
        and names
        and all(isinstance(name, str) and name.strip() for name in names)
        for names in value
    ):
        raise ValueError("must be a list of lists of names, each list with at least one name")
    # Actors and targets are compared in lower case (_actor_keys, _side_patterns of
    # watcher.events.matching).
    return tuple(tuple(name.strip().lower() for name in names) for names in value)


def _local_actors(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(
        isinstance(code, str)
        and re.fullmatch(r"[A-Z]{2}", code)
        and isinstance(name, str)
        and name.strip()
        for code, name in value.items()
    ):
        raise ValueError("must be a table of ISO 3166 alpha-2 country code = actor name")
    return tuple((code, name.strip().lower()) for code, name in value.items())


# The [events] settings that are lists of names, read by their own functions.
_EVENT_NAMES: dict[str, tuple[Callable[[object], Any], str]] = {
    "actor_groups": (
        _name_lists,
        'write e.g. [["united states", "us", "pentagon"], ["russia", "russian"]]',
    ),
    "target_sides": (
        _name_lists,
        'write e.g. [["united states", "us", "coalition"], ["russia", "russian"]]',
    ),
    "local_actors": (_local_actors, 'write e.g. { SY = "syrian government" }'),
}


def event_keys() -> tuple[str, ...]:
    """The [events] settings a user may set: the scalar ones, lists of numbers, update_on and
    the lists of names."""
    base = EventSettings()
    return (
        *(
            name
            for name in base.__dataclass_fields__
            if isinstance(getattr(base, name), bool | int | float)
            or (
                isinstance(getattr(base, name), tuple)
                and all(isinstance(v, int) for v in getattr(base, name))
            )
        ),
        "update_on",
        *_EVENT_NAMES,
    )


# A word of [events.words]: a word or words apart by single spaces, a trailing * any ending.
_EVENT_WORD = re.compile(r"[\w'’.-]+(?: [\w'’.-]+)*\*?")


def _words(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(word, str) and _EVENT_WORD.fullmatch(word) for word in value
    ):
        raise ValueError(
            "must be a list of words or phrases of words apart by single spaces, a trailing * "
            "matching any ending (no regular expressions)"
        )
    return tuple(value)


def event_word_keys() -> tuple[str, ...]:
    """The lists of [events.words]."""
    return tuple(field.name for field in fields(EventWords))


def _read_event_words(reader: Reader, data: object) -> EventWords:
    base = EventWords()
    table = reader.table(data, "events.words", event_word_keys())
    return EventWords(
        **{
            key: reader.get(
                table, "events.words", key, _words, getattr(base, key), 'write e.g. ["word", ...]'
            )
            for key in event_word_keys()
        }
    )


# Whole-number [events] settings that need more than 0: "over half of the open events" means
# nothing of one or two.
_EVENT_MINIMUM = {"common_wording_events": 3}


def read_events(reader: Reader, data: object) -> EventSettings:
    if data is None:
        return EventSettings()
    base = EventSettings()
    table = reader.table(data, "events", (*event_keys(), "words"))
    values: dict[str, Any] = {}
    if "words" in table:
        values["words"] = _read_event_words(reader, table["words"])
    for key in event_keys():
        default = getattr(base, key)
        if key not in table:
            continue
        if key == "update_on":
            values[key] = reader.get(table, "events", key, change_kinds, default, UPDATE_FIX)
        elif key in _EVENT_NAMES:
            convert, fix = _EVENT_NAMES[key]
            values[key] = reader.get(table, "events", key, convert, default, fix)
        elif isinstance(default, bool):
            values[key] = reader.get(table, "events", key, boolean, default, "write true or false")
        elif isinstance(default, tuple):
            values[key] = reader.get(table, "events", key, _ints, default, "write e.g. [2, 5]")
        elif isinstance(default, int):
            low = _EVENT_MINIMUM.get(key, 0)
            values[key] = reader.get(
                table, "events", key, count(low), default, f"write a number ≥ {low}"
            )
        else:
            values[key] = reader.get(table, "events", key, number(0), default, "write a number")
    settings = EventSettings(**values)
    _check_sides(reader, settings)
    return settings


def _check_sides(reader: Reader, settings: EventSettings) -> None:
    """A side is named by an actor group's first name: reports' actors are compared by it
    (events.matching._actor_keys), so a side named by another of a group's names would never be
    found."""
    others = {name: group[0] for group in settings.actor_groups for name in group[1:]}
    for n, sides in enumerate(settings.target_sides):
        name = sides[0]
        if name in others and name != others[name]:
            reader.problem(
                f"events.target_sides[{n}]",
                f"names the actor group of {others[name]!r} by another of its names",
                name,
                f"write {others[name]!r}, the first name of its actor_groups list",
            )
