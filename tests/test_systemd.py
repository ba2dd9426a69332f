"""The unit file: hardened enough for `systemd-analyze security` and clean under `verify`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent.parent / "systemd" / "watcher.service"


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    return subprocess.run(
        ["systemd-analyze", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_security_exposure_is_low() -> None:
    result = analyze("security", "--offline=true", "--threshold=15", str(UNIT))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    score = re.search(r"Overall exposure level for watcher.service: ([\d.]+)", result.stdout)
    assert score is not None and float(score.group(1)) <= 2.0, result.stdout[-500:]


def test_verify_reports_nothing_but_the_missing_binary() -> None:
    result = analyze("verify", str(UNIT))
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "/opt/watcher/venv/bin/watcher" not in line
    ]
    assert problems == []


def test_the_unit_runs_the_daemon_under_notify_with_a_watchdog() -> None:
    unit = UNIT.read_text()
    for line in (
        "Type=notify",
        "ExecStart=/opt/watcher/venv/bin/watcher run",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "WatchdogSec=",
        "StateDirectory=watcher",
        "ConfigurationDirectory=watcher",
        "LoadCredential=",
        "DynamicUser=yes",
    ):
        assert line in unit, line
