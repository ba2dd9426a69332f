"""The read-only web view, through werkzeug's test client and through a real loopback server:
pages list what the store holds, feed text stays text, nothing but GET is served, the token is
required when set, and /events.atom is a feed that another watcher reads."""

from __future__ import annotations

import base64
import io
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from werkzeug.test import Client

from tests.daemons import Start
from tests.receivers import free_port
from tests.web_data import HOSTILE_TITLE, sample_store
from watcher.config import parse_config
from watcher.pipeline import Context, make_client, run_once
from watcher.store import now, open_store
from watcher.web.app import CSP, WebServer, WebView

PAGES = ["/", "/map", "/health", "/events/1", "/events.atom", "/events.geojson", "/events.csv"]


def context_for(tmp_path: Path, feeds: str = "", database: str = "") -> Context:
    config = parse_config(
        f'[watcher]\nstate_directory = "{tmp_path}"\n'
        + (f'database = "{database}"\n' if database else "")
        + 'allow_private_networks = ["127.0.0.1/32"]\n'
        + (feeds or '[[feeds]]\nurl = "https://demo-wire.example/feed"\nname = "Demo Wire"\n'),
        str(tmp_path / "config.toml"),
    )
    store = open_store(config.settings.database)
    return Context(config=config, store=store, client=make_client(config))


@pytest.fixture
def sample(tmp_path: Path, database_url: str) -> Iterator[tuple[Context, dict[str, int]]]:
    """The sample events on SQLite, then on PostgreSQL: every page reads both alike."""
    store, ids = sample_store(database_url)
    store.engine.dispose()
    ctx = context_for(tmp_path, database=database_url)
    yield ctx, ids
    ctx.client.close()
    ctx.store.engine.dispose()


def client(ctx: Context, token: str = "") -> Client:
    return Client(WebView(lambda: ctx, token))


def text(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_events_page_lists_every_event_newest_first_with_its_fields(
    sample: tuple[Context, dict[str, int]],
) -> None:
    ctx, ids = sample
    page = text(client(ctx), "/")
    rows = [page.index(f'data-event-id="{ids[name]}"') for name in ("hostile", "deir", "jurf")]
    assert rows == sorted(rows), "newest first"
    assert "Jurf al-Sakhar, Babil" in page
    assert "United States" in page and "Kataib Hezbollah sites" in page
    assert "2 from 2 outlets" in page
    assert "Deir ez-Zor" in page and "governorate" in page


def test_filters_narrow_the_events_page_and_a_bad_date_is_a_400(
    sample: tuple[Context, dict[str, int]],
) -> None:
    ctx, ids = sample
    view = client(ctx)
    page = text(view, "/?governorate=Babil")
    assert f'data-event-id="{ids["jurf"]}"' in page
    assert f'data-event-id="{ids["deir"]}"' not in page
    page = text(view, "/?country=SY&since=2026-11-25")
    assert f'data-event-id="{ids["deir"]}"' in page
    assert f'data-event-id="{ids["jurf"]}"' not in page
    assert "since must be a date" in text(view, "/?since=yesterday", 400)
    # The filters carried to the map and the feeds are a query string, encoded.
    page = text(view, "/?actor=United+States%26co&governorate=Dhi+Qar")
    assert 'href="/map?governorate=Dhi+Qar&amp;actor=United+States%26co"' in page


def test_an_events_page_lists_every_report_in_order_with_what_it_added(
    sample: tuple[Context, dict[str, int]],
) -> None:
    ctx, ids = sample
    page = text(client(ctx), f"/events/{ids['jurf']}")
    first, second = page.index("US strikes Jurf al-Sakhar"), page.index("Four killed in Jurf")
    assert first < second
    assert 'href="https://wire.example/a?x=1&amp;y=2"' in page
    assert "new place: Al Qaim" in page and "killed: 4" in page
    assert "Evidence sentence 0 of US strikes Jurf al-Sakhar" in page
    assert "strike-iraq-syria" in page
    assert "team: pending after 0 attempt(s)" in page
    assert "Why: matched" in page
    assert "There is no event 999" in text(client(ctx), "/events/999", 404)


def test_hostile_headlines_and_links_stay_text(sample: tuple[Context, dict[str, int]]) -> None:
    ctx, ids = sample
    page = text(client(ctx), f"/events/{ids['hostile']}")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "javascript:" not in page
    assert HOSTILE_TITLE not in page


def test_every_page_says_what_may_run_and_only_get_is_served(
    sample: tuple[Context, dict[str, int]],
) -> None:
    ctx, _ = sample
    view = client(ctx)
    for path in PAGES:
        response = view.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"] == CSP
        assert "script-src" not in CSP and "default-src 'none'" in CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    for method in ("post", "put", "delete", "patch"):
        response = getattr(view, method)("/")
        assert response.status_code == 405, method
        assert response.headers["Allow"] == "GET, HEAD"
    assert view.get("/static/../app.py").status_code == 404


def test_with_a_token_every_page_needs_it(sample: tuple[Context, dict[str, int]]) -> None:
    ctx, _ = sample
    view = client(ctx, token="s3cret-token")
    basic = base64.b64encode(b"anyone:s3cret-token").decode()
    wrong = base64.b64encode(b"anyone:guess").decode()
    for path in [*PAGES, "/static/style.css", "/nowhere"]:
        response = view.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert view.get(path, headers={"Authorization": f"Basic {wrong}"}).status_code == 401
        assert view.get(path, headers={"Authorization": "Bearer guess"}).status_code == 401
        expected = 404 if path == "/nowhere" else 200
        assert view.get(path, headers={"Authorization": f"Basic {basic}"}).status_code == expected
        ok = view.get(path, headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == expected


def test_health_shows_feeds_outbox_and_silences(tmp_path: Path) -> None:
    ctx = context_for(
        tmp_path,
        '[[feeds]]\nurl = "https://ok.example/feed"\nname = "Fine Feed"\n'
        '[[feeds]]\nurl = "https://bad.example/feed"\nname = "Broken Feed"\n',
    )
    store = ctx.store
    good, bad = (
        store.feed_state("https://ok.example/feed"),
        store.feed_state("https://bad.example/feed"),
    )
    store.feed_polled(
        good.id, title="Fine", etag=None, last_modified=None, current_url=good.url, new_items=True
    )
    for _ in range(3):
        store.feed_failed(bad.id, "HTTP 500 <b>from</b> upstream", None)
    store.add_silence(
        rule=None,
        place="Sinjar",
        actor=None,
        target=None,
        comment="known exercise",
        expires=now() + timedelta(hours=2),
    )
    page = text(client(ctx), "/health")
    assert "Fine Feed" in page and "Broken Feed" in page
    assert '<tr class="feed health-ok">' in page and '<tr class="feed health-failing">' in page
    assert "HTTP 500 &lt;b&gt;from&lt;/b&gt; upstream" in page
    assert "place = Sinjar" in page and "known exercise" in page
    assert '<td class="outbox-dead">0</td>' in page
    ctx.client.close()


def test_atom_validates_and_a_second_watcher_reads_it_as_a_feed(
    sample: tuple[Context, dict[str, int]], tmp_path: Path
) -> None:
    ctx, ids = sample
    with WebServer("127.0.0.1:0", WebView(lambda: ctx)) as server:
        url = f"http://127.0.0.1:{server.port}/events.atom"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/atom+xml")
            body = response.read()
        parsed = feedparser.parse(io.BytesIO(body))
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "atom10"
        assert {e.link for e in parsed.entries} == {
            f"http://127.0.0.1:{server.port}/events/{n}" for n in ids.values()
        }
        assert all(e.id.startswith("tag:watcher,") and e.updated_parsed for e in parsed.entries)
        assert len({e.id for e in parsed.entries}) == 3

        reader_dir = tmp_path / "reader"
        reader = context_for(reader_dir, f'[[feeds]]\nurl = "{url}"\nname = "Other watcher"\n')
        try:
            results = run_once(reader)
            assert [(r.status, r.baseline, r.error) for r in results] == [("polled", 3, None)]
            known = reader.store.seen(
                reader.store.feed_state(url).id, [f"guid:{e.id}" for e in parsed.entries], []
            )
            assert len(known) == 3
        finally:
            reader.client.close()
            reader.store.engine.dispose()


def test_a_real_server_answers_and_stops(sample: tuple[Context, dict[str, int]]) -> None:
    ctx, _ = sample
    with WebServer("127.0.0.1:0", WebView(lambda: ctx)) as server:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10) as response:
            assert response.status == 200
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}/", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 405
        refused.value.close()


def test_the_daemon_serves_the_view_beyond_loopback_only_with_the_token(
    tmp_path: Path, watcher_run: Start
) -> None:
    """`watcher run` with web_listen on every address: 401 on every page without the token,
    200 with it (asked on 127.0.0.1: traffic here stays on loopback)."""
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[watcher]\nstate_directory = "{tmp_path / "state"}"\n'
        f'web_listen = "0.0.0.0:{port}"\nweb_token_env = "WATCHER_WEB_TOKEN"\n'
        '[[feeds]]\nurl = "https://a.example/feed"\ninterval = "1h"\n'
    )
    _, ids = sample_store(f"sqlite:///{tmp_path / 'state' / 'state.db'}")
    daemon = watcher_run(config, WATCHER_WEB_TOKEN="daemon-token")
    daemon.systemd.wait_for("READY=1")
    for path in [*PAGES, f"/events/{ids['jurf']}"]:
        url = f"http://127.0.0.1:{port}{path}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        assert refused.value.code == 401, path
        refused.value.close()
        request = urllib.request.Request(url, headers={"Authorization": "Bearer daemon-token"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200, path
    assert "daemon-token" not in daemon.stop()


def test_the_readme_shows_the_events_page() -> None:
    """The picture is the events page as tests/test_web_browser.py screenshots it."""
    root = Path(__file__).resolve().parent.parent
    picture = root / "docs" / "events.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "](docs/events.png)" in (root / "README.md").read_text()
