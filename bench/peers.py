"""What the cycle benchmarks share: the feed farm, loopback receivers, measured subprocesses, and
the peers (rss2email, feed2exec, urlwatch) set up over the same farm.

I/O: starts shared/bench/feedfarm.py as a child on a free loopback port, runs each measured tool
as a child (its wall time, CPU time and peak RSS come from wait4, so they are its own), reads the
farm's /admin/stats for requests and status codes. Receivers listen on 127.0.0.1 only.
Peers are run from a virtualenv given by --peers (default /tmp/peers); a peer that is missing
or fails is reported as such and the others are still measured.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The shared bench beside the checkout; WATCHER_FEEDFARM names it where the checkout is elsewhere.
FARM = Path(
    os.environ.get("WATCHER_FEEDFARM")
    or Path(__file__).resolve().parents[2] / "shared" / "bench" / "feedfarm.py"
)
DEFAULT_PEERS = Path("/tmp/peers")


@dataclass(frozen=True)
class Measure:
    """One measured cycle of one tool."""

    tool: str
    cycle: str
    wall: float
    cpu: float
    peak_mib: float
    stats: dict[str, object]
    alerts: int = 0
    ok: bool = True
    note: str = ""

    def codes(self) -> str:
        kinds = self.stats.get("by_kind", {})
        assert isinstance(kinds, dict)
        return " ".join(
            f"{kind}:" + ",".join(f"{code}x{n}" for code, n in sorted(counts.items()))
            for kind, counts in sorted(kinds.items())
        )

    def requests(self, kind: str | None = None, code: str | None = None) -> int:
        kinds = self.stats.get("by_kind", {})
        assert isinstance(kinds, dict)
        return sum(
            n
            for k, counts in kinds.items()
            if kind in (None, k)
            for c, n in counts.items()
            if code in (None, c)
        )


class Farm:
    """A running feedfarm; `url(path)` for its addresses, `admin(...)` for its JSON endpoints."""

    def __init__(self, workdir: Path, feeds: int = 200, items: int = 20, latency_ms: int = 50):
        port_file = workdir / "farm.port"
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(FARM),
                "--feeds",
                str(feeds),
                "--items",
                str(items),
                "--latency-ms",
                str(latency_ms),
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--max-seconds",
                "3600",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.feeds = feeds
        deadline = time.monotonic() + 10
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the feed farm did not start")
            time.sleep(0.02)  # polling a file the farm writes: no event to wait on
        self.port = int(port_file.read_text())

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def admin(self, what: str) -> dict[str, object]:
        with urllib.request.urlopen(self.url(f"/admin/{what}"), timeout=10) as answer:
            result = json.loads(answer.read())
        assert isinstance(result, dict)
        return result

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@contextmanager
def farm(workdir: Path, **options: int) -> Iterator[Farm]:
    running = Farm(workdir, **options)
    try:
        yield running
    finally:
        running.close()


@dataclass
class Receiver:
    """Loopback HTTP receiver for apprise's json:// notifier: records arrival time and body."""

    port: int = 0
    arrivals: list[tuple[float, dict[str, object]]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.arrivals) >= count, timeout)


@contextmanager
def receiver(delay: float = 0.0) -> Iterator[Receiver]:
    """Records each POST as it arrives and answers it after `delay` seconds (a notifier's own
    latency): a sender killed while it waits for the answer has still delivered."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = json.loads(body)
            except ValueError:
                payload = {"raw": body.decode("utf-8", "replace")}
            with state.arrived:
                state.arrivals.append((time.time(), payload))
                state.arrived.notify_all()
            if delay:
                time.sleep(delay)  # the notifier's latency, not a synchronisation
            try:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender died while it waited for the answer: it was delivered anyway

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpSink:
    port: int = 0
    messages: int = 0


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink()

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            sink.messages += 1
            return "250 OK"

    # The controller checks readiness by connecting to its port, so it needs a real one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def measured(
    tool: str,
    cycle: str,
    command: Sequence[str],
    the_farm: Farm,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    count_alerts: Callable[[], int] = lambda: 0,
    timeout: float = 600,
) -> Measure:
    """Run `command` once as a child, between a reset and a read of the farm's counters."""
    the_farm.admin("reset")
    before = count_alerts()
    log = (cwd or Path(tempfile.gettempdir())) / f"{tool}-{cycle}.log".replace(" ", "_")
    started = time.perf_counter()
    with open(log, "wb") as out:
        child = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        timer.cancel()
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    stats = the_farm.admin("stats")
    ok = child.returncode == 0
    note = "" if ok else f"exit {child.returncode}; see {log}"
    return Measure(
        tool=tool,
        cycle=cycle,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,
        stats=stats,
        alerts=count_alerts() - before,
        ok=ok,
        note=note,
    )


# --- peers ------------------------------------------------------------------------------------


def _opml(the_farm: Farm, workdir: Path) -> Path:
    path = workdir / "feeds.opml"
    with urllib.request.urlopen(the_farm.url("/opml.xml"), timeout=10) as answer:
        path.write_bytes(answer.read())
    return path


def run_rss2email(
    peers: Path, the_farm: Farm, workdir: Path, bump: Callable[[], object]
) -> list[Measure]:
    """rss2email, one feed at a time, mailing to a loopback SMTP sink.

    The first cycle is `r2e run --no-send`, rss2email's way of recording what a new feed already
    holds, the same thing watcher's first poll does. It is also measured as rss2email does it by
    default ("first, mailing"), mailing every item, on a state file of its own: how the issue
    measured its first cycle (26-27 s there). That run goes first, so the --no-send run finds
    rss2email's files in the page cache, which can only make it faster.
    """
    r2e = str(peers / "bin" / "r2e")
    config, data = workdir / "r2e.cfg", workdir / "r2e.json"
    base = [r2e, "-c", str(config), "-d", str(data)]
    by_default = [r2e, "-c", str(config), "-d", str(workdir / "r2e-default.json")]
    with smtp_sink() as sink:
        subprocess.run([*base, "new", "reader@example.org"], check=True, capture_output=True)
        settings = {
            "email-protocol": "smtp",
            "smtp-server": "127.0.0.1",
            "smtp-port": str(sink.port),
            "smtp-ssl": "False",
            "from": "rss2email@example.org",
        }
        lines = config.read_text().splitlines()
        for n, line in enumerate(lines):
            key = line.partition(" = ")[0]
            if key in settings:
                lines[n] = f"{key} = {settings.pop(key)}"
        config.write_text("\n".join(lines) + "\n")
        subprocess.run(
            [*base, "opmlimport", str(_opml(the_farm, workdir))], check=True, capture_output=True
        )
        count = lambda: sink.messages  # noqa: E731
        mailing = measured(
            "rss2email",
            "first, mailing",
            [*by_default, "run"],
            the_farm,
            cwd=workdir,
            count_alerts=count,
        )
        out = [
            measured(
                "rss2email",
                "first",
                [*base, "run", "--no-send"],
                the_farm,
                cwd=workdir,
                count_alerts=count,
            )
        ]
        out.append(
            measured(
                "rss2email", "unchanged", [*base, "run"], the_farm, cwd=workdir, count_alerts=count
            )
        )
        bump()
        out.append(
            measured(
                "rss2email", "10% new", [*base, "run"], the_farm, cwd=workdir, count_alerts=count
            )
        )
    return [*out, mailing]


def run_feed2exec(
    peers: Path, the_farm: Farm, workdir: Path, bump: Callable[[], object]
) -> list[Measure]:
    """feed2exec with its null output, one feed at a time (its default)."""
    config, database = workdir / "f2e.ini", workdir / "f2e.db"
    config.write_text(
        "".join(
            f"[feed{i}]\nurl = {the_farm.url(f'/feed/{i}.xml')}\n"
            "output = feed2exec.plugins.null\n\n"
            for i in range(the_farm.feeds)
        )
    )
    command = [
        str(peers / "bin" / "feed2exec"),
        "--config",
        str(config),
        "--database",
        str(database),
        "fetch",
    ]
    out = [measured("feed2exec", "first", command, the_farm, cwd=workdir)]
    out.append(measured("feed2exec", "unchanged", command, the_farm, cwd=workdir))
    bump()
    out.append(measured("feed2exec", "10% new", command, the_farm, cwd=workdir))
    return out


def run_urlwatch(
    peers: Path, the_farm: Farm, workdir: Path, bump: Callable[[], object]
) -> list[Measure]:
    """urlwatch over the 200 feed URLs, its own thread pool, report to stdout only."""
    urls = workdir / "urls.yaml"
    urls.write_text(
        "---\n".join(
            f"name: feed{i}\nurl: {the_farm.url(f'/feed/{i}.xml')}\n" for i in range(the_farm.feeds)
        )
    )
    config, cache, hooks = workdir / "urlwatch.yaml", workdir / "cache.db", workdir / "hooks.py"
    hooks.write_text("")
    command = [
        str(peers / "bin" / "urlwatch"),
        "--urls",
        str(urls),
        "--config",
        str(config),
        "--cache",
        str(cache),
        "--hooks",
        str(hooks),
    ]
    env = {**os.environ, "HOME": str(workdir)}
    out = [measured("urlwatch", "first", command, the_farm, cwd=workdir, env=env)]
    out.append(measured("urlwatch", "unchanged", command, the_farm, cwd=workdir, env=env))
    bump()
    out.append(measured("urlwatch", "10% new", command, the_farm, cwd=workdir, env=env))
    return out


PEERS: dict[str, Callable[[Path, Farm, Path, Callable[[], object]], list[Measure]]] = {
    "rss2email": run_rss2email,
    "feed2exec": run_feed2exec,
    "urlwatch": run_urlwatch,
}
