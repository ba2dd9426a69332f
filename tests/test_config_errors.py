"""Broken config files through `watcher check` and a live reload (reliability.md B9 K1-K5, B8 P6).

Each case is one file with one kind of mistake; `watcher check` must exit 2, print no traceback,
and name every problem by its key path (or its line and column for a TOML syntax error). A file
with many mistakes reports all of them in one run. A daemon asked to reload any of these files
keeps the config it has.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from watcher.cli import main
from watcher.config import load_config
from watcher.daemon import Daemon
from watcher.store import open_store

FEED = '[[feeds]]\nurl = "https://news.example/rss.xml"\n'

# (case id, file text, what the output must name: one entry per expected problem)
BROKEN: list[tuple[str, str, list[str]]] = [
    (
        "toml-unclosed-inline-table",
        '[[feeds]]\nurl = "https://news.example/rss.xml"\ntags = { a = 1, b =\n',
        ["line 3, column 20"],
    ),
    (
        "toml-table-declared-twice",
        FEED + '[targets.slack]\nurl = "json://a.example"\n[targets.slack]\nurl = "json://b"\n',
        ["line 5, column"],
    ),
    ("unknown-top-level-key", FEED + "[watchr]\nworkers = 4\n", ["watchr: unknown key"]),
    ("unknown-feed-key", FEED + 'intervall = "10m"\n', ["feeds[0].intervall: unknown key"]),
    ("bad-type-interval", FEED + "interval = true\n", ["feeds[0].interval: must be a duration"]),
    ("bad-type-tags", FEED + "tags = 3\n", ["feeds[0].tags:"]),
    ("interval-under-60s", FEED + 'interval = "30s"\n', ["feeds[0].interval: is shorter than 60"]),
    (
        "default-interval-under-60s",
        "[watcher]\ndefault_interval = 10\n" + FEED,
        ["watcher.default_interval: is shorter than 60"],
    ),
    ("no-feeds", "[watcher]\nworkers = 4\n", ["feeds: no feeds are configured"]),
    ("empty-feed-list", "feeds = []\n", ["feeds: no feeds are configured"]),
    ("feed-not-http", '[[feeds]]\nurl = "ftp://news.example/rss"\n', ["feeds[0].url:"]),
    ("feed-repeated", FEED + FEED, ["feeds[1].url: repeats feeds[0]"]),
    ("jitter-out-of-range", "[watcher]\njitter = 2\n" + FEED, ["watcher.jitter:"]),
    (
        "allow-private-not-a-cidr",
        '[watcher]\nallow_private_networks = ["localhost"]\n' + FEED,
        ["watcher.allow_private_networks:"],
    ),
    (
        "route-to-unknown-target",
        FEED + '[targets.slack]\nurl = "json://a.example"\n[[routes]]\ntargets = ["pager"]\n',
        ["routes[0].targets: names no configured target"],
    ),
    (
        "route-to-unknown-rule",
        FEED
        + '[targets.slack]\nurl = "json://a.example"\n'
        + '[[routes]]\ntargets = ["slack"]\nrules = ["no-such-rule"]\n',
        ["routes[0].rules: names no rule"],
    ),
    (
        "target-unknown-format",
        FEED + '[targets.slack]\nurl = "json://a.example"\nformat = "pdf"\n',
        ["targets.slack.format:"],
    ),
    (
        "target-env-unset",
        FEED + '[targets.slack]\nenv = "WATCHER_TEST_SURELY_UNSET"\n',
        ["targets.slack.env:"],
    ),
    (
        "target-apprise-cannot-use",
        FEED + '[targets.email]\nurl = "mailtos://mail.example:587/?to=a@b.example&from=Desk"\n',
        ["targets.email.url: apprise cannot use the URL: Invalid ~From~ email specified"],
    ),
    (
        "place-latitude-out-of-range",
        FEED + '[[detection.places]]\nname = "Tall Nowhere"\ncountry = "IQ"\nlat = 96.2\n',
        ["detection.places[0].lat: must be a number from -90 to 90 (got 96.2)"],
    ),
    (
        "route-matchers-that-name-nothing",
        FEED
        + 'tags = ["wire"]\n[targets.slack]\nurl = "json://a.example"\n'
        + '[[routes]]\ntargets = ["slack"]\ncountries = ["Iraq"]\n'
        + 'governorates = ["anbar"]\ntags = ["wires"]\nmin_score = 5\n',
        [
            "routes[0].countries: is not an ISO 3166 alpha-2 country code (got 'IRAQ')",
            "routes[0].governorates: names no governorate of the gazetteer (got 'anbar'); "
            "write 'Anbar'",
            "routes[0].tags: is a tag no feed has (got 'wires'); use one of: wire",
            "routes[0].min_score: must be between 0 and 1",
        ],
    ),
    (
        "counts-and-durations-out-of-limits",
        '[watcher]\nworkers = 100000\nretention = "1h"\nsilent_after = "5m"\n'
        + FEED
        + '[delivery]\nretry_initial = "2h"\nretry_max = "1h"\nmax_attempts = 100000\n'
        + 'target_failing_after = "10s"\n',
        [
            "watcher.workers: must be a whole number from 1 to 256",
            "watcher.retention: must be at least 1d",
            "watcher.silent_after: must be at least 1h",
            "delivery.max_attempts: must be a whole number from 1 to 1000",
            "delivery.retry_max: is shorter than retry_initial",
            "delivery.target_failing_after: must be at least 1m",
        ],
    ),
    ("delivery-timeout-zero", FEED + "[delivery]\ntimeout = 0\n", ["delivery.timeout:"]),
    ("events-bad-type", FEED + '[events]\nwindow_hours = "long"\n', ["events.window_hours:"]),
    (
        "events-common-wording-of-one",
        FEED + "[events]\ncommon_wording_events = 1\n",
        ["events.common_wording_events: must be a whole number ≥ 3"],
    ),
    (
        "events-unknown-change-kind",
        FEED + '[events]\nupdate_on = ["casualties", "outlets"]\n',
        ["events.update_on: names no kind of change: outlets"],
    ),
    (
        "events-lists-of-names",
        FEED
        + '[events]\nactor_groups = [["russia"], []]\ntarget_sides = "us"\n'
        + 'local_actors = { Syria = "syrian government" }\n',
        [
            "events.actor_groups: must be a list of lists of names, each list with at least one",
            "events.target_sides: must be a list of lists of names",
            "events.local_actors: must be a table of ISO 3166 alpha-2 country code = actor name",
        ],
    ),
    (
        "events-words",
        FEED + '[events.words]\nfurther = "another"\nagain = ["re:again|anew"]\nmore = []\n',
        [
            "events.words.further: must be a list of words",
            "events.words.again: must be a list of words or phrases of words apart by single "
            "spaces, a trailing * matching any ending (no regular expressions) "
            "(got ['re:again|anew'])",
            "events.words.more: unknown key",
        ],
    ),
    (
        "events-side-by-another-name",
        FEED + '[events]\ntarget_sides = [["American", "us base"]]\n',
        [
            "events.target_sides[0]: names the actor group of 'united states' by another of its "
            "names (got 'american'); write 'united states'"
        ],
    ),
    (
        "route-unknown-change-kind",
        FEED
        + '[targets.slack]\nurl = "json://a.example"\n'
        + '[[routes]]\ntargets = ["slack"]\nupdate_on = "corroborated"\n',
        ["routes[0].update_on: names no kind of change: corroborated"],
    ),
    (
        "bad-regex-in-user-lexicon",
        FEED + '[detection.lexicons]\nair_strike = ["re:(unclosed"]\n',
        ["detection.lexicons.air_strike[0]: bad regular expression"],
    ),
    (
        "catastrophic-regex",
        FEED + '[detection.lexicons]\nmine = ["re:(a+)+$"]\n',
        ["detection.lexicons.mine[0]: regular expression can backtrack catastrophically"],
    ),
    (
        "rule-duplicate-id-and-bad-values",
        FEED
        + '[[detection.rules]]\nid = "mine"\ncountries = ["IQ"]\nthreshold = "high"\n'
        + '[[detection.rules.cues]]\nlexicon = "air_strike"\nweight = 1.0\n'
        + '[[detection.rules]]\nid = "mine"\ncountries = ["IQ"]\n'
        + '[[detection.rules.cues]]\nlexicon = "nope"\nweight = 1.0\n',
        [
            "detection.rules[0].threshold: must be a number",
            "detection.rules[1].id: duplicate rule id",
            "detection.rules[1].cues[0].lexicon: unknown lexicon",
        ],
    ),
    ("detection-unknown-key", FEED + "[detection]\nrulez = []\n", ["detection.rulez: unknown key"]),
    (
        "seven-seeded-errors",
        "[watcher]\njitter = 2\nfetch_timeout = 0\n"
        '[[feeds]]\nurl = "gopher://x"\n'
        '[[feeds]]\nurl = "https://news.example/a"\ninterval = "5s"\nnmae = "typo"\n'
        '[targets.slack]\nurl = "json://a.example"\nformat = "pdf"\n'
        '[[routes]]\ntargets = ["pager"]\n',
        [
            "watcher.jitter:",
            "watcher.fetch_timeout:",
            "feeds[0].url:",
            "feeds[1].interval:",
            "feeds[1].nmae: unknown key",
            "targets.slack.format:",
            "routes[0].targets:",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_check_reports_every_problem_with_its_path_and_exits_2(
    text: str, expected: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    assert main(["-c", str(config), "check"]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    reported = int(re.search(r"has (\d+) problem", err).group(1))  # type: ignore[union-attr]
    assert reported == len(expected), err
    for needle in expected:
        assert needle in err, (needle, err)


def test_a_good_file_passes_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: the base of every broken case is itself fine."""
    config = tmp_path / "config.toml"
    config.write_text(FEED + '[targets.slack]\nurl = "json://a.example"\n')
    assert main(["-c", str(config), "check"]) == 0
    assert "ok" in capsys.readouterr().out


def test_p6_a_broken_reload_keeps_the_old_config_and_reports_everything(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    config = tmp_path / "config.toml"
    good = FEED
    config.write_text(good)
    loaded = load_config(config)
    daemon = Daemon(config, loaded, open_store(loaded.settings.database))
    caplog.set_level(logging.ERROR, logger="watcher.daemon")
    for _, text, expected in BROKEN:
        caplog.clear()
        config.write_text(text)
        assert daemon.reload() is False
        assert daemon.ctx.config is loaded, "the old config stays in force"
        message = "\n".join(r.getMessage() for r in caplog.records)
        assert "reload failed; keeping the previous config" in message
        for needle in expected:
            assert needle in message, (needle, message)
    config.write_text(good.replace("rss.xml", "other.xml"))
    assert daemon.reload() is True
    assert daemon.ctx.config.feeds[0].url.endswith("other.xml")


def test_a_silence_must_name_a_rule_the_config_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[watcher]\nstate_directory = "{tmp_path}"\n' + FEED)
    assert main(["-c", str(config), "silence", "add", "--rule", "no-such-rule"]) == 2
    assert "no rule named 'no-such-rule'; the config has: " in capsys.readouterr().err
    assert main(["-c", str(config), "silence", "list"]) == 0
    assert capsys.readouterr().out == "", "nothing was added"
