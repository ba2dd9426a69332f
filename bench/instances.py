"""Three `watcher run` on one PostgreSQL database over the feed farm, one of them killed with
SIGKILL and started again later, several times: does every strike event get one "new" alert, is
any feed polled twice in one interval, how soon are a dead instance's feeds polled again, and
which alerts arrived twice?

Starts a PostgreSQL server (the pgserver wheel, as the tests do), the farm (200 feeds, access log
on), a loopback receiver for the alerts (apprise json://, answering after `--delay` seconds, a
notifier's latency, so that a kill can land inside a send) and three daemons, each with its own
state directory, at the shortest interval watcher accepts (60 s). After the first polls it bumps
10% of the feeds each round (one interval) and kills one instance at a moment of a round, chosen
at random; every second kill is aimed at a send: it falls on the first instance seen with an
outbox row in `sending` after that moment. The killed instance is restarted `--down` rounds
later (longer than a lease, so that the others have to take its feeds over), then another is
killed. At each kill the bench reads from the database the feeds the dead instance held and the
outbox rows it had in flight (`sending`, claimed by it).

At the end it prints, from the receiver, the farm's log and the database:
- each strike the farm announced, and what became of it: its "new" alerts; or, with none, the
  strike whose event its reports joined, or that it was not detected or never recorded;
- alerts that arrived more than once, each with whether its row was in flight at a kill;
- alerts queued and never received, and the outbox's states at the end;
- feeds polled twice less than half an interval apart;
- for each kill, how soon every feed the dead instance held was polled again, after the kill
  and after its last poll, against one lease time (`pipeline.feed_lease`).

    WATCHER_FEEDFARM=../shared/bench/feedfarm.py .venv/bin/python bench/instances.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine, create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import FARM, receiver

from watcher.config import load_config
from watcher.pipeline import TAKEOVER_WITHIN, feed_lease
from watcher.store import alerts, detections, feeds, items, outbox

INTERVAL = 60.0
# A request the farm logs this soon after a kill, for a feed whose lease the dead instance held
# for longer, was sent by the dead instance: the farm logs a request as it answers it.
ANSWERED_WITHIN = 1.0
TEMPLATES = 12  # the farm's strike texts: strike e and e + 12 tell of the same actor, target, place


@dataclass
class Kill:
    moment: float
    instance: int
    aimed: bool
    held: dict[str, float]  # feed path -> when its lease ran out, as the database said
    in_flight: set[int]  # alert ids of the rows it had in `sending`
    restarted: float = float("inf")


@dataclass(frozen=True)
class Queued:
    id: int
    event_id: int | None
    kind: str
    title: str
    text: str


@dataclass
class Run:
    announced: set[int] = field(default_factory=set)
    strike_items: set[str] = field(default_factory=set)
    kills: list[Kill] = field(default_factory=list)
    # At the start of each round and at the end: the feeds each instance held then (None: handed
    # over, free to be taken one interval after its last poll).
    holdings: list[tuple[str, dict[int | None, int]]] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--down", type=int, default=3, help="rounds a killed instance stays dead (default 3)"
    )
    parser.add_argument(
        "--delay", type=float, default=1.0, help="seconds the receiver takes to answer (1)"
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
    run = Run()
    engine = create_engine(database)
    try:
        while not (root / "farm.port").exists() or not (root / "farm.port").read_text():
            time.sleep(0.05)  # the farm writes its port when it listens
        port = int((root / "farm.port").read_text())
        with receiver(args.delay) as hook:
            configs = [
                write_config(root, n, port, hook.port, args.feeds, database) for n in range(3)
            ]
            config = load_config(configs[0])
            lease = feed_lease(config.feeds[0], config.settings).total_seconds()
            names = {f"{socket.gethostname()}:{root / f'state{n}'}": n for n in range(3)}

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
                begun = time.time()
                state = "" if dead is None else f", instance {dead} dead"
                run.holdings.append((f"round {round_ + 1}{state}", holdings(engine, names)))
                bump = admin(port, "bump?frac=0.1")
                run.announced.update(int(e) for e in bump["new_strike_events"])  # type: ignore[attr-defined]
                run.strike_items.update(bump["new_strike_items"])  # type: ignore[arg-type]
                if dead is not None and round_ - since >= args.down:
                    # Dead past one lease: the others must have taken its feeds over by now.
                    start(dead)
                    run.kills[-1].restarted = time.time()
                    dead = None
                elif dead is None:
                    since = round_
                    aimed = len(run.kills) % 2 == 1
                    time.sleep(chance.uniform(0, 20))
                    sender = sending(engine, names, INTERVAL - 25) if aimed else None
                    dead = sender if sender is not None else chance.randrange(3)
                    daemons[dead].send_signal(signal.SIGKILL)
                    daemons[dead].wait()
                    run.kills.append(kill(engine, root, dead, aimed and sender is not None))
                time.sleep(max(0.0, begun + INTERVAL - time.time()))
            if dead is not None:
                # Dead past one lease, as in the rounds, before it starts again.
                time.sleep(max(0.0, run.kills[-1].moment + lease + 15 - time.time()))
                start(dead)
                run.kills[-1].restarted = time.time()
            time.sleep(2 * INTERVAL + 60)  # past one lease, so that every bump is taken
            run.holdings.append(("end", holdings(engine, names)))
            arrivals = list(hook.arrivals)
        report(run, arrivals, access, engine, lease)
    finally:
        for process in daemons.values():
            process.send_signal(signal.SIGTERM)
        for process in daemons.values():
            process.wait(60)
        farm.terminate()
        farm.wait()
        engine.dispose()
        server.cleanup()
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
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/{what}", timeout=10) as answer:
        result = json.loads(answer.read())
    assert isinstance(result, dict)
    return result


def sending(engine: Engine, names: dict[str, int], within: float) -> int | None:
    """The first instance seen with an outbox row in `sending`, looking for `within` seconds."""
    deadline = time.monotonic() + within
    query = select(outbox.c.claimed_by).where(outbox.c.status == "sending")
    while time.monotonic() < deadline:
        with engine.connect() as db:
            claimers = [names.get(name) for name in db.execute(query).scalars()]
        found = [n for n in claimers if n is not None]
        if found:
            return found[0]
        time.sleep(0.02)  # polling another process's database: nothing to wait on
    return None


def holdings(engine: Engine, names: dict[str, int]) -> dict[int | None, int]:
    """How many feeds each instance holds a lease on now; None counts those handed over."""
    query = (
        select(feeds.c.lease_owner, func.count())
        .where(feeds.c.lease_until > func.now())
        .group_by(feeds.c.lease_owner)
    )
    with engine.connect() as db:
        return {names.get(owner, -1) if owner else None: n for owner, n in db.execute(query)}


def kill(engine: Engine, root: Path, dead: int, aimed: bool) -> Kill:
    """What the dead instance held at the moment it died: its feeds' leases and its sends."""
    moment = time.time()
    name = f"{socket.gethostname()}:{root / f'state{dead}'}"
    with engine.connect() as db:
        leases = db.execute(
            select(feeds.c.url, feeds.c.lease_until).where(feeds.c.lease_owner == name)
        ).all()
        in_flight = set(
            db.execute(
                select(outbox.c.alert_id).where(
                    outbox.c.status == "sending", outbox.c.claimed_by == name
                )
            ).scalars()
        )
    held = {
        urlsplit(url).path: until.timestamp()
        for url, until in leases
        if isinstance(until, datetime) and until.timestamp() > moment
    }
    return Kill(moment, dead, aimed, held, in_flight)


def farm_strike(link: str) -> int:
    """The farm's ground truth: item j of feed i reports strike event 3*j + i%3."""
    _, _, feed, item = urlsplit(link).path.split("/")
    return 3 * int(item.removesuffix(".html")) + int(feed) % 3


@dataclass(frozen=True)
class Outcome:
    """What the database and the receiver hold at the end of a run."""

    detected: list[tuple[str, int | None, str]]  # (item link, event id, decision)
    recorded: set[str]  # item links
    queued: list[Queued]
    received: collections.Counter[tuple[str, str]]  # (title, text) -> deliveries
    states: collections.Counter[str]  # outbox rows by status


def outcome(engine: Engine, arrivals: list[tuple[float, dict[str, object]]]) -> Outcome:
    with engine.connect() as db:
        detected = [
            (link, event_id, decision)
            for link, event_id, decision in db.execute(
                select(items.c.link, detections.c.event_id, detections.c.decision)
                .join(detections, detections.c.item_id == items.c.id)
                .order_by(detections.c.id)
            )
        ]
        recorded = set(db.execute(select(items.c.link)).scalars())
        queued = [
            Queued(alert_id, event_id, kind, title.strip(), text.strip())
            for alert_id, event_id, kind, title, text in db.execute(
                select(alerts.c.id, alerts.c.event_id, alerts.c.kind, alerts.c.title, alerts.c.text)
            )
        ]
        states = collections.Counter(db.execute(select(outbox.c.status)).scalars())
    # An arrival is an alert's title and text, which apprise's json:// sends stripped.
    received = collections.Counter(
        (str(p.get("title", "")).strip(), str(p.get("message", "")).strip()) for _, p in arrivals
    )
    return Outcome(detected, recorded, queued, received, states)


def report(
    run: Run,
    arrivals: list[tuple[float, dict[str, object]]],
    access: Path,
    engine: Engine,
    lease: float,
) -> None:
    found = outcome(engine, arrivals)
    report_strikes(run, found)
    report_deliveries(run, found.queued, found.received, found.states)
    report_polls(run, access, lease)
    report_holdings(run)


def report_holdings(run: Run) -> None:
    """The feeds each instance held at each round's start: restarted instances get their share
    back, dead ones hold nothing once their leases run out."""
    print("feeds held by instance 0 / 1 / 2 (and handed over) at each round's start:")
    for label, held in run.holdings:
        counts = " / ".join(str(held.get(n, 0)) for n in range(3))
        print(f"  {label}: {counts} ({held.get(None, 0)})")


def report_strikes(run: Run, found: Outcome) -> None:
    """Each announced strike: its "new" alerts received, or why it has none."""
    opener: dict[int, int] = {}  # our event -> the farm strike whose report opened it
    strikes_of: dict[int, set[int]] = collections.defaultdict(set)  # our event -> farm strikes
    for link, event_id, decision in found.detected:
        if event_id is None:
            continue
        strikes_of[event_id].add(farm_strike(link))
        if decision == "new":
            opener[event_id] = farm_strike(link)
    arrived = [a for a in found.queued if found.received[a.title, a.text]]
    new_alerts: collections.Counter[int] = collections.Counter(
        opener[a.event_id] for a in arrived if a.kind == "new" and a.event_id in opener
    )
    updates = sum(1 for a in arrived if a.kind == "update")
    paths = {urlsplit(link).path: link for link in found.recorded}
    print(f"strike events announced by the farm: {len(run.announced)}")
    outcomes: collections.Counter[str] = collections.Counter()
    for strike in sorted(run.announced):
        mine = sorted(p for p in run.strike_items if farm_strike(p) == strike)
        if new_alerts[strike] == 1:
            outcomes["one"] += 1
            continue
        if new_alerts[strike] > 1:
            why = f"{new_alerts[strike]} 'new' alerts: its reports opened that many events"
        elif not all(p in paths for p in mine):
            missing = [p for p in mine if p not in paths]
            why = f"never recorded: {', '.join(missing)}"
        else:
            events = {event for event, strikes in strikes_of.items() if strike in strikes}
            own = sorted(event for event in events if opener.get(event) == strike)
            joined = sorted({opener[event] for event in events if event in opener} - {strike})
            if own:
                why = f"opened event {own}, whose 'new' alert never arrived"
            elif not joined:
                why = "recorded, not detected"
            else:
                same = [s for s in joined if (s - strike) % TEMPLATES == 0]
                why = f"its reports joined the event of strike {', '.join(map(str, joined))}"
                if same:
                    why += f" ({same[0]} has the same actor, target and place in the farm's texts)"
        outcomes["none" if not new_alerts[strike] else "more"] += 1
        print(f"  strike {strike} ({', '.join(mine)}): {why}")
    print(
        "strikes with exactly one 'new' alert: "
        f"{outcomes['one']}; with none: {outcomes['none']}; "
        f"with more than one: {outcomes['more']}; update alerts received: {updates}"
    )


def report_deliveries(
    run: Run,
    queued: list[Queued],
    received: collections.Counter[tuple[str, str]],
    states: collections.Counter[str],
) -> None:
    """Alerts received twice, each with whether it was in flight at a kill; alerts lost."""
    in_flight = {alert_id: n for n, k in enumerate(run.kills, 1) for alert_id in k.in_flight}
    known = {(a.title, a.text) for a in queued}
    print(f"alerts queued: {len(queued)}; deliveries received: {sum(received.values())}")
    strays = sum(count for key, count in received.items() if key not in known)
    if strays:
        print(f"  deliveries matching no queued alert: {strays}")
    print(f"rows in flight (sending) at a kill: {sum(len(k.in_flight) for k in run.kills)}")
    twice = [a for a in queued if received[a.title, a.text] > 1]
    for alert in twice:
        where = (
            f"in flight at kill {in_flight[alert.id]}"
            if alert.id in in_flight
            else "NOT in flight at any kill"
        )
        count = received[alert.title, alert.text]
        print(f"  alert {alert.id} ({alert.kind}) received {count} times: {where}")
    explained = sum(1 for a in twice if a.id in in_flight)
    print(f"alerts received more than once: {len(twice)} ({explained} in flight at a kill)")
    lost = [a.id for a in queued if not received[a.title, a.text]]
    print(f"alerts never received: {len(lost)} {lost if lost else ''}".rstrip())
    print(f"outbox at the end: {dict(sorted(states.items()))}")


def report_polls(run: Run, access: Path, lease: float) -> None:
    """Feeds polled twice in one interval; how soon each kill's feeds were polled again."""
    polls: dict[str, list[float]] = collections.defaultdict(list)
    for line in access.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2].startswith("/feed/"):
            polls[parts[2]].append(float(parts[0]))
    for times in polls.values():
        times.sort()
    doubled = sum(
        1 for times in polls.values() for a, b in itertools.pairwise(times) if b - a < INTERVAL / 2
    )
    print(f"feed polls: {sum(len(t) for t in polls.values())} over {len(polls)} feeds")
    print(f"polls of one feed less than {INTERVAL / 2:.0f} s apart: {doubled}")
    print(f"one lease time: {lease:.0f} s")
    written = lease - TAKEOVER_WITHIN.total_seconds()  # the lease a poll writes as it begins
    worst_kill = worst_last = 0.0
    for n, k in enumerate(run.kills, 1):
        after_kill, after_last, late, in_flight, answered = [], [], 0, [], 0
        for path, until in sorted(k.held.items()):
            times = polls.get(path, [])
            before = max((t for t in times if t <= k.moment), default=float("nan"))
            after = min((t for t in times if t > k.moment), default=float("inf"))
            taken = until - written
            if not before >= taken and after - k.moment < ANSWERED_WITHIN < until - k.moment:
                # The dead instance's own request, sent before the kill and logged by the farm
                # as it answered, after it: the feed's poll of that lease, not a takeover.
                answered += 1
                before = after
                after = min((t for t in times if t > before), default=float("inf"))
            late += after > k.restarted
            after_kill.append(after - k.moment)
            if not before >= taken:
                # Its lease was taken for a poll that had not reached the farm at the kill: the
                # feed waits one lease from that take, as an alert in flight is sent again.
                in_flight.append(after - taken)
            after_last.append(after - before)
        if not after_kill:
            print(f"kill {n} (instance {k.instance}): it held no feed")
            continue
        worst_kill = max(worst_kill, max(after_kill))
        worst_last = max(worst_last, max(after_last))
        how = "aimed at a send" if k.aimed else "at a random moment"
        print(
            f"kill {n} (instance {k.instance}, {how}, {len(k.in_flight)} rows sending): "
            f"its {len(k.held)} feeds polled again within {max(after_kill):.1f} s of the kill "
            f"(median {sorted(after_kill)[len(after_kill) // 2]:.1f} s), "
            f"{max(after_last):.1f} s of their last poll; "
            f"{late} only after its restart"
        )
        if in_flight:
            print(
                f"  of which {len(in_flight)} with a poll in flight at the kill (lease taken, "
                f"no request yet): polled again within {max(in_flight):.1f} s of that take"
            )
        if answered:
            print(
                f"  of which {answered} with the dead instance's own request answered within "
                f"{ANSWERED_WITHIN:.0f} s after the kill, counted as its last poll"
            )
    print(
        f"worst takeover: {worst_kill:.1f} s after a kill, {worst_last:.1f} s after the feed's "
        f"last poll, against a lease of {lease:.0f} s"
    )


if __name__ == "__main__":
    main()
