"""Targets checked through apprise at load (issue #15): `watcher check`, `watcher run` and a
reload refuse a URL that apprise cannot use, naming the target, the URL masked and apprise's
reason, with every other problem of the file; `check --send-test` says which targets answered.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.daemons import Start, scrape
from tests.receivers import HttpReceiver, SmtpReceiver, free_port
from watcher.alerts import check_url
from watcher.cli import main

SECRET = "hunter2secretpw"
# A mail URL whose `from` apprise cannot make an address of: it has no user to build one from.
BAD_MAIL = f"mailtos://:{SECRET}@mail.example:587/?to=desk@example.org&from=Watcher Desk"
REASON = "Invalid ~From~ email specified: Watcher Desk <>"


def write(tmp_path: Path, targets: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[watcher]\nstate_directory = "{tmp_path / "state"}"\n{extra}'
        '[[feeds]]\nurl = "http://127.0.0.1:9/rss.xml"\n\n' + targets
    )
    return path


def problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (BAD_MAIL, REASON),
        ("mailto://u:p@mail.example/?to=not-an-address", "Dropped invalid To email"),
        ("mailtos://u:p@mail.example/?to=a@b.example&mode=tls12", "secure mode specified"),
        ("slack://T000A/B000B", "An invalid Slack (third) Token"),
        ("nosuch://a.example/x", "apprise knows no nosuch:// service"),
        ("json://", "Unparseable JSON URL"),
        ("a.example/hook", "it is not a URL"),
    ],
)
def test_apprise_says_why_it_cannot_use_a_url(url: str, reason: str) -> None:
    checked = check_url(url)
    assert reason in checked.problem
    assert SECRET not in checked.masked + checked.problem


@pytest.mark.parametrize(
    "url",
    [
        "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts",
        "mailto://127.0.0.1:25?from=watcher@example.org&to=desk@example.org&mode=insecure",
        f"mailtos://desk:{SECRET}@mail.example:587/?to=desk@example.org&from=Watcher Desk",
        "json://127.0.0.1:9/hook",
    ],
)
def test_a_usable_url_passes_and_is_masked(url: str) -> None:
    """The control: the same kinds of URL, written as apprise wants them, pass."""
    checked = check_url(url)
    assert checked.problem == ""
    assert SECRET not in checked.masked and "XXXXXXXXXXXXXXXX" not in checked.masked


def test_a_token_quoted_in_apprise_reason_is_masked() -> None:
    token = "XXXXXXXXXXXXXXXXXXXXXXX!"  # one bad character in an otherwise real-looking token
    checked = check_url(f"slack://T000A/B000B/{token}/#alerts")
    assert "An invalid Slack (third) Token" in checked.problem
    assert token not in checked.problem + checked.masked


def test_check_exits_2_naming_the_target_with_every_other_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path,
        '[targets.slack]\nurl = "json://127.0.0.1:9/hook"\n'
        f'[targets.email]\nurl = "{BAD_MAIL}"\n'
        '[[detection.places]]\nname = "Tall Nowhere"\ncountry = "IQ"\nlat = 96.2\nlon = 43.1\n',
        extra="jitter = 2\n",
    )
    assert main(["-c", str(config), "check"]) == 2
    out, err = capsys.readouterr()
    lines = problem_lines(err)
    assert "has 3 problem(s)" in err, err
    [mail] = [line for line in lines if "targets.email.url" in line]
    assert f"apprise cannot use the URL: {REASON}" in mail
    assert "(got 'mailtos://****@" in mail, "the URL is shown masked"
    assert any("watcher.jitter" in line for line in lines)
    assert any("detection.places[0].lat" in line and "96.2" in line for line in lines)
    assert SECRET not in out + err
    assert "Traceback" not in err


def test_a_url_from_the_environment_or_a_credential_is_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "apprise-urls").write_text(f"# mail\njson://127.0.0.1:9/ok\n{BAD_MAIL}\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("WATCHER_TEST_SLACK", "slack://T000A/B000B")
    config = write(
        tmp_path,
        '[targets.slack]\nenv = "WATCHER_TEST_SLACK"\n'
        '[targets.email]\ncredential = "apprise-urls"\n',
    )
    assert main(["-c", str(config), "check"]) == 2
    lines = problem_lines(capsys.readouterr().err)
    assert len(lines) == 2, lines
    assert any(
        "targets.slack.env: apprise cannot use the URL in $WATCHER_TEST_SLACK" in line
        for line in lines
    )
    assert any(
        "targets.email.credential: apprise cannot use URL 2 of the credential apprise-urls: "
        + REASON
        in line
        for line in lines
    )


def test_run_refuses_to_start_with_the_same_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, f'[targets.email]\nurl = "{BAD_MAIL}"\n')
    assert main(["-c", str(config), "check"]) == 2
    checked = problem_lines(capsys.readouterr().err)
    started = subprocess.run(
        [sys.executable, "-m", "watcher", "-c", str(config), "run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2
    assert problem_lines(started.stderr) == checked
    assert REASON in started.stderr and SECRET not in started.stderr
    assert not (tmp_path / "state" / "state.db").exists(), "it stopped before the database"


def test_a_reload_with_an_unusable_target_keeps_the_old_config(
    tmp_path: Path, slack: HttpReceiver, watcher_run: Start
) -> None:
    good = f'[targets.desk]\nurl = "json://127.0.0.1:{slack.port}/hook"\n'
    port = free_port()
    metrics = f'metrics_listen = "127.0.0.1:{port}"\n'
    config = write(tmp_path, good, extra=metrics)
    daemon = watcher_run(config)
    assert "STATUS=1 feeds, 1 targets" in daemon.systemd.wait_for("READY=1")
    write(tmp_path, good + f'[targets.email]\nurl = "{BAD_MAIL}"\n', extra=metrics)
    daemon.process.send_signal(signal.SIGHUP)
    daemon.systemd.wait_for("RELOADING=1")
    assert "reload failed, running the previous config" in daemon.systemd.wait_for("READY=1")
    assert "watcher_config_last_reload_successful 0.0" in scrape(port)
    stderr = daemon.stop()
    assert "reload failed; keeping the previous config" in stderr
    assert f"targets.email.url: apprise cannot use the URL: {REASON}" in stderr
    assert SECRET not in stderr


def test_check_send_test_says_which_targets_answered(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path,
        '[targets.slack]\nurl = "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts"\n'
        f'[targets.email]\nurl = "mailto://127.0.0.1:{smtp.port}?from=w@example.org'
        '&to=desk@example.org&mode=insecure"\n'
        # Nothing listens there: a usable URL whose destination does not answer.
        f'[targets.pager]\nurl = "json://127.0.0.1:{free_port()}/hook"\n'
        "[delivery]\ntimeout = 1\n",
    )
    assert main(["-c", str(config), "check", "--send-test"]) == 1
    out, err = capsys.readouterr()
    assert slack.wait_for(1) and smtp.wait_for(1)
    assert re.search(r"^slack: slack://T\.\.\.A/\S*: sent", out, re.MULTILINE), out
    assert re.search(r"^email: mailto://\S*: sent", out, re.MULTILINE), out
    assert re.search(r"^pager: json://\S*: retry", out, re.MULTILINE), out
    assert "1 target URL(s) did not take the test alert" in err
    assert "XXXXXXXXXXXXXXXX" not in out + err
