"""Soak: the real pipeline over many loopback feeds with a mix of faults, for some minutes.

Prints, once a minute and at the end: resident memory (and its growth from the first measured
cycle), open file descriptors, unhandled exceptions, alerts queued and sent, and the size of
the SQLite WAL (reliability.md P8 and Q5, scaled down).

    python bench/soak.py --feeds 60 --minutes 5

About a third of the feeds are well-behaved news feeds that publish a new item every cycle; the
rest each serve one fault for the whole run: gzip bomb, endless body, slow drip, entity bomb,
author-regex ReDoS, HTML login page, JSON, empty 200, binary, truncated XML, 503 with
Retry-After, 404, a redirect loop, and 304 after the first poll. Failed feeds would back off for
hours; the soak clears that backoff every cycle so that every fault is met on every cycle.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import html
import logging
import os
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.httpserver import LoopbackServer
from tests.receivers import slack_receiver
from watcher import feeds
from watcher.config import parse_config
from watcher.delivery import deliver_pending
from watcher.pipeline import Context, make_client, run_once
from watcher.store import open_store

PLACES = [
    ("Jurf al-Sakhar", "south of Baghdad"),
    ("Albu Kamal", "in Deir ez-Zor province"),
    ("Sinjar", "in Nineveh province"),
    ("Idlib", "in north-western Syria"),
    ("Kobani", "in Aleppo province"),
    ("Ain al-Asad air base", "in Anbar province"),
    ("Mezzeh", "in Damascus"),
    ("Tikrit", "in Salahuddin province"),
]
FEED_TYPE = {"Content-Type": "application/rss+xml"}


class Counter(logging.Handler):
    """Counts log records that carry a traceback: an exception that reached a failure boundary."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.tracebacks = 0
        self.errors = 0
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors += 1
        if record.exc_info:
            self.tracebacks += 1
            if len(self.samples) < 5:
                self.samples.append(record.getMessage())


def trimmed_rss_mb() -> float | None:
    """RSS after glibc returns the free memory of every arena; None where that is unavailable."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return rss_mb()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def news_feed(name: str, cycle: int) -> bytes:
    items = []
    for n in range(max(0, cycle - 9), cycle + 1):  # the ten newest items
        place, where = PLACES[(zlib.crc32(name.encode()) + n) % len(PLACES)]
        title = f"Air strike hits militia depot near {place} ({name} #{n})"
        body = (
            f"An air strike hit a weapons depot of an armed group near {place} {where} on "
            f"day {n}, killing {n % 5 + 1} fighters, security sources told {name}."
        )
        items.append(
            f"<item><title>{html.escape(title)}</title><guid>{name}-{n}</guid>"
            f"<link>http://news.invalid/{name}/{n}</link>"
            f"<description>{html.escape(body)}</description></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>'
        f"{''.join(reversed(items))}</channel></rss>"
    ).encode()


def faults(stop: threading.Event) -> dict[str, object]:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 24)
    bomb = b"".join([*(squeeze.compress(zeros) for _ in range(16)), squeeze.flush()])
    entity = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"x" * 20_000}">]><rss version="2.0">'
        f"<channel><item><title>{'&a;' * 20_000}</title></item></channel></rss>"
    ).encode()
    author = "<author>a@" + "a." * 16_000 + "!</author>"
    redos = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>r</title>'
        + "".join(f"<item><title>t{n}</title><guid>r{n}</guid>{author}</item>" for n in range(10))
        + "</channel></rss>"
    ).encode()

    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        while not stop.is_set():
            handler.wfile.write(b"<item>more</item>" * 4000)

    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        while not stop.wait(0.5):
            handler.wfile.write(b" ")
            handler.wfile.flush()

    def not_modified(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.end_headers()
            return
        body = news_feed("static", 0)
        handler.send_response(200)
        handler.send_header("ETag", '"v1"')
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return {
        "gzip-bomb": (200, {**FEED_TYPE, "Content-Encoding": "gzip"}, bomb),
        "endless": endless,
        "drip": drip,
        "entity-bomb": (200, FEED_TYPE, entity),
        "redos": (200, FEED_TYPE, redos),
        "login": (200, {"Content-Type": "text/html"}, b"<html><form>Sign in</form></html>"),
        "json": (200, {"Content-Type": "application/json"}, b'{"error": "forbidden"}'),
        "empty": (200, FEED_TYPE, b""),
        "binary": (200, {}, os.urandom(8192)),
        "truncated": (200, FEED_TYPE, news_feed("cut", 3)[:300]),
        "unavailable": (503, {"Retry-After": "600"}, b"busy"),
        "missing": (404, {}, b"not found"),
        "loop": (302, {"Location": "/loop.xml"}, b""),
        "not-modified": not_modified,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=60)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between cycles")
    parser.add_argument(
        "--trim",
        action="store_true",
        help="also print RSS after returning free heap memory to the system (malloc_trim): "
        "growth that this removes is the allocator keeping freed memory, not a leak",
    )
    parser.add_argument("--fault-share", type=float, default=2 / 3, help="share of faulty feeds")
    args = parser.parse_args()

    # Every faulty feed logs an error each cycle by design; only tracebacks are news here.
    logging.getLogger().setLevel(logging.WARNING)
    counter = Counter()
    logging.getLogger().addHandler(counter)
    uncaught: list[str] = []
    threading.excepthook = lambda hook: uncaught.append(repr(hook.exc_value))
    # Short limits keep a cycle short; the faults hit the same code paths as at 15 s and 5 s.
    feeds.parse_items = functools.partial(feeds.parse_items, timeout=1.5)  # type: ignore[assignment]

    stop = threading.Event()
    kinds = faults(stop)
    names = [
        f"fault-{kind}-{n}"
        for n, kind in zip(range(round(args.feeds * args.fault_share)), _cycle(kinds), strict=False)
    ]
    news = [f"news-{n}" for n in range(args.feeds - len(names))]
    with (
        LoopbackServer() as server,
        slack_receiver() as slack,
        tempfile.TemporaryDirectory() as tmp,
    ):
        from apprise.plugins.slack import NotifySlack

        NotifySlack.webhook_url = slack.webhook_url  # type: ignore[misc]
        for name in names:
            kind = name.split("-", 1)[1].rsplit("-", 1)[0]
            server.routes[f"/{name}.xml"] = kinds[kind]  # type: ignore[assignment]
        server.routes["/loop.xml"] = kinds["loop"]  # type: ignore[assignment]
        tables = "".join(
            f'[[feeds]]\nname = "{n}"\nurl = "{server.url(f"/{n}.xml")}"\n' for n in names + news
        )
        config = parse_config(
            f'[watcher]\nstate_directory = "{tmp}"\nallow_private_networks = ["127.0.0.1/32"]\n'
            "fetch_articles = false\nfetch_timeout = 2\nbackfill = 1000\nstorm_limit = 1000\n"
            + tables
            + '[targets.slack]\nurl = "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts"\n'
            + "[delivery]\nretry_initial = 0\n"
        )
        store = open_store(config.settings.database)
        ctx = Context(config=config, store=store, client=make_client(config))
        print(
            f"soak: {len(news)} news feeds, {len(names)} faulty feeds "
            f"({len(kinds)} kinds), {args.minutes:g} min"
        )
        started = time.monotonic()
        cycle = queued = sent = escaped = 0
        baseline_rss = baseline_fds = 0.0
        peak_rss = 0.0
        next_report = started + 60
        while time.monotonic() - started < args.minutes * 60 or cycle < 2:
            for name in news:
                server.routes[f"/{name}.xml"] = (200, FEED_TYPE, news_feed(name, cycle))
            with store.transaction() as db:
                db.exec_driver_sql("UPDATE feeds SET not_before = NULL")
            try:
                results = run_once(ctx)
                delivered = deliver_pending(store, config)
            except Exception as error:  # the soak's own boundary: count what escaped the daemon's
                escaped += 1
                print(f"  escaped run_once/deliver_pending: {error!r}")
                continue
            queued += sum(r.alerts for r in results)
            sent += delivered.sent
            cycle += 1
            if cycle == 1:  # the first cycle warms caches and the thread pool up: measure after
                baseline_rss, baseline_fds = rss_mb(), open_fds()
            peak_rss = max(peak_rss, rss_mb())
            now = time.monotonic()
            if now >= next_report:
                _report(now - started, cycle, baseline_rss, baseline_fds, peak_rss, counter)
                if args.trim:
                    print(f"    RSS after malloc_trim: {trimmed_rss_mb() or 0:.1f} MB", flush=True)
                next_report += 60
            stop.wait(args.pause)
        stop.set()
        elapsed = time.monotonic() - started
        wal = Path(tmp) / "state.db-wal"
        print("final:")
        _report(elapsed, cycle, baseline_rss, baseline_fds, peak_rss, counter)
        if args.trim:
            print(f"  RSS after malloc_trim: {trimmed_rss_mb() or 0:.1f} MB")
        failed = sum(r.status == "failed" for r in results)
        print(f"  last cycle: {len(results)} feeds, {failed} failed")
        print(f"  alerts queued {queued}, sent {sent}, receiver got {len(slack.paths)}")
        print(f"  WAL {wal.stat().st_size / 2**20 if wal.exists() else 0:.1f} MB")
        print(
            f"  unhandled exceptions: {counter.tracebacks} logged with a traceback, "
            f"{len(uncaught)} in threads, {escaped} escaped the run"
        )
        for sample in counter.samples + uncaught:
            print(f"    {sample}")
    return 1 if counter.tracebacks or uncaught or escaped else 0


def _cycle(kinds: dict[str, object]) -> Iterator[str]:
    names = [k for k in kinds if k != "loop"] + ["loop"]
    while True:
        yield from names


def _report(
    elapsed: float, cycle: int, rss0: float, fds0: float, peak: float, counter: Counter
) -> None:
    rss = rss_mb()
    growth = (rss - rss0) / rss0 * 100 if rss0 else 0.0
    print(
        f"  {elapsed / 60:5.1f} min, cycle {cycle}: RSS {rss:.1f} MB "
        f"({rss - rss0:+.1f} MB, {growth:+.1f} % from cycle 1; peak {peak:.1f}), "
        f"open FDs {open_fds()} (cycle 1: {fds0:.0f}), errors logged {counter.errors}, "
        f"tracebacks {counter.tracebacks}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
