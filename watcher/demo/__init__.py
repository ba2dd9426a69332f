"""`watcher demo`: the real pipeline, start to finish, over the built-in stories in stories.toml.

It serves four feeds (one in Arabic) and their article pages on 127.0.0.1, a JSON endpoint that
stands in for Slack and prints every alert it receives, and runs `watcher run --once` three
times: the first poll records the feeds' history silently, the second finds the new items and
alerts, the third finds nothing new (every feed answers 304).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import shutil
import sys
import tempfile
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any, TextIO

from watcher.config import parse_config
from watcher.delivery import deliver_pending
from watcher.pipeline import Context, make_client, run_once
from watcher.store import now, open_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Story:
    outlet: str
    phase: int
    slug: str
    title: str
    text: str
    strike: bool


def load_stories() -> tuple[dict[str, str], list[Story]]:
    data = tomllib.loads(files("watcher.demo").joinpath("stories.toml").read_text("utf-8"))
    outlets = {o["id"]: o["name"] for o in data["outlets"]}
    stories = [
        Story(s["outlet"], s["phase"], s["slug"], s["title"], s["text"], s.get("strike", False))
        for s in data["stories"]
    ]
    return outlets, stories


class DemoSite:
    """Feeds, article pages and an alert receiver on one loopback port."""

    def __init__(self, outlets: dict[str, str], stories: list[Story], out: TextIO) -> None:
        self.outlets = outlets
        self.stories = stories
        self.phase = 1
        self.started = now().replace(microsecond=0)
        self.out = out
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.template = files("watcher.demo").joinpath("page.html").read_text("utf-8")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> DemoSite:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def feed(self, outlet: str) -> bytes:
        stories = [s for s in self.stories if s.outlet == outlet and s.phase <= self.phase]
        entries = []
        for story in reversed(stories):
            published = format_datetime(self.started).replace("-0000", "+0000")
            entries.append(
                "<item>"
                f"<title>{html.escape(story.title)}</title>"
                f"<link>{self.base}/articles/{story.slug}.html</link>"
                f'<guid isPermaLink="false">demo-{story.slug}</guid>'
                f"<pubDate>{published}</pubDate>"
                f"<description>{html.escape(story.text.splitlines()[0])}</description>"
                "</item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{html.escape(self.outlets[outlet])}</title><link>{self.base}/</link>"
            f"<description>demo feed</description>{''.join(entries)}</channel></rss>"
        ).encode()

    def page(self, slug: str) -> bytes | None:
        story = next((s for s in self.stories if s.slug == slug), None)
        if story is None:
            return None
        paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in story.text.splitlines())
        return self.template.format(
            title=html.escape(story.title),
            outlet=html.escape(self.outlets[story.outlet]),
            paragraphs=paragraphs,
        ).encode()

    def _handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                body: bytes | None = None
                kind = "text/html; charset=utf-8"
                if path.startswith("/feeds/") and path.endswith(".xml"):
                    outlet = path[len("/feeds/") : -len(".xml")]
                    if outlet in site.outlets:
                        body, kind = site.feed(outlet), "application/rss+xml; charset=utf-8"
                elif path.startswith("/articles/") and path.endswith(".html"):
                    body = site.page(path[len("/articles/") : -len(".html")])
                if body is None:
                    self.send_error(404)
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                with site.lock:
                    site.received.append(payload)
                    site.print_alert(payload)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def print_alert(self, payload: dict[str, Any]) -> None:
        bar = "─" * 78
        self.out.write(
            f"\n{bar}\n{payload.get('title', '')}\n{bar}\n{payload.get('message', '')}\n"
        )
        self.out.flush()


def demo_config(site: DemoSite, state: Path) -> str:
    feeds = "\n".join(
        f'[[feeds]]\nname = "{name}"\nurl = "{site.base}/feeds/{outlet}.xml"\ninterval = "5m"\n'
        for outlet, name in site.outlets.items()
    )
    return f"""
[watcher]
state_directory = "{state}"
# The demo serves everything on 127.0.0.1; production configs leave this out.
allow_private_networks = ["127.0.0.1/32"]

{feeds}
[targets.terminal]
url = "json://127.0.0.1:{site.server.server_address[1]}/alerts"
format = "text"
"""


def run_demo(keep: bool = False, out: TextIO = sys.stdout, state: Path | None = None) -> int:
    """Run the demo; its state is kept when `keep` or when a `state` directory is given."""
    outlets, stories = load_stories()
    if state is not None:
        keep = True
    else:
        state = Path(tempfile.mkdtemp(prefix="watcher-demo-"))
    try:
        with DemoSite(outlets, stories, out) as site:
            config = parse_config(demo_config(site, state), str(state / "demo.toml"))
            store = open_store(config.settings.database)
            ctx = Context(config=config, store=store, client=make_client(config))

            out.write(
                f"watcher demo: {len(outlets)} feeds served at {site.base}, "
                f"state in {state}\n\n1. First poll: a new feed's items are history, "
                "recorded without alerting.\n"
            )
            results = run_once(ctx)
            out.write(
                f"   recorded {sum(r.baseline for r in results)} items silently, "
                f"{sum(r.alerts for r in results)} alerts.\n"
            )

            site.phase = 2
            new = [s for s in stories if s.phase == 2]
            out.write(
                f"\n2. {len(new)} new items appear: "
                f"{sum(s.strike for s in new)} strike reports (two strikes are reported "
                "twice, one of them in Arabic), a labour strike, a football striker and a "
                "threat.\n"
            )
            results = run_once(ctx)
            delivered = deliver_pending(ctx.store, ctx.config)
            out.write(
                f"\n   {sum(r.new for r in results)} new items, "
                f"{sum(r.detections for r in results)} detections, "
                f"{delivered.sent} alerts delivered.\n"
            )

            out.write("\n3. Third poll: nothing new.\n")
            results = run_once(ctx)
            deliver_pending(ctx.store, ctx.config)
            statuses = ", ".join(sorted({r.status for r in results}))
            out.write(f"   feeds: {statuses}; {sum(r.alerts for r in results)} alerts.\n")
            expected = {s.slug for s in new if s.strike}
            out.write(
                f"\nDone: {len(site.received)} alerts for {len(expected)} strike stories "
                "(reports of the same strike are grouped; an update says what it adds).\n"
            )
            store.engine.dispose()
    finally:
        if keep:
            out.write(f"State kept in {state}\n")
        else:
            shutil.rmtree(state, ignore_errors=True)
    return 0
