"""Grouping of real strike reports into events: the figures of issue #11's bar, and how much
they hang on the order reports arrive in.

    python bench/events.py [FILE] [--orders N] [--seed S]
        (default FILE: ../shared/corpus/events-dev.jsonl next to the repository; N = 20)

Runs the default rules over FILE as `watcher eval` does and prints its events member (new alerts
and updates per strike, report accuracy, wrongly merged events) beside the bar. Then replays the
same detections N times with every report that gives only a publication date put at a random
time of that day, and the reports of one time in a random order: real reports arrive at any hour,
and the file's order (each strike's reports listed together) must not be what groups them. It
prints the mean and the worst of each figure over those orders. Reports with no date are left
out, as `watcher eval` leaves them out.

Last, a busy week: every strike's reports moved by whole weeks (weekdays kept, so that "on
Tuesday" still names the same day of its strike) so that every strike's first report falls
within the same seven days, and run again as `watcher eval` does. Many open events at once is
what a busy week of a war looks like; it also puts strikes on one site years apart side by
side, which nothing in their reports but a date with a year can tell apart, so no bar is set
for it.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from watcher.detection import default_rules
from watcher.evaluation import Outcome, evaluate, group_events, read_records

REPOSITORY = Path(__file__).resolve().parent.parent
# Issue #11: at most this many new alerts and updates per strike, at least this report accuracy,
# at most this many events that merge two strikes.
BAR = {
    "new_per_event": ("<=", 1.10),
    "updates_per_event": ("<=", 1.2),
    "report_accuracy": (">=", 0.95),
    "wrongly_merged": ("<=", 1),
}


def _short(figures: Mapping[str, float | int]) -> list[str]:
    short = []
    for name, (way, bar) in BAR.items():
        value = figures[name]
        if (way == "<=" and value > bar) or (way == ">=" and value < bar):
            short.append(f"{name} {value} {'>' if way == '<=' else '<'} {bar}")
    return short


def _arriving(records: Sequence[Mapping[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The records in a random order, each date-only one at a random time of its day."""
    moved = []
    for record in records:
        copy = dict(record)
        day = copy.get("date")
        if isinstance(day, str) and len(day) == 10:
            copy["date"] = f"{day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}"
        moved.append(copy)
    rng.shuffle(moved)
    return moved


def _busy(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The records with each strike's reports moved by whole weeks, so that every strike's
    first report falls within the seven days up to the latest one; records with no date stay."""
    first: dict[str, date] = {}
    for record in records:
        if isinstance(record.get("date"), str):
            key = str(record.get("event") or record["id"])
            day = date.fromisoformat(str(record["date"])[:10])
            first[key] = min(first.get(key, day), day)
    start = max(first.values(), default=date.today())
    moved = []
    for record in records:
        copy = dict(record)
        value = copy.get("date")
        if isinstance(value, str):
            weeks = (start - first[str(record.get("event") or record["id"])]).days // 7
            shift = timedelta(weeks=weeks)
            if len(value) > 10:
                copy["date"] = (datetime.fromisoformat(value) + shift).isoformat()
            else:
                copy["date"] = (date.fromisoformat(value) + shift).isoformat()
        moved.append(copy)
    return moved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = REPOSITORY.parent / "shared" / "corpus" / "events-dev.jsonl"
    parser.add_argument("file", nargs="?", type=Path, default=default)
    parser.add_argument("--orders", type=int, default=20, help="random arrival orders to replay")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first order")
    args = parser.parse_args()
    if not args.file.is_file():
        print(
            f"bench/events.py: {args.file} is missing. Pass a labelled file whose records carry "
            f"`event` (such as the corpus's events-dev.jsonl) as the first argument.",
            file=sys.stderr,
        )
        return 2
    records = read_records(args.file)
    report = evaluate(records, default_rules())
    if report.events is None:
        print(f"bench/events.py: no record of {args.file} carries `event`.", file=sys.stderr)
        return 2
    print(f"{args.file.name}, as `watcher eval` replays it (publication time, then file order):")
    print("  " + " ".join(f"{name}={value}" for name, value in report.events.items()))
    print("  short of the bar: " + (", ".join(_short(report.events)) or "none"))

    outcomes: dict[str, Outcome] = {o.id: o for o in report.outcomes}
    runs = []
    for seed in range(args.seed, args.seed + args.orders):
        moved = _arriving(records, random.Random(seed))
        runs.append(group_events(moved, [outcomes[str(r["id"])] for r in moved]))
    print(f"{args.orders} random arrival orders (random time of day, ties in random order):")
    for name, (way, _) in BAR.items():
        values = [run[name] for run in runs]
        worst = max(values) if way == "<=" else min(values)
        mean = sum(values) / len(values)
        print(f"  {name}: mean {mean:.3f}, worst {worst}")
    failing = sum(bool(_short(run)) for run in runs)
    print(f"  orders short of the bar: {failing} of {args.orders}")
    busy = evaluate(_busy(records), default_rules()).events or {}
    print("a busy week (each strike's reports moved by whole weeks; no bar):")
    print("  " + " ".join(f"{name}={value}" for name, value in busy.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
