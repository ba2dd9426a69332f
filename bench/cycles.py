"""watcher's poll cycles against the feed tools people use today, over one feed farm, in one run.

For each tool, a fresh farm (200 feeds of 20 items, 50 ms latency, same seed, so the same
content) and three cycles: the first, one in which nothing changed, and one after 10% of the
feeds got a new item. watcher runs as `watcher run --once` (a new process per cycle, so it pays
Python start-up and imports each time) and, separately, as one long-lived process that calls
pipeline.run_once per cycle (what the daemon does). Its 10% cycle includes article fetch,
extraction, detection and alerting to a loopback receiver (apprise json://).

Prints wall time, CPU time, peak RSS, requests and status codes per cycle, then the ratios the
issue sets as the bar. Peers come from a virtualenv:

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install rss2email feed2exec urlwatch
    .venv/bin/python bench/cycles.py [--peers /tmp/peers] [--only watcher,urlwatch]

The farm serves every feed from one host, where real feeds live on many; the bench config sets
per_host = workers so that watcher's per-host limit does not turn 200 feeds into one site.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import DEFAULT_PEERS, PEERS, Farm, Measure, farm, measured, receiver

WATCHER = [sys.executable, "-m", "watcher"]


def watcher_config(
    the_farm: Farm,
    workdir: Path,
    receiver_port: int,
    *,
    workers: int = 32,
    per_host: int = 32,
    interval: str = "10m",
) -> Path:
    lines = [
        "[watcher]",
        'allow_private_networks = ["127.0.0.1/32"]',
        'max_item_age = "3650d"',
        f"workers = {workers}",
        f"per_host = {per_host}",
        f'state_directory = "{workdir / "state"}"',
        "",
    ]
    for i in range(the_farm.feeds):
        lines += ["[[feeds]]", f'url = "{the_farm.url(f"/feed/{i}.xml")}"', f'name = "farm {i}"']
        lines += [f'interval = "{interval}"', ""]
    lines += ["[targets.hook]", f'url = "json://127.0.0.1:{receiver_port}/"', 'format = "text"']
    path = workdir / "watcher.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_watcher(workdir: Path) -> tuple[list[Measure], int, list[dict[str, object]]]:
    """`watcher run --once` three times; returns the measures, the strike events expected,
    and the in-process cycles measured on a second fresh farm."""
    expected = 0
    with farm(workdir) as the_farm, receiver() as hook:
        config = watcher_config(the_farm, workdir, hook.port)
        command = [*WATCHER, "-c", str(config), "-q", "run", "--once"]
        count = lambda: len(hook.arrivals)  # noqa: E731
        out = [measured("watcher", "first", command, the_farm, cwd=workdir, count_alerts=count)]
        out.append(
            measured("watcher", "unchanged", command, the_farm, cwd=workdir, count_alerts=count)
        )
        bump = the_farm.admin("bump?frac=0.1")
        expected = len(bump["new_strike_events"])  # type: ignore[arg-type]
        out.append(
            measured("watcher", "10% new", command, the_farm, cwd=workdir, count_alerts=count)
        )
    inproc = workdir / "inproc"
    inproc.mkdir()
    with farm(inproc) as the_farm, receiver() as hook:
        config = watcher_config(the_farm, inproc, hook.port)
        log = inproc / "cycles.jsonl"
        import subprocess

        subprocess.run(
            [sys.executable, __file__, "--in-process", str(config), str(the_farm.port), str(log)],
            check=True,
        )
        cycles = [json.loads(line) for line in log.read_text().splitlines()]
        cycles[-1]["alerts"] = len(hook.arrivals)
    return out, expected, cycles


def in_process(config_path: Path, port: int, log: Path) -> None:
    """Child mode: one process, imports paid once, run_once per cycle (+ delivery)."""
    import urllib.request

    from watcher.config import load_config
    from watcher.delivery import deliver_pending
    from watcher.pipeline import Context, make_client, run_once
    from watcher.store import open_store

    def admin(what: str) -> dict[str, object]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/{what}", timeout=10) as a:
            result = json.loads(a.read())
        assert isinstance(result, dict)
        return result

    config = load_config(config_path)
    ctx = Context(
        config=config, store=open_store(config.settings.database), client=make_client(config)
    )
    with log.open("w") as out:
        for cycle in ("first", "unchanged", "10% new"):
            if cycle == "10% new":
                admin("bump?frac=0.1")
            admin("reset")
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu, wall = time.process_time(), time.perf_counter()
            run_once(ctx)
            deliver_pending(ctx.store, ctx.config)
            wall = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = time.process_time() - cpu
            cpu += after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            out.write(
                json.dumps(
                    {
                        "cycle": cycle,
                        "wall": wall,
                        "cpu": cpu,
                        "peak_mib": peak,
                        "stats": admin("stats"),
                    }
                )
                + "\n"
            )


def table(rows: list[Measure]) -> str:
    lines = [
        f"{'tool':20} {'cycle':14} {'wall s':>7} {'CPU s':>7} {'peak MiB':>8} {'alerts':>6}  "
        "requests (kind:status x count)"
    ]
    for m in rows:
        lines.append(
            f"{m.tool:20} {m.cycle:14} {m.wall:7.2f} {m.cpu:7.2f} {m.peak_mib:8.1f} {m.alerts:6d}  "
            f"{m.codes()}{'  FAILED: ' + m.note if not m.ok else ''}"
        )
    return "\n".join(lines)


def ratios(rows: list[Measure], expected: int) -> str:
    by = {(m.tool, m.cycle): m for m in rows if m.ok}
    lines: list[str] = []

    def ratio(
        label: str, ours: str, cycle: str, peer: str, what: str, bar: str, peer_cycle: str = ""
    ) -> None:
        a, b = by.get((ours, cycle)), by.get((peer, peer_cycle or cycle))
        if a is None or b is None:
            lines.append(f"{label:58} n/a ({peer} not measured)")
            return
        x, y = (a.wall, b.wall) if what == "wall" else (a.cpu, b.cpu)
        lines.append(f"{label:58} {x / y:6.3f}   bar {bar}")

    for ours in ("watcher", "watcher in-process"):
        lines.append(f"-- {ours}")
        ratio("unchanged wall / rss2email", ours, "unchanged", "rss2email", "wall", "<= 0.05")
        ratio("unchanged wall / urlwatch", ours, "unchanged", "urlwatch", "wall", "<= 0.5")
        ratio("unchanged CPU / rss2email", ours, "unchanged", "rss2email", "cpu", "<= 0.35")
        ratio("first wall / urlwatch", ours, "first", "urlwatch", "wall", "<= 1.0")
        ratio("first wall / rss2email", ours, "first", "rss2email", "wall", "<= 0.067 (15x)")
        ratio(
            "first wall / rss2email mailing every item (its default)",
            ours,
            "first",
            "rss2email",
            "wall",
            "<= 0.067 (15x)",
            peer_cycle="first, mailing",
        )
        ratio("first wall / feed2exec", ours, "first", "feed2exec", "wall", "<= 0.067 (15x)")
        ratio("10% new wall / rss2email", ours, "10% new", "rss2email", "wall", "<= 0.1")
        unchanged, new = by.get((ours, "unchanged")), by.get((ours, "10% new"))
        if unchanged:
            lines.append(
                f"{'unchanged: feed 304 / all requests, article requests':58} "
                f"{unchanged.requests('feed', '304')}/{unchanged.requests()}, "
                f"{unchanged.requests('article')}   bar all 304, 0 articles"
            )
        if new:
            lines.append(
                f"{'10% new: article fetches, alerts / strike events':58} "
                f"{new.requests('article')}, {new.alerts}/{expected}   bar 20, exact"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=Path, default=DEFAULT_PEERS)
    parser.add_argument("--only", default="watcher," + ",".join(PEERS))
    parser.add_argument("--in-process", nargs=3, metavar=("CONFIG", "PORT", "LOG"))
    parser.add_argument("--json", type=Path, help="also write every measure here")
    args = parser.parse_args()
    if args.in_process:
        in_process(Path(args.in_process[0]), int(args.in_process[1]), Path(args.in_process[2]))
        return
    only = args.only.split(",")
    rows: list[Measure] = []
    expected = 0
    root = Path(tempfile.mkdtemp(prefix="watcher-bench-"))
    try:
        if "watcher" in only:
            (root / "watcher").mkdir()
            measures, expected, cycles = run_watcher(root / "watcher")
            rows += measures
            rows += [
                Measure(
                    "watcher in-process",
                    c["cycle"],
                    c["wall"],
                    c["cpu"],
                    c["peak_mib"],
                    c["stats"],
                    alerts=int(c.get("alerts", 0)),
                )
                for c in cycles
            ]
        for name, run in PEERS.items():
            if name not in only:
                continue
            workdir = root / name
            workdir.mkdir()
            binary = args.peers / "bin" / ("r2e" if name == "rss2email" else name)
            if not binary.exists():
                print(f"{name}: not installed in {args.peers}; skipped", file=sys.stderr)
                continue
            with farm(workdir) as the_farm:
                try:
                    rows += run(
                        args.peers, the_farm, workdir, lambda f=the_farm: f.admin("bump?frac=0.1")
                    )
                except Exception as error:  # a peer that cannot be set up is reported, not fatal
                    print(f"{name}: could not be measured: {error!r}", file=sys.stderr)
        print(table(rows))
        print()
        print(ratios(rows, expected))
        if args.json:
            args.json.write_text(json.dumps([m.__dict__ for m in rows], indent=1))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
