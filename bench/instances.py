"""Three `watcher run` on one PostgreSQL database over the feed farm, one of them killed with
SIGKILL and started again later: does every strike event get one "new" alert, is any feed polled
twice in one interval, and how soon are a dead instance's feeds polled again?

Starts a PostgreSQL server (the pgserver wheel, as the tests do), the farm (200 feeds, access log
on), a loopback receiver for the alerts (apprise json://) and three daemons, each with its own
state directory, at the shortest interval watcher accepts (60 s). After the first polls it bumps
10% of the feeds each round (one interval) and kills one instance, chosen at random, at a random
moment of a round, restarting it `--down` rounds later (longer than a lease, 126 s, so that the
others have to take its feeds over), then kills again. At the end it prints, from the receiver
and the farm's log: strike events the farm announced, "new" alerts per event (duplicates
counted), feeds polled twice less than half an interval apart, and for each kill the longest
time until a feed was polled again.

    WATCHER_FEEDFARM=../shared/bench/feedfarm.py .venv/bin/python bench/instances.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import FARM, receiver

INTERVAL = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--down", type=int, default=3, help="rounds a killed instance stays dead (default 3)"
    )
    args = parser.parse_args()
    chance = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="watcher-instances-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(root / "pg", cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    database = f"postgresql+psycopg://postgres@/postgres?host={socket_dir}"
    access = root / "farm.log"
    options = ["--feeds", str(args.feeds), "--latency-ms", "50", "--port", "0"]
    options += ["--port-file", str(root / "farm.port"), "--log", str(access)]
    farm = subprocess.Popen(
        [sys.executable, str(FARM), *options, "--max-seconds", "3600"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    daemons: dict[int, subprocess.Popen[bytes]] = {}
    kills: list[tuple[float, int]] = []
    announced: set[str] = set()
    try:
        while not (root / "farm.port").exists() or not (root / "farm.port").read_text():
            time.sleep(0.05)  # the farm writes its port when it listens
        port = int((root / "farm.port").read_text())
        with receiver() as hook:
            configs = [
                write_config(root, n, port, hook.port, args.feeds, database) for n in range(3)
            ]

            def start(n: int) -> None:
                log = (root / f"instance{n}.log").open("ab")
                daemons[n] = subprocess.Popen(
                    [sys.executable, "-m", "watcher", "-c", str(configs[n]), "run"],
                    stdout=log,
                    stderr=log,
                )

            for n in range(3):
                start(n)
            time.sleep(INTERVAL + 15)  # the first polls (silent baseline) of every feed
            dead: int | None = None
            since = 0
            for round_ in range(args.rounds):
                bump = admin(port, "bump?frac=0.1")
                announced.update(str(e) for e in bump["new_strike_events"])
                if dead is not None and round_ - since >= args.down:
                    # Dead past one lease: the others must have taken its feeds over by now.
                    start(dead)
                    dead = None
                elif dead is None:
                    since = round_
                    dead = chance.randrange(3)
                    time.sleep(chance.uniform(0, 20))
                    daemons[dead].send_signal(signal.SIGKILL)
                    daemons[dead].wait()
                    kills.append((time.time(), dead))
                time.sleep(INTERVAL)
            if dead is not None:
                start(dead)
            time.sleep(2 * INTERVAL + 60)  # past one lease, so that every bump is taken
            alerts = list(hook.arrivals)
    finally:
        for process in daemons.values():
            process.send_signal(signal.SIGTERM)
        for process in daemons.values():
            process.wait(60)
        farm.terminate()
        farm.wait()
        server.cleanup()
    report(alerts, announced, access, kills)
    shutil.rmtree(root, ignore_errors=True)


def write_config(root: Path, n: int, port: int, hook: int, feeds: int, database: str) -> Path:
    state = root / f"state{n}"
    lines = [
        "[watcher]",
        f'database = "{database}"',
        f'state_directory = "{state}"',
        'allow_private_networks = ["127.0.0.1/32"]',
        'max_item_age = "3650d"',
        "workers = 16",
        "per_host = 16",
        "",
    ]
    for i in range(feeds):
        url = f"http://127.0.0.1:{port}/feed/{i}.xml"
        lines += ["[[feeds]]", f'url = "{url}"', f'name = "farm {i}"', 'interval = "60s"', ""]
    lines += ["[targets.hook]", f'url = "json://127.0.0.1:{hook}/"', 'format = "text"']
    path = root / f"watcher{n}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def admin(port: int, what: str) -> dict[str, object]:
    import json
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/{what}", timeout=10) as answer:
        result = json.loads(answer.read())
    assert isinstance(result, dict)
    return result


def report(
    alerts: list[tuple[float, dict[str, object]]],
    announced: set[str],
    access: Path,
    kills: list[tuple[float, int]],
) -> None:
    new: collections.Counter[str] = collections.Counter()
    updates = 0
    for _, payload in alerts:
        title = str(payload.get("title", ""))
        event = re.search(r"event (\d+)", str(payload.get("message", payload.get("body", ""))))
        if title.startswith("Update: "):
            updates += 1
        elif event:
            new[event.group(1)] += 1
    polls: dict[str, list[float]] = collections.defaultdict(list)
    for line in access.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2].startswith("/feed/"):
            polls[parts[2]].append(float(parts[0]))
    doubled = sum(
        1
        for times in polls.values()
        for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
        if b - a < INTERVAL / 2
    )
    print(f"strike events announced by the farm: {len(announced)}")
    print(f"events with a 'new' alert: {len(new)}; 'new' alerts: {sum(new.values())}")
    print(f"events with more than one 'new' alert: {sum(1 for c in new.values() if c > 1)}")
    print(f"update alerts: {updates}")
    print(f"feed polls: {sum(len(t) for t in polls.values())} over {len(polls)} feeds")
    print(f"polls of one feed less than {INTERVAL / 2:.0f} s apart: {doubled}")
    for moment, which in kills:
        gaps = [
            min((t for t in times if t > moment), default=float("inf")) - moment
            for times in polls.values()
        ]
        print(
            f"kill -9 of instance {which}: every feed polled again within "
            f"{max(gaps):.0f} s (median {sorted(gaps)[len(gaps) // 2]:.0f} s)"
        )


if __name__ == "__main__":
    main()
