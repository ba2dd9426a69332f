"""The tables of a rules file read and checked: a [guards.NAME], [[rules]] or [[rules.cues]]
table or a phrase list in, a Guard, Rule or Cue (rule_model.py) or the phrases with their key
paths out, every problem (file, key path, value, fix) added to the caller's list; no I/O.

The checks the other readers of the file share (unknown keys, a number in its range) are here
too: word_lists.py and user_places.py read their tables with them, rules.py puts it together.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from watcher.detection.rule_model import RESERVED_GUARDS, SCOPES, STRIKE_TYPES, Cue, Guard, Rule
from watcher.errors import Problem

GUARD_KEYS = (
    "reason",
    "terms",
    "scope",
    "near",
    "factor",
    "lexicons",
    "clause",
    "phrase",
    "denies",
    "remembers",
)
# A sub-table named by a language code ([lexicons.ar], [guards.threat.ar]) adds that language's
# phrases (or a guard's terms) to the lists of the same names: each language's vocabulary sits in
# a block of its own and is read exactly as the English one.
LANGUAGE = re.compile(r"[a-z]{2}")
RULE_KEYS = (
    "id",
    "description",
    "countries",
    "window",
    "demonym_factor",
    "elsewhere_factor",
    "elsewhere_sentences",
    "threshold",
    "lead",
    "later_factor",
    "context_factor",
    "background_factor",
    "nearer_elsewhere_factor",
    "remembered_factor",
    "window_decay",
    "next_sentence_factor",
    "headline_place_factor",
    "lead_strike_share",
    "lede_sentences",
    "inside_km",
    "region_km",
    "toll_first_sentences",
    "toll_sentences",
    "guards",
    "cues",
)
CUE_KEYS = (
    "lexicon",
    "with",
    "near",
    "ordered",
    "weight",
    "strike_type",
    "headline_needs",
    "headline_factor",
    "generic_type",
)


# The rule's factors with a default in Rule, read by read_rule.
_FACTORS = (
    "background_factor",
    "nearer_elsewhere_factor",
    "remembered_factor",
    "window_decay",
    "next_sentence_factor",
    "headline_place_factor",
    "lead_strike_share",
)


# The rule's distances (km, up to 1000) and sentence counts with a default in Rule, read by
# read_rule.
_DISTANCES = ("inside_km", "region_km")
_SENTENCE_COUNTS = ("toll_first_sentences", "toll_sentences")


def read_number(
    value: object,
    file: str,
    path: str,
    low: float,
    high: float,
    problems: list[Problem],
    *,
    integer: bool = False,
) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if integer:
        ok = ok and isinstance(value, int)
    if not ok or not low <= float(value) <= high:  # type: ignore[arg-type]
        kind = "a whole number" if integer else "a number"
        problems.append(
            Problem(
                file,
                path,
                f"must be {kind} from {low:g} to {high:g}",
                value,
                f"write {kind} between {low:g} and {high:g}",
            )
        )
        return low
    return float(value)  # type: ignore[arg-type]


def check_keys(
    table: Mapping[str, Any], allowed: Sequence[str], file: str, path: str, problems: list[Problem]
) -> None:
    for key in table:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            problems.append(
                Problem(file, where, "unknown key", None, "allowed keys: " + ", ".join(allowed))
            )


def read_phrase_tables(
    source: Mapping[str, Any],
    key: str,
    file: str,
    problems: list[Problem],
    path: str = "",
) -> dict[str, list[tuple[str, object]]]:
    """The phrase lists of source[key] by name, each phrase with its key path; the lists of a
    language sub-table ([lexicons.ar]) are added to those of the same names."""
    table = source.get(key, {})
    key = f"{path}{key}"
    if not isinstance(table, dict):
        problems.append(
            Problem(
                file,
                key,
                "must be a table of phrase lists",
                table,
                f'write [{key}] with name = ["phrase", ...]',
            )
        )
        return {}
    lists: dict[str, list[tuple[str, object]]] = {}
    for name, phrases in table.items():
        if isinstance(phrases, dict) and LANGUAGE.fullmatch(name):
            for added, more in read_phrase_tables(table, name, file, problems, f"{key}.").items():
                lists.setdefault(added, []).extend(more)
            continue
        if not isinstance(phrases, list):
            problems.append(
                Problem(
                    file,
                    f"{key}.{name}",
                    "must be a list of phrases",
                    phrases,
                    f'write {name} = ["phrase", ...]',
                )
            )
            continue
        lists[name] = [(f"{key}.{name}[{n}]", phrase) for n, phrase in enumerate(phrases)]
    return lists


def read_guard(
    name: str, raw: object, lexicons: Sequence[str], file: str, problems: list[Problem]
) -> Guard | None:
    path = f"guards.{name}"
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                file, path, "must be a table", raw, "write [guards.NAME] with reason, terms, scope"
            )
        )
        return None
    check_keys(
        raw, (*GUARD_KEYS, *(key for key in raw if LANGUAGE.fullmatch(key))), file, path, problems
    )
    if name in RESERVED_GUARDS:
        problems.append(
            Problem(
                file,
                path,
                "reserved guard name: the engine's own lowering "
                f"({RESERVED_GUARDS[name]}) is explained under it",
                name,
                "give the guard another name",
            )
        )
    flags = {
        key: _flag(raw, key, file, path, problems)
        for key in ("clause", "phrase", "denies", "remembers")
    }
    scope = raw.get("scope", "sentence")
    if scope not in SCOPES:
        problems.append(
            Problem(
                file, f"{path}.scope", "unknown scope", scope, "use one of: " + ", ".join(SCOPES)
            )
        )
    terms = raw.get("terms")
    if not isinstance(terms, list) or not terms:
        problems.append(
            Problem(
                file,
                f"{path}.terms",
                "must be a non-empty list of phrases",
                terms,
                'write terms = ["phrase", ...]',
            )
        )
    acts_on = raw.get("lexicons")
    if acts_on is not None:
        if not isinstance(acts_on, list):
            problems.append(
                Problem(
                    file,
                    f"{path}.lexicons",
                    "must be a list of lexicon names",
                    acts_on,
                    'write lexicons = ["air_strike", ...]',
                )
            )
            acts_on = None
        else:
            for index, lexicon in enumerate(acts_on):
                if lexicon not in lexicons:
                    problems.append(
                        Problem(
                            file,
                            f"{path}.lexicons[{index}]",
                            "unknown lexicon",
                            lexicon,
                            "known: " + ", ".join(sorted(lexicons)),
                        )
                    )
    return Guard(
        id=name,
        reason=str(raw.get("reason", name)),
        scope=str(scope),
        near=int(
            read_number(raw.get("near", 8), file, f"{path}.near", 1, 100, problems, integer=True)
        ),
        factor=read_number(raw.get("factor", 0.0), file, f"{path}.factor", 0, 1, problems),
        lexicons=tuple(acts_on) if acts_on is not None else None,
        clause=flags["clause"] is True,
        phrase=flags["phrase"] is True,
        denies=flags["denies"] is True,
        remembers=flags["remembers"] is True,
    )


def merge_guards(base: Mapping[str, Any], user: Any) -> Any:
    """The shipped guards with the user's: a guard of the same name replaces the shipped one,
    unless the user's table holds language sub-tables only ([detection.guards.labour.ar]); their
    terms are then added to the shipped guard's."""
    if not isinstance(user, dict):
        return user
    merged = dict(base)
    for name, guard in user.items():
        shipped = base.get(name)
        if (
            isinstance(guard, dict)
            and isinstance(shipped, dict)
            and guard
            and all(LANGUAGE.fullmatch(key) and isinstance(guard[key], dict) for key in guard)
        ):
            added = dict(shipped)
            for language, table in guard.items():
                held = shipped.get(language)
                if (
                    isinstance(held, dict)
                    and isinstance(held.get("terms"), list)
                    and isinstance(table.get("terms"), list)
                ):
                    table = {**table, "terms": [*held["terms"], *table["terms"]]}
                added[language] = table
            merged[name] = added
        else:
            merged[name] = guard
    return merged


def guard_terms(
    name: str, raw: object, file: str, problems: list[Problem]
) -> list[tuple[str, object]]:
    """A guard's terms with their key paths, its language sub-tables' terms after its own."""
    if not isinstance(raw, dict):
        return []
    terms = raw.get("terms")
    found = [
        (f"guards.{name}.terms[{n}]", term)
        for n, term in enumerate(terms if isinstance(terms, list) else [])
    ]
    for language, table in raw.items():
        if not LANGUAGE.fullmatch(language):
            continue
        path = f"guards.{name}.{language}"
        more = table.get("terms") if isinstance(table, dict) else None
        if not isinstance(more, list) or set(table) != {"terms"}:
            problems.append(
                Problem(
                    file,
                    path,
                    "a language sub-table of a guard holds its terms only",
                    table,
                    f'write [{path}] with terms = ["phrase", ...]',
                )
            )
            continue
        found.extend((f"{path}.terms[{n}]", term) for n, term in enumerate(more))
    return found


def _flag(raw: Mapping[str, Any], key: str, file: str, path: str, problems: list[Problem]) -> bool:
    """A true/false key of a cue or guard (false when left out); a problem if it is neither."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        problems.append(
            Problem(
                file,
                f"{path}.{key}",
                "must be true or false",
                value,
                f"write {key} = true or leave it out",
            )
        )
    return value is True


def _cue(
    raw: object, path: str, lexicons: Sequence[str], file: str, problems: list[Problem]
) -> Cue | None:
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                file,
                path,
                "must be a table",
                raw,
                "write [[rules.cues]] with lexicon, weight, strike_type",
            )
        )
        return None
    check_keys(raw, CUE_KEYS, file, path, problems)
    for key in ("lexicon", "with"):
        name = raw.get(key)
        if (key == "lexicon" or name is not None) and name not in lexicons:
            problems.append(
                Problem(
                    file,
                    f"{path}.{key}",
                    "unknown lexicon",
                    name,
                    "known: " + ", ".join(sorted(lexicons)),
                )
            )
    needs = raw.get("headline_needs", [])
    if not isinstance(needs, list):
        problems.append(
            Problem(
                file,
                f"{path}.headline_needs",
                "must be a list of lexicon names",
                needs,
                'write headline_needs = ["military", ...]',
            )
        )
        needs = []
    for index, name in enumerate(needs):
        if name not in lexicons:
            problems.append(
                Problem(
                    file,
                    f"{path}.headline_needs[{index}]",
                    "unknown lexicon",
                    name,
                    "known: " + ", ".join(sorted(lexicons)),
                )
            )
    ordered = _flag(raw, "ordered", file, path, problems)
    generic = _flag(raw, "generic_type", file, path, problems)
    strike_type = raw.get("strike_type", "unclear")
    if strike_type not in STRIKE_TYPES:
        problems.append(
            Problem(
                file,
                f"{path}.strike_type",
                "unknown strike type",
                strike_type,
                "use one of: " + ", ".join(STRIKE_TYPES),
            )
        )
    return Cue(
        lexicon=str(raw.get("lexicon")),
        with_lexicon=str(raw["with"]) if raw.get("with") is not None else None,
        near=int(
            read_number(raw.get("near", 6), file, f"{path}.near", 1, 50, problems, integer=True)
        ),
        ordered=ordered,
        weight=read_number(raw.get("weight", 1.0), file, f"{path}.weight", 0, 1, problems),
        strike_type=str(strike_type),
        headline_needs=tuple(str(name) for name in needs),
        headline_factor=read_number(
            raw.get("headline_factor", 1.0), file, f"{path}.headline_factor", 0, 1, problems
        ),
        generic_type=generic,
    )


def read_rule(
    raw: object,
    path: str,
    lexicons: Sequence[str],
    guards: Mapping[str, Guard],
    file: str,
    problems: list[Problem],
) -> Rule | None:
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                file, path, "must be a table", raw, "write [[rules]] with id, countries and cues"
            )
        )
        return None
    check_keys(raw, RULE_KEYS, file, path, problems)
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", rule_id):
        problems.append(
            Problem(
                file,
                f"{path}.id",
                "must be a lower-case name",
                rule_id,
                'write e.g. id = "strike-iraq-syria"',
            )
        )
        rule_id = path
    countries = raw.get("countries", [])
    if (
        not isinstance(countries, list)
        or not countries
        or not all(isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code) for code in countries)
    ):
        problems.append(
            Problem(
                file,
                f"{path}.countries",
                "must be a list of ISO country codes",
                countries,
                'write countries = ["IQ", "SY"]',
            )
        )
        countries = []
    guard_names = raw.get("guards")
    if guard_names is not None:
        if not isinstance(guard_names, list):
            problems.append(
                Problem(
                    file,
                    f"{path}.guards",
                    "must be a list of guard names",
                    guard_names,
                    "known: " + ", ".join(sorted(guards)),
                )
            )
            guard_names = None
        else:
            for position, name in enumerate(guard_names):
                if name not in guards:
                    problems.append(
                        Problem(
                            file,
                            f"{path}.guards[{position}]",
                            "unknown guard",
                            name,
                            "known: " + ", ".join(sorted(guards)),
                        )
                    )
    raw_cues = raw.get("cues")
    if not isinstance(raw_cues, list) or not raw_cues:
        problems.append(
            Problem(
                file,
                f"{path}.cues",
                "a rule needs at least one cue",
                raw_cues,
                "add [[rules.cues]] tables with lexicon, weight, strike_type",
            )
        )
        raw_cues = []
    cues = [
        _cue(cue, f"{path}.cues[{n}]", lexicons, file, problems) for n, cue in enumerate(raw_cues)
    ]
    factors = {
        field.name: read_number(
            raw.get(field.name, field.default), file, f"{path}.{field.name}", 0, 1, problems
        )
        for field in dataclasses.fields(Rule)
        if field.name in _FACTORS
    }
    defaults = {field.name: field.default for field in dataclasses.fields(Rule)}
    distances = {
        name: read_number(raw.get(name, defaults[name]), file, f"{path}.{name}", 0, 1000, problems)
        for name in _DISTANCES
    }
    counts = {
        name: int(
            read_number(
                raw.get(name, defaults[name]),
                file,
                f"{path}.{name}",
                0,
                1000,
                problems,
                integer=True,
            )
        )
        for name in _SENTENCE_COUNTS
    }
    return Rule(
        id=rule_id,
        description=str(raw.get("description", "")),
        countries=tuple(countries),
        window=int(
            read_number(raw.get("window", 1), file, f"{path}.window", 0, 20, problems, integer=True)
        ),
        demonym_factor=read_number(
            raw.get("demonym_factor", 0.8), file, f"{path}.demonym_factor", 0, 1, problems
        ),
        elsewhere_factor=read_number(
            raw.get("elsewhere_factor", 0.5), file, f"{path}.elsewhere_factor", 0, 1, problems
        ),
        # Above 0: a rule that fired at 0 would fire on a strike word with no place around it.
        threshold=read_number(
            raw.get("threshold", 0.5), file, f"{path}.threshold", 0.01, 1, problems
        ),
        lead=int(
            read_number(raw.get("lead", 4), file, f"{path}.lead", 0, 1000, problems, integer=True)
        ),
        later_factor=read_number(
            raw.get("later_factor", 1.0), file, f"{path}.later_factor", 0, 1, problems
        ),
        guards=tuple(guard_names) if guard_names is not None else None,
        cues=tuple(cue for cue in cues if cue is not None),
        context_factor=read_number(
            raw.get("context_factor", 0.0), file, f"{path}.context_factor", 0, 1, problems
        ),
        background_factor=factors["background_factor"],
        nearer_elsewhere_factor=factors["nearer_elsewhere_factor"],
        remembered_factor=factors["remembered_factor"],
        window_decay=factors["window_decay"],
        next_sentence_factor=factors["next_sentence_factor"],
        headline_place_factor=factors["headline_place_factor"],
        elsewhere_sentences=int(
            read_number(
                raw.get("elsewhere_sentences", 1),
                file,
                f"{path}.elsewhere_sentences",
                0,
                1000,
                problems,
                integer=True,
            )
        ),
        lead_strike_share=factors["lead_strike_share"],
        lede_sentences=int(
            read_number(
                raw.get("lede_sentences", 2),
                file,
                f"{path}.lede_sentences",
                0,
                1000,
                problems,
                integer=True,
            )
        ),
        inside_km=distances["inside_km"],
        region_km=distances["region_km"],
        toll_first_sentences=counts["toll_first_sentences"],
        toll_sentences=counts["toll_sentences"],
    )


def merge_rules(base: Sequence[Any], user: object) -> list[tuple[str, object]]:
    """Shipped rules with the user's replacing those of the same id, each with the key path
    of the file it came from."""
    merged = [(f"rules[{n}]", rule) for n, rule in enumerate(base)]
    ids = [rule.get("id") if isinstance(rule, dict) else None for rule in base]
    for n, rule in enumerate(user if isinstance(user, list) else []):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        entry = (f"rules[{n}]", rule)
        if rule_id is not None and rule_id in ids:
            merged[ids.index(rule_id)] = entry
        else:
            merged.append(entry)
    return merged
