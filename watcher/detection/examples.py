"""Rule examples: the [[examples]] tables of a rules file in, Example dataclasses and their
problems out; and what a verdict gets wrong against an example. No I/O.

An example is a unit test of the rules written by the analyst who edits them: a headline and
text, whether the rules must fire on it, and optionally the fields the alert must carry.
`watcher check` runs them (evaluation.run_examples). Shipped examples and the user's are merged
like rules: a user example with a shipped name replaces it, `defaults = false` drops them all.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from watcher.detection.fields import Count
from watcher.detection.gazetteer import alias_key
from watcher.errors import Problem

if TYPE_CHECKING:
    # The detection package imports this module while it is being built; annotations only.
    from watcher.detection import Verdict

EXAMPLE_KEYS = ("name", "title", "text", "fires", "denial", "rule", "fields", "why")
FIELD_KEYS = ("strike_type", "actor", "place", "country", "killed", "wounded")
NO_ACTOR = "unknown"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_AT_LEAST = re.compile(r"at least (\d+)")


@dataclass(frozen=True)
class ExpectedFields:
    """What the detection's fields must be; None leaves a field unchecked."""

    strike_type: str | None = None
    actor: str | None = None  # an actor name of [actors], or "unknown": no actor named
    place: str | None = None  # the first place, as the gazetteer, the alert or the text names it
    country: str | None = None  # the first country, ISO code
    killed: Count | None = None
    wounded: Count | None = None


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    text: str
    fires: bool  # a strike report (a detection that is not a denial)
    denial: bool | None  # True: read as a denial of a strike; False: not one; None: unchecked
    rule: str | None  # the rule that must fire, when given
    fields: ExpectedFields
    why: str  # what the example guards, for whoever breaks it
    file: str  # the file it came from (the shipped rules or the user's config)


@dataclass
class _Reader:
    """Collects the problems of one file's examples."""

    file: str
    problems: list[Problem]

    def say(self, path: str, message: str, value: object, fix: str) -> None:
        self.problems.append(Problem(self.file, path, message, value, fix))

    def table(self, raw: object, path: str, allowed: Sequence[str], fix: str) -> bool:
        """Whether raw is a table; its unknown keys are reported."""
        if not isinstance(raw, dict):
            self.say(path, "must be a table", raw, fix)
            return False
        for key in raw:
            if key not in allowed:
                self.say(
                    f"{path}.{key}", "unknown key", None, "allowed keys: " + ", ".join(allowed)
                )
        return True


def _count(value: object) -> Count | None:
    """A casualty figure as written in an example: 12, [12, 20], or "at least 12"."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value)
        and value[0] <= value[1]
    ):
        return (value[0], value[1])
    match = _AT_LEAST.fullmatch(value.strip()) if isinstance(value, str) else None
    return (int(match.group(1)), None) if match else None


def _fields(
    raw: object,
    path: str,
    reader: _Reader,
    strike_types: Collection[str],
    actors: Collection[str],
) -> ExpectedFields:
    fix = 'write fields = { strike_type = "air_drone", place = "Raqqa" }'
    if not reader.table(raw, path, FIELD_KEYS, fix):
        return ExpectedFields()
    assert isinstance(raw, dict)
    checked: dict[str, Any] = {}
    for key, known in (("strike_type", strike_types), ("actor", [*actors, NO_ACTOR])):
        if key in raw and raw[key] not in known:
            reader.say(
                f"{path}.{key}",
                f"unknown {key.replace('_', ' ')}",
                raw[key],
                "use one of: " + ", ".join(known),
            )
        elif key in raw:
            checked[key] = raw[key]
    place, country = raw.get("place"), raw.get("country")
    if place is not None and not (isinstance(place, str) and place.strip()):
        reader.say(f"{path}.place", "must be a place name", place, 'write place = "Deir ez-Zor"')
    elif place is not None:
        checked["place"] = place.strip()
    if country is not None and not (
        isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)
    ):
        reader.say(
            f"{path}.country", "must be an ISO 3166 alpha-2 code", country, 'write country = "SY"'
        )
    elif country is not None:
        checked["country"] = country
    for key in ("killed", "wounded"):
        if key in raw:
            checked[key] = _count(raw[key])
            if checked[key] is None:
                reader.say(
                    f"{path}.{key}",
                    "must be a casualty figure",
                    raw[key],
                    f'write {key} = 3, {key} = [3, 5] for "3 to 5", or {key} = "at least 3"',
                )
    return ExpectedFields(**checked)


def _example(
    raw: object,
    path: str,
    reader: _Reader,
    rule_ids: Collection[str],
    strike_types: Collection[str],
    actors: Collection[str],
) -> Example | None:
    if not reader.table(
        raw, path, EXAMPLE_KEYS, "write [[detection.examples]] with name, title, fires"
    ):
        return None
    assert isinstance(raw, dict)
    before = len(reader.problems)
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        reader.say(
            f"{path}.name",
            "must be a lower-case name",
            name,
            'write e.g. name = "teachers-strike-erbil"',
        )
    title, text = raw.get("title", ""), raw.get("text", "")
    for key, value, what in (("title", title, "headline"), ("text", text, "body")):
        if not isinstance(value, str):
            reader.say(f"{path}.{key}", "must be text", value, f'write {key} = "the {what}"')
    if isinstance(title, str) and isinstance(text, str) and not (title.strip() or text.strip()):
        reader.say(
            f"{path}.title",
            "an example needs a title or a text",
            None,
            'write title = "the headline" and, if you like, text = "the body"',
        )
    fires = raw.get("fires")
    if not isinstance(fires, bool):
        reader.say(
            f"{path}.fires",
            "must be true or false",
            fires,
            "write fires = true when the rules must report a strike, else fires = false",
        )
    denial = raw.get("denial")
    if denial is not None and not isinstance(denial, bool):
        reader.say(
            f"{path}.denial",
            "must be true or false",
            denial,
            "write denial = true when the text denies a strike, or leave it out",
        )
    elif denial is True and fires is True:
        reader.say(
            f"{path}.denial",
            "a denial is not a strike report",
            denial,
            "write fires = false with denial = true",
        )
    rule = raw.get("rule")
    if rule is not None and rule not in rule_ids:
        reader.say(f"{path}.rule", "unknown rule", rule, "known: " + ", ".join(sorted(rule_ids)))
    for key in ("fields", "rule"):
        if key in raw and fires is False:
            reader.say(
                f"{path}.{key}",
                "is checked only on an example that fires",
                None,
                "write fires = true, or drop it",
            )
    expected = _fields(raw.get("fields", {}), f"{path}.fields", reader, strike_types, actors)
    why = raw.get("why", "")
    if not isinstance(why, str):
        reader.say(f"{path}.why", "must be text", why, 'write why = "what this example guards"')
    if len(reader.problems) > before:
        return None
    return Example(
        name=str(name),
        title=str(title),
        text=str(text),
        fires=bool(fires),
        denial=denial,
        rule=rule,
        fields=expected,
        why=str(why),
        file=reader.file,
    )


def read_examples(
    shipped: object,
    user: object,
    files: tuple[str, str],
    problems: list[Problem],
    *,
    rule_ids: Collection[str],
    strike_types: Collection[str],
    actors: Collection[str],
) -> tuple[Example, ...]:
    """The shipped examples with the user's merged over them by name, each checked.

    `files` names the shipped file and the user's; every problem goes to `problems`."""
    merged: list[tuple[_Reader, str, object]] = []
    shipped_names: dict[object, int] = {}  # name -> position in merged
    for from_user, (file, rows) in enumerate(zip(files, (shipped, user), strict=True)):
        reader = _Reader(file, problems)
        if not isinstance(rows, list):
            reader.say(
                "examples",
                "must be an array of tables",
                rows,
                "write [[detection.examples]] tables with name, title, fires",
            )
            continue
        seen: set[object] = set()
        for n, row in enumerate(rows):
            name = row.get("name") if isinstance(row, dict) else None
            entry = (reader, f"examples[{n}]", row)
            if name is not None and name in seen:
                reader.say(
                    f"examples[{n}].name",
                    "duplicate example name",
                    name,
                    "give each example its own name",
                )
            seen.add(name)
            if from_user and name in shipped_names:
                # The user's example of a shipped name replaces the shipped one.
                merged[shipped_names.pop(name)] = entry
                continue
            if not from_user and isinstance(name, str):
                shipped_names[name] = len(merged)
            merged.append(entry)
    found = (
        _example(row, path, reader, rule_ids, strike_types, actors) for reader, path, row in merged
    )
    return tuple(example for example in found if example is not None)


def _show(count: Count | None) -> str:
    if count is None:
        return "none"
    if isinstance(count, tuple):
        low, high = count
        return f"at least {low}" if high is None else f"{low} to {high}"
    return str(count)


def mismatches(example: Example, verdict: Verdict) -> tuple[str, ...]:
    """What the verdict gets wrong against the example, in words; empty when it passes."""
    detection = verdict.detection
    fired = detection is not None and not detection.denial
    if fired != example.fires:
        if example.fires:
            said = "read it as a denial" if detection is not None else "did not fire"
            return (f"expected to fire; the rules {said}",)
        assert detection is not None
        return (
            f"expected not to fire; rule {detection.rule_id} fired, score {detection.score:.2f}",
        )
    wrong = []
    denied = detection is not None and detection.denial
    if example.denial is not None and denied != example.denial:
        wrong.append(
            "expected a denial of a strike" if example.denial else "expected no denial; got one"
        )
    if detection is None or not example.fires:
        return tuple(wrong)
    if example.rule is not None and detection.rule_id != example.rule:
        wrong.append(f"expected rule {example.rule}; rule {detection.rule_id} fired")
    found = detection.fields
    expected = example.fields
    got: Mapping[str, object] = {
        "strike_type": found.strike_type,
        "actor": found.actor or NO_ACTOR,
        "country": found.countries[0] if found.countries else None,
    }
    for key in ("strike_type", "actor", "country"):
        want = getattr(expected, key)
        if want is not None and got[key] != want:
            wrong.append(f"{key.replace('_', ' ')}: expected {want}, got {got[key] or 'none'}")
    if expected.place is not None:
        first = found.places[0] if found.places else None
        names: Sequence[str] = []
        if first is not None:
            written = [
                m.text for m in detection.mentions if m.kind == "place" and m.ref == first.id
            ]
            names = [first.name, first.id, *written]
        if alias_key(expected.place) not in {alias_key(name) for name in names}:
            got_place = f"{first.name} ({first.id})" if first is not None else "none"
            wrong.append(f"first place: expected {expected.place}, got {got_place}")
    for key in ("killed", "wounded"):
        want_count = getattr(expected, key)
        if want_count is not None and getattr(found, key) != want_count:
            wrong.append(f"{key}: expected {_show(want_count)}, got {_show(getattr(found, key))}")
    return tuple(wrong)
