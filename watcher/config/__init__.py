"""The TOML config file in, a validated frozen `Config` out; reads the file and its secrets.

Each table maps to one dataclass. Every problem in a file is collected and raised at once as a
`ConfigError` whose lines name the file, the key path, the bad value and what to write instead.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from watcher.config.delivery import Delivery, check_delivery, read_delivery
from watcher.config.feeds import Feed, read_feeds
from watcher.config.reading import (
    UPDATE_FIX,
    Reader,
    boolean,
    change_kinds,
    count,
    number,
    parse_duration,
)
from watcher.config.routes import Route, check_route_matchers, read_routes, rule_ids
from watcher.config.settings import Settings, read_settings
from watcher.config.targets import Target, read_targets
from watcher.detection import RuleSet, default_rules, load_rules
from watcher.errors import ConfigError, Problem
from watcher.events import CHANGE_KINDS, EventSettings, EventWords

__all__ = [
    "Config",
    "Delivery",
    "Feed",
    "Route",
    "Settings",
    "Target",
    "load_config",
    "load_rules_file",
    "parse_config",
    "parse_duration",
    "rule_ids",
]


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    feeds: tuple[Feed, ...]
    targets: Mapping[str, Target]
    routes: tuple[Route, ...]
    delivery: Delivery
    events: EventSettings
    rules: RuleSet = field(repr=False)


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


def _read_events(reader: Reader, data: object) -> EventSettings:
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


_TOP_KEYS = ("watcher", "feeds", "targets", "routes", "delivery", "events", "detection")


def parse_config(text: str, file: str = "<config>") -> Config:
    """Validate a config file's text; raise ConfigError listing every problem."""
    data = _toml(text, file)
    reader = Reader(file)
    reader.table(data, "", _TOP_KEYS)
    settings = read_settings(reader, data.get("watcher", {}))
    feeds = read_feeds(reader, data.get("feeds"), settings)
    targets = read_targets(reader, data.get("targets"))
    if "detection" in data:
        rules, problems = load_rules(data["detection"], file)
        # load_rules names keys from its own table's root; here that table is [detection].
        reader.problems += [
            replace(p, path=f"detection.{p.path}" if p.path else "detection") for p in problems
        ]
    else:
        rules = default_rules()
    delivery = read_delivery(reader, data.get("delivery"))
    check_delivery(reader, delivery)
    events = _read_events(reader, data.get("events"))
    routes = read_routes(reader, data.get("routes"), targets, rules, events.update_on)
    check_route_matchers(reader, routes, feeds, rules)
    if routes:
        # The events stage makes an update of any change some route takes; each route then
        # gets the updates of its own kinds (pipeline.route).
        wanted = {kind for r in routes for kind in r.update_on}
        events = replace(events, update_on=tuple(k for k in CHANGE_KINDS if k in wanted))
    if reader.problems:
        raise ConfigError(reader.problems)
    return Config(
        path=Path(file),
        settings=settings,
        feeds=feeds,
        targets=targets,
        routes=routes,
        delivery=delivery,
        events=events,
        rules=rules,
    )


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a config file."""
    return parse_config(_read(path, "copy config.example.toml there and edit it"), str(path))


def _toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            [
                Problem(
                    file,
                    "",
                    f"is not valid TOML: {error}",
                    fix="fix the syntax at that line and column",
                )
            ]
        ) from None


def _read(path: str | os.PathLike[str], missing: str) -> str:
    """A file's text; a ConfigError when it is missing (fix: `missing`) or unreadable."""
    file = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(file, "", "does not exist", fix=missing)]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            [
                Problem(
                    file,
                    "",
                    f"cannot be read: {error}",
                    fix="check its permissions and that it is UTF-8",
                )
            ]
        ) from None


def load_rules_file(path: str | os.PathLike[str]) -> RuleSet:
    """The rules of a rules file (the keys of a [detection] table at its top, as in
    default_rules.toml), or of a config file's [detection] table; used to compare two rule
    sets. Like [detection], a rules file extends the shipped rules unless it says
    `defaults = false`. Raises ConfigError listing every problem."""
    file = str(path)
    data = _toml(_read(path, "give the path of a rules file or of a config file"), file)
    # A config's top keys and a rules table's are disjoint.
    is_config = any(key in _TOP_KEYS for key in data)
    if is_config and "detection" not in data:
        return default_rules()
    rules, problems = load_rules(data["detection"] if is_config else data, file)
    if is_config:
        problems = [replace(p, path=f"detection.{p.path}".rstrip(".")) for p in problems]
    if problems:
        raise ConfigError(problems)
    return rules
