"""Crash consistency on the real daemon, short: bench/crash_harness.py kills `watcher run` with
SIGKILL, at random moments and (every second kill) as a send comes in, then runs it to
completion, and counts the copies each alert got.
Nothing committed may be lost; the control, which marks rows sent before sending them, must
lose, or the harness could not see a loss. The long run (100 kills, 3 seeds) is the bench.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.crash_harness import CrashFigures, run_crash


def test_kills_lose_nothing_and_the_wrong_order_loses(tmp_path: Path) -> None:
    (tmp_path / "right").mkdir()
    (tmp_path / "wrong").mkdir()
    # Both runs at once: each is mostly waiting on its daemon's start and on its kill timer.
    with ThreadPoolExecutor(max_workers=2) as pool:
        right, wrong = pool.map(
            lambda args: run_crash(
                tmp_path / args[0], kills=8, seed=7, wrong_order=args[1], trap=True, feeds=2
            ),
            [("right", False), ("wrong", True)],
        )
    assert isinstance(right, CrashFigures)
    # On a loaded machine the daemon gets less done between kills; a few alerts suffice.
    assert right.alerts >= 4, right.line()
    assert right.kills_in_sending >= 1, right.line()
    assert right.lost == 0, right.line()
    assert right.integrity_failures == 0, right.line()
    assert right.left_in_outbox == 0, right.line()
    assert right.duplicates <= right.kills_in_sending, right.line()
    assert right.over_bound == 0, right.line()
    assert wrong.alerts >= 4, wrong.line()
    assert wrong.lost > 0, (
        "the control marks rows sent before sending: it must lose; " + wrong.line()
    )
