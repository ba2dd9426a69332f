"""The command line: every command has help, errors come out as one clean message, and the demo
alerts on its strike stories and on nothing else."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.receivers import HttpReceiver, SmtpReceiver
from watcher.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    "run",
    "demo",
    "check",
    "try",
    "eval",
    "feeds",
    "alerts",
    "events",
    "send-test",
    "import-opml",
    "silence",
    "discover",
    "db",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"watcher {command}" in out
    assert len(out.splitlines()) >= 3


def test_the_readme_lists_every_command() -> None:
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert sorted(subparsers.choices) == sorted(COMMANDS)  # type: ignore[attr-defined]
    for command in COMMANDS:
        assert f"`watcher {command}" in readme, command


def test_check_reports_a_bad_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[[feeds]]\nurl = "https://a.example/f"\ninterval = 5\nintervall = 3\n')
    assert main(["-c", str(config), "check"]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err
    assert f"{config}: feeds[0].interval" in err
    assert f"{config}: feeds[0].intervall: unknown key" in err


def test_demo_alerts_on_its_strike_stories_only() -> None:
    from watcher.demo import load_stories, run_demo

    out = io.StringIO()
    assert run_demo(out=out) == 0
    text = out.getvalue()
    _, stories = load_stories()
    strikes = [s for s in stories if s.phase == 2 and s.strike]
    quiet = [s for s in stories if not s.strike]
    alerts = re.findall(r"^─+\n(.*)\n─+$", text, re.MULTILINE)
    assert alerts, text
    # Two outlets report the Jurf al-Sakhar strike: one alert and one update at most.
    assert len(strikes) - 1 <= len(alerts) <= len(strikes)
    for story in strikes:
        assert story.title in text, story.title
    for story in quiet:
        assert story.title not in text, story.title


def test_eval_prints_json_figures(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    lines = [
        {
            "id": "a",
            "title": "US air strikes hit militia sites near Al Qaim in western Iraq",
            "text": "US warplanes struck two depots near Al Qaim overnight, officials said.",
            "label": True,
            "kind": "airstrike",
        },
        {
            "id": "b",
            "title": "Teachers in Erbil strike over unpaid salaries",
            "text": "Thousands of teachers went on strike on Sunday.",
            "label": False,
            "kind": "labor_strike",
        },
    ]
    records.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "watcher",
            "-c",
            str(tmp_path / "none.toml"),
            "eval",
            str(records),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for member in ("all", "certain"):
        assert set(report[member]) >= {"precision", "recall", "f1", "tp", "fp", "fn", "tn"}
    assert (report["all"]["tp"], report["all"]["tn"]) == (1, 1)


def test_discover_and_import_opml_print_feed_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import tomllib

    from tests.httpserver import LoopbackServer
    from watcher.config import parse_config

    config = tmp_path / "c.toml"
    config.write_text(
        '[watcher]\nallow_private_networks = ["127.0.0.1/32"]\n'
        '[[feeds]]\nurl = "https://a.example/f"\n'
    )
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/world/rss.xml">'
        b'<link rel="alternate" type="application/atom+xml" href="https://b.example/atom">'
        b"</head><body>News</body></html>"
    )
    with LoopbackServer() as server:
        server.routes["/world/"] = (200, {"Content-Type": "text/html"}, page)
        assert main(["-c", str(config), "discover", server.url("/world/")]) == 0
        found = tomllib.loads(capsys.readouterr().out)["feeds"]
        assert [f["url"] for f in found] == [server.url("/world/rss.xml"), "https://b.example/atom"]

    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="Wire &quot;World&quot;" xmlUrl="https://c.example/rss"/>'
        "</body></opml>"
    )
    assert main(["-c", str(config), "import-opml", str(opml)]) == 0
    tables = capsys.readouterr().out
    parsed = parse_config(tables, "imported.toml")
    assert [(f.name, f.url) for f in parsed.feeds] == [('Wire "World"', "https://c.example/rss")]


def test_send_test_reaches_every_target(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[watcher]\nstate_directory = "{tmp_path}"\n'
        '[[feeds]]\nurl = "https://a.example/f"\n'
        '[targets.slack]\nurl = "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts"\n'
        f'[targets.email]\nurl = "mailto://127.0.0.1:{smtp.port}?from=w@example.org'
        '&to=desk@example.org&mode=insecure"\n'
    )
    assert main(["-c", str(config), "send-test"]) == 0
    assert slack.wait_for(1) and smtp.wait_for(1)
    assert "Test" in str(slack.payloads[0])
    assert str(smtp.messages[0]["Subject"]).startswith("Test:")
    out = capsys.readouterr().out
    assert out.count(": sent") == 2, out
    assert "XXXXXXXXXXXXXXXXXXXXXXXX" not in out, "the token is masked"
