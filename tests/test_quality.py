"""The code passes its own linters: ruff (lint and format) and mypy --strict on the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "watcher", "tests", "scripts", "bench"],
    "ruff format": [
        sys.executable,
        "-m",
        "ruff",
        "format",
        "--check",
        "watcher",
        "tests",
        "scripts",
        "bench",
    ],
    "mypy": [sys.executable, "-m", "mypy", "watcher"],
}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_linters_pass(tool: str) -> None:
    result = subprocess.run(TOOLS[tool], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
