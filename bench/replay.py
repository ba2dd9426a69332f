"""The farm's strikes through one instance: the bumps `instances.py` makes (10% of the feeds each
round), each followed by one `watcher run --once` on SQLite. What this prints for a strike, one
instance decides too: with several instances the same outcome is theirs only if it differs here.

    WATCHER_FEEDFARM=../shared/bench/feedfarm.py python bench/replay.py [--rounds 9] [--frac 0.1]

A bump with `frac` adds an item to the same evenly spaced feeds each time, and the farm's item j
of feed i tells strike 3j + i % 3 with one of 12 texts (actor, target, place): from the fifth
round on, a strike is told with the texts of the one twelve strikes earlier, four hours later by
the items' dates, with another day and toll. Prints, as `instances.py` does, for each strike the
farm announced, whether it got exactly one "new" alert, none (and why) or more.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instances import Run, outcome, report_strikes
from peers import Farm, receiver

from watcher.cli import main as watcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--frac", type=float, default=0.1)
    parser.add_argument("--feeds", type=int, default=200)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # a poll's log lines; the figures are printed below
    run = Run()
    with tempfile.TemporaryDirectory() as directory, receiver() as hook:
        root = Path(directory)
        farm = Farm(root, feeds=args.feeds, latency_ms=0)
        try:
            config = root / "watcher.toml"
            tables = "".join(
                f'[[feeds]]\nurl = "{farm.url(f"/feed/{i}.xml")}"\n' for i in range(args.feeds)
            )
            config.write_text(
                f'[watcher]\nstate_directory = "{root / "state"}"\n'
                'allow_private_networks = ["127.0.0.1/32"]\nmax_item_age = "3650d"\n'
                f'per_host = 16\n{tables}[targets.hook]\nurl = "json://127.0.0.1:{hook.port}/"\n'
                'format = "text"\n'  # the alerts' text, as `instances.py` matches them
            )
            watcher(["-c", str(config), "run", "--once"])  # the silent first poll
            for _ in range(args.rounds):
                bump = farm.admin(f"bump?frac={args.frac}")
                run.announced.update(int(e) for e in bump["new_strike_events"])  # type: ignore[attr-defined]
                run.strike_items.update(bump["new_strike_items"])  # type: ignore[arg-type]
                watcher(["-c", str(config), "run", "--once"])
        finally:
            farm.process.terminate()
            farm.process.wait()
        engine = create_engine(f"sqlite:///{root / 'state' / 'state.db'}")
        found = outcome(engine, list(hook.arrivals))
        engine.dispose()
    print(f"rounds: {args.rounds}")
    report_strikes(run, found)


if __name__ == "__main__":
    main()
