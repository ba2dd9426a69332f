"""The farm's strikes through one instance: the bumps `instances.py` makes (10% of the feeds each
round), each followed by one `watcher run --once` on SQLite. What this prints for a strike, one
instance decides too: with several instances the same outcome is theirs only if it differs here.

    WATCHER_FEEDFARM=../shared/bench/feedfarm.py python bench/replay.py [--rounds 9] [--frac 0.1]

A bump with `frac` adds an item to the same evenly spaced feeds each time, and the farm's item j
of feed i tells strike 3j + i % 3 with one of 12 texts (actor, target, place): from the fifth
round on, a strike is told with the texts of the one twelve strikes earlier, four hours later by
the items' dates, with another day and toll. Prints, for each strike the farm announced, whether
it got exactly one "new" decision, none (and whose event its reports joined) or more.
"""

from __future__ import annotations

import argparse
import collections
import logging
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instances import TEMPLATES, farm_strike
from peers import Farm, receiver

from watcher.cli import main as watcher
from watcher.store import detections, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--frac", type=float, default=0.1)
    parser.add_argument("--feeds", type=int, default=200)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # a poll's log lines; the figures are printed below
    announced: set[int] = set()
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
            )
            watcher(["-c", str(config), "run", "--once"])  # the silent first poll
            for _ in range(args.rounds):
                bump = farm.admin(f"bump?frac={args.frac}")
                announced.update(int(e) for e in bump["new_strike_events"])  # type: ignore[attr-defined]
                watcher(["-c", str(config), "run", "--once"])
        finally:
            farm.process.terminate()
            farm.process.wait()
        engine = create_engine(f"sqlite:///{root / 'state' / 'state.db'}")
        with engine.connect() as db:
            decided = db.execute(
                select(items.c.link, detections.c.event_id, detections.c.decision)
                .join(detections, detections.c.item_id == items.c.id)
                .order_by(detections.c.id)
            ).all()
        engine.dispose()
    new: collections.Counter[int] = collections.Counter()
    opener: dict[int, int] = {}
    for link, event_id, decision in decided:
        if decision == "new":
            new[farm_strike(link)] += 1
            opener[event_id] = farm_strike(link)
    joined: dict[int, set[int]] = collections.defaultdict(set)
    for link, event_id, _ in decided:
        strike = farm_strike(link)
        if strike in announced and not new[strike] and event_id in opener:
            joined[strike].add(opener[event_id])
    none = sorted(s for s in announced if not new[s])
    print(f"rounds: {args.rounds}; strikes announced by the farm: {len(announced)}")
    print(
        f"with exactly one 'new': {sum(1 for s in announced if new[s] == 1)}; "
        f"with none: {len(none)}; with more than one: {sum(1 for s in announced if new[s] > 1)}"
    )
    for strike in none:
        into = ", ".join(str(s) for s in sorted(joined[strike])) or "no event (not detected)"
        same = all((strike - s) % TEMPLATES == 0 for s in joined[strike]) and joined[strike]
        print(f"  strike {strike}: joined the event of {into}" + (" (same texts)" if same else ""))


if __name__ == "__main__":
    main()
