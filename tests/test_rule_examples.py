"""Rule examples: the shipped ones pass, `watcher check` fails on a failing one and names it with
its explanation, field expectations are compared, and bad example tables are reported at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.cli import main
from watcher.config import parse_config
from watcher.detection import default_rules, load_rules
from watcher.errors import ConfigError
from watcher.evaluation import run_examples

FEED = '[[feeds]]\nurl = "https://news.example/feed.xml"\n'

# Invented reports for these tests, in the style of wire copy.
# An example that expects the wrong thing, as an analyst might write it: the rules are right
# not to fire on a labour strike, so `watcher check` must fail and say why they did not fire.
WRONG_EXAMPLE = """
[[detection.examples]]
name = "oil-workers-walk-out"
title = "Oil workers go on strike in Basra"
text = "Hundreds of oil workers in Basra went on strike on Sunday over unpaid wages."
fires = true
why = "the workers' strike stops the oil fields"
"""

PLAIN_FIELDS = (
    'strike_type = "missile_rocket", place = "Kirkuk", country = "IQ", killed = 4, wounded = 9'
)


def plain_strike(fields: str | None = PLAIN_FIELDS, fires: str = "true") -> str:
    """A rocket attack in Kirkuk that the shipped rules report, with the fields expected."""
    return f"""
[[detection.examples]]
name = "rockets-on-kirkuk"
title = "Rocket attack kills four in Kirkuk"
text = "Rockets slammed into Kirkuk on Monday, killing four people and wounding nine, police said."
fires = {fires}
""" + (f"fields = {{ {fields} }}\n" if fields is not None else "")


def _check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    config = tmp_path / "config.toml"
    config.write_text(FEED + text)
    code = main(["-c", str(config), "check"])
    return code, capsys.readouterr().out


def test_the_shipped_examples_pass_and_cover_the_hard_kinds() -> None:
    results = run_examples(default_rules())
    assert [r.example.name for r in results if r.failures] == []
    names = " ".join(r.example.name for r in results)
    for kind in ("threat", "denial", "interception", "teachers-strike", "football", "lebanon"):
        assert kind in names, kind
    fires = [r.example.fires for r in results]
    assert fires.count(True) >= 5 and fires.count(False) >= 8
    assert all(r.example.file == "default_rules.toml" for r in results)


def test_check_fails_on_a_failing_example_and_explains_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _check(tmp_path, WRONG_EXAMPLE + plain_strike(), capsys)
    assert code == 1, out
    shipped = len(default_rules().examples)
    assert f"examples: {shipped + 1} of {shipped + 2} pass" in out
    assert f"FAIL oil-workers-walk-out ({tmp_path / 'config.toml'})" in out
    assert "expected to fire; the rules did not fire" in out
    assert "the example says: the workers' strike stops the oil fields" in out
    # The explanation of the verdict: the rule, the cue and place, and the guard that lowered it.
    assert "strike-iraq-syria: did not fire" in out
    assert "Basra (IQ)" in out
    assert "lowered by labour (“went on strike”" in out
    assert "FAIL rockets-on-kirkuk" not in out


def test_check_passes_when_every_example_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _check(tmp_path, plain_strike(), capsys)
    assert code == 0, out
    shipped = len(default_rules().examples)
    assert f"examples: {shipped + 1} of {shipped + 1} pass" in out
    assert "FAIL" not in out


def test_a_user_example_replaces_the_shipped_one_of_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An analyst who makes the rules fire on strikes in Lebanon says so in the example too.
    text = """
[[detection.rules]]
id = "strike-lebanon"
countries = ["LB"]
[[detection.rules.cues]]
lexicon = "air_strike"
weight = 0.9
strike_type = "air_drone"

[[detection.examples]]
name = "strike-in-lebanon"
title = "Israeli air strike hits town in south Lebanon"
text = "An Israeli air strike hit a house in Nabatieh in southern Lebanon, killing two people."
fires = true
rule = "strike-lebanon"
fields = { country = "LB", killed = 2 }
"""
    code, out = _check(tmp_path, text, capsys)
    assert code == 0, out
    shipped = len(default_rules().examples)
    assert f"examples: {shipped} of {shipped} pass" in out


def test_defaults_false_drops_the_shipped_examples() -> None:
    rules, problems = load_rules({"defaults": False, "examples": []}, "mine.toml")
    assert problems == [] and rules.examples == ()


def _failures(example: str) -> tuple[str, ...]:
    rules = parse_config(FEED + example, "config.toml").rules
    [result] = [r for r in run_examples(rules) if r.example.file == "config.toml"]
    return result.failures


@pytest.mark.parametrize(
    ("fields", "failure"),
    [
        ('strike_type = "shelling"', "strike type: expected shelling, got missile_rocket"),
        ('place = "Mosul"', "first place: expected Mosul, got Kirkuk (gn:94787)"),
        ('country = "SY"', "country: expected SY, got IQ"),
        ('actor = "Turkey"', "actor: expected Turkey, got unknown"),
        ("killed = [5, 8]", "killed: expected 5 to 8, got 4"),
        ('wounded = "at least 9"', "wounded: expected at least 9, got 9"),
    ],
)
def test_each_expected_field_is_compared(fields: str, failure: str) -> None:
    assert _failures(plain_strike(fields)) == (failure,)


@pytest.mark.parametrize("place", ["KIRKUK", "gn:94787"])
def test_the_place_may_be_given_in_any_case_or_by_its_id(place: str) -> None:
    assert _failures(plain_strike(PLAIN_FIELDS.replace('"Kirkuk"', f'"{place}"'))) == ()


def test_a_denial_and_a_strike_that_should_not_fire() -> None:
    denial = """
[[detection.examples]]
name = "denied"
title = "Coalition denies carrying out air strike near Raqqa, Syria"
fires = false
denial = false
"""
    assert _failures(denial) == ("expected no denial; got one",)
    [failure] = _failures(plain_strike(None, fires="false"))
    assert failure.startswith("expected not to fire; rule strike-iraq-syria fired, score ")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"expect": "1"}, "expect: unknown key"),
        ({"name": '"Big Name"'}, "name: must be a lower-case name"),
        ({"fires": '"yes"'}, "fires: must be true or false (got 'yes')"),
        ({"title": None}, "title: an example needs a title or a text"),
        ({"fires": "false", "fields": "{ killed = 1 }"}, "fields: is checked only on an example"),
        ({"fields": '{ actor = "USA" }'}, "fields.actor: unknown actor (got 'USA'); use one of: "),
        ({"fields": "{ killed = -2 }"}, "fields.killed: must be a casualty figure (got -2)"),
        ({"fields": '{ country = "Iraq" }'}, "fields.country: must be an ISO 3166 alpha-2 code"),
        ({"rule": '"other"'}, "rule: unknown rule (got 'other'); known: strike-iraq-syria"),
        ({"denial": "true"}, "denial: a denial is not a strike report"),
    ],
)
def test_bad_examples_are_reported_at_load(change: dict[str, str | None], problem: str) -> None:
    keys = {"name": '"x"', "title": '"t"', "fires": "true", **change}
    example = "".join(f"{key} = {value}\n" for key, value in keys.items() if value is not None)
    with pytest.raises(ConfigError) as caught:
        parse_config(f"{FEED}\n[[detection.examples]]\n{example}", "bad.toml")
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"bad.toml: detection.examples[0].{problem}"), messages


def test_two_examples_of_one_name_are_reported() -> None:
    twice = '[[detection.examples]]\nname = "x"\ntitle = "t"\nfires = false\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(FEED + twice + twice, "bad.toml")
    assert [str(p) for p in caught.value.problems] == [
        "bad.toml: detection.examples[1].name: duplicate example name (got 'x'); "
        "give each example its own name"
    ]


def test_the_readme_examples_load_and_pass() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("### Rules and their examples") :]
    block = section[section.index("```toml\n") + 8 : section.index("```\n", 8)]
    rules = parse_config(FEED + block, "readme.toml").rules
    mine = [r for r in run_examples(rules) if r.example.file == "readme.toml"]
    assert [(r.example.name, r.failures) for r in mine] == [
        ("teachers-strike-erbil", ()),
        ("drone-strike-sinjar", ()),
    ]
