"""The [[routes]] tables in, a `Route` each out: which alerts go to which targets, and which
changes send an update. What a route names must exist: a target, a rule, a governorate of the
gazetteer, a tag of some feed; reads the shipped gazetteer when the rules bring none."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from watcher.config.feeds import Feed
from watcher.config.reading import NONE, UPDATE_FIX, Reader, boolean, change_kinds, number, strings
from watcher.config.targets import Target
from watcher.detection import RuleSet
from watcher.events import EventSettings


@dataclass(frozen=True)
class Route:
    """Send alerts that match to these targets; an empty matcher matches everything."""

    targets: tuple[str, ...]
    rules: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    governorates: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    min_score: float = 0.0
    stop: bool = False
    # Which kinds of change (events.CHANGE_KINDS) send this route an update; [events].update_on
    # when the route does not say.
    update_on: tuple[str, ...] = EventSettings().update_on


def rule_ids(rules: RuleSet) -> set[str]:
    return {rule.id for rule in rules.rules}


_ROUTE_KEYS = (
    "targets",
    "rules",
    "countries",
    "governorates",
    "tags",
    "min_score",
    "stop",
    "update_on",
)


def read_routes(
    reader: Reader,
    data: object,
    targets: Mapping[str, Target],
    rules: RuleSet,
    update_on: tuple[str, ...],
) -> tuple[Route, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        reader.problem("routes", "must be an array of tables", data, "write [[routes]] tables")
        return ()
    routes = []
    for index, entry in enumerate(data):
        path = f"routes[{index}]"
        table = reader.table(entry, path, _ROUTE_KEYS)
        names = reader.get(table, path, "targets", strings, NONE, 'write targets = ["slack"]')
        if not names:
            reader.problem(f"{path}.targets", "is missing", fix='write targets = ["slack"]')
        for name in names:
            if name not in targets:
                reader.problem(
                    f"{path}.targets",
                    "names no configured target",
                    name,
                    f"use one of: {', '.join(targets) or '(define [targets.NAME] first)'}",
                )
        known = rule_ids(rules)
        wanted = reader.get(table, path, "rules", strings, NONE, 'write rules = ["strike"]')
        for rule_id in wanted:
            if rule_id not in known:
                reader.problem(
                    f"{path}.rules",
                    "names no rule",
                    rule_id,
                    f"use one of: {', '.join(sorted(known))}",
                )
        routes.append(
            Route(
                targets=names,
                rules=wanted,
                countries=tuple(
                    c.upper()
                    for c in reader.get(
                        table, path, "countries", strings, NONE, 'write e.g. ["IQ", "SY"]'
                    )
                ),
                governorates=reader.get(
                    table,
                    path,
                    "governorates",
                    strings,
                    NONE,
                    'write e.g. ["Anbar", "Deir ez-Zor"]',
                ),
                tags=reader.get(table, path, "tags", strings, NONE, 'write e.g. ["wire"]'),
                min_score=reader.get(
                    table, path, "min_score", number(0, 1), 0.0, "write a score from 0 to 1"
                ),
                stop=reader.get(table, path, "stop", boolean, False, "write true or false"),
                update_on=reader.get(table, path, "update_on", change_kinds, update_on, UPDATE_FIX),
            )
        )
    return tuple(routes)


def check_route_matchers(
    reader: Reader, routes: Sequence[Route], feeds: Sequence[Feed], rules: RuleSet
) -> None:
    """What a route's matchers name must exist: a country code, a governorate as the gazetteer
    names it (matching is exact, so "anbar" would never match "Anbar"), a tag some feed has.
    A matcher naming nothing matches nothing, and its alerts would silently go elsewhere."""
    if not routes:
        return
    from watcher.detection.gazetteer import load_gazetteer

    places = (rules.gazetteer or load_gazetteer()).places.values()
    governorates = sorted({p.name for p in places if p.kind == "governorate"})
    folded = {name.casefold(): name for name in governorates}
    tags = sorted({tag for feed in feeds for tag in feed.tags})
    for index, route in enumerate(routes):
        path = f"routes[{index}]"
        for code in route.countries:
            if not re.fullmatch(r"[A-Z]{2}", code):
                reader.problem(
                    f"{path}.countries",
                    "is not an ISO 3166 alpha-2 country code",
                    code,
                    'write e.g. ["IQ", "SY"]',
                )
        for name in route.governorates:
            if name not in governorates:
                near = folded.get(name.casefold())
                reader.problem(
                    f"{path}.governorates",
                    "names no governorate of the gazetteer",
                    name,
                    f"write {near!r}" if near else f"use one of: {', '.join(governorates)}",
                )
        for tag in route.tags:
            if tag not in tags:
                reader.problem(
                    f"{path}.tags",
                    "is a tag no feed has",
                    tag,
                    f"use one of: {', '.join(tags)}" if tags else "add tags = [...] to [[feeds]]",
                )
