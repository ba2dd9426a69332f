"""Detection: the table of cases in tests/data/detection_cases.toml, rule loading and its
problems, explanations, and field extraction (casualties, dates)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from watcher.detection import (
    Verdict,
    default_rules,
    detect,
    explain,
    fields,
    load_rules,
    with_stated_day,
)
from watcher.detection.phrases import tokenize
from watcher.detection.rule_readers import CUE_KEYS, GUARD_KEYS, RULE_KEYS
from watcher.detection.rules import RuleSet
from watcher.detection.sentences import read_document, recase_headline

CASES = [
    case
    for name in ("detection_cases.toml", "detection_cases_ar.toml")
    for case in tomllib.loads((Path(__file__).parent / "data" / name).read_text())["cases"]
]


def _count(value: Any) -> Any:
    if isinstance(value, list):
        return (value[0], None if value[1] == "none" else value[1])
    return value


def test_cases_are_many_and_cover_every_class() -> None:
    assert len(CASES) >= 40
    assert len({case["id"] for case in CASES}) == len(CASES)
    classes = {case["class"] for case in CASES}
    assert {
        "plain",
        "headline-only",
        "labour",
        "sport",
        "figurative",
        "nature",
        "threat",
        "denial",
        "retrospective",
        "elsewhere",
        "test",
        "bombing",
        "shootdown",
    } <= classes


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    published = None
    if "published" in case:
        published = datetime.combine(
            date.fromisoformat(case["published"]), datetime.min.time(), UTC
        )
    verdict = explain(case["title"], case["text"], default_rules(), published)
    found = verdict.detection
    assert (found is not None and not found.denial) == case["fires"], "\n".join(verdict.reasons)
    if "denial" in case:
        assert found is not None and found.denial == case["denial"]
    expect = case.get("expect", {})
    if "lowered_by" in expect:
        lowered = f"lowered by {expect['lowered_by']} "
        assert any(lowered in reason for reason in verdict.reasons), verdict.reasons
    if found is None:
        return
    got = found.fields
    for key in ("strike_type", "actor", "target"):
        if key in expect:
            assert getattr(got, key) == expect[key], key
    for key in ("killed", "wounded"):
        if key in expect:
            assert getattr(got, key) == _count(expect[key]), key
    if "event_date" in expect:
        assert got.event_date == date.fromisoformat(expect["event_date"])
    if "countries" in expect:
        assert set(got.countries) == set(expect["countries"])
    for name in expect.get("places", []):
        assert any(name in place.name for place in got.places), name


def test_detect_agrees_with_explain() -> None:
    """detect() leaves a text that names no place in the rules' countries unread; explain()
    reads every text to say why: their verdicts are the same."""
    rules = default_rules()
    fired = 0
    for case in CASES:
        found = detect(case["title"], case["text"], rules)
        assert found == explain(case["title"], case["text"], rules).detection, case["id"]
        fired += found is not None
    assert 0 < fired < len(CASES)


def test_a_rule_never_fires_at_a_score_of_0() -> None:
    """A cue with no place in its rule's countries scores 0, and detect() leaves a text that
    names none unread: a threshold of 0 would fire on any strike word, so it is refused."""
    rule = {
        "id": "strike-iraq-syria",
        "countries": ["IQ"],
        "threshold": 0,
        "cues": [{"lexicon": "air_strike", "weight": 0.9, "strike_type": "air_drone"}],
    }
    _, problems = load_rules({"rules": [rule]}, "c.toml")
    assert [(p.path, p.message) for p in problems] == [
        ("rules[0].threshold", "must be a number from 0.01 to 1")
    ]
    rules, problems = load_rules({"rules": [{**rule, "threshold": 0.01}]}, "c.toml")
    assert problems == []
    title, text = "Air strikes near Kharkiv", "Officials said the strikes came overnight."
    assert detect(title, text, rules) is None
    assert explain(title, text, rules).detection is None
    assert detect("Air strikes near Mosul", text, rules) is not None


def test_a_country_the_gazetteer_does_not_hold_is_read_without_error() -> None:
    """The rules' country lists name countries the gazetteer does not hold ("Somalia"): "the
    capital" after one has no capital known, and a user's rule for one gives it as written."""
    title = "US air strike kills militants in Somalia"
    text = "The strike hit a camp outside the capital, officials said. US troops are in Iraq."
    assert detect(title, text, default_rules()) is None
    assert explain(title, text, default_rules()).detection is None
    rule = {
        "id": "strike-somalia",
        "countries": ["SO"],
        "cues": [{"lexicon": "air_strike", "weight": 0.9, "strike_type": "air_drone"}],
    }
    rules, problems = load_rules({"rules": [rule]}, "c.toml")
    assert problems == []
    found = detect(title, text, rules)
    assert found is not None and found.fields.countries == ("SO",)
    assert [place.name for place in found.fields.places] == ["Somalia"]


# --- explanations ----------------------------------------------------------------------------


def test_explanation_of_a_detection_names_rule_terms_places_and_positions() -> None:
    title = "Air strikes kill 12 in eastern Syria"
    text = "Air strikes hit a market in Albu Kamal on Tuesday, killing 12 civilians."
    verdict = explain(title, text, default_rules())
    found = verdict.detection
    assert found is not None
    assert found.rule_id == "strike-iraq-syria"
    assert 0.55 <= found.score <= 1
    assert found.evidence[0] == title
    joined = f"{title}\n\n{text}"
    terms = [m for m in found.mentions if m.kind == "term"]
    places = [m for m in found.mentions if m.kind == "place"]
    assert terms and places
    for mention in (*terms, *places):
        assert joined[mention.start : mention.end] == mention.text
    assert any(m.text == "Air strikes" and m.start == 0 for m in terms)
    assert any(m.text == "Syria" for m in places)
    assert verdict.reasons[0].startswith("strike-iraq-syria: fired, score")
    assert any("“Air strikes” at 0-11" in reason for reason in verdict.reasons)


def test_explanation_of_a_miss_says_what_lowered_the_score() -> None:
    verdict = explain("Turkey threatens to strike Kurdish fighters in Syria", "", default_rules())
    assert verdict.detection is None
    text = "\n".join(verdict.reasons)
    assert "did not fire" in text
    assert "lowered by threat (“threatens” ×0.1)" in text


def test_explanation_of_text_without_strike_words() -> None:
    verdict = explain(
        "Syrian parliament holds elections", "Voters went to the polls.", default_rules()
    )
    assert verdict.detection is None
    assert verdict.reasons == ("strike-iraq-syria: no strike words",)


def test_lowered_by_lists_guards_in_words_and_mentions_point_at_them() -> None:
    title = "Air strikes pound Raqqa"
    text = "Coalition air strikes pounded Raqqa on Monday. Officials said they might strike again."
    found = detect(title, text, default_rules())
    assert found is not None
    assert any(reason.startswith("a threat, plan or possibility") for reason in found.lowered_by)
    joined = f"{title}\n\n{text}"
    guard = next(m for m in found.mentions if m.kind == "guard")
    assert (guard.text, guard.ref) == ("might", "modal")
    assert joined[guard.start : guard.end] == "might"
    actor = next(m for m in found.mentions if m.kind == "actor")
    assert (actor.text, actor.ref) == ("Coalition", "US-led coalition")
    assert joined[actor.start : actor.end] == "Coalition"


def test_mentions_come_in_one_order_whatever_the_hash_seed() -> None:
    # Two guards ("labour" and "labour_story") on the same words of the headline.
    program = (
        "from watcher.detection import default_rules, detect\n"
        "found = detect('Teachers on strike in Baghdad', 'Teachers went on strike in Baghdad "
        "on Monday. Air strikes hit Mosul, Iraq, the army said.', default_rules())\n"
        "print([(m.start, m.end, m.kind, m.ref) for m in found.mentions])\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(seen) == 1, seen
    assert "(9, 18, 'guard', 'labour'), (9, 18, 'guard', 'labour_story')" in seen.pop()


def test_place_elsewhere_is_said() -> None:
    verdict = explain(
        "Air strikes hit Sanaa", "Air strikes hit the Yemeni capital Sanaa.", default_rules()
    )
    assert verdict.detection is None
    assert any("placed in Sanaa (YE)" in reason for reason in verdict.reasons)


# --- rules from the user's config ------------------------------------------------------------


def test_defaults_load_without_problems() -> None:
    rules, problems = load_rules({}, "config.toml")
    assert problems == []
    assert [rule.id for rule in rules.rules] == ["strike-iraq-syria"]


def test_user_terms_extend_a_lexicon() -> None:
    title, text = "Loitering munition hits Kobani", "A loitering munition hit a car in Kobani."
    assert detect(title, text, default_rules()) is None
    rules, problems = load_rules({"lexicons": {"air_strike": ["loitering munition*"]}}, "c.toml")
    assert problems == []
    assert detect(title, text, rules) is not None


def test_user_rule_overrides_by_id_and_disable_switches_off() -> None:
    title, text = "Air strikes hit Raqqa", ""
    stricter = {
        "rules": [
            {
                "id": "strike-iraq-syria",
                "countries": ["IQ"],
                "threshold": 0.5,
                "cues": [{"lexicon": "air_strike", "weight": 0.9, "strike_type": "air_drone"}],
            }
        ]
    }
    rules, problems = load_rules(stricter, "c.toml")
    assert problems == []
    assert detect(title, text, rules) is None
    assert detect("Air strikes hit Mosul", text, rules) is not None
    rules, problems = load_rules({"disable": ["strike-iraq-syria"]}, "c.toml")
    assert problems == [] and rules.rules == ()
    assert detect(title, text, rules) is None


def test_a_denial_is_what_a_guard_marked_denies_says_not_its_name() -> None:
    title = "Agency retracts report"
    text = "The agency retracted its report that jets struck a hospital in Raqqa on Monday."
    shipped = detect(title, text, default_rules())
    assert shipped is not None and not shipped.denial
    retraction = {
        "reason": "a retraction",
        "scope": "near",
        "clause": True,
        "factor": 0.1,
        "denies": True,
        "terms": ["retracted"],
    }
    rules, problems = load_rules({"guards": {"retraction": retraction}}, "c.toml")
    assert problems == []
    found = detect(title, text, rules)
    assert found is not None and found.denial
    rules, _ = load_rules({"guards": {"retraction": {**retraction, "denies": False}}}, "c.toml")
    assert detect(title, text, rules) is None


def test_a_clause_bounded_guard_stops_at_the_clause() -> None:
    text = "The ministry denied the report, while coalition jets struck Raqqa overnight."
    bounded = {"scope": "sentence", "clause": True, "factor": 0, "terms": ["denied"]}
    for clause, fires in ((True, True), (False, False)):
        rules, problems = load_rules(
            {"guards": {"denial": {**bounded, "clause": clause}}}, "c.toml"
        )
        assert problems == []
        assert (detect("Overnight", text, rules) is not None) == fires


def test_user_can_add_a_guard_and_start_without_defaults() -> None:
    guard = {"reason": "a film", "scope": "sentence", "terms": ["movie"]}
    rules, problems = load_rules({"guards": {"film": guard}}, "c.toml")
    assert problems == []
    verdict = explain("Air strikes on Mosul in a new movie", "", rules)
    assert verdict.detection is None
    assert any("lowered by film" in reason for reason in verdict.reasons)
    rules, problems = load_rules({"defaults": False}, "c.toml")
    assert problems == [] and rules.rules == ()


@pytest.mark.parametrize(
    ("table", "path", "words"),
    [
        ({"lexicon": {}}, "lexicon", "allowed keys: lexicons, countries"),
        (
            {
                "rules": [
                    {
                        "id": "x",
                        "countries": ["IQ"],
                        "windw": 2,
                        "cues": [{"lexicon": "air_strike"}],
                    }
                ]
            },
            "rules[0].windw",
            "allowed keys",
        ),
        (
            {
                "rules": [
                    {
                        "id": "x",
                        "countries": ["IQ"],
                        "window": -1,
                        "cues": [{"lexicon": "air_strike"}],
                    }
                ]
            },
            "rules[0].window",
            "whole number",
        ),
        (
            {"rules": [{"id": "x", "countries": ["Iraq"], "cues": [{"lexicon": "air_strike"}]}]},
            "rules[0].countries",
            "ISO",
        ),
        (
            {"rules": [{"id": "x", "countries": ["IQ"], "cues": [{"lexicon": "nope"}]}]},
            "rules[0].cues[0].lexicon",
            "known: ",
        ),
        (
            {
                "rules": [
                    {
                        "id": "x",
                        "countries": ["IQ"],
                        "cues": [{"lexicon": "air_strike", "strike_type": "laser"}],
                    }
                ]
            },
            "rules[0].cues[0].strike_type",
            "air_drone",
        ),
        (
            {
                "rules": [
                    {
                        "id": "x",
                        "countries": ["IQ"],
                        "guards": ["nope"],
                        "cues": [{"lexicon": "air_strike"}],
                    }
                ]
            },
            "rules[0].guards[0]",
            "unknown guard",
        ),
        (
            {"rules": [{"id": "Bad Id", "countries": ["IQ"], "cues": [{"lexicon": "air_strike"}]}]},
            "rules[0].id",
            "lower-case",
        ),
        (
            {"rules": [{"id": "x", "countries": ["IQ"], "cues": []}]},
            "rules[0].cues",
            "at least one",
        ),
        ({"guards": {"g": {"terms": ["x"], "scope": "paragraph"}}}, "guards.g.scope", "overlap"),
        ({"guards": {"g": {"terms": ["x"], "factor": 2}}}, "guards.g.factor", "from 0 to 1"),
        ({"guards": {"g": {"terms": ["x"], "when": "now"}}}, "guards.g.when", "allowed keys"),
        ({"guards": {"headline": {"terms": ["x"]}}}, "guards.headline", "reserved"),
        ({"guards": {"context": {"terms": ["x"]}}}, "guards.context", "reserved"),
        ({"guards": {"g": {"terms": ["x"], "clause": "yes"}}}, "guards.g.clause", "true or false"),
        ({"guards": {"g": {"terms": ["x"], "denies": 1}}}, "guards.g.denies", "true or false"),
        ({"guards": {"g": {"terms": ["x"], "phrase": "yes"}}}, "guards.g.phrase", "true or false"),
        ({"guards": {"g": {"terms": ["x"], "remembers": "yes"}}}, "guards.g.remembers", "true"),
        ({"guards": {"remembered": {"terms": ["x"]}}}, "guards.remembered", "reserved"),
        (
            {"rules": [{"id": "strike-iraq-syria", "remembered_factor": 2}]},
            "rules[0].remembered_factor",
            "number from 0 to 1",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "context_factor": 2}]},
            "rules[0].context_factor",
            "from 0 to 1",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "window_decay": -1}]},
            "rules[0].window_decay",
            "from 0 to 1",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "elsewhere_sentences": -1}]},
            "rules[0].elsewhere_sentences",
            "whole number from 0 to 1000",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "elsewhere_sentences": 1.5}]},
            "rules[0].elsewhere_sentences",
            "whole number from 0 to 1000",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "lead_strike_share": 1.5}]},
            "rules[0].lead_strike_share",
            "from 0 to 1",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "lede_sentences": -1}]},
            "rules[0].lede_sentences",
            "whole number from 0 to 1000",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "inside_km": -5}]},
            "rules[0].inside_km",
            "number from 0 to 1000",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "region_km": "far"}]},
            "rules[0].region_km",
            "number from 0 to 1000",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "toll_first_sentences": 2.5}]},
            "rules[0].toll_first_sentences",
            "whole number from 0 to 1000",
        ),
        (
            {"rules": [{"id": "strike-iraq-syria", "toll_sentences": -1}]},
            "rules[0].toll_sentences",
            "whole number from 0 to 1000",
        ),
        (
            {
                "rules": [
                    {
                        "id": "x",
                        "countries": ["IQ"],
                        "cues": [{"lexicon": "bombard", "generic_type": "yes"}],
                    }
                ]
            },
            "rules[0].cues[0].generic_type",
            "true or false",
        ),
        ({"earlier_words": {"mourning": "mourn"}}, "earlier_words.mourning", "list of words"),
        (
            {"earlier_words": {"answers": ["re:in (?:response|reply) to"]}},
            "earlier_words.answers[0]",
            "no regular",
        ),
        ({"earlier_words": {"before": ["ahead of"]}}, "earlier_words.before", "allowed keys"),
        ({"place_words": ["said"]}, "place_words", "table of word lists"),
        ({"place_words": {"says": ["x"]}}, "place_words.says", "allowed keys"),
        ({"place_words": {"speaks": "insisted"}}, "place_words.speaks", "list of words"),
        ({"place_words": {"speaks": ["re:insist"]}}, "place_words.speaks[0]", "no regular"),
        ({"place_words": {"origin": ["out  of"]}}, "place_words.origin[0]", "single spaces"),
        ({"place_words": {"accuses": [3]}}, "place_words.accuses[0]", "a word or words"),
        ({"lexicons": {"air_strike": ["re:(unclosed"]}}, "lexicons.air_strike[", "bad regular"),
        ({"lexicons": {"air_strike": ["re:(a+)+$"]}}, "lexicons.air_strike[", "backtrack"),
        ({"lexicons": {"air_strike": ["re:(x|xy)*z"]}}, "lexicons.air_strike[", "backtrack"),
        ({"lexicons": {"air_strike": [""]}}, "lexicons.air_strike[", "non-empty"),
        ({"lexicons": {"air_strike": "air raid"}}, "lexicons.air_strike", "list of phrases"),
        ({"countries": {"Iraq": ["Mesopotamia"]}}, "countries.Iraq", "alpha-2"),
        ({"disable": ["no-such-rule"]}, "disable[0]", "no rule or guard"),
        ({"defaults": "yes"}, "defaults", "true or false"),
    ],
)
def test_rule_problems_name_the_key_and_the_fix(
    table: dict[str, Any], path: str, words: str
) -> None:
    _, problems = load_rules(table, "watcher.toml")
    assert problems, "expected a problem"
    match = [p for p in problems if p.path.startswith(path)]
    assert match, [str(p) for p in problems]
    assert match[0].file == "watcher.toml"
    assert words in str(match[0])


def test_every_rule_cue_and_guard_key_is_explained_in_the_shipped_rules() -> None:
    shipped = (Path(fields.__file__).parent / "default_rules.toml").read_text("utf-8")
    explained = set(re.findall(r"^#\s+(?:\[\[rules\.)?([a-z_]+)\b", shipped, re.MULTILINE))
    missing = sorted(set(RULE_KEYS + CUE_KEYS + GUARD_KEYS) - explained)
    assert not missing, f"keys not explained in default_rules.toml: {missing}"


def _with_rule(rules: RuleSet, **values: Any) -> RuleSet:
    return dataclasses.replace(rules, rules=(dataclasses.replace(rules.rules[0], **values),))


def test_how_many_sentences_can_lead_a_story_elsewhere_is_a_rule_key() -> None:
    loaded, problems = load_rules(
        {
            "rules": [
                {
                    "id": "strike-iraq-syria",
                    "elsewhere_sentences": 0,
                    "countries": ["IQ"],
                    "cues": [{"lexicon": "air_strike"}],
                }
            ]
        },
        "c.toml",
    )
    assert problems == []
    assert loaded.rules[0].elsewhere_sentences == 0
    assert default_rules().rules[0].elsewhere_sentences == 1
    title = "Regional round-up"
    text = (
        "Israeli jets struck a village in southern Lebanon on Monday, the army said. "
        "Separately, an air strike hit a weapons depot in Syria, a war monitor said."
    )
    # The first sentence tells a strike in Lebanon: by default the story is led elsewhere.
    verdict = explain(title, text, default_rules())
    assert verdict.detection is None
    assert any("lowered by elsewhere" in reason for reason in verdict.reasons)
    # With the headline alone able to lead it elsewhere, the strike in Syria counts in full.
    found = detect(title, text, _with_rule(default_rules(), elsewhere_sentences=0))
    assert found is not None and found.fields.countries == ("SY",)


def test_the_share_of_the_best_score_a_lead_strike_needs_is_a_rule_key() -> None:
    title = "Regional round-up"
    text = (
        "A strike hit a bakery in Raqqa on Monday, residents said. "
        "Warplanes carried out an air strike on an arms depot in Deir ez-Zor the same night."
    )
    told_first = detect(title, text, default_rules())
    assert told_first is not None
    assert told_first.fields.places[0].name == "Raqqa"
    # The bare "strike" scores less than the air strike: a share above its ratio passes it by.
    loudest = detect(title, text, _with_rule(default_rules(), lead_strike_share=0.9))
    assert loudest is not None
    assert loudest.fields.places[0].name == "Deir ez-Zor"


@pytest.mark.parametrize(
    ("key", "value", "title", "text", "places"),
    [
        # The base, 29 km from the city, is inside it by default: the finer place leads.
        (
            "inside_km",
            10.0,
            "Drones hit Ramadi",
            "Drones struck Ramadi on Sunday and hit a hangar at Al-Taqaddum air base, police said.",
            ["Al-Taqaddum air base", "Ramadi"],
        ),
        # The town lies in the region's reach by default: it leads before the region.
        (
            "region_km",
            10.0,
            "Drones strike in Kurdistan Region",
            "Drones struck the Kurdistan Region on Monday. The strike hit a farm in Soran.",
            ["Soran", "Kurdistan Region"],
        ),
    ],
)
def test_how_far_a_city_or_region_reaches_are_rule_keys(
    key: str, value: float, title: str, text: str, places: list[str]
) -> None:
    assert getattr(default_rules().rules[0], key) > value
    found = detect(title, text, default_rules())
    assert found is not None
    assert [place.name for place in found.fields.places] == places
    edited = detect(title, text, _with_rule(default_rules(), **{key: value}))
    assert edited is not None
    assert [place.name for place in edited.fields.places] == places[::-1]


_TOLL_STORY = (
    "Jets struck a depot in Raqqa on Monday, a monitor said. {second} "
    "The group said it would respond. Residents said they heard loud blasts. "
    "Smoke rose over the city for hours. Shops stayed closed. {last}"
)


@pytest.mark.parametrize(
    ("key", "value", "second", "last", "killed", "changed"),
    [
        # A toll a few paragraphs down is read, up to toll_sentences.
        (
            "toll_sentences",
            5,
            "The depot was empty at the time.",
            "Three people were killed, a doctor said.",
            3,
            None,
        ),
        # With the headline alone read first, a later strike sentence's toll comes before the
        # lede's.
        (
            "toll_first_sentences",
            1,
            "Four guards were killed, a doctor said.",
            "Another air strike on Raqqa killed nine people, the monitor said.",
            4,
            9,
        ),
    ],
)
def test_the_sentences_a_toll_is_read_from_are_rule_keys(
    key: str, value: int, second: str, last: str, killed: int, changed: int | None
) -> None:
    assert getattr(default_rules().rules[0], key) != value
    text = _TOLL_STORY.format(second=second, last=last)
    found = detect("Jets hit Raqqa depot", text, default_rules())
    assert found is not None and found.fields.killed == killed
    edited = detect("Jets hit Raqqa depot", text, _with_rule(default_rules(), **{key: value}))
    assert edited is not None and edited.fields.killed == changed


def test_all_problems_are_collected_not_just_the_first() -> None:
    table = {
        "lexicons": {"air_strike": ["re:(a+)+", "re:[z-a]"]},
        "guards": {"g": {"terms": ["x"], "scope": "nowhere", "factor": -1}},
        "rules": [
            {
                "id": "r",
                "countries": ["Iraq"],
                "window": "two",
                "cues": [{"lexicon": "missing", "weight": 3}],
            }
        ],
        "colour": "red",
    }
    _, problems = load_rules(table, "c.toml")
    assert {p.path for p in problems} == {
        "lexicons.air_strike[0]",
        "lexicons.air_strike[1]",
        "guards.g.scope",
        "guards.g.factor",
        "rules[0].countries",
        "rules[0].window",
        "rules[0].cues[0].lexicon",
        "rules[0].cues[0].weight",
        "colour",
    }


def test_a_catastrophic_regex_is_refused_at_load() -> None:
    _, problems = load_rules({"lexicons": {"air_strike": ["re:(a+)+$"]}}, "c.toml")
    assert [p.path for p in problems] == ["lexicons.air_strike[0]"]


# --- fields --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "killed", "wounded"),
    [
        ("Air strikes killed 12 people and wounded 30.", 12, 30),
        ("The bombing killed at least 38 civilians and wounded 19.", (38, None), 19),
        ("At least six people were killed and dozens wounded.", (6, None), (24, None)),
        ("More than 20 civilians have been killed, rescuers said.", (20, None), None),
        ("The raid killed between 27 and 80 people.", (27, 80), None),
        ("Shelling killed two to four people.", (2, 4), None),
        ("Three people were killed and five injured.", 3, 5),
        ("Three people killed five injured in a rocket attack.", 3, 5),
        ("Thirteen civilians were killed, state media said.", 13, None),
        ("The bombardment killed twenty-five fighters.", 25, None),
        ("Dozens of people were killed in the raids.", (24, None), None),
        ("On May 3 2016 the strikes hit the town.", None, None),
        ("Scores were wounded when rockets hit the market.", None, (40, None)),
        ("The strikes left 1,500 dead.", 1500, None),
        # No one hurt: no one killed either.
        ("No one was hurt.", 0, 0),
        # Tolls summed: a person and others, a count and others; the others hurt are not dead.
        ("The strike killed the head of the unit and six other fighters.", 7, None),
        ("Strike kills senior commander, 3 others", 4, None),
        ("Air strike kills two soldiers, 3 others", 5, None),
        ("One man was killed and two others sustained injuries.", 1, 2),
        ("The strike killed a driver and 2 others were wounded.", 1, 2),
        # Groups counted together, not an attribution after a comma.
        ("Mortar attack in Syria kills three Britons and a Dane", 4, None),
        ("4 Iraqis, 1 Turkish national killed in drone strike", 5, None),
        ("A soldier and two contractors were killed in the attack.", 3, None),
        ("The strike killed two people, a monitor said.", 2, None),
        ("An airstrike and two rocket attacks killed 5 people.", 5, None),
        # One person without an article, as headlines write it; not a person's guards.
        ("Chemical attack kills child, wounds 600", 1, 600),
        ("Drone strike kills senior militia commander", 1, None),
        ("The strike killed the commander's bodyguards.", None, None),
        ("Dozens of sorties led to the killing of at least a dozen gunmen.", (12, None), None),
        # "Neutralised", as Turkey's defence ministry counts fighters; not drones shot down.
        ('Jets "neutralised" 12 PKK terrorists in northern Iraq.', 12, None),
        ("Air defences neutralised 3 drones.", None, None),
        ("Nine PKK militants were neutralised in air operations.", 9, None),
        ("At least 14 terrorists neutralised in an air operation", (14, None), None),
        # A toll revised or summed up later in the story.
        ("Rockets killed four people. The death toll rose from four to 11.", 11, None),
        ("The strike killed two, raising the toll to five.", 5, None),
        ("Over 30 died. Since then the toll has continued to climb, reaching 33.", 33, None),
        ("More than 30 villagers have been confirmed dead.", (30, None), None),
        ("A total of 14 fighters of the group were killed.", 14, None),
        ("A total of 30 targets were destroyed and six fighters killed.", 6, None),
        # A toll told with the strike between "toll" and its verb (issue #11).
        ("The death toll from Monday's drone strike on the convoy rose to 15.", 15, None),
        ("Toll from air strike on Idlib market rises to nine", 9, None),
        ("The number of people killed in the raid on the market rose to 23.", 23, None),
        ("The toll of the shelling in Hama has climbed to at least 21.", (21, None), None),
        # One person hurt, with an article or without one, as headlines write it (issue #11).
        ("A rocket hit the base, wounding a US contractor.", 0, 1),
        ("Drone attack on airport wounds a contractor", 0, 1),
        ("Rocket attack injures American soldier at base", 0, 1),
        ("The drone injured an off-duty police officer.", 0, 1),
        ("Rockets wound a civilian and two soldiers", 0, 3),
        ("The strike killed a fighter and wounded two others.", 1, 2),
    ],
)
def test_casualties(sentence: str, killed: object, wounded: object) -> None:
    assert fields.casualties([(sentence, 0)]) == (killed, wounded)


CORPUS = Path(__file__).parents[2] / "shared" / "corpus"
_TOLLS = ((fields._KILLED, fields._KILLED_WORDS), (fields._WOUNDED, fields._WOUNDED_WORDS))


def _toll_matches_outside_their_words(sentence: str) -> list[str]:
    """The toll pattern matches in sentence whose own text holds none of the words that let a
    sentence be read for a toll (a piece of a sentence is read too, so the match must hold one)."""
    return [
        match.group()
        for patterns, words in _TOLLS
        for pattern in patterns
        for match in pattern.finditer(sentence)
        if not words.search(match.group())
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Two rocket attacks killed five soldiers and 3 others.",
        "At least 21 people, among them women, have died.",
        "A US security official was reportedly killed.",
        "No casualties were reported; no one was hurt.",
        "No fatalities, and no causalities either.",
        "The strike killed a senior commander of the group.",
        "Chemical attack kills child",
        'Jets "neutralised" 12 PKK terrorists; troops neutralized 4 militants.',
        "The bombing claimed the lives of 10 and left 12 wounded.",
        "Four members lost their lives; one man lost his life.",
        "Killing two Americans and a Briton in the raid.",
        "3 Canadians, 1 Dutch national killed",
        "Twenty-one were martyred and 40 sustained injuries.",
        "The death toll reached seven; eight were slain, nine injured.",
    ],
)
def test_every_toll_match_holds_a_toll_word(sentence: str) -> None:
    assert any(pattern.search(sentence) for patterns, _ in _TOLLS for pattern in patterns)
    assert _toll_matches_outside_their_words(sentence) == []


def test_a_sentence_without_toll_words_is_not_read_for_a_toll() -> None:
    sentence = "Drones struck 3 depots near the airport on Tuesday, a dozen residents said."
    assert not any(words.search(sentence) for _, words in _TOLLS)
    assert fields.casualties([(sentence, 0)]) == (None, None)


def test_no_toll_in_the_corpus_is_matched_outside_the_toll_words() -> None:
    names = ("dev.jsonl", "dev-extra.jsonl", "ar-dev.jsonl", "events-dev.jsonl")
    if not all((CORPUS / name).is_file() for name in names):
        pytest.skip(f"corpus files {names} are absent from {CORPUS}")
    rules = default_rules()
    outside: list[str] = []
    rejected = matched = 0
    for name in names:
        for line in (CORPUS / name).read_text("utf-8").splitlines():
            record = json.loads(line)
            title, text = record.get("title") or "", record.get("text") or ""
            joined = f"{title}\n\n{text}"
            doc = read_document(joined, len(title), tokenize(joined), rules, None)
            for index in range(len(doc.sentences)):
                sentence = doc.sentence_text(index)
                rejected += not any(words.search(sentence) for _, words in _TOLLS)
                matched += any(p.search(sentence) for patterns, _ in _TOLLS for p in patterns)
                outside.extend(_toll_matches_outside_their_words(sentence))
    assert outside == []
    # The check saw real tolls, and many sentences the toll words turn away.
    assert matched > 100 and rejected > 1000, (matched, rejected)


def test_a_provisional_toll_gives_way_to_the_next_one_unless_smaller() -> None:
    first = ("Initial reports said three people were killed in the strike.", 0)
    assert fields.casualties([first, ("Five people were killed, officials said.", 0)])[0] == 5
    assert fields.casualties([first, ("Two people were killed, officials said.", 0)])[0] == 3
    settled = ("Three people were killed in the strike.", 0)
    assert fields.casualties([settled, ("Five people were killed in all.", 0)])[0] == 3


def test_a_toll_over_a_period_gives_way_to_the_strikes_own() -> None:
    said = [
        ("Strikes on the city kill more than 170 civilians", 0),
        ("More than 170 civilians have been killed in the past week, a monitor said.", 0),
        ("At least 42 people were killed on Monday in strikes on two buildings.", 0),
    ]
    assert fields.casualties(said)[0] == (42, None)
    # With no other toll, the period's is what the story gives.
    assert fields.casualties(said[:2])[0] == (170, None)


def test_casualties_prefer_the_count_near_the_strike_and_the_careful_form() -> None:
    sentence = "Six people were killed in a car bombing while 47 people died in air strikes."
    assert fields.casualties([(sentence, sentence.index("air strikes"))])[0] == 47
    said = [("Air strikes kill 22 near Damascus", 0), ("At least 22 civilians were killed.", 0)]
    assert fields.casualties(said)[0] == (22, None)


PUBLISHED = datetime(2019, 3, 14, 9, 30, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(
    ("sentence", "when", "text"),
    [
        ("Air strikes hit the town on Tuesday.", date(2019, 3, 12), "Tuesday"),
        ("Jets struck overnight.", date(2019, 3, 14), "overnight"),
        ("The raid took place yesterday.", date(2019, 3, 13), "yesterday"),
        ("Shelling resumed late today.", date(2019, 3, 14), "late today"),
        ("Rockets fell last night.", date(2019, 3, 13), "last night"),
        ("The strike came on Thursday.", date(2019, 3, 14), "Thursday"),
        ("Planes hit the village last Thursday.", date(2019, 3, 7), "last Thursday"),
        ("On Jan. 8, coalition forces conducted 34 strikes.", date(2019, 1, 8), "Jan. 8"),
        ("Strikes on 19 September killed 20.", date(2018, 9, 19), "19 September"),
        ("The town was hit three days ago.", date(2019, 3, 11), "three days ago"),
        ("Strikes may resume, officials said.", None, None),
        # "Today" in a name is no day: "Baghdad Today reported", "told USA Today that"; at the
        # end of a headline in title case it is.
        ("Drones hit the airport, Baghdad Today reported.", None, None),
        ("A source told USA Today that drones hit the airport.", None, None),
        ("Today, drones hit the airport.", date(2019, 3, 14), "Today"),
        ("Iraqi Jets Bomb Arms Depot In Tikrit Today", date(2019, 3, 14), "Today"),
    ],
)
def test_event_date_resolves_against_publication(
    sentence: str, when: date | None, text: str | None
) -> None:
    assert fields.event_date([sentence], PUBLISHED) == (when, text)


@pytest.mark.parametrize(
    ("title", "target"),
    [
        ("Air strikes hit a market in Albu Kamal", "a market"),
        ("A US gunship attacked militia positions in Najaf", "militia positions"),
        ("Israeli missile strike on an arms depot near Damascus", "an arms depot"),
    ],
)
def test_target_is_what_the_strike_words_hit(title: str, target: str) -> None:
    found = detect(title, "", default_rules())
    assert found is not None
    assert found.fields.target == target


@pytest.mark.parametrize(
    ("background", "day", "stated"),
    [
        # No cue fired in it, but it names the strike's town and an attack: the strike's day.
        (
            "Residents of Tikrit reported explosions as the depot came under attack on Tuesday.",
            "Tuesday",
            True,
        ),
        # A sentence that names an earlier strike, an attack to come or another town tells
        # no day of this strike: the day is the lead's other sentence's, "Monday", not held
        # firmly.
        ("Residents of Tikrit reported explosions after an attack on Tuesday.", "Monday", False),
        ("The army said the raid answered an attack on Tikrit on Tuesday.", "Monday", False),
        ("Militants vowed to attack Tikrit again on Tuesday.", "Monday", False),
        (
            "Residents of Basra reported explosions as a depot came under attack on Tuesday.",
            "Monday",
            False,
        ),
    ],
)
def test_the_day_is_the_strikes_when_a_sentence_names_its_place_and_an_attack(
    background: str, day: str, stated: bool
) -> None:
    text = (
        "Iraqi jets bombed an arms depot in Tikrit, the army said. "
        "The council said that the new budget would be approved on Monday. "
        f"{background}"
    )
    found = detect("Jets bomb arms depot in Tikrit", text, default_rules(), PUBLISHED)
    assert found is not None
    when = {"Monday": date(2019, 3, 11), "Tuesday": date(2019, 3, 12)}
    assert (found.fields.event_date_text, found.fields.event_date_stated) == (day, stated)
    assert found.fields.event_date == when[day]


@pytest.mark.parametrize(
    ("page", "summary", "day", "stated"),
    [
        # The page counts the day from publication; the feed's summary of the same strike
        # names it: the named day is the strike's.
        (
            "Jets struck an arms depot in Tikrit overnight, the army said.",
            "Iraqi jets bombed an arms depot in Tikrit early on Monday.",
            date(2019, 3, 11),
            True,
        ),
        # A summary that names the day of a strike elsewhere tells nothing of this one.
        (
            "Jets struck an arms depot in Tikrit overnight, the army said.",
            "Iraqi jets bombed an arms depot in Mosul early on Monday.",
            date(2019, 3, 14),
            False,
        ),
        # The page names a day of its own: it stands.
        (
            "Jets struck an arms depot in Tikrit on Wednesday, the army said.",
            "Iraqi jets bombed an arms depot in Tikrit early on Monday.",
            date(2019, 3, 13),
            True,
        ),
        # A summary that names no place of the page's strike may tell of another strike.
        (
            "Jets struck an arms depot in Tikrit overnight, the army said.",
            "The raid came after jets bombed a depot on Monday.",
            date(2019, 3, 14),
            False,
        ),
        # A summary with no day changes nothing.
        (
            "Jets struck an arms depot in Tikrit overnight, the army said.",
            "Iraqi jets bombed an arms depot in Tikrit.",
            date(2019, 3, 14),
            False,
        ),
    ],
)
def test_a_page_without_a_named_day_takes_the_one_its_feed_summary_names(
    page: str, summary: str, day: date, stated: bool
) -> None:
    title = "Jets bomb arms depot in Tikrit"
    found = detect(title, page, default_rules(), PUBLISHED)
    assert found is not None
    dated = with_stated_day(found, title, summary, default_rules(), PUBLISHED)
    assert (dated.fields.event_date, dated.fields.event_date_stated) == (day, stated)
    assert dated.fields.places == found.fields.places  # only the day is the summary's


def test_event_date_without_publication_keeps_the_words() -> None:
    assert fields.event_date(["Jets struck on Sunday."], None) == (None, "Sunday")


def test_a_huge_text_is_cut_and_read_quickly() -> None:
    rules = default_rules()
    paragraph = "Warplanes bombed the town of Saraqeb in Idlib province, killing nine people. "
    text = paragraph * (1_000_000 // len(paragraph))
    verdict = explain("Warplanes bomb Idlib", text, rules)
    assert verdict.detection is not None
    assert verdict.reasons[0].startswith(f"text cut from {len(text)} to 20000 characters")


def test_user_places_and_aliases_join_the_gazetteer() -> None:
    table = {
        "places": [
            {
                "name": "Tall Shifa Farm",
                "country": "IQ",
                "governorate": "Nineveh",
                "lat": 36.2,
                "lon": 42.9,
                "kind": "village",
                "aliases": ["Tel Shifa Farms"],
            }
        ],
        "aliases": {"gn:98182": ["the Round City"]},
    }
    rules, problems = load_rules(table, "c.toml")
    assert problems == []
    found = detect("Air strike hits Tel Shifa Farms", "", rules)
    assert found is not None
    (place,) = found.fields.places
    assert (place.id, place.name, place.country, place.governorate) == (
        "user:tall-shifa-farm",
        "Tel Shifa Farms",
        "IQ",
        "Nineveh",
    )
    found = detect("Rockets hit the Round City overnight", "", rules)
    assert found is not None and found.fields.places[0].id == "gn:98182"
    assert detect("Air strike hits Tel Shifa Farms", "", default_rules()) is None


def test_user_places_problems_name_their_key_paths() -> None:
    table = {
        "places": [
            {"name": "", "country": "IQ"},
            {"name": "A", "country": "Iraq"},
            {"name": "B", "country": "SY", "lat": 200, "kind": "hamlet", "governorate": "Mars"},
            "C",
        ],
        "aliases": {"no-such-id": ["X"], "gn:98182": "Baghdad"},
    }
    _, problems = load_rules(table, "c.toml")
    paths = {problem.path for problem in problems}
    assert paths == {
        "places[0].name",
        "places[1].country",
        "places[2].lat",
        "places[2].kind",
        "places[2].governorate",
        "places[3]",
        "aliases.no-such-id",
        "aliases.gn:98182",
    }


def test_place_names_are_shown_as_the_press_writes_them() -> None:
    found = detect("Drone strike in al-Qaim", "", default_rules())
    assert found is not None
    assert found.fields.places[0].name == "al-Qaim"
    near = detect("Drone strike near al-Qaim", "", default_rules())
    assert near is not None
    assert near.fields.places[0].name == "near al-Qaim"
    shouted = detect("AIR STRIKES HIT SINJAR", "", default_rules())
    assert shouted is None or all(p.name.isascii() for p in shouted.fields.places)
    arabic = detect("Air strike hits القائم", "", default_rules())
    assert arabic is not None and arabic.fields.places[0].name.isascii()


def _mosul_strike_on(weekday: str) -> Verdict:
    return explain(
        "Air strike hits Mosul",
        f"Warplanes struck a depot in Mosul on {weekday}, killing two people, officials said.",
        default_rules(),
        datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_a_weekday_with_a_turkish_dotted_capital_i_is_still_a_weekday() -> None:
    verdict = _mosul_strike_on("FRİDAY")
    assert verdict.detection is not None
    assert verdict.detection.fields.event_date == date(2025, 12, 26)


def test_a_regex_that_fails_only_when_compiled_is_a_config_problem() -> None:
    _, problems = load_rules({"lexicons": {"air_strike": ["re:(?<=air|drone )strike"]}}, "c.toml")
    assert [p.path for p in problems] == ["lexicons.air_strike[0]"]
    assert "look-behind" in problems[0].message


def test_a_weekday_with_a_dotless_i_does_not_stop_the_detection() -> None:
    verdict = _mosul_strike_on("FRıDAY")
    assert verdict.detection is not None


@pytest.mark.parametrize(
    ("title", "target"),
    [
        ("Air strikes reported on rebel positions in Idlib", "rebel positions"),
        ("Air raids launched on militia depots near Albu Kamal", "militia depots"),
        ("Strikes carried out against smuggling routes in Anbar", "smuggling routes"),
        ("Strikes reported in Deir ez-Zor killed three", None),
    ],
)
def test_the_target_follows_a_reporting_verb(title: str, target: str | None) -> None:
    found = detect(title, "", default_rules())
    assert found is not None
    assert found.fields.target == target


def test_a_lower_case_headline_is_read_in_title_case_and_reported_as_given() -> None:
    assert recase_headline("the us bombs depots in syria") == "The US Bombs Depots In Syria"
    assert recase_headline("us-led jets strike raqqa") == "US-Led Jets Strike Raqqa"
    # "us" after a verb is the pronoun; a headline with a capital is left as written.
    assert recase_headline("iran tells us to leave") == "Iran Tells Us To Leave"
    assert recase_headline("US jets strike depots in syria") == "US jets strike depots in syria"
    found = detect("the us bombs militia depots near homs", "", default_rules())
    assert found is not None and found.fields.actor == "United States"
    assert found.evidence == ("the us bombs militia depots near homs",)
    assert {m.text for m in found.mentions} >= {"us", "homs"}
    # In prose "us" stays the pronoun.
    prose = detect("Depots hit", "Jets struck depots near Homs, one of us saw.", default_rules())
    assert prose is None or prose.fields.actor is None
