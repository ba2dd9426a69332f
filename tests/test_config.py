"""Config loading: good files load, bad ones are reported whole — file, key path, value, fix."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from watcher.config import load_config, parse_config, rule_ids
from watcher.errors import ConfigError
from watcher.evaluation import run_examples
from watcher.events import EventSettings

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = """
[[feeds]]
url = "https://news.example/feed.xml"

[targets.slack]
url = "slack://T000/B000/XXXXXXXX"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "bad.toml")
    return [str(p) for p in caught.value.problems]


def test_a_file_with_only_feeds_and_targets_works_with_default_rules() -> None:
    config = parse_config(MINIMAL, "minimal.toml")
    assert [f.url for f in config.feeds] == ["https://news.example/feed.xml"]
    assert config.feeds[0].name == "news.example/feed.xml"
    assert config.feeds[0].interval == 600
    assert config.targets["slack"].urls == ("slack://T000/B000/XXXXXXXX",)
    assert config.targets["slack"].format == "markdown"
    assert rule_ids(config.rules), "the default rules apply"
    assert config.settings.allow_private_networks == ()
    assert config.settings.database.startswith("sqlite:///")


def test_the_example_config_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WATCHER_SLACK_URL", "slack://T000/B000/XXXXXXXX")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    (tmp_path / "apprise-urls").write_text("# mail\nmailto://u:p@mail.example?to=a@b.example\n")
    config = load_config(ROOT / "config.example.toml")
    assert config.targets["email"].format == "html"
    assert config.targets["email"].urls == ("mailto://u:p@mail.example?to=a@b.example",)
    # The lists of names the example writes out are the defaults it says they are.
    for key in ("actor_groups", "target_sides", "local_actors", "words"):
        assert getattr(config.events, key) == getattr(EventSettings(), key), key


def _keys(table: dict[str, object], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in table.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _keys(value, prefix + key + ".")
    return keys


def test_every_config_key_is_documented_in_the_example() -> None:
    """Each key the loader accepts appears in config.example.toml, set or in a comment."""
    from watcher.config import delivery, events, feeds, routes, settings, targets

    example = (ROOT / "config.example.toml").read_text()
    documented = set(re.findall(r"^#?\s*([a-z_]+)\s*=", example, re.MULTILINE))
    accepted = {
        *settings._SETTINGS_KEYS,
        *feeds._FEED_KEYS,
        *targets._TARGET_KEYS,
        *routes._ROUTE_KEYS,
        *delivery._DELIVERY_KEYS,
        *events.event_keys(),
        *events.event_word_keys(),
    }
    missing = sorted(accepted - documented)
    assert not missing, f"undocumented config keys: {missing}"


def test_toml_syntax_error_names_line_and_column() -> None:
    [message] = problems('[[feeds]]\nurl = "https://a.example/f", name = { x = 1 \n')
    assert "bad.toml" in message
    assert re.search(r"line 2, column \d+", message)


def test_all_schema_errors_are_reported_at_once() -> None:
    text = """
[watcher]
intervall = 5
jitter = 3
allow_private_networks = ["not-a-network"]

[[feeds]]
url = "ftp://a.example/feed"

[[feeds]]
url = "https://b.example/feed"
interval = "10s"

[[feeds]]
name = "no url"

[targets.slack]
format = "pdf"
url = "slack://x"

[[routes]]
targets = ["pager"]
"""
    found = problems(text)
    expected = [
        "watcher.intervall: unknown key",
        "watcher.jitter: must be between",
        "watcher.allow_private_networks: 'not-a-network' is not a CIDR",
        "feeds[0].url: must be an http:// or https:// URL",
        "feeds[1].interval: is shorter than 60 seconds",
        "feeds[2].url: is missing",
        "targets.slack.format: is not a known format",
        "targets.slack.url: apprise cannot use the URL: An invalid Slack (second) Token",
        "routes[0].targets: names no configured target",
    ]
    for text_part in expected:
        assert any(text_part in line for line in found), (text_part, found)
    assert len(found) == len(expected), found
    assert all(line.startswith("bad.toml: ") for line in found)


def test_unknown_key_lists_the_allowed_ones() -> None:
    [message] = problems(MINIMAL + '\n[[feeds]]\nurl = "https://c.example/f"\nintervall_s = 60\n')
    assert "feeds[1].intervall_s: unknown key" in message
    assert "allowed keys here: url, name, interval" in message


def test_no_feeds_is_an_error() -> None:
    assert any("no feeds are configured" in p for p in problems("[watcher]\n"))


def test_duplicate_feed_is_an_error() -> None:
    text = MINIMAL + '\n[[feeds]]\nurl = "https://news.example/feed.xml"\n'
    assert any("feeds[1].url: repeats feeds[0]" in p for p in problems(text))


def test_secrets_from_environment_and_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base = '[[feeds]]\nurl = "https://a.example/f"\n'
    monkeypatch.delenv("HOOK", raising=False)
    assert any(
        "targets.t.env: names an environment variable that is unset" in p
        for p in problems(base + '[targets.t]\nenv = "HOOK"\n')
    )
    monkeypatch.setenv("HOOK", "json://hook.example/x")
    config = parse_config(base + '[targets.t]\nenv = "HOOK"\n')
    assert config.targets["t"].urls == ("json://hook.example/x",)

    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    assert any(
        "$CREDENTIALS_DIRECTORY is not set" in p
        for p in problems(base + '[targets.t]\ncredential = "urls"\n')
    )
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert any(
        "cannot read the credential" in p
        for p in problems(base + '[targets.t]\ncredential = "urls"\n')
    )


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "copy config.example.toml" in str(caught.value)


def test_example_parses_as_toml() -> None:
    tomllib.loads((ROOT / "config.example.toml").read_text())


def test_the_commented_detection_example_loads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The [detection] lines of the example, uncommented, are a valid rule extension."""
    monkeypatch.setenv("WATCHER_SLACK_URL", "slack://T000/B000/XXXXXXXX")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    (tmp_path / "apprise-urls").write_text("mailto://u:p@mail.example?to=a@b.example\n")
    example = (ROOT / "config.example.toml").read_text()
    section = example[example.index("# [detection]") :]
    uncommented = re.sub(r'^# (?=\[|[\w"]+[\w":]*\s*=)', "", section, flags=re.MULTILINE)
    config = parse_config(example + "\n" + uncommented, "example-with-detection.toml")
    assert "drills" in config.rules.guards
    assert "retrospective" not in config.rules.guards
    assert "insisted" in config.rules.place_words.speaks
    assert "payback for" in config.rules.earlier_words.answers
    found = config.rules.gazetteer.places_in("An air strike hit Tel Shifa overnight.")
    assert [f.entry.name for f in found] == ["Tall Shifa"]
    [example] = [r for r in run_examples(config.rules) if r.example.file != "default_rules.toml"]
    assert example.example.name == "drone-strike-sinjar" and example.failures == ()


def test_web_listen_beyond_loopback_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    base = '[[feeds]]\nurl = "https://a.example/f"\n[watcher]\n'
    assert parse_config(base + 'web_listen = "127.0.0.1:8470"\n', "c.toml").settings.web_token == ""
    [message] = problems(base + 'web_listen = "0.0.0.0:8470"\n')
    assert "bad.toml: watcher.web_listen: listens beyond loopback without a token" in message
    assert "web_token_env" in message
    [message] = problems(base + 'web_listen = "[::]:8470"\nweb_token_env = "WEB_TOKEN_UNSET"\n')
    assert "watcher.web_token_env: names an environment variable that is unset" in message
    monkeypatch.setenv("WEB_TOKEN", "t0ken")
    config = parse_config(base + 'web_listen = "0.0.0.0:8470"\nweb_token_env = "WEB_TOKEN"\n', "c")
    assert (config.settings.web_listen, config.settings.web_token) == ("0.0.0.0:8470", "t0ken")
    assert "t0ken" not in repr(config.settings)


def test_the_web_token_can_come_from_a_systemd_credential(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base = '[[feeds]]\nurl = "https://a.example/f"\n[watcher]\nweb_listen = "0.0.0.0:8470"\n'
    (tmp_path / "web-token").write_text("# the view's token\ncr3d-token\n")
    (tmp_path / "empty").write_text("# nothing\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    config = parse_config(base + 'web_token_credential = "web-token"\n', "c.toml")
    assert config.settings.web_token == "cr3d-token"
    [message] = problems(base + 'web_token_credential = "empty"\n')
    assert "watcher.web_token_credential: the credential is empty" in message
    assert "put a token in it" in message
