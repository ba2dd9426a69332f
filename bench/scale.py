"""watcher's cycles as the number of feeds grows: 200, 1,000 and 10,000 farm feeds, in one process.

For each size, a fresh farm (20 items a feed, 50 ms latency) and one long-lived process that runs
the first cycle, an unchanged one and one after 10% of the feeds got a new item, exactly as
`cycles.py` does in-process (it is the same child). Prints wall and CPU time (the daemon process's
own; the parse workers' CPU is not in it) and peak RSS per cycle, and what the unchanged cycle's
CPU comes to per hour at a 10-minute interval.

    WATCHER_FEEDFARM=../shared/bench/feedfarm.py .venv/bin/python bench/scale.py [--feeds 200,1000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cycles import watcher_config
from peers import Measure, farm, receiver

CYCLES = Path(__file__).resolve().parent / "cycles.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", default="200,1000,10000", help="comma-separated sizes")
    args = parser.parse_args()
    print(f"{'feeds':>6} {'cycle':10} {'wall s':>7} {'CPU s':>7} {'peak MiB':>8}  requests")
    for size in (int(n) for n in args.feeds.split(",")):
        with tempfile.TemporaryDirectory(prefix="watcher-scale-") as tmp:
            workdir = Path(tmp)
            with farm(workdir, feeds=size) as the_farm, receiver() as hook:
                config = watcher_config(the_farm, workdir, hook.port)
                log = workdir / "cycles.jsonl"
                child = [sys.executable, str(CYCLES), "--in-process", str(config)]
                subprocess.run([*child, str(the_farm.port), str(log)], check=True)
            for line in log.read_text().splitlines():
                cycle = json.loads(line)
                measure = Measure(
                    "watcher", cycle["cycle"], cycle["wall"], cycle["cpu"], cycle["peak_mib"],
                    cycle["stats"],
                )  # fmt: skip
                print(
                    f"{size:>6} {cycle['cycle']:10} {cycle['wall']:7.2f} {cycle['cpu']:7.2f} "
                    f"{cycle['peak_mib']:8.1f}  {measure.codes()}"
                )
                if cycle["cycle"] == "unchanged":
                    share = cycle["cpu"] / 600 * 100
                    print(f"{'':>6} unchanged CPU at a 10-minute interval: {share:.2f}% of a core")


if __name__ == "__main__":
    main()
