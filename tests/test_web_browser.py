"""The web view in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright),
after the demo's pipeline has run: the events page lists its strike events, the map has one
marker per event at its place, an event's page lists every report, a hostile headline is text
that runs nothing, and no request leaves 127.0.0.1.

Screenshots of the events page and the map are written to $WATCHER_SCREENSHOTS when set, else
to pytest's temporary directory (the path is printed).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web_data import HOSTILE_LINK, HOSTILE_TITLE, ReportSpec, add_event, place, state_of
from watcher.config import parse_config
from watcher.pipeline import Context, make_client
from watcher.store import open_store
from watcher.web import queries
from watcher.web.app import WebServer, WebView, projection

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # the test extra installs it
    sync_playwright = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    sync_playwright is None or not CHROMIUM.exists(),
    reason="needs Debian's chromium (apt-get install chromium chromium-driver, as .ci/run "
    "does) and the playwright package (pip install -e '.[test]')",
)


@dataclass
class View:
    base: str
    ctx: Context
    hostile: int
    shots: Path


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[View]:
    from watcher.demo import run_demo

    state = tmp_path_factory.mktemp("demo")
    assert run_demo(out=io.StringIO(), state=state) == 0
    config = parse_config(
        f'[watcher]\nstate_directory = "{state}"\n[[feeds]]\nurl = "https://a.example/f"\n',
        str(state / "view.toml"),
    )
    store = open_store(config.settings.database)
    hostile = add_event(
        store,
        state_of(
            opened=queries.list_events(store.engine)[0].state.opened,
            places=[place("Tal Afar", "Nineveh", "IQ", 36.38, 42.45)],
            outlets=["Hostile Feed"],
        ),
        [ReportSpec("Hostile Feed", HOSTILE_TITLE, HOSTILE_LINK, {"places": ["Tal Afar"]})],
    )
    ctx = Context(config=config, store=store, client=make_client(config))
    shots = Path(os.environ.get("WATCHER_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with WebServer("127.0.0.1:0", WebView(lambda: ctx)) as server:
        yield View(f"http://127.0.0.1:{server.port}", ctx, hostile, shots)
    ctx.client.close()
    store.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert sync_playwright is not None
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


class Visit:
    """A page that records every request it makes and fails on any dialog a script opens."""

    def __init__(self, browser: Browser) -> None:
        self.page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, url: str) -> Page:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        return self.page

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    opened = Visit(browser)
    yield opened
    opened.close()


def strike_events(view: View) -> list[queries.EventView]:
    return [e for e in queries.list_events(view.ctx.store.engine) if e.id != view.hostile]


def test_the_events_page_lists_the_demos_strike_events(view: View, visit: Visit) -> None:
    from watcher.demo import load_stories

    page = visit.go(view.base + "/")
    rows = page.locator("tr.event")
    shown = [int(rows.nth(i).get_attribute("data-event-id") or 0) for i in range(rows.count())]
    expected = [e.id for e in queries.list_events(view.ctx.store.engine)]
    assert shown == expected
    _, stories = load_stories()
    # Each strike the demo alerts on is an event here, named by its place (two outlets report
    # the Jurf al-Sakhar strike: one event).
    assert len(strike_events(view)) == 3 <= sum(s.strike for s in stories)
    table = page.locator("table.events").inner_text()
    for name in ("Jurf al-Sakhar", "Damascus airport", "Sinjar"):
        assert name in table
    path = view.shots / "events.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    assert path.stat().st_size > 10_000


def test_the_map_has_one_marker_per_event_at_its_place(view: View, visit: Visit) -> None:
    page = visit.go(view.base + "/map")
    found = queries.list_events(view.ctx.store.engine)
    markers = page.locator("svg#map a.marker-link")
    assert markers.count() == len(found)
    shape = projection()
    box = page.locator("svg#map").bounding_box()
    assert box is not None
    scale = box["width"] / shape.width
    by_id = {e.id: e for e in found}
    seen = set()
    for i in range(markers.count()):
        marker = markers.nth(i)
        event = by_id[int(marker.get_attribute("data-event-id") or 0)]
        seen.add(event.id)
        assert event.where is not None
        assert marker.get_attribute("data-precision") == event.where.precision
        # Drawn where the projection puts the event's place, inside the drawn map.
        x, y = shape.point(event.where.lon, event.where.lat)
        dot = marker.locator("circle").bounding_box()
        assert dot is not None
        centre = (dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
        assert centre[0] == pytest.approx(box["x"] + x * scale, abs=2)
        assert centre[1] == pytest.approx(box["y"] + y * scale, abs=2)
    assert seen == set(by_id)
    assert page.locator("svg#map path.region").count() >= 32
    days = page.locator("svg#timeline rect.day")
    assert sum(int(days.nth(i).get_attribute("data-count") or 0) for i in range(days.count())) == (
        len(found)
    )
    path = view.shots / "map.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_an_events_page_lists_every_report(view: View, visit: Visit) -> None:
    jurf = next(e for e in strike_events(view) if e.state.reports > 1)
    reports = queries.event_reports(view.ctx.store.engine, jurf.id)
    page = visit.go(f"{view.base}/events/{jurf.id}")
    items = page.locator("li.report")
    assert items.count() == len(reports) == jurf.state.reports
    for i, report in enumerate(reports):
        assert items.nth(i).locator(".headline").inner_text() == report.title
        assert report.outlet in items.nth(i).locator(".meta").inner_text()
    assert page.locator("section.alert").count() >= 1


def test_a_hostile_headline_is_text_and_runs_nothing(view: View, visit: Visit) -> None:
    page = visit.go(f"{view.base}/events/{view.hostile}")
    assert page.locator("li.report .headline-text").inner_text() == HOSTILE_TITLE
    found: dict[str, Any] = page.evaluate(
        """() => ({
            pwned: window.pwned === undefined ? null : window.pwned,
            scripts: document.querySelectorAll('script').length,
            images: document.querySelectorAll('main img').length,
            javascript: [...document.querySelectorAll('a')].filter(
                a => a.href.toLowerCase().startsWith('javascript:')).length,
        })"""
    )
    assert found == {"pwned": None, "scripts": 0, "images": 0, "javascript": 0}
    assert visit.dialogs == []


def test_no_request_leaves_loopback(view: View, visit: Visit) -> None:
    for path in ("/", "/map", f"/events/{view.hostile}", "/health"):
        visit.go(view.base + path)
    assert visit.requests, "the browser recorded no request"
    port = urlsplit(view.base).port
    for url in visit.requests:
        parts = urlsplit(url)
        assert (parts.scheme, parts.hostname, parts.port) == ("http", "127.0.0.1", port), url
    assert any(url.endswith("/static/style.css") for url in visit.requests)
