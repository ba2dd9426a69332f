"""articles.py: main text from pages we wrote (boilerplate left out), charset decoding, the
fallback to the feed summary for every kind of failure, and the pages in shared/corpus/html/."""

from __future__ import annotations

import codecs
import threading
from pathlib import Path

import pytest
import trafilatura

from tests.httpserver import LoopbackServer, Reply
from watcher import articles
from watcher.articles import Article, decode_html, extract_text, fetch_article
from watcher.feeds import Item
from watcher.http import HttpClient

PAGES = Path(__file__).parent / "fixtures" / "pages"
CORPUS_HTML = Path(__file__).parents[2] / "shared" / "corpus" / "html"
HTML = "text/html; charset=utf-8"

# Phrases that only occur in the navigation, ticker, sidebars, related tables, comments and
# footers of the fixture pages: none may reach the extracted text.
BOILERPLATE = {
    "harbour-ferry": [
        "cookies", "Air strikes pound", "Rocket fire reported", "Striker signs",
        "Drone strike kills", "Shelling resumes", "Missile attack on military base",
        "Bridge repairs delayed", "About time too", "Where will everyone park",
        "morning briefing", "All rights reserved",
    ],
    "market-fire": [
        "Skip to content", "Coalition jets", "Artillery shelling hits", "Rocket attack targets",
        "Film festival", "inbox every morning", "Share on social media", "Advertisement",
        "Independent news since",
    ],
    # An Arabic page (issue #12): right-to-left, with a football score, a labour strike, a strike
    # in Gaza and an "economic blow" in its ticker and sidebar.
    "ar-drone-strike": [
        "انتقل إلى المحتوى", "الدوري الممتاز", "إضراب عمال المخابز", "قطاع غزة",
        "ضربة جديدة لسعر الصرف", "النشرة اليومية", "شارك على مواقع التواصل", "جميع الحقوق محفوظة",
    ],
}  # fmt: skip


def make_item(link: str | None, summary: str = "The feed's own short summary.") -> Item:
    return Item(
        key="guid:test",
        alias="alias:test",
        guid="test",
        link=link,
        title="A headline from the feed",
        summary=summary,
        published=None,
    )


def page(name: str) -> bytes:
    return (PAGES / f"{name}.html").read_bytes()


@pytest.mark.parametrize("name", sorted(BOILERPLATE))
def test_extract_text_keeps_the_story_and_leaves_boilerplate_out(name: str) -> None:
    text = extract_text(decode_html(page(name), "text/html"), "https://news.example.org/story")
    assert text is not None
    for paragraph in (PAGES / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        assert paragraph in text
    for phrase in BOILERPLATE[name]:
        assert phrase not in text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body></body></html>",
        "<html><head><script>var page = 1;</script></head><body><img src=a.png></body></html>",
        "\x00\x00\x00",
    ],
)
def test_extract_text_gives_none_without_main_text(html: str) -> None:
    assert extract_text(html) is None


def test_extract_text_survives_deep_nesting() -> None:
    html = "<html><body>" + "<div>" * 50_000 + "<p>Deep.</p>" + "</div>" * 50_000 + "</body></html>"
    text = extract_text(html)
    assert text is None or len(text) < 100


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("Café".encode(), "text/html; charset=utf-8", "Café"),
        ("Café".encode("cp1252"), "text/html; charset=ISO-8859-1", "Café"),
        ("“Café”".encode("cp1252"), "text/html; charset=latin-1", "“Café”"),  # read as 1252
        ("Café".encode("cp1252"), 'text/html; charset="windows-1252"', "Café"),
        (
            '<meta charset="koi8-r"><p>Привет'.encode("koi8-r"),
            "text/html",
            '<meta charset="koi8-r"><p>Привет',
        ),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">Мир'.encode(
                "cp1251"
            ),
            "",
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">Мир',
        ),
        (codecs.BOM_UTF8 + "Ça".encode(), "text/html; charset=cp1252", "Ça"),
        (codecs.BOM_UTF16_LE + "Ça".encode("utf-16-le"), "", "Ça"),
        ("Ça".encode(), "text/html; charset=no-such-charset", "Ça"),  # unknown: sniffed
        ("Ça".encode("cp1252"), "text/html", "Ça"),  # not UTF-8: cp1252
        (b"+ADw-script+AD4-", "text/html; charset=utf-7", "+ADw-script+AD4-"),  # never UTF-7
    ],
)
def test_decode_html(body: bytes, content_type: str, expected: str) -> None:
    assert decode_html(body, content_type) == expected


# -- fetch_article: a loopback server, and a fallback for every failure --------------------------


@pytest.fixture
def client() -> HttpClient:
    return HttpClient(allow_private=["127.0.0.0/8"], deadline=10.0)


def test_fetch_article_from_the_page(client: HttpClient) -> None:
    with LoopbackServer() as server:
        server.routes["/old"] = (302, {"Location": "/story"}, b"")
        server.routes["/story"] = (200, {"Content-Type": "text/html"}, page("harbour-ferry"))
        article = fetch_article(client, make_item(server.url("/old")))
        accepted = server.requests[0].headers["accept"]
    assert article.source == "page" and article.note == ""
    assert article.url == server.url("/story")
    assert article.title == "A headline from the feed"
    assert "Fares will be capped at £2.50 for a single journey" in article.text
    assert "Drone strike kills" not in article.text
    assert accepted.startswith("text/html")


LONG_SUMMARY = "A summary the feed gives in full. " * 200
BOILERPLATE_ONLY = b"<html><body><nav><a href='/'>Home</a></nav><footer>(c)</footer></body></html>"


@pytest.mark.parametrize(
    ("route", "summary", "note"),
    [
        ((404, {}, b"missing"), None, "page fetch failed: HTTP 404"),
        ((500, {}, b"oops"), None, "page fetch failed"),
        ((200, {"Content-Type": "application/pdf"}, b"%PDF-1.4"), None, "not HTML"),
        ((200, {"Content-Type": "image/png"}, b"\x89PNG"), None, "not HTML"),
        ((200, {"Content-Type": HTML}, b"<html><body><img src=a.png></body></html>"), None,
         "no main text"),
        ((200, {"Content-Type": HTML}, BOILERPLATE_ONLY), None, "too short"),
        ((200, {"Content-Type": HTML}, b"<html><body><article><p>Short.</p></article>"), None,
         "too short"),
        ((200, {"Content-Type": HTML}, page("market-fire")), LONG_SUMMARY, "feed's own text"),
    ],
)  # fmt: skip
def test_fetch_article_falls_back_to_the_feed(
    client: HttpClient, route: Reply, summary: str | None, note: str
) -> None:
    with LoopbackServer() as server:
        server.routes["/story"] = route
        item = make_item(server.url("/story"), summary or "The feed's own short summary.")
        article = fetch_article(client, item)
    assert article == Article(
        url=item.link, title=item.title, text=item.summary, source="feed", note=article.note
    )
    assert note in article.note


def test_fetch_article_without_a_link() -> None:
    article = fetch_article(HttpClient(), make_item(None))
    assert (article.source, article.note, article.text) == (
        "feed",
        "item has no http(s) link",
        "The feed's own short summary.",
    )


def test_fetch_article_refused_link_never_connects() -> None:
    production = HttpClient()  # no private addresses allowed
    with LoopbackServer() as server:
        server.routes["/story"] = (200, {"Content-Type": HTML}, page("market-fire"))
        article = fetch_article(production, make_item(server.url("/story")))
        assert server.connections() == 0
    assert article.source == "feed"
    assert article.note.startswith("link refused: ")


def crashing_extract(html: str, url: str | None) -> str:
    """A stand-in for trafilatura that fails, run as a sandbox job."""
    raise RecursionError("maximum recursion depth exceeded")


def stuck_extract(html: str, url: str | None) -> str:
    """A stand-in for an extraction that never ends, run as a sandbox job."""
    threading.Event().wait()
    return html


@pytest.mark.parametrize(
    ("job", "timeout", "note"),
    [
        ("tests.test_articles:crashing_extract", 10.0, "extraction failed: RecursionError"),
        ("tests.test_articles:stuck_extract", 0.5, "extraction killed after 0.5 s wall clock"),
    ],
)
def test_fetch_article_survives_a_failing_extraction(
    client: HttpClient, monkeypatch: pytest.MonkeyPatch, job: str, timeout: float, note: str
) -> None:
    monkeypatch.setattr(articles, "_EXTRACT_JOB", job)
    monkeypatch.setattr(articles, "EXTRACT_TIMEOUT", timeout)
    with LoopbackServer() as server:
        server.routes["/story"] = (200, {"Content-Type": HTML}, page("market-fire"))
        article = fetch_article(client, make_item(server.url("/story")))
    assert article.source == "feed"
    assert article.note.startswith(note)


def test_extraction_runs_in_a_worker_not_in_the_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("trafilatura ran in the daemon's own process")

    monkeypatch.setattr(trafilatura, "extract", refuse)
    text = extract_text(decode_html(page("market-fire"), "text/html"))
    assert text is not None and "Layla Nassar" in text


def test_fetch_article_sniffs_html_without_content_type(client: HttpClient) -> None:
    with LoopbackServer() as server:
        server.routes["/story"] = (200, {}, page("market-fire"))
        article = fetch_article(client, make_item(server.url("/story")))
    assert article.source == "page"
    assert "Layla Nassar" in article.text


# -- the real pages in shared/corpus/html/ (measurement data, read at run time) -----------------


def test_every_corpus_page_gives_main_text() -> None:
    if not CORPUS_HTML.is_dir():
        pytest.skip(f"corpus directory {CORPUS_HTML} is absent")
    paths = sorted(CORPUS_HTML.glob("*.html"))
    assert paths
    empty = []
    for path in paths:
        text = extract_text(decode_html(path.read_bytes(), "text/html"))
        if not text or len(text) < 200:
            empty.append(path.name)
    assert empty == []
