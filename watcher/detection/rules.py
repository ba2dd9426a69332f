"""Detection rules: a TOML table in, a compiled RuleSet and the list of its problems out; reads
only the shipped default_rules.toml.

The schema is documented in default_rules.toml itself; a user's table uses the same keys and is
merged over the defaults (lexicons extended, guards and rules replaced by name, `disable` to
switch shipped ones off).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from watcher.detection.examples import Example, read_examples
from watcher.detection.gazetteer import Gazetteer, Place, alias_key, load_gazetteer
from watcher.detection.phrases import PhraseIndex, compile_index
from watcher.detection.rule_model import STRIKE_TYPES, Guard, Rule
from watcher.detection.rule_readers import (
    check_keys,
    guard_terms,
    merge_guards,
    merge_rules,
    read_guard,
    read_number,
    read_phrase_tables,
    read_rule,
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

# The lists of [place_words], in the order default_rules.toml explains them.
PLACE_WORD_KEYS = ("speaks", "affiliation", "origin", "origin_over", "origin_within", "accuses")
# The lists of [earlier_words], likewise.
EARLIER_WORD_KEYS = ("follows", "answers", "strike_nouns", "mourning", "dead")
# A word of those lists: a word or words, a trailing * matching any ending.
_LIST_WORD = re.compile(r"[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*)*\*?")


def phrase_alternatives(words: Sequence[str]) -> str:
    """One group matching any of the words: the words of a phrase apart by whitespace, a
    trailing * any ending; no words match nothing."""
    if not words:
        return "(?!)"
    forms = (
        r"\s+".join(re.escape(word) for word in phrase.removesuffix("*").split())
        + (r"\w*" if phrase.endswith("*") else "")
        for phrase in words
    )
    return "(?:" + "|".join(forms) + ")"


@dataclass(frozen=True)
class PlaceWords:
    """The words read around a place's name ([place_words]: default_rules.toml says what each
    list is for), and the patterns places.py reads them with, compiled on first use."""

    speaks: tuple[str, ...] = ()
    affiliation: tuple[str, ...] = ()
    origin: tuple[str, ...] = ()
    origin_over: tuple[str, ...] = ()
    origin_within: tuple[str, ...] = ()
    accuses: tuple[str, ...] = ()

    @functools.cached_property
    def speaks_after(self) -> re.Pattern[str]:
        """Matched right after a country's name: "Iraq said", "Syria has repeatedly warned";
        as written (case-sensitive)."""
        return re.compile(
            r"(?:'s|’s)?\s+(?:has\s+|had\s+|have\s+)?(?:\w+ly\s+)?"
            + phrase_alternatives(self.speaks)
            + r"\b"
        )

    @functools.cached_property
    def affiliation_after(self) -> re.Pattern[str]:
        """Matched right after a country or its adjective: "Iran-backed", "Iranian commander"."""
        return re.compile(r"[\s-]+" + phrase_alternatives(self.affiliation) + r"\b", re.IGNORECASE)

    @functools.cached_property
    def origin_before(self) -> re.Pattern[str]:
        """Searched in the words right before a place: "fired from", "from over the",
        "accused"."""
        return re.compile(
            r"\b(?:"
            + phrase_alternatives(self.origin)
            + r"\s+(?:"
            + phrase_alternatives(self.origin_over)
            + r"\s+)?(?:"
            + phrase_alternatives(self.origin_within)
            + r"\s+)?|"
            + phrase_alternatives(self.accuses)
            + r"\s+(?:on\s+)?)$",
            re.IGNORECASE,
        )


@dataclass(frozen=True)
class EarlierWords:
    """The words that tell a clause about an earlier strike ([earlier_words]: default_rules.toml
    says what each list is for), and the patterns strike.py reads them with, compiled on first
    use."""

    follows: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    strike_nouns: tuple[str, ...] = ()
    mourning: tuple[str, ...] = ()
    dead: tuple[str, ...] = ()

    @functools.cached_property
    def _answers(self) -> str:
        # "in response to", "a reprisal for": the article or "in" before the words is the
        # clause's too.
        return r"(?:in\s+|an?\s+)?" + phrase_alternatives(self.answers)

    @functools.cached_property
    def _strike_named(self) -> str:
        # The strike named a few words on: "after a rocket attack", "blamed for the drone strike".
        return r"(?:\s+[\w'’-]+){0,4}?\s+" + phrase_alternatives(self.strike_nouns) + r"\b"

    @functools.cached_property
    def noun(self) -> re.Pattern[str]:
        """Any of the strike nouns, not as a verb to come ("vowed to attack", "will strike")."""
        return re.compile(
            rf"(?<!\bto\s)(?<!\bwill\s)\b{phrase_alternatives(self.strike_nouns)}\b",
            re.IGNORECASE,
        )

    @functools.cached_property
    def clause(self) -> re.Pattern[str]:
        """Where a clause about an earlier strike starts: "after", "in retaliation for"."""
        return re.compile(
            rf"\b(?:{phrase_alternatives(self.follows)}|{self._answers})\b", re.IGNORECASE
        )

    @functools.cached_property
    def strike(self) -> re.Pattern[str]:
        """An earlier strike named in such a clause: "after a rocket attack"."""
        return re.compile(self.clause.pattern + self._strike_named, re.IGNORECASE)

    @functools.cached_property
    def answered(self) -> re.Pattern[str]:
        """The attack a strike answers, named as such: "in response to a rocket attack"."""
        return re.compile(rf"\b(?:{self._answers})\b" + self._strike_named, re.IGNORECASE)

    @functools.cached_property
    def mourned(self) -> re.Pattern[str]:
        return re.compile(rf"\b{phrase_alternatives(self.mourning)}\b", re.IGNORECASE)

    @functools.cached_property
    def the_dead(self) -> re.Pattern[str]:
        return re.compile(rf"\b{phrase_alternatives(self.dead)}\b", re.IGNORECASE)


def _word_lists(
    name: str,
    keys: Sequence[str],
    base: Mapping[str, Any],
    table: Mapping[str, object],
    file: str,
    problems: list[Problem],
) -> dict[str, tuple[str, ...]]:
    """The shipped lists of the table `name` ([place_words], [earlier_words]) with the user's
    words added to them, checked."""
    lists: dict[str, list[str]] = {key: [] for key in keys}
    for source, source_file in ((base, "default_rules.toml"), (table, file)):
        raw = source.get(name, {})
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    source_file,
                    name,
                    "must be a table of word lists",
                    raw,
                    f'write [{name}] with {keys[0]} = ["word", ...], ...',
                )
            )
            continue
        check_keys(raw, keys, source_file, name, problems)
        for key in keys:
            words = raw.get(key, [])
            if not isinstance(words, list):
                problems.append(
                    Problem(
                        source_file,
                        f"{name}.{key}",
                        "must be a list of words",
                        words,
                        f'write {key} = ["word", ...]',
                    )
                )
                continue
            for n, word in enumerate(words):
                if not isinstance(word, str) or not _LIST_WORD.fullmatch(word):
                    problems.append(
                        Problem(
                            source_file,
                            f"{name}.{key}[{n}]",
                            "must be a word or words apart by single spaces, a trailing * "
                            "matching any ending (no regular expressions here)",
                            word,
                            'write e.g. "insisted", "carried out" or "accus*"',
                        )
                    )
                    continue
                lists[key].append(word)
    return {key: tuple(dict.fromkeys(words)) for key, words in lists.items()}


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


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _user_places(
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
            **_word_lists("place_words", PLACE_WORD_KEYS, base, table, file, problems)
        ),
        earlier_words=EarlierWords(
            **_word_lists("earlier_words", EARLIER_WORD_KEYS, base, table, file, problems)
        ),
    )
    ruleset = dataclasses.replace(ruleset, examples=_examples(base, table, file, ruleset, problems))
    if "places" in table or "aliases" in table:
        places, aliases = _user_places(table, file, problems)
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
