"""Hostile input and faults through the whole pipeline (reliability.md B2-B5, B7).

Unit-level cases live in test_http.py, test_feeds.py and test_alerts.py. Here every fault goes
through `pipeline.run_once` / `run_feed` with a real SQLite store, the real guarded client and
loopback servers, and the checks are the daemon's: the run completes, the good feeds are
processed, each bad feed costs one clear log line, memory stays flat, nothing leaks into the
database, the logs or the notifications.
"""

from __future__ import annotations

import email.message
import functools
import json
import logging
import os
import re
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.httpserver import LoopbackServer
from tests.receivers import HttpReceiver, Reply, SmtpReceiver, free_port
from tests.test_identity import STORIES, Entry, alerts, db_path, make_context, rss, serve
from watcher import feeds, store
from watcher.cli import main
from watcher.delivery import deliver_pending
from watcher.pipeline import run_feed, run_once

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
SENTINEL = "SENTINEL-c0ffee-must-never-be-read"
FEED_TYPE = {"Content-Type": "application/rss+xml"}


SLACK_TARGET = '[targets.slack]\nurl = "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts"\n'


def email_target(smtp: SmtpReceiver) -> str:
    return (
        "[targets.email]\nurl = "
        f'"mailto://127.0.0.1:{smtp.port}?from=watcher@example.org&to=desk@example.org'
        '&mode=insecure"\n'
    )


# --- hostile feeds among normal ones (F1-F3, F9, X1, X3, X4) ----------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _entity_bomb() -> bytes:
    # One 20 k-character entity referenced 20 k times: 80 kB in, 400 M characters out if expanded.
    entity = "x" * 20_000
    refs = "&a;" * 20_000
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{entity}">]><rss version="2.0">'
        f"<channel><title>t</title><item><title>{refs}</title></item></channel></rss>"
    ).encode()


def _redos_authors() -> bytes:
    author = "<author>a@" + "a." * 16_000 + "!</author>"
    items = [Entry(f"Item {n}", "Nothing here.", f"r{n}") for n in range(10)]
    return rss(items).replace(b"</title>", b"</title>" + author.encode())


def _gzip_bomb() -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 24)
    return b"".join([*(squeeze.compress(zeros) for _ in range(16)), squeeze.flush()])  # 256 MiB


def _endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    chunk = b"<item><title>more</title></item>" * 2000
    handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
    # Ends when the client hangs up at its byte cap (the write then fails).
    while True:
        handler.wfile.write(chunk)


def _dripper(stop: threading.Event) -> object:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()
        # The fault itself: one byte every half second, until the client gives up.
        while not stop.wait(0.5):
            handler.wfile.write(b" ")
            handler.wfile.flush()

    return drip


def test_hostile_feeds_cost_one_log_line_each_and_leave_the_rest_alone(
    tmp_path: Path,
    slack: HttpReceiver,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text(SENTINEL)
    bomb = _gzip_bomb()
    # A short parse wall clock keeps the ReDoS feed quick; poll_feed looks parse_items up here.
    monkeypatch.setattr(feeds, "parse_items", functools.partial(feeds.parse_items, timeout=1.5))
    stop = threading.Event()
    with LoopbackServer() as server:
        normal = {f"normal-{n}": STORIES[n] for n in range(3)}
        gzip_headers = {**FEED_TYPE, "Content-Encoding": "gzip"}
        hostile: dict[str, tuple[object, str]] = {
            "bad-entity-bomb": ((200, FEED_TYPE, _entity_bomb()), "DTD internal subset"),
            "bad-xxe-entity": (
                (200, FEED_TYPE, (HOSTILE / "xxe-entity.xml").read_bytes()),
                "DTD internal subset",
            ),
            "bad-author-redos": ((200, FEED_TYPE, _redos_authors()), "parse killed after 1.5 s"),
            "bad-gzip-bomb": ((200, gzip_headers, bomb), "byte limit"),
            "bad-endless-body": (_endless, "byte limit"),
            "bad-slow-drip": (_dripper(stop), "deadline of 2 s passed"),
            "bad-login-page": (
                (200, {"Content-Type": "text/html"}, (HOSTILE / "login.html").read_bytes()),
                "the server sent text/html, not a feed",
            ),
            "bad-json-error": (
                (200, {"Content-Type": "application/json"}, (HOSTILE / "error.json").read_bytes()),
                "not a feed",
            ),
            "bad-empty-200": ((200, FEED_TYPE, b""), "empty document"),
            "bad-binary": (
                (200, {"Content-Type": "application/octet-stream"}, os.urandom(4096)),
                "the server sent application/octet-stream, not a feed",
            ),
        }
        names = [*normal, *hostile, "xxe-external"]
        ctx = make_context(
            tmp_path,
            [(name, server.url(f"/{name}.xml")) for name in names],
            watcher="fetch_articles = false\nworkers = 16",
            fetch_timeout=2,
            extra=SLACK_TARGET,
        )
        # A first poll of quiet feeds warms the process up (threads, caches, first queries), so
        # that what is measured next is what the hostile bodies cost.
        for name in names:
            serve(server, f"/{name}.xml", rss([]))
        assert {r.status for r in run_once(ctx)} == {"polled"}
        for name, (title, body) in normal.items():
            # Each story links to its own page: one link for all three is one article.
            link = server.url(f"/{name}-story")
            serve(server, f"/{name}.xml", rss([Entry(title, body, f"{name}-1", link)]))
        for name, (route, _) in hostile.items():
            server.routes[f"/{name}.xml"] = route  # type: ignore[assignment]
        external_dtd = (HOSTILE / "xxe-external-dtd.xml").read_text()
        serve(
            server, "/xxe-external.xml", external_dtd.replace("{sentinel}", str(sentinel)).encode()
        )
        caplog.set_level(logging.INFO)
        caplog.clear()
        rss_before = _rss_mb()
        try:
            results = {r.feed: r for r in run_once(ctx)}
        finally:
            stop.set()
        rss_growth_mb = _rss_mb() - rss_before
        delivered = deliver_pending(ctx.store, ctx.config)

    print(f"hostile run: parent resident memory +{rss_growth_mb:.1f} MB")
    assert rss_growth_mb < 50
    for name in normal:
        assert results[name].status == "polled" and results[name].alerts == 1, results[name]
    assert alerts(ctx) == 3 and delivered.sent == 3 and slack.wait_for(3)
    assert results["xxe-external"].status in ("polled", "failed")
    complaints = [r for r in caplog.records if r.levelno >= logging.WARNING]
    for name, (_, reason) in hostile.items():
        assert results[name].status == "failed", results[name]
        lines = [r.getMessage() for r in complaints if f"feed {name} " in r.getMessage()]
        assert len(lines) == 1, (name, lines)
        assert reason in lines[0], (name, lines[0])
    for name in normal:
        assert not [r for r in complaints if name in r.getMessage()]
    # The XXE sentinel is nowhere: not in the database, the logs or the notifications.
    stored = b"".join(
        p.read_bytes() for p in db_path(ctx).parent.iterdir() if p.name.startswith("state.db")
    )
    assert SENTINEL.encode() not in stored
    assert SENTINEL not in caplog.text
    assert SENTINEL not in json.dumps(slack.payloads)


# --- SSRF through item links and feed URLs (S1, S2) --------------------------------------------


def test_item_links_into_loopback_are_refused_and_the_item_alerts_from_feed_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with LoopbackServer("127.0.0.1") as canary, LoopbackServer("127.0.0.2") as server:
        port = canary.port
        canary.routes["/stolen"] = (200, {"Content-Type": "text/html"}, b"<p>secret</p>")
        server.routes["/moved"] = (302, {"Location": canary.url("/stolen")}, b"")
        links = [
            f"http://127.1:{port}/stolen",
            f"http://2130706433:{port}/stolen",
            f"http://0x7f000001:{port}/stolen",
            f"http://0177.0.0.1:{port}/stolen",
            f"http://[::ffff:127.0.0.1]:{port}/stolen",
            f"http://x@127.0.0.1:{port}/stolen",
            server.url("/moved"),  # an allowed host redirecting to the canary
        ]
        entries = [
            Entry(title, body, f"s{n}", link)
            for n, ((title, body), link) in enumerate(zip(STORIES, links, strict=True))
        ]
        serve(server, "/feed.xml", rss(entries))
        ctx = make_context(
            tmp_path,
            [("ssrf", server.url("/feed.xml"))],
            watcher="fetch_articles = true",
            allow="127.0.0.2/32",
        )
        caplog.set_level(logging.INFO)
        result = run_feed(ctx, ctx.config.feeds[0])
        assert canary.connections() == 0
    assert result.status == "polled" and result.alerts == len(links), result
    refusals = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and "link refused" in r.getMessage()
    ]
    assert len(refusals) == len(links), refusals
    assert all(r.startswith("article ") and "using the feed's text" in r for r in refusals)
    assert any("redirect to" in r and "loopback" in r for r in refusals)
    with store.open_store(ctx.config.settings.database).transaction() as db:
        texts = [row[0] for row in db.exec_driver_sql("SELECT text FROM alerts")]
    for title, body in STORIES[: len(links)]:
        assert sum(body.split(",")[0] in text for text in texts) == 1, title  # the feed's text


def test_a_production_config_refuses_a_loopback_feed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with LoopbackServer() as server:
        serve(server, "/feed.xml", rss([Entry(*STORIES[0], "g", server.url("/a"))]))
        ctx = make_context(tmp_path, [("local", server.url("/feed.xml"))], allow=None)
        assert ctx.config.settings.allow_private_networks == ()
        result = run_feed(ctx, ctx.config.feeds[0])
        assert server.connections() == 0
    assert result.status == "failed"
    assert "127.0.0.1 is a loopback address" in (result.error or "")
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "feed local failed" in lines[0]
    assert "add it to allow_private_networks" in lines[0]


# --- output injection end to end (C1-C6) ------------------------------------------------------

LIVE_SLACK = re.compile(r"<[!@#]|<https?:|<mailto:")
LIVE_HTML = re.compile(r"<\s*(script|img|iframe|a\s+href=\"?(?:javascript|http://evil))", re.I)
INVISIBLE = re.compile("[\u202e\u202d\u200b\u200c\u200d\u2066-\u2069\ufeff\x00-\x08\x0b-\x1f]")


def _injection_feed() -> bytes:
    title, body = STORIES[0]
    # Escaped once, the markup is the feed's own (stripped as HTML); escaped twice, it survives
    # as literal text and must be neutralised by the alert renderer.
    tokens = (
        "<!channel> <@U0123ABC> <http://evil.example|official> <script>alert(1)</script> "
        '<img src=x onerror="alert(1)"> <a href="http://evil.example">official</a>'
    )
    hostile_title = (
        f"{tokens} \u202e\u200b\x07 {title}\r\nBcc: victim@example.org\r\nX-Injected: 1 "
        + "A" * 1_000_000
    )
    literal = tokens.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    first, rest = body.split(",", 1)
    hostile_body = f"{first} {literal} \u202e\u200b,{rest} {tokens}"
    item = (
        f"<item><title>{_xml(hostile_title)} {_xml(literal)}</title>"
        f"<link>javascript:alert(document.cookie)</link><guid>inj-1</guid>"
        f"<description>{_xml(hostile_body)}</description></item>"
    )
    channel = f"<channel><title>Injection</title>{item}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\x07", "")


def test_feed_text_reaches_slack_and_email_inert(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver
) -> None:
    with LoopbackServer() as server:
        server.routes["/feed.xml"] = (200, FEED_TYPE, _injection_feed())
        ctx = make_context(
            tmp_path,
            [("injection", server.url("/feed.xml"))],
            extra=SLACK_TARGET + email_target(smtp),
        )
        result = run_feed(ctx, ctx.config.feeds[0])
    assert result.alerts == 1, result
    delivered = deliver_pending(ctx.store, ctx.config)
    assert delivered.sent == 2 and slack.wait_for(1) and smtp.wait_for(1)

    payload = json.dumps(slack.payloads[0], ensure_ascii=False)
    texts = [str(v) for v in _strings(slack.payloads[0])]
    assert any("Jurf al-Sakhar" in t for t in texts), "the alert itself arrived"
    assert not [t for t in texts if LIVE_SLACK.search(t)], texts
    assert "javascript:" not in payload and not INVISIBLE.search(payload)
    assert len(payload) < 40_000  # Slack's message limit

    message = smtp.messages[0]
    assert smtp.envelopes[0][1] == ("desk@example.org",)
    assert message["Bcc"] is None and message["X-Injected"] is None
    subject = str(message["Subject"])
    assert len(subject) <= 400 and not INVISIBLE.search(subject) and "\n" not in subject
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        content = part.get_content().replace("\r\n", "\n")  # SMTP's line ends, not ours
        assert isinstance(part, email.message.EmailMessage)
        assert "javascript:" not in content and not INVISIBLE.search(content)
        if part.get_content_subtype() == "html":
            assert not LIVE_HTML.search(content), content
            assert "&lt;script&gt;" in content, "the literal text is shown, escaped"


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_c6_failing_notifiers_never_log_their_tokens(
    tmp_path: Path, slack: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    token, password = "Zq7SecretTokenZq7Secret1", "hunter2-SECRET-pw"
    slack.answer(Reply(status=403, body=b"invalid_token"))  # as Slack answers a revoked hook
    targets = (
        f'[targets.slack]\nurl = "slack://T000A/B000B/{token}/#alerts"\n'
        f'[targets.hook]\nurl = "json://user:{password}@127.0.0.1:{free_port()}/hook"\n'
        "[delivery]\nretry_initial = 0\n"
    )
    with LoopbackServer() as server:
        serve(server, "/feed.xml", rss([Entry(*STORIES[0], "g", server.url("/a"))]))
        ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))], extra=targets)
        caplog.set_level(logging.DEBUG, logger="watcher")
        caplog.set_level(logging.INFO)
        assert run_feed(ctx, ctx.config.feeds[0]).alerts == 1
        result = deliver_pending(ctx.store, ctx.config)
    assert result.sent == 0 and result.retrying + result.dead == 2
    assert slack.wait_for(1) and token in slack.paths[0], "the token went where it belongs"
    failures = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name == "watcher.delivery"
    ]
    # One per destination, masked, and the dead one's target reported failing to the other.
    assert len(failures) == 3, failures
    assert failures[-1].startswith("target health: slack is failing"), failures
    assert token not in caplog.text and password not in caplog.text
    stored = db_path(ctx).read_bytes() + db_path(ctx).with_name("state.db-wal").read_bytes()
    assert token.encode() not in stored and password.encode() not in stored


# --- storage (Q2, Q3) --------------------------------------------------------------------------

HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
if sys.argv[2] == "stdin":
    sys.stdin.readline()
else:
    time.sleep(float(sys.argv[2]))  # the fault: a writer that holds the lock this long
db.execute("COMMIT")
"""


def _hold_lock(database: Path, hold: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(database), hold],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_q2_a_lock_held_3s_is_waited_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with LoopbackServer() as server:
        serve(server, "/feed.xml", rss([]))
        ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))])
        run_once(ctx)  # the feed is known; its first poll found nothing
        serve(server, "/feed.xml", rss([Entry(*STORIES[0], "g", server.url("/a"))]))
        holder = _hold_lock(db_path(ctx), "3")
        try:
            assert holder.poll() is None, "the lock is held as the run starts"
            results = run_once(ctx)
        finally:
            holder.communicate(timeout=15)
    assert holder.returncode == 0
    assert [r.status for r in results] == ["polled"] and alerts(ctx) == 1
    assert "database is locked" not in caplog.text


def test_q2_a_lock_held_past_busy_timeout_costs_one_poll(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    pragmas = store.sqlite_pragmas  # what open_store registers

    def short_busy_timeout(connection: object, record: object) -> None:
        pragmas(connection, record)  # type: ignore[arg-type]
        connection.execute("PRAGMA busy_timeout=200")  # type: ignore[attr-defined]

    monkeypatch.setattr(store, "sqlite_pragmas", short_busy_timeout)
    with LoopbackServer() as server:
        serve(server, "/feed.xml", rss([]))
        ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))])
        run_once(ctx)
        serve(server, "/feed.xml", rss([Entry(*STORIES[0], "g", server.url("/a"))]))
        holder = _hold_lock(db_path(ctx), "stdin")
        try:
            locked = run_once(ctx)
        finally:
            holder.communicate("release\n", timeout=15)
        assert holder.returncode == 0
        assert [r.status for r in locked] == ["failed"] and alerts(ctx) == 0
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(lines) == 1 and "database is locked" in lines[0] and "next poll" in lines[0]
        assert not any(r.exc_info for r in caplog.records), "handled, not a traceback"
        # The next cycle does the work.
        again = run_once(ctx)
    assert [r.status for r in again] == ["polled"] and alerts(ctx) == 1


def test_q3_a_corrupt_database_stops_the_run_and_sends_nothing(
    tmp_path: Path, slack: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    with LoopbackServer() as server:
        serve(server, "/feed.xml", rss([Entry(*STORIES[0], "g0", server.url("/a"))]))
        ctx = make_context(tmp_path, [("news", server.url("/feed.xml"))], extra=SLACK_TARGET)
        run_once(ctx)
        ctx.store.engine.dispose()  # checkpoints the WAL into the file
        path = db_path(ctx)
        assert not path.with_name("state.db-wal").exists()
        data = bytearray(path.read_bytes())
        data[100:] = bytes((b * 37 + 11) % 256 for b in range(len(data) - 100))
        path.write_bytes(bytes(data))
        config = tmp_path / "watcher.toml"
        config.write_text(
            f'[watcher]\nstate_directory = "{path.parent}"\nallow_private_networks = '
            f'["127.0.0.1/32"]\nfetch_articles = false\n[[feeds]]\nname = "news"\n'
            f'url = "{server.url("/feed.xml")}"\n' + SLACK_TARGET
        )
        serve(server, "/feed.xml", rss([Entry(*STORIES[1], "g1", server.url("/b"))]))
        before = len(server.requests)
        code = main(["-c", str(config), "run", "--once"])
        assert len(server.requests) == before, "no feed polled"
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err
    assert re.search(r"database .*state\.db.* (is corrupt|is unusable)", err), err
    assert "restore it from a backup" in err
    assert slack.payloads == []
    assert path.read_bytes() == bytes(data), "the corrupt file is kept, not replaced"
