"""watcher's memory over 100 poll cycles in one long-lived process, as the daemon runs.

A fresh farm (200 feeds of 20 items, 50 ms latency) and a child process that calls
pipeline.run_once and delivery.deliver_pending once per cycle; before each cycle after the first,
the farm adds one item to `--bump` feeds, so that cycles fetch articles, extract, detect and
alert (to a loopback json:// receiver in this process). The child runs with MALLOC_ARENA_MAX=2, as
systemd/watcher.service sets it, and reports its RSS after every cycle (/proc/self/status
VmRSS); this prints the RSS after the imports, after the first cycle, at every tenth cycle, the
peak, and the growth from cycle 10 to 100.

    .venv/bin/python bench/memory.py [--cycles 100] [--bump 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cycles import watcher_config
from peers import farm, receiver


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(config_path: Path, port: int, cycles: int, bump: int, trace: bool) -> None:
    import tracemalloc
    import urllib.request

    def admin(what: str) -> None:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/{what}", timeout=10) as a:
            a.read()

    before = rss_mib()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from watcher.config import load_config
    from watcher.delivery import deliver_pending
    from watcher.pipeline import Context, make_client, run_once
    from watcher.store import open_store

    config = load_config(config_path)
    store = open_store(config.settings.database)
    ctx = Context(config=config, store=store, client=make_client(config))
    print(json.dumps({"cycle": -1, "rss": before}), flush=True)
    print(json.dumps({"cycle": 0, "rss": rss_mib()}), flush=True)
    for cycle in range(1, cycles + 1):
        if cycle > 1 and bump:
            admin(f"bump?count={bump}")
        started = time.perf_counter()
        results = run_once(ctx)
        deliver_pending(ctx.store, ctx.config)
        line = {
            "cycle": cycle,
            "rss": rss_mib(),
            "wall": time.perf_counter() - started,
            "new": sum(r.new for r in results),
            "failed": sum(r.status == "failed" for r in results),
        }
        print(json.dumps(line), flush=True)
        if trace and cycle == 10:
            tracemalloc.start(8)
            first = tracemalloc.take_snapshot()
    if trace:
        growth = tracemalloc.take_snapshot().compare_to(first, "traceback")
        for stat in growth[:8]:
            where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in stat.traceback[:4])
            print(
                json.dumps(
                    {
                        "trace": f"{stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} "
                        f"blocks at {where}"
                    }
                ),
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--bump", type=int, default=2, help="feeds given a new item per cycle")
    parser.add_argument(
        "--trace", action="store_true", help="also show where Python memory grew (slower)"
    )
    parser.add_argument(
        "--arenas",
        default="2",
        help="MALLOC_ARENA_MAX for the child, as systemd/watcher.service sets it ('' = unset)",
    )
    parser.add_argument("--child", nargs=2, metavar=("CONFIG", "PORT"))
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), int(args.child[1]), args.cycles, args.bump, args.trace)
        return
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    if args.arenas:
        env["MALLOC_ARENA_MAX"] = args.arenas
    root = Path(tempfile.mkdtemp(prefix="watcher-memory-"))
    try:
        with farm(root) as the_farm, receiver() as hook:
            config = watcher_config(the_farm, root, hook.port)
            output = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(config),
                    str(the_farm.port),
                    "--cycles",
                    str(args.cycles),
                    "--bump",
                    str(args.bump),
                    *(["--trace"] if args.trace else []),
                ],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            alerts = len(hook.arrivals)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    lines = [json.loads(line) for line in output.stdout.splitlines()]
    rows = {r["cycle"]: r for r in lines if "cycle" in r}
    last = max(rows)
    steady = [rows[c]["rss"] for c in rows if c >= 10]
    walls = [rows[c]["wall"] for c in rows if c >= 2]
    print(
        f"cycles: {last}, one new item in {args.bump} feeds per cycle after the first, "
        f"MALLOC_ARENA_MAX={args.arenas or 'unset'}"
    )
    print(f"RSS before imports:   {rows[-1]['rss']:7.1f} MiB")
    print(f"RSS after imports:    {rows[0]['rss']:7.1f} MiB (and config, store)")
    print(f"RSS after cycle 1:    {rows[1]['rss']:7.1f} MiB")
    print(f"RSS at cycle 10:      {rows[10]['rss']:7.1f} MiB")
    print(f"RSS at cycle {last}:     {rows[last]['rss']:7.1f} MiB")
    trend = ", ".join(f"{c}: {rows[c]['rss']:.1f}" for c in range(10, last + 1, 10))
    print(f"RSS every 10 cycles:  {trend}")
    print(f"RSS peak (10..{last}):  {max(steady):7.1f} MiB   bar <= 120")
    print(f"growth 10 -> {last}:     {rows[last]['rss'] - rows[10]['rss']:+7.1f} MiB   bar <= 5")
    new = sum(r.get("new", 0) for r in rows.values())
    failed = sum(r.get("failed", 0) for r in rows.values())
    print(
        f"cycle wall mean {sum(walls) / len(walls):.2f} s; new items {new}; "
        f"failed polls {failed}; alerts received {alerts}"
    )
    warnings = [line for line in output.stderr.splitlines() if "WARNING" in line]
    for line in dict.fromkeys(warnings[:5]):
        print("  child:", line)
    for line in lines:
        if "trace" in line:
            print("  grew:", line["trace"])


if __name__ == "__main__":
    main()
