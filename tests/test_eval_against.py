"""`watcher eval FILE --against OTHER_RULES.toml`: the records two rule sets read differently
(verdict or fields), each explained, and both sets' scores, on a labelled fixture written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watcher.cli import main

RECORDS = Path(__file__).parent / "data" / "rule_edit_records.jsonl"

# An edit that fixes one miss (a phrase the shipped lexicons lack), breaks one economy story (a
# strike word that is also a figure's goal) and moves one alert's place (a village the gazetteer
# lacks).
EDIT = """
[lexicons]
air_strike = ["kinetic engagement*"]
strike_word = ["target", "targets"]

[[places]]
name = "Tall Shifa"
country = "IQ"
governorate = "Nineveh"
kind = "village"
"""


def _eval(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["-c", str(tmp_path / "absent.toml"), "eval", str(RECORDS), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_json_lists_each_changed_record_and_both_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "edited.toml"
    other.write_text(EDIT)
    code, out = _eval(tmp_path, capsys, "--against", str(other), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["records"] == 8
    assert report["before"]["rules"] == "the shipped rules"
    assert report["after"]["rules"] == f"the rules of {other}"
    counts = ("tp", "fp", "fn", "tn")
    assert [report["before"]["all"][n] for n in counts] == [3, 0, 1, 4]
    assert [report["after"]["all"][n] for n in counts] == [4, 1, 0, 3]
    assert [report["before"]["certain"][n] for n in counts] == [2, 0, 1, 4]
    assert report["after"]["all"]["recall"] == 1.0
    changes = {change["id"]: change for change in report["changes"]}
    assert {key: change["effect"] for key, change in changes.items()} == {
        "kinetic-hajin": "fixed",
        "drone-tall-shifa": "fields",
        "oil-target-basra": "broken",
    }
    fixed = changes["kinetic-hajin"]
    assert (fixed["before"]["verdict"], fixed["after"]["verdict"]) == ("none", "strike")
    assert fixed["label"] is True and fixed["after"]["strike_type"] == "air_drone"
    assert any("kinetic engagement" in reason for reason in fixed["after"]["reasons"])
    moved = changes["drone-tall-shifa"]
    assert moved["title"] == "Drone strike hits car in Tall Shifa, Nineveh province"
    assert moved["before"]["place"] != moved["after"]["place"] == "Tall Shifa (IQ)"
    assert moved["before"]["killed"] == moved["after"]["killed"] == 2
    broken = changes["oil-target-basra"]
    assert broken["label"] is False and broken["after"]["verdict"] == "strike"
    assert broken["kind"] == "economy"


def test_text_shows_scores_side_by_side_and_explains_each_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "edited.toml"
    other.write_text(EDIT)
    code, out = _eval(tmp_path, capsys, "--against", str(other))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[:2] == ["before: the shipped rules", f"after:  the rules of {other}"]
    assert " ".join(lines[3].split()) == "all records before 1.000 0.750 0.857 3 0 1 4"
    assert " ".join(lines[4].split()) == "after 0.800 1.000 0.889 4 1 0 3"
    assert "3 of 8 records read differently: 1 fixed, 1 broken, 1 with other fields" in out
    assert (
        "- oil-target-basra [economy] broken, labelled not a strike: "
        "Iraq meets oil export target as Basra terminals expand" in lines
    )
    assert "    before: no strike" in lines
    assert any(
        line.startswith("    why after:") and "“target”" in line and "Basra (IQ)" in line
        for line in lines
    )
    assert "rockets-anbar" not in out and "football-basra" not in out


def test_the_same_rules_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A full copy of the shipped rules, read alone: every record reads as before.
    shipped = Path(__file__).resolve().parent.parent / "watcher" / "detection"
    copy = tmp_path / "copy.toml"
    copy.write_text("defaults = false\n" + (shipped / "default_rules.toml").read_text())
    code, out = _eval(tmp_path, capsys, "--against", str(copy), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["changes"] == []
    assert report["before"]["all"] == report["after"]["all"]


def test_a_config_file_is_compared_by_its_detection_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "other-config.toml"
    detection = EDIT.replace("[lexicons]", "[detection.lexicons]").replace(
        "[[places]]", "[[detection.places]]"
    )
    config.write_text('[[feeds]]\nurl = "https://news.example/feed.xml"\n' + detection)
    code, out = _eval(tmp_path, capsys, "--against", str(config), "--json")
    assert code == 0, out
    assert len(json.loads(out)["changes"]) == 3


def test_a_bad_rules_file_is_reported_with_its_key_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "bad.toml"
    other.write_text(
        'disable = ["no-such-guard"]\n[guards.x]\nscope = "paragraph"\nterms = ["y"]\n'
    )
    code, out = _eval(tmp_path, capsys, "--against", str(other))
    assert code == 2
    assert f"{other}: disable[0]: no rule or guard by that id" in out
    assert f"{other}: guards.x.scope: unknown scope (got 'paragraph')" in out
    code, out = _eval(tmp_path, capsys, "--against", str(tmp_path / "missing.toml"))
    assert code == 2 and f"{tmp_path / 'missing.toml'}: does not exist" in out


def test_against_and_predictions_are_one_or_the_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        _eval(tmp_path, capsys, "--against", "x.toml", "--predictions", "p.jsonl")
    assert done.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
