"""Detection rules: a TOML table in, a compiled RuleSet and the list of its problems out; reads
only the shipped default_rules.toml.

The schema is documented in default_rules.toml itself; a user's table uses the same keys and is
merged over the defaults (lexicons extended, guards and rules replaced by name, `disable` to
switch shipped ones off).

This module puts the RuleSet together; each part of the file is read by a module of its own,
which can be read alone:
- rule_model: Cue, Guard and Rule, the values their keys take; what the stages read;
- rule_readers: each guard, rule, cue and phrase list checked and read, with the checks that
  every reader shares (unknown keys, numbers in range);
- word_lists: [place_words] and [earlier_words], and the patterns they compile to;
- user_places: [[places]] and [aliases], added to the gazetteer;
- examples: [[examples]], the texts the rules must and must not fire on.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from watcher.detection.examples import Example, read_examples
from watcher.detection.gazetteer import Gazetteer, load_gazetteer
from watcher.detection.phrases import PhraseIndex, compile_index
from watcher.detection.rule_model import STRIKE_TYPES, Guard, Rule
from watcher.detection.rule_readers import (
    check_keys,
    guard_terms,
    merge_guards,
    merge_rules,
    read_guard,
    read_phrase_tables,
    read_rule,
)
from watcher.detection.user_places import read_user_places
from watcher.detection.word_lists import (
    EARLIER_WORD_KEYS,
    PLACE_WORD_KEYS,
    EarlierWords,
    PlaceWords,
    read_word_lists,
)
from watcher.errors import ConfigError, Problem

TOP_KEYS = (
    "lexicons",
    "countries",
    "demonyms",
    "actors",
    "guards",
    "rules",
    "disable",
    "defaults",
    "places",
    "aliases",
    "examples",
    "place_words",
    "earlier_words",
)


@dataclass(frozen=True)
class RuleSet:
    """Compiled rules. Every phrase list is in `index` under "lexicon:NAME", "guard:NAME",
    "country:CODE", "demonym:CODE" or "actor:NAME"."""

    rules: tuple[Rule, ...]
    guards: Mapping[str, Guard]
    lexicons: tuple[str, ...]
    countries: tuple[str, ...]
    demonyms: tuple[str, ...]
    actors: tuple[str, ...]  # normalised names, in the order of the file
    index: PhraseIndex
    # None: the packaged gazetteer; a config with its own places sets one made by
    # gazetteer.load_gazetteer(extra_places, extra_aliases) with dataclasses.replace.
    gazetteer: Gazetteer | None = None
    # Texts the rules must and must not fire on, run by `watcher check` (examples.py).
    examples: tuple[Example, ...] = ()
    # The words read around a place's name ([place_words]); none without the shipped rules.
    place_words: PlaceWords = dataclasses.field(default_factory=PlaceWords)
    # The words that tell a clause about an earlier strike ([earlier_words]).
    earlier_words: EarlierWords = dataclasses.field(default_factory=EarlierWords)

    @functools.cached_property
    def cue_lists(self) -> tuple[tuple[str, str | None], ...]:
        """The phrase list of each cue of each rule, with that of its partner ("with")."""
        return tuple(
            (f"lexicon:{cue.lexicon}", f"lexicon:{cue.with_lexicon}" if cue.with_lexicon else None)
            for rule in self.rules
            for cue in rule.cues
        )

    @functools.cached_property
    def cue_names(self) -> frozenset[str]:
        """Every list of cue_lists."""
        return frozenset(name for cue in self.cue_lists for name in cue if name)

    @functools.cached_property
    def place_countries(self) -> frozenset[str]:
        """The countries one of which a text must name a place in for a rule to fire: a cue
        with no place there scores 0, and every threshold is above 0."""
        return frozenset(country for rule in self.rules for country in rule.countries)


@functools.cache
def _default_table() -> dict[str, Any]:
    text = resources.files("watcher.detection").joinpath("default_rules.toml").read_text("utf-8")
    return tomllib.loads(text)


def load_rules(table: Mapping[str, object], file: str) -> tuple[RuleSet, list[Problem]]:
    """Merge a user's detection table over the shipped defaults and compile it.

    Every problem is collected (file, key path, bad value, fix); the RuleSet returned alongside
    problems is usable but should not be trusted.
    """
    problems: list[Problem] = []
    check_keys(table, TOP_KEYS, file, "", problems)
    use_defaults = table.get("defaults", True)
    if not isinstance(use_defaults, bool):
        problems.append(
            Problem(
                file,
                "defaults",
                "must be true or false",
                use_defaults,
                "write defaults = false to start from no shipped rules",
            )
        )
        use_defaults = True
    base = _default_table() if use_defaults else {}
    default_file = "default_rules.toml"
    prefixes = {
        "lexicons": "lexicon",
        "countries": "country",
        "demonyms": "demonym",
        "actors": "actor",
    }
    phrase_lists: dict[str, list[tuple[str, object]]] = {}
    names: dict[str, list[str]] = {}
    for key, prefix in prefixes.items():
        shipped = read_phrase_tables(base, key, default_file, problems)
        added = read_phrase_tables(table, key, file, problems)
        names[key] = list(dict.fromkeys([*shipped, *added]))
        for name in names[key]:
            phrase_lists[f"{prefix}:{name}"] = [*shipped.get(name, []), *added.get(name, [])]
            if key in ("countries", "demonyms") and not re.fullmatch(r"[A-Z]{2}", name):
                problems.append(
                    Problem(
                        file,
                        f"{key}.{name}",
                        "must be an ISO 3166 alpha-2 code",
                        name,
                        'write e.g. IQ = ["Iraq", ...]',
                    )
                )
    lexicons = tuple(names["lexicons"])
    raw: dict[str, Any] = {
        "guards": merge_guards(base.get("guards", {}), table.get("guards") or {}),
        "rules": merge_rules(base.get("rules", []), table.get("rules", [])),
        "disable": table.get("disable", []),
    }
    disable = raw["disable"]
    if not isinstance(disable, list) or not all(isinstance(name, str) for name in disable):
        problems.append(
            Problem(
                file,
                "disable",
                "must be a list of rule or guard ids",
                disable,
                'write disable = ["rule-id"]',
            )
        )
        disable = []
    guard_tables = raw["guards"] if isinstance(raw["guards"], dict) else {}
    if not isinstance(raw["guards"], dict):
        problems.append(
            Problem(
                file,
                "guards",
                "must be a table of guards",
                raw["guards"],
                "write [guards.NAME] tables",
            )
        )
    guards = {}
    for name, guard_raw in guard_tables.items():
        guard = read_guard(name, guard_raw, lexicons, file, problems)
        if guard is not None and name not in disable:
            guards[name] = guard
            phrase_lists[f"guard:{name}"] = guard_terms(name, guard_raw, file, problems)

    rules: list[Rule] = []
    if not isinstance(table.get("rules", []), list):
        problems.append(
            Problem(
                file,
                "rules",
                "must be an array of tables",
                table.get("rules"),
                "write [[rules]] tables",
            )
        )
    for path, rule_raw in raw["rules"]:
        rule = read_rule(rule_raw, path, lexicons, guards, file, problems)
        if rule is None:
            continue
        if any(rule.id == seen.id for seen in rules):
            problems.append(
                Problem(
                    file, f"{path}.id", "duplicate rule id", rule.id, "give each rule its own id"
                )
            )
        elif rule.id not in disable:
            rules.append(rule)
    known = {rule.get("id") for _, rule in raw["rules"] if isinstance(rule, dict)}
    known |= set(guard_tables)
    for position, name in enumerate(disable):
        if name not in known:
            problems.append(
                Problem(
                    file,
                    f"disable[{position}]",
                    "no rule or guard by that id",
                    name,
                    "known: " + ", ".join(sorted(str(k) for k in known)),
                )
            )
    ruleset = RuleSet(
        rules=tuple(rules),
        guards=guards,
        lexicons=lexicons,
        countries=tuple(names["countries"]),
        demonyms=tuple(names["demonyms"]),
        actors=tuple(names["actors"]),
        index=compile_index(phrase_lists, file, problems),
        place_words=PlaceWords(
            **read_word_lists("place_words", PLACE_WORD_KEYS, base, table, file, problems)
        ),
        earlier_words=EarlierWords(
            **read_word_lists("earlier_words", EARLIER_WORD_KEYS, base, table, file, problems)
        ),
    )
    ruleset = dataclasses.replace(ruleset, examples=_examples(base, table, file, ruleset, problems))
    if "places" in table or "aliases" in table:
        places, aliases = read_user_places(table, file, problems)
        if places or aliases:
            ruleset = dataclasses.replace(ruleset, gazetteer=load_gazetteer(places, aliases))
    return ruleset, problems


def _examples(
    base: Mapping[str, Any],
    table: Mapping[str, object],
    file: str,
    ruleset: RuleSet,
    problems: list[Problem],
) -> tuple[Example, ...]:
    return read_examples(
        base.get("examples", []),
        table.get("examples", []),
        ("default_rules.toml", file),
        problems,
        rule_ids=[rule.id for rule in ruleset.rules],
        strike_types=STRIKE_TYPES,
        actors=ruleset.actors,
    )


@functools.cache
def default_rules() -> RuleSet:
    """The shipped rules, compiled once; a defect in them is a bug, so it raises."""
    ruleset, problems = load_rules({}, "default_rules.toml")
    if problems:
        raise ConfigError(problems)
    return ruleset
