"""feeds.py: fixtures we wrote, identity cases (reliability.md I1-I4), hostile XML (X1-X7, C4, C5),
the real feed snapshots in shared/corpus/feeds/, and conditional GET against a loopback server."""

from __future__ import annotations

import io
import resource
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import feedparser
import pytest

from tests.httpserver import LoopbackServer
from watcher import feeds, sandbox
from watcher.errors import FetchError, ParseError
from watcher.feeds import (
    Item,
    canonical_url,
    discover_feeds,
    parse_items,
    poll_feed,
    read_opml,
)
from watcher.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
CORPUS_FEEDS = Path(__file__).parents[2] / "shared" / "corpus" / "feeds"
BASE = "https://news.example.org/middle-east/rss.xml"


def rss(items: str, prolog: str = "", encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>{prolog}'
        '<rss version="2.0"><channel><title>Test desk</title>'
        f"<link>https://news.example.org/</link>{items}</channel></rss>"
    ).encode()


def item(
    title: str = "A headline",
    *,
    guid: str | None = None,
    link: str | None = None,
    date: str | None = None,
    extra: str = "",
    description: str = "Body text.",
) -> str:
    parts = [f"<title>{title}</title>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    parts.append(f"{extra}<description>{description}</description>")
    return "<item>" + "".join(parts) + "</item>"


def parse(raw: bytes, **limits: Any) -> tuple[Item, ...]:
    return parse_items(raw, BASE, **limits)[1]


# -- fixtures we wrote ---------------------------------------------------------------------------


def test_rss_fixture_items() -> None:
    title, items = parse_items((FIXTURES / "wire.rss.xml").read_bytes(), BASE)
    assert title == "Northern Desk & Wire — Middle East"
    assert [(i.key, i.link, i.title, i.published) for i in items] == [
        (
            "guid:nd-2024-03-02-0017",
            "https://News.Example.org:443/2024/03/02/qaim-convoy.html"
            "?utm_source=rss&utm_medium=feed&id=42#top",
            "Drone strike hits convoy near Qaim crossing, officials say",
            datetime(2024, 3, 2, 6, 15, tzinfo=UTC),
        ),
        (
            "guid:nd-2024-03-01-0009",
            "https://news.example.org/2024/03/01/river-bridge.html",  # relative, resolved
            "Council approves budget for river bridge",  # RLO, PDF and zero-width space gone
            datetime(2024, 3, 1, 18, 40, tzinfo=UTC),
        ),
        # javascript: link and a 2099 date; data: link and 1970; file: link and a garbage date
        ("guid:nd-2024-03-01-0008", None, "Click here for the live blog", None),
        ("guid:nd-archive-1970", None, "Archive: the 1970 floods revisited", None),
        (items[4].key, None, "Market prices steady after holiday", None),
        (items[5].key, None, "Schools reopen in the old city", None),
    ]
    assert items[4].key.startswith("hash:") and items[5].key.startswith("hash:")
    assert items[0].summary == (
        "A drone struck a convoy of three vehicles near the border crossing on Saturday morning,"
        " two local officials said.\nNo group has claimed the attack."
    )


def test_atom_fixture_items() -> None:
    title, items = parse_items((FIXTURES / "desk.atom.xml").read_bytes(), BASE)
    assert title == "Example Wire: Levant"
    first, second = items
    assert first.key == "guid:tag:wire.example.net,2024:story-881"
    assert first.link == "https://wire.example.net/stories/2024/shelling-east?ocid=rss&fbclid=abc"
    assert first.title == 'Shelling reported in "eastern districts"'
    # The longer of summary and content wins, as plain text with its paragraph break.
    assert first.summary == (
        "Residents said artillery fire continued overnight.\n"
        "Medical workers counted at least four wounded."
    )
    assert second.published == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)


def test_same_item_gets_same_identity_on_every_parse() -> None:
    raw = (FIXTURES / "wire.rss.xml").read_bytes()
    assert parse(raw) == parse(raw)


# -- identity: reliability.md B6 -----------------------------------------------------------------


def test_i1_missing_guid_uses_canonical_link_then_content_hash() -> None:
    items = parse(
        rss(
            item("With link", link="https://News.example.org/a.html?utm_source=x#frag")
            + item("No link, no guid")
        )
    )
    assert items[0].key == "link:https://news.example.org/a.html"
    assert items[1].key.startswith("hash:")
    again = parse(rss(item("No link, no guid")))
    assert again[0].key == items[1].key


def test_i2_rotating_guid_keeps_alias() -> None:
    polls = [
        parse(rss(item("Same story", guid=f"random-{n}", link="https://n.example/s?fbclid=" + n)))
        for n in ("a1", "b2", "c3")
    ]
    assert len({poll[0].key for poll in polls}) == 3
    assert len({poll[0].alias for poll in polls}) == 1


def test_i3_shared_guid_is_disambiguated_by_link() -> None:
    items = parse(
        rss("".join(item(f"Story {n}", guid="dup", link=f"https://n.example/{n}") for n in "abc"))
    )
    assert [i.key for i in items] == [f"guid:dup|https://n.example/{n}" for n in "abc"]
    assert len({i.alias for i in items}) == 3


def test_i4_constant_link_with_distinct_guids() -> None:
    items = parse(
        rss("".join(item(f"Story {n}", guid=f"g{n}", link="https://n.example/") for n in "abc"))
    )
    assert [i.key for i in items] == ["guid:ga", "guid:gb", "guid:gc"]
    # The shared link says nothing about identity, so the alias falls back to the text.
    assert len({i.alias for i in items}) == 3


def test_recurring_title_without_link_is_not_taken_for_the_same_item() -> None:
    first = parse(rss(item("Live updates", guid="1", description="Day one")))
    second = parse(rss(item("Live updates", guid="2", description="Day two")))
    assert first[0].alias != second[0].alias


def test_alias_ignores_case_and_punctuation_of_titles() -> None:
    first = parse(rss(item("Rockets hit base, officials say", guid="1")))[0]
    second = parse(rss(item("ROCKETS hit base — officials say!", guid="2")))[0]
    assert first.alias == second.alias


# -- canonical URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.ORG:443/a/b?b=2&a=1#x", "https://news.example.org/a/b?a=1&b=2"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        (
            "https://e.example/s?utm_source=rss&UTM_Medium=f&fbclid=1&gclid=2&mc_cid=3&mc_eid=4"
            "&ocid=5&cmpid=6&at_medium=7&at_campaign=8&ref=9&rss=1&taid=10&id=7",
            "https://e.example/s?id=7",
        ),
        ("https://www.nytimes.com/x.html?emc=rss&partner=rss", "https://www.nytimes.com/x.html"),
        ("https://e.example/p?q=a+b&q=c", "https://e.example/p?q=a+b&q=c"),
        ("https://e.example/p?empty=", "https://e.example/p?empty="),
        ("https://[2001:DB8::1]:443/p", "https://[2001:db8::1]/p"),
        ("http://[::1", "http://[::1"),  # unparseable: returned as given
        ("HTTP://User:PW@Example.COM./Top", "http://User:PW@example.com/Top"),
        ("https://[FE80::1%ETH0]:8443/", "https://[fe80::1%ETH0]:8443/"),
        ("https://EX%4Bample.com/", "https://ex%4Bample.com/"),
        ("https://example.com:99999/", "https://example.com:99999/"),  # bad port: as given
        ("https://Example.com", "https://example.com/"),
        ("", ""),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


# -- text, links and dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Plain &amp; simple", "Plain & simple"),
        ("&lt;b&gt;Bold&lt;/b&gt; words", "Bold words"),
        ("Bidi &#8238;override&#8236; and &#8207;marks&#8206;", "Bidi override and marks"),
        ("Zero&#8203;width&#8204;joiners&#65279;", "Zerowidthjoiners"),
        ("Tabs\tand\r\nnew\nlines   collapse", "Tabs and new lines collapse"),
        ("&lt;!channel&gt; ping", "ping"),  # alerts.py still escapes what is left, e.g. <@U1>
        ("C0\x07 control\x1b", "C0 control"),  # feedparser itself maps C1 to cp1252
    ],
)
def test_titles_become_plain_text(title: str, expected: str) -> None:
    assert parse(rss(item(title, guid="t")))[0].title == expected


def test_oversize_title_and_summary_are_cut() -> None:
    words = "word " * 250_000  # 1.25 MB
    raw = rss(f"<item><title>{words}</title><description>{words}</description></item>")
    only = parse(raw)[0]
    assert len(only.title) <= feeds.TITLE_MAX and only.title.endswith("…")
    assert len(only.summary) <= feeds.SUMMARY_MAX


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://n.example/a", "https://n.example/a"),
        ("/2024/story.html", "https://news.example.org/2024/story.html"),
        ("story.html", "https://news.example.org/middle-east/story.html"),
        ("//cdn.example/x", "https://cdn.example/x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,hi", None),
        ("file:///etc/passwd", None),
        ("ftp://n.example/a", None),
        ("mailto:desk@n.example", None),
        ("http:no-host", None),
    ],
)
def test_links_are_absolute_http_only(link: str, expected: str | None) -> None:
    assert parse(rss(item(guid="l", link=link)))[0].link == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Sat, 02 Mar 2024 09:15:00 +0300", datetime(2024, 3, 2, 6, 15, tzinfo=UTC)),
        ("2024-03-02T09:15:00Z", datetime(2024, 3, 2, 9, 15, tzinfo=UTC)),
        ("Tue, 01 Jan 2099 00:00:00 GMT", None),
        ("Thu, 01 Jan 1970 00:00:00 GMT", None),
        ("yesterday-ish", None),
        (None, None),
    ],
)
def test_published_dates(date: str | None, expected: datetime | None) -> None:
    assert parse(rss(item(guid="d", date=date)))[0].published == expected


# -- hostile documents: reliability.md X1-X7 ----------------------------------------------------


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


QUADRATIC = rss(
    item("&big;" * 16_000, guid="q"), prolog=f'<!DOCTYPE rss [<!ENTITY big "{"A" * 16_000}">]>'
)
BILLION_LAUGHS = rss(
    item("&lol9;", guid="b"),
    prolog='<!DOCTYPE rss [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + "]>",
)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(QUADRATIC, id="x1-quadratic-entity"),
        pytest.param(BILLION_LAUGHS, id="x2-billion-laughs"),
        pytest.param(
            rss(item(guid="e"), prolog='<!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">]>'),
            id="x3-external-entity",
        ),
        pytest.param(
            rss(item(guid="e"), prolog="<!doctype rss [ ]>"), id="empty-internal-subset-lower"
        ),
        pytest.param(
            rss(item(guid="e"), prolog='<!DOCTYPE rss [<!ENTITY a "b">]>', encoding="utf-16")
            .decode()
            .encode("utf-16-le"),
            id="utf16-without-bom",
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="utf-7"?>'
            + "<!DOCTYPE rss [<!ENTITY a 'b'>]><rss/>".encode("utf-7"),
            id="utf7-hides-markup",
        ),
        pytest.param(
            rss(item("<!-- <a --> x", guid="c"), prolog='<!--<x--><!DOCTYPE rss [<!ENTITY a "">]>'),
            id="comment-before-doctype",
        ),
    ],
)
def test_dtd_internal_subsets_are_refused_before_parsing(raw: bytes) -> None:
    assert len(QUADRATIC) > 80_000
    with pytest.raises(ParseError, match="DTD internal subset"):
        parse(raw)


def test_x3_external_dtd_and_entities_are_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("SENTINEL-7f3a-never-read")
    external_dtd = rss(
        item("&ext;", guid="x", description="&ext;"),
        prolog=f'<!DOCTYPE rss SYSTEM "file://{sentinel}">',
    )
    assert "SENTINEL" not in repr(parse_items(external_dtd, BASE))
    # Even with the pre-filter switched off, feedparser must not read the file.
    monkeypatch.setattr(feeds, "_refuse_dtd", lambda raw: None)
    entity = rss(
        item("&ext;", guid="x"), prolog=f'<!DOCTYPE rss [<!ENTITY ext SYSTEM "file://{sentinel}">]>'
    )
    try:
        result = repr(parse_items(entity, BASE))
    except ParseError as error:
        result = str(error)
    assert "SENTINEL" not in result


def test_x4_author_regex_redos_is_killed_by_the_wall_clock() -> None:
    evil = "<author>a@" + "a." * 16_000 + "!</author>"
    raw = rss("".join(item(guid=f"r{n}", extra=evil) for n in range(10)))
    rss_before = _max_rss_mb()
    with pytest.raises(ParseError, match="killed after 1 s wall clock"):
        parse(raw, timeout=1.0)
    assert _max_rss_mb() - rss_before < 50
    assert parse(rss(item(guid="after")))[0].key == "guid:after"  # the parent carries on


def test_parses_in_threads_do_not_wait_for_a_slow_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two workers at least, whatever the machine's core count: one for the slow parse.
    pool = sandbox.Pool(size=2)
    monkeypatch.setattr(sandbox, "_default", pool)
    evil = "<author>a@" + "a." * 16_000 + "!</author>"
    slow = rss("".join(item(guid=f"r{n}", extra=evil) for n in range(10)))
    fast = [rss("".join(item(f"T{n}", guid=f"{t}-{n}") for n in range(50))) for t in range(8)]
    try:
        with ThreadPoolExecutor(max_workers=4) as threads:
            stuck = threads.submit(parse, slow, timeout=4.0)
            results = list(threads.map(parse, fast))
            # The fast parses are all done while the slow one still runs (killed at 4 s; the
            # ReDoS alone would take half a minute): nothing waited for it.
            assert not stuck.done()
            with pytest.raises(ParseError, match="wall clock"):
                stuck.result()
    finally:
        pool.close()
    assert [r[0].key for r in results] == [f"guid:{t}-0" for t in range(8)]


def test_memory_limit_stops_the_parse() -> None:
    # A real document, no stand-in: keeping 3000 entries takes feedparser far beyond 4 MiB.
    many = rss("".join(item(f"T{n}", guid=f"m{n}", description="word " * 40) for n in range(3000)))
    # A worker of its own: the budget counts new address space, and a worker that ran other
    # jobs before may have freed memory to parse into without mapping more.
    pool = sandbox.Pool(size=1)
    try:
        with pytest.raises(ParseError, match="parse exceeded its memory limit"):
            pool.run(
                "watcher.feeds:parse_job",
                (many, BASE),
                timeout=30,
                memory=4 * 2**20,
                error=ParseError,
                label="parse",
            )
    finally:
        pool.close()
    assert len(parse(many)) == 3000  # with the default budget it parses


def test_parse_runs_in_a_worker_not_in_the_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("feedparser ran in the daemon's own process")

    monkeypatch.setattr(feedparser, "parse", refuse)
    assert parse(rss(item(guid="w")))[0].key == "guid:w"


def test_x7_feedparser_only_ever_gets_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    real_parse = feedparser.parse

    def checked(source: object, **options: Any) -> Any:
        if not isinstance(source, io.BytesIO):
            raise TypeError(f"feedparser.parse got {type(source).__name__}")
        return real_parse(source, **options)

    # parse_job is the whole of what a worker runs for parse_items; run here, in this process,
    # it meets the patched feedparser.
    monkeypatch.setattr(feedparser, "parse", checked)
    title, rows = feeds.parse_job(rss(item("/etc/passwd", guid="p")), BASE)
    assert (title, rows[0][2]) == ("Test desk", "/etc/passwd")


@pytest.mark.parametrize(
    ("raw", "titles"),
    [
        pytest.param(
            rss(item("Deep", guid="d", description="&lt;div&gt;" * 100_000)),
            ["Deep"],
            id="x6-deep-escaped-html",
        ),
        pytest.param(
            rss(item("Deep", guid="d", extra="<category>" + "<b>" * 100_000 + "</category>")),
            None,
            id="x6-deep-raw-elements",
        ),
        pytest.param(
            rss(item("Nul\x00byte", guid="n")).replace(b"<channel>", b"<chan\x00nel>"),
            None,
            id="x5-nul-bytes",
        ),
        pytest.param(
            rss(item("Café na praça", guid="c")).decode().encode("latin-1"),
            ["Café na praça"],
            id="x5-latin1-declared-utf8",
        ),
        pytest.param(
            rss(item("One", guid="1") + item("Two", guid="2"), encoding="utf-16")
            .decode()
            .encode("utf-16-le"),
            ["One", "Two"],
            id="x5-utf16-without-bom",
        ),
        pytest.param(
            rss(item("One", guid="1") + item("Two", guid="2") + item("Three", guid="3"))[:-40],
            ["One", "Two", "Three"],
            id="x5-truncated",
        ),
        pytest.param(
            rss(item("Fish &amp; chips & more <unclosed", guid="a")),
            None,
            id="x5-bad-ampersand",
        ),
    ],
)
def test_malformed_feeds_give_items_or_a_parse_error(raw: bytes, titles: list[str] | None) -> None:
    try:
        items = parse(raw)
    except ParseError as error:
        assert titles is None, f"expected items, got {error}"
        return
    if titles is not None:
        assert [i.title for i in items] == titles
    assert all(len(i.title) <= feeds.TITLE_MAX and "\x00" not in i.title for i in items)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"<html><body><form>Sign in</form></body></html>", id="html-login"),
        pytest.param(b'{"error": "not found"}', id="json-error"),
        pytest.param(bytes(range(256)) * 20, id="binary"),
    ],
)
def test_non_feeds_are_a_parse_error(raw: bytes) -> None:
    with pytest.raises(ParseError):
        parse(raw)


def test_relative_links_resolve_against_xml_base_then_the_feed_url() -> None:
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/desk/"><title>Desk</title>'
        b'<entry><id>a</id><title>Based</title><link href="story-a.html"/></entry>'
        b'<entry xml:base="https://mirror.example.net/x/"><id>b</id><title>Elsewhere</title>'
        b'<link href="story-b.html"/></entry>'
        b'<entry><id>c</id><title>Absolute</title><link href="https://other.example/c"/></entry>'
        b"</feed>"
    )
    _, items = parse_items(atom, BASE)
    assert [i.link for i in items] == [
        "https://news.example.org/desk/story-a.html",
        "https://mirror.example.net/x/story-b.html",
        "https://other.example/c",
    ]


def test_a_permalink_guid_is_resolved_against_the_feed_url_as_stored_keys_expect() -> None:
    # Stored item keys hold feedparser's resolution of a relative permalink guid: it must not
    # change, or every item of such a feed would look new after an upgrade.
    _, items = parse_items(
        rss(item("A", extra="<guid>g1</guid>") + item("B", guid="12345")),
        BASE,
    )
    assert [i.key for i in items] == ["guid:https://news.example.org/middle-east/g1", "guid:12345"]


def test_the_summary_is_the_longest_text_not_the_longest_markup() -> None:
    script = "<script>var tracking = '" + "x" * 500 + "';</script><p>Read more.</p>"
    entry = item(
        "Strike",
        guid="s",
        description="An air strike hit a depot near Deir ez-Zor, officials said.",
        extra=f"<content:encoded><![CDATA[{script}]]></content:encoded>",
    )
    raw = rss(entry).replace(
        b'<rss version="2.0">',
        b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    )
    [parsed] = parse(raw)
    assert parsed.summary == "An air strike hit a depot near Deir ez-Zor, officials said."


@pytest.mark.parametrize("content_type", [None, "application/rss+xml", "text/xml"])
def test_a_document_without_an_encoding_declaration_is_read_as_utf8(
    content_type: str | None,
) -> None:
    raw = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Zürich desk</title>'
        "<item><guid>z</guid><title>Zürich &#8212; news</title>"
        "<link>/café</link><description>Grüße</description></item></channel></rss>"
    ).encode()
    title, [parsed] = parse_items(raw, BASE, content_type=content_type)
    assert (title, parsed.title, parsed.summary) == ("Zürich desk", "Zürich — news", "Grüße")
    assert parsed.link == "https://news.example.org/café"


def test_the_servers_charset_decodes_a_document_that_declares_none() -> None:
    raw = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>'
        "<item><guid>a</guid><title>غارة على دير الزور</title></item></channel></rss>"
    ).encode("windows-1256")
    _, [parsed] = parse_items(raw, BASE, content_type="application/rss+xml; charset=windows-1256")
    assert parsed.title == "غارة على دير الزور"


def test_an_empty_channel_is_a_feed_without_items() -> None:
    assert parse_items(rss(""), BASE) == ("Test desk", ())


_BASE_CASES = [
    rss(
        item("Tagged", guid="t", extra="<category>News</category><category>Iraq</category>")
        + item(
            "Enclosed", link="/a?x=1&amp;y=2", extra='<enclosure url="/a.mp3" type="audio/mpeg"/>'
        )
        + item(
            "Plain", description="Text &amp; more <b>bold</b>", date="Thu, 01 Jan 2026 19:00:21 GMT"
        )
    ),
    # Relative permalink guids (joined), guids that are not permalinks (kept), an empty one.
    b'<rss version="2.0"><channel><item><title>a</title><guid>rel/1</guid><link>/x</link></item>'
    b'<item><title>b</title><guid isPermaLink="false">farm-1</guid></item>'
    b"<item><title>c</title><guid></guid></item>"
    b'<item><title>d</title><guid isPermaLink="true">//cdn.example.org/p?q=1</guid></item>'
    b"</channel></rss>",
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/desk/" xml:lang="fr"><title>D</title>'
    b'<entry xml:base="https://mirror.example.net/x/"><id>a</id><title type="html">A &lt;i&gt;b'
    b'&lt;/i&gt;</title><link href="a.html"/><link rel="enclosure" href="a.mp3"/>'
    b'<link rel="license" href="/cc"/><updated>2026-01-02T03:04:05Z</updated>'
    b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <a href="p">'
    b"there</a></p></div></content><summary>S</summary></entry>"
    b'<entry><id>b</id><title>B</title><content type="text/plain" mode="base64">SGVsbG8='
    b'</content><published>2026-01-01T00:00:00+03:00</published><category term="c"/></entry>'
    b'<entry><id>tag:desk.example,2026:c</id><title>C</title><link href="c.html"/></entry>'
    b"</feed>",
    b"<rss><channel><item><title>broken &bogus; <b>markup</title></item>",
]


def test_ids_and_links_are_what_feedparser_gives_with_the_feed_url_as_base() -> None:
    # The parse runs without a base URL (cheaper: feeds._parse_document); stored item keys were
    # made from feedparser's answers with one, so the ids and links must not change.
    documents = [*_BASE_CASES, *(path.read_bytes() for path in sorted(FIXTURES.glob("*.xml")))]
    if CORPUS_FEEDS.is_dir():
        documents += [path.read_bytes() for path in sorted(CORPUS_FEEDS.glob("*.xml"))]
    compared = 0
    for raw in documents:
        with_base = feedparser.parse(
            io.BytesIO(raw),
            response_headers={"content-location": BASE, "content-type": "application/xml"},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        _, entries = feeds.parse_job(raw, BASE)
        expected = [
            (
                feeds._plain_text(str(e.get("id") or ""), None) or None,
                feeds._http_url(str(e.get("link") or ""), BASE),
            )
            for e in with_base.entries
        ]
        assert [(entry[0], entry[1]) for entry in entries] == expected
        compared += len(expected)
    assert compared >= 15


# -- the real snapshots in shared/corpus/feeds/ ----------------------------------------------------


def test_every_corpus_feed_parses_or_is_refused_clearly() -> None:
    if not CORPUS_FEEDS.is_dir():
        pytest.skip(f"corpus directory {CORPUS_FEEDS} is absent")
    paths = sorted(CORPUS_FEEDS.glob("*.xml"))
    assert paths
    parsed = 0
    for path in paths:
        try:
            _, items = parse_items(path.read_bytes(), "https://feeds.example.com/" + path.name)
        except ParseError as error:
            assert str(error), path.name
            continue
        parsed += 1
        assert items, path.name
        assert all(i.title or i.summary for i in items), path.name
        assert all(i.link is None or i.link.startswith(("http://", "https://")) for i in items)
        assert len({i.key for i in items}) == len(items), path.name
    assert parsed >= len(paths) - 2


# -- OPML and autodiscovery ----------------------------------------------------------------------


def test_read_opml() -> None:
    assert read_opml((FIXTURES / "subscriptions.opml").read_bytes()) == [
        ("https://news.example.org/middle-east/rss.xml", "Northern Desk & Wire"),
        ("https://wire.example.net/atom/levant.xml", "Example Wire"),
        ("http://radio.example.com/feed", None),
    ]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'<!DOCTYPE opml [<!ENTITY a "b">]><opml><body/></opml>', "DOCTYPE"),
        (b'<!DOCTYPE opml SYSTEM "file:///etc/passwd"><opml/>', "DOCTYPE"),
        (b"<opml><body><outline xmlUrl='https://a.example/'>", "not well-formed"),
    ],
)
def test_read_opml_refuses(raw: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        read_opml(raw)


def test_discover_feeds() -> None:
    html = (FIXTURES / "site.html").read_text()
    assert discover_feeds(html, "https://news.example.org/section/page") == [
        "https://news.example.org/middle-east/rss.xml",
        "https://news.example.org/all.atom",
        "https://news.example.org/feed.json",
    ]
    assert discover_feeds("<html><p>No feeds here</p></html>", "https://n.example/") == []


# -- poll_feed against a loopback server ----------------------------------------------------------


@pytest.fixture
def client() -> HttpClient:
    return HttpClient(allow_private=["127.0.0.0/8"], deadline=10.0)


def test_poll_feed_conditional_get(client: HttpClient) -> None:
    body = (FIXTURES / "wire.rss.xml").read_bytes()
    headers = {
        "Content-Type": "application/rss+xml",
        "ETag": '"v1"',
        "Last-Modified": "Sat, 02 Mar 2024 10:00:00 GMT",
    }

    def conditional(handler: BaseHTTPRequestHandler) -> None:
        fresh = handler.headers.get("If-None-Match") == '"v1"'
        handler.send_response(304 if fresh else 200)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "0" if fresh else str(len(body)))
        handler.end_headers()
        if not fresh:
            handler.wfile.write(body)

    with LoopbackServer() as server:
        server.routes["/feed"] = conditional
        first = poll_feed(client, server.url("/feed"), None, None)
        second = poll_feed(client, server.url("/feed"), first.etag, first.last_modified)
        sent = server.requests
    assert (first.status, len(first.items)) == (200, 6)
    assert (first.etag, first.last_modified) == ('"v1"', "Sat, 02 Mar 2024 10:00:00 GMT")
    # A relative item link resolves against the URL the feed was fetched from.
    assert first.items[1].link == f"http://127.0.0.1:{server.port}/2024/03/01/river-bridge.html"
    assert second == feeds.FeedPoll(304, None, (), '"v1"', "Sat, 02 Mar 2024 10:00:00 GMT", None)
    assert "if-none-match" not in sent[0].headers
    assert sent[1].headers["if-none-match"] == '"v1"'
    assert sent[1].headers["if-modified-since"] == "Sat, 02 Mar 2024 10:00:00 GMT"


def test_poll_feed_passes_permanent_redirects_through(client: HttpClient) -> None:
    with LoopbackServer() as server:
        server.routes["/old"] = (301, {"Location": "/new"}, b"")
        server.routes["/new"] = (200, {}, rss(item(guid="moved")))
        polled = poll_feed(client, server.url("/old"), None, None)
    assert polled.permanent_url == server.url("/new")
    assert [i.key for i in polled.items] == ["guid:moved"]
    assert polled.etag is None


def test_poll_feed_lets_fetch_errors_propagate(client: HttpClient) -> None:
    with LoopbackServer() as server:
        server.routes["/gone"] = (410, {}, b"gone")
        with pytest.raises(FetchError) as raised:
            poll_feed(client, server.url("/gone"), '"v1"', None)
    assert raised.value.status == 410


def test_poll_feed_parse_error_for_a_login_page(client: HttpClient) -> None:
    with LoopbackServer() as server:
        server.routes["/feed"] = (200, {"Content-Type": "text/html"}, b"<html><form>Sign in</form>")
        with pytest.raises(ParseError):
            poll_feed(client, server.url("/feed"), None, None)
