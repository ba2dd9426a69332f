"""Crash consistency of delivery, measured on the real daemon (reliability.md D1-D3).

    python bench/crash_harness.py crash [--kills 100] [--seeds 1 2 3] [--delay 0.02] [--trap]
    python bench/crash_harness.py control [--kills 100] [--seed 1] [--trap]
    python bench/crash_harness.py outage [--seconds 60] [--alerts 50]

`crash`: a loopback feed server whose feeds gain strike reports at every poll, a loopback JSON
receiver (apprise `json://`) that logs every arrival and answers after `--delay` s, and
`watcher run` started, killed with SIGKILL U(0.3, 0.9) s after it says READY=1, `--kills`
times; then `watcher run --once` until the outbox is empty. After every kill the database gets
`PRAGMA integrity_check`, and the rows it holds in `sending` are noted: those, and only those,
may arrive twice. Prints per seed: alerts, lost, duplicates, kills that landed in `sending`,
alerts with more copies than 1 + the kills in their send, integrity failures.

`--trap`: every second kill is made by the receiver as a send comes in (that request is dropped
unread) instead of by the timer: a kill certain to land inside the send window.

`control`: the same, with bench/crash_wrong_order.py, which marks each row sent before sending
it. It must lose alerts; if it shows 0 lost, the harness cannot see a loss. The window in which
that ordering loses is the few milliseconds from the claim until the request is written, which
random kills alone rarely hit: run the control with `--trap`.

`outage`: the real-time notifier outage (D3). A baseline run, then `--alerts` new reports, then
`watcher run` with the receiver answering 503 for `--seconds` s, then 200. Prints the receiver's
calls during the outage, the copies per alert, and the time from recovery until every alert
arrived. With the default backoff (30 s doubling) the drain waits for the next due retry; a
success to a destination then makes every row waiting on it due at once. The 10-minute version
of this is `--seconds 600`; tests/test_delivery.py runs it on a simulated clock.

Everything binds to 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
WRONG_ORDER = HERE / "crash_wrong_order.py"
PLACES = (
    "Jurf al-Sakhar",
    "Albu Kamal",
    "Mayadin",
    "Deir ez-Zor",
    "Qaim",
    "Idlib",
    "Raqqa",
    "Tikrit",
    "Mosul",
    "Kirkuk",
    "Sinjar",
    "Palmyra",
    "Aleppo",
    "Homs",
    "Fallujah",
    "Ramadi",
)
TOKEN = re.compile(r"\[(f\d+-\d+)\]")


# --- loopback servers ------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a killed daemon hangs up mid-request: that is the experiment


@dataclass
class FeedFarm:
    """Feeds /f0.xml … that gain `per_poll` strike reports each time they are fetched."""

    feeds: int
    per_poll: int
    growing: bool = True
    items: dict[int, list[str]] = field(default_factory=dict)
    serial: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def add(self, feed: int, count: int) -> None:
        with self.lock:
            for _ in range(count):
                self.serial += 1
                key = f"f{feed}-{self.serial}"
                place = PLACES[self.serial % len(PLACES)]
                title = f"Air strike hits weapons depot in {place} [{key}]"
                body = (
                    f"An air strike destroyed a weapons depot in {place} on Tuesday, killing "
                    f"{self.serial + 1} fighters, a security source said."
                )
                self.items.setdefault(feed, []).append(
                    f"<item><title>{html.escape(title)}</title><guid>{key}</guid>"
                    f"<link>http://127.0.0.1:{self.port}/a/{key}</link>"
                    f"<pubDate>{format_datetime(datetime.now(UTC))}</pubDate>"
                    f"<description>{html.escape(body)}</description></item>"
                )

    def body(self, feed: int) -> bytes:
        if self.growing:
            self.add(feed, self.per_poll)
        with self.lock:
            items = "".join(reversed(self.items.get(feed, [])[-60:]))
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
            f"<link>http://127.0.0.1:{self.port}/</link>{items}</channel></rss>"
        ).encode()


@dataclass
class Receiver:
    """A JSON notification receiver: logs every complete arrival, then answers after `delay`."""

    delay: float = 0.0
    status: int = 200
    arrivals: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, token)
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    # Called as each request comes in, before it is read; True drops the request unread.
    trap: Callable[[], bool] | None = None

    def copies(self) -> Counter[str]:
        with self.lock:
            return Counter(token for _, token in self.arrivals)


@contextmanager
def serve(farm: FeedFarm, receiver: Receiver) -> Iterator[None]:
    class Feeds(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            match = re.fullmatch(r"/f(\d+)\.xml", self.path)
            if not match:
                self.send_error(404)
                return
            body = farm.body(int(match.group(1)))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Notifications(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if receiver.trap is not None and receiver.trap():
                self.close_connection = True
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with receiver.lock:
                receiver.calls += 1
                status = receiver.status
                if status == 200 and len(raw) == length:
                    try:
                        message = json.loads(raw).get("message", "")
                    except ValueError:
                        message = ""
                    for token in TOKEN.findall(message)[:1]:
                        receiver.arrivals.append((time.monotonic(), token))
            time.sleep(receiver.delay)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    servers = [_Server(("127.0.0.1", 0), Feeds), _Server(("127.0.0.1", 0), Notifications)]
    farm.port = servers[0].server_address[1]
    receiver.port = servers[1].server_address[1]
    threads = [
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}) for s in servers
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join()


def write_config(work: Path, farm: FeedFarm, receiver: Receiver, timeout: float = 5.0) -> Path:
    feeds = "".join(
        f'[[feeds]]\nurl = "http://127.0.0.1:{farm.port}/f{n}.xml"\nname = "Feed {n}"\n'
        'interval = "1m"\n\n'
        for n in range(farm.feeds)
    )
    config = work / "watcher.toml"
    config.write_text(
        f'[watcher]\ndatabase = "sqlite:///{work / "state.db"}"\n'
        f'state_directory = "{work}"\nallow_private_networks = ["127.0.0.1/32"]\n'
        "fetch_articles = false\nstorm_limit = 100000\n\n"
        f"{feeds}"
        f'[targets.desk]\nurl = "json://127.0.0.1:{receiver.port}/"\nformat = "text"\n\n'
        f'[delivery]\ntimeout = {timeout}\nretry_initial = "1s"\nretry_max = "2s"\n'
    )
    return config


# --- the daemon ------------------------------------------------------------------------------


def _command(config: Path, *args: str, wrong_order: bool = False) -> list[str]:
    program = [str(WRONG_ORDER)] if wrong_order else ["-m", "watcher"]
    return [sys.executable, *program, "-c", str(config), *args]


def start_daemon(config: Path, work: Path, wrong_order: bool = False) -> subprocess.Popen[bytes]:
    """`watcher run`, returned once it has told the notify socket READY=1."""
    address = work / "notify.sock"
    address.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(address))
        notify.settimeout(30)
        env = {**os.environ, "NOTIFY_SOCKET": str(address)}
        with (work / "daemon.log").open("ab") as log:
            process = subprocess.Popen(
                _command(config, "run", wrong_order=wrong_order), env=env, stderr=log
            )
        try:
            while b"READY=1" not in notify.recv(4096):
                pass
        except TimeoutError:
            process.kill()
            process.wait()
            raise RuntimeError(
                f"the daemon never said READY=1; see {work / 'daemon.log'}"
            ) from None
    return process


def run_once(config: Path, work: Path) -> None:
    with (work / "daemon.log").open("ab") as log:
        subprocess.run(_command(config, "run", "--once"), stderr=log, check=True, timeout=120)


def _database(work: Path) -> sqlite3.Connection:
    return sqlite3.connect(work / "state.db", timeout=10)


def after_kill(work: Path) -> tuple[bool, list[int]]:
    """integrity_check of the database the killed daemon left, and its alerts in `sending`."""
    with _database(work) as db:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sending = [
            row[0] for row in db.execute("SELECT alert_id FROM outbox WHERE status = 'sending'")
        ]
    db.close()
    return ok, sending


def unfinished(work: Path) -> int:
    with _database(work) as db:
        count = db.execute(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'ambiguous', 'sending')"
        ).fetchone()[0]
    db.close()
    return int(count)


def alert_tokens(work: Path) -> dict[int, str]:
    """Alert id → the report token in its text, for every alert that has an outbox row."""
    with _database(work) as db:
        rows = db.execute(
            "SELECT alerts.id, alerts.text FROM alerts WHERE id IN (SELECT alert_id FROM outbox)"
        ).fetchall()
    db.close()
    tokens = {}
    for alert_id, text in rows:
        match = TOKEN.search(text)
        if match:
            tokens[alert_id] = match.group(1)
    return tokens


# --- the crash run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CrashFigures:
    seed: int
    kills: int
    alerts: int
    lost: int
    duplicates: int
    kills_in_sending: int
    over_bound: int  # alerts with more copies than 1 + the kills that caught them in `sending`
    integrity_failures: int
    left_in_outbox: int
    seconds: float

    def line(self) -> str:
        return (
            f"seed {self.seed}: {self.kills} kills, {self.alerts} alerts, lost {self.lost}, "
            f"duplicates {self.duplicates}, kills in sending {self.kills_in_sending}, "
            f"over 1+kills-in-send {self.over_bound}, integrity failures "
            f"{self.integrity_failures}, left in outbox {self.left_in_outbox}, "
            f"{self.seconds:.0f} s"
        )


def run_crash(
    work: Path,
    *,
    kills: int,
    seed: int,
    wrong_order: bool = False,
    delay: float = 0.02,
    wait: tuple[float, float] = (0.3, 0.9),
    feeds: int = 3,
    per_poll: int = 2,
    trap: bool = False,
) -> CrashFigures:
    """Kill `watcher run` `kills` times, run it to completion, count copies per alert.

    With `trap`, every second kill is made by the receiver instead of the timer: as one of the
    daemon's sends comes in (the first to third of that life, at random) it kills the daemon
    and drops that request unread, a kill certain to fall inside the send window."""
    started = time.monotonic()
    rng = random.Random(seed)
    farm = FeedFarm(feeds=feeds, per_poll=per_poll)
    receiver = Receiver(delay=delay)
    caught: Counter[int] = Counter()  # alert id → kills that found its row in `sending`
    integrity_failures = 0
    with serve(farm, receiver):
        config = write_config(work, farm, receiver)
        for kill in range(kills):
            process = start_daemon(config, work, wrong_order=wrong_order)
            timer = rng.uniform(*wait)
            if trap and kill % 2:
                receiver.trap = _trap(process.pid, rng.randint(1, 3))
                timer = 30.0  # only a backstop: the trap kills it
            try:
                process.wait(timeout=timer)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
            receiver.trap = None
            ok, sending = after_kill(work)
            integrity_failures += not ok
            caught.update(sending)
        farm.growing = False
        for _ in range(10):
            run_once(config, work)
            if not unfinished(work):
                break
        copies = receiver.copies()
        tokens = alert_tokens(work)
        left = unfinished(work)
    lost = sum(1 for token in tokens.values() if copies[token] == 0)
    duplicates = sum(max(0, copies[token] - 1) for token in tokens.values())
    over = sum(1 for alert, token in tokens.items() if copies[token] > 1 + caught[alert])
    return CrashFigures(
        seed=seed,
        kills=kills,
        alerts=len(tokens),
        lost=lost,
        duplicates=duplicates,
        kills_in_sending=sum(caught.values()),
        over_bound=over,
        integrity_failures=integrity_failures,
        left_in_outbox=left,
        seconds=time.monotonic() - started,
    )


def _trap(pid: int, nth: int) -> Callable[[], bool]:
    seen = 0
    lock = threading.Lock()

    def trap() -> bool:
        nonlocal seen
        with lock:
            seen += 1
            if seen != nth:
                return False
        os.kill(pid, signal.SIGKILL)
        return True

    return trap


# --- the outage run (D3, real time) ----------------------------------------------------------


def run_outage(work: Path, *, seconds: float, alerts: int) -> str:
    farm = FeedFarm(feeds=1, per_poll=0, growing=False)
    receiver = Receiver(status=503)
    with serve(farm, receiver):
        config = write_config(work, farm, receiver, timeout=10.0)
        # The default backoff (30 s, doubling, at most 1 h), as in production.
        text = config.read_text().replace('retry_initial = "1s"\nretry_max = "2s"\n', "")
        config.write_text(text)
        farm.add(0, 1)
        run_once(config, work)  # baseline: the first poll of a feed alerts nothing
        farm.add(0, alerts)
        outage_start = time.monotonic()
        with (work / "daemon.log").open("ab") as log:
            process = subprocess.Popen(_command(config, "run"), stderr=log)
        try:
            time.sleep(seconds)
            with receiver.lock:
                receiver.status = 200
                calls_in_outage = receiver.calls
            recovered = time.monotonic()
            deadline = recovered + max(120.0, 3 * seconds)
            while len(receiver.copies()) < alerts and time.monotonic() < deadline:
                time.sleep(0.2)
            copies = receiver.copies()
            drained = max((t for t, _ in receiver.arrivals), default=recovered) - recovered
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    duplicates = sum(n - 1 for n in copies.values())
    return (
        f"outage {seconds:.0f} s (started {recovered - outage_start:.0f} s before recovery), "
        f"{alerts} alerts queued: {len(copies)} delivered, {duplicates} duplicates, "
        f"{alerts - len(copies)} lost; receiver calls during the outage {calls_in_outage} "
        f"(budget {alerts * 15}); drained {drained:.1f} s after recovery"
    )


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    crash = sub.add_parser("crash")
    crash.add_argument("--kills", type=int, default=100)
    crash.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    crash.add_argument("--delay", type=float, default=0.02)
    control = sub.add_parser("control")
    control.add_argument("--kills", type=int, default=100)
    control.add_argument("--seed", type=int, default=1)
    control.add_argument("--delay", type=float, default=0.02)
    for each in (crash, control):
        each.add_argument("--trap", action="store_true", help="every second kill inside a send")
    outage = sub.add_parser("outage")
    outage.add_argument("--seconds", type=float, default=60.0)
    outage.add_argument("--alerts", type=int, default=50)
    args = parser.parse_args(argv)
    if args.what == "outage":
        with tempfile.TemporaryDirectory() as work:
            print(run_outage(Path(work), seconds=args.seconds, alerts=args.alerts), flush=True)
        return 0
    seeds = args.seeds if args.what == "crash" else [args.seed]
    for seed in seeds:
        with tempfile.TemporaryDirectory() as work:
            figures = run_crash(
                Path(work),
                kills=args.kills,
                seed=seed,
                wrong_order=args.what == "control",
                delay=args.delay,
                trap=args.trap,
            )
        print(
            ("control (sent marked before sending): " if args.what == "control" else "")
            + figures.line(),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
