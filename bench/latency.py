"""Time from an item appearing on the farm to its alert arriving, while `watcher run` runs.

Starts a farm (200 feeds, 50 ms latency) and `watcher run` on it with every feed's interval at
`--interval` (the shortest watcher allows is one minute) and the default jitter, alerting to a
loopback json:// receiver. Once the first poll of every feed has recorded its items, adds one new
item to `--count` feeds at a few moments spread over one interval (so that they land at
different points of the feeds' cycles), and measures, for every new strike item, the time from
the bump to the arrival of the alert that carries its link. Prints each latency, the median and
the maximum against the bar (interval + 2 s), and the strike events expected and alerted.

    .venv/bin/python bench/latency.py [--interval 60] [--bumps 3] [--count 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cycles import WATCHER, watcher_config
from peers import farm, receiver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=60, help="seconds, at least 60")
    parser.add_argument("--bumps", type=int, default=3)
    parser.add_argument("--count", type=int, default=20, help="feeds given a new item per bump")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="watcher-latency-"))
    try:
        with farm(root) as the_farm, receiver() as hook:
            config = watcher_config(the_farm, root, hook.port, interval=f"{args.interval}s")
            baseline_done = threading.Event()
            polled = 0

            daemon = subprocess.Popen(
                [*WATCHER, "-c", str(config), "run"],
                stderr=subprocess.PIPE,
                text=True,
                cwd=root,
            )
            log_lines: list[str] = []

            def read_log() -> None:
                nonlocal polled
                assert daemon.stderr is not None
                for line in daemon.stderr:
                    log_lines.append(line)
                    if "recorded silently" in line or "failed (" in line:
                        polled += 1
                        if polled >= the_farm.feeds:
                            baseline_done.set()

            reader = threading.Thread(target=read_log, daemon=True)
            reader.start()
            try:
                started = time.monotonic()
                if not baseline_done.wait(120):
                    raise SystemExit(f"first poll did not finish: {polled} feeds polled")
                print(f"first poll of {the_farm.feeds} feeds: {time.monotonic() - started:.1f} s")
                bumps: list[tuple[float, list[str], list[int]]] = []
                spacing = args.interval / args.bumps
                for n in range(args.bumps):
                    answer = the_farm.admin(f"bump?count={args.count}&n=1")
                    bumps.append(
                        (
                            time.time(),
                            list(answer["new_strike_items"]),
                            list(answer["new_strike_events"]),
                        )  # type: ignore[call-overload]
                    )
                    if n + 1 < args.bumps:
                        # Spread over one interval: the bumps land at different points of the
                        # feeds' poll cycles, not all just after a poll.
                        time.sleep(spacing)
                expected = sum(len(set(events)) for _, _, events in bumps)
                hook.wait_for(expected, args.interval + 30)
            finally:
                daemon.terminate()
                daemon.wait(30)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    latencies: list[float] = []
    missing: list[str] = []
    for at, items, _ in bumps:
        for path in items:
            arrived = [t for t, payload in hook.arrivals if path in json.dumps(payload)]
            if arrived:
                latencies.append(min(arrived) - at)
            else:
                missing.append(path)
    print(f"interval {args.interval} s (jitter default), {args.bumps} bumps of {args.count} feeds")
    for value in sorted(latencies):
        print(f"  {value:6.2f} s")
    if latencies:
        print(
            f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s   "
            f"bar <= {args.interval + 2} s"
        )
    print(
        f"strike events expected {expected}, alerts received {len(hook.arrivals)}; "
        f"strike items without an alert of their own: {len(missing)} "
        "(another outlet's report of the same strike alerts once)"
    )
    errors = [line for line in log_lines if " ERROR " in line or "Traceback" in line]
    if errors:
        print("daemon errors:", *errors[:5], sep="\n  ")


if __name__ == "__main__":
    main()
