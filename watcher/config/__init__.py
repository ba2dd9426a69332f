"""The TOML config file in, a validated frozen `Config` out; reads the file and its secrets.

Each table maps to one dataclass. Every problem in a file is collected and raised at once as a
`ConfigError` whose lines name the file, the key path, the bad value and what to write instead.

One module a table, so that a key is found next to the code that reads it:
    settings   [watcher]                 -> Settings (state, polling, listeners, web view token)
    feeds      [[feeds]]                 -> Feed
    targets    [targets.NAME]            -> Target (apprise URLs: file, environment, credential)
    routes     [[routes]]                -> Route (what a route names must exist)
    delivery   [delivery]                -> Delivery
    events     [events], [events.words]  -> watcher.events.EventSettings
[detection] is read by watcher.detection.load_rules. `reading` holds how one value is read
(`Reader`, the value parsers) and the helpers that more than one table needs; a helper that one
table needs stays in that table's module. This module joins them: `parse_config` reads the
tables in the order their references need (a feed's defaults are in [watcher]; a route names
targets, rules and feeds' tags, and defaults to [events].update_on), and re-exports the names
that the rest of watcher imports.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from watcher.config.delivery import Delivery, check_delivery, read_delivery
from watcher.config.events import read_events
from watcher.config.feeds import Feed, read_feeds
from watcher.config.reading import Reader, parse_duration
from watcher.config.routes import Route, check_route_matchers, read_routes, rule_ids
from watcher.config.settings import Settings, read_settings
from watcher.config.targets import Target, read_targets
from watcher.detection import RuleSet, default_rules, load_rules
from watcher.errors import ConfigError, Problem
from watcher.events import CHANGE_KINDS, EventSettings

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
    events = read_events(reader, data.get("events"))
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
