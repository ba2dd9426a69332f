"""Feed bytes in, `Item`s out: conditional GET through the guarded client, then a sandboxed parse.

I/O: `poll_feed` does one HTTP GET through `HttpClient`; `parse_items` runs feedparser in a
sandbox worker process (sandbox.py). Everything else here (identity keys, URL
canonicalisation, plain text, OPML and autodiscovery) is pure.

Item identity, in the order rss2email and Miniflux use:

1. ``guid:<guid>`` when the item has a guid. When several items in one document share a guid
   (reliability.md I3), each becomes ``guid:<guid>|<canonical link>`` (or ``|hash:...`` without a
   link). A constant link on every item does not matter while guids differ (I4). A second copy
   of an item (same key) in one document is dropped.
2. ``link:<canonical link>`` when there is no guid (I1).
3. ``hash:<sha256 of title and summary>`` when there is neither.

``alias`` is a second fingerprint for rotating guids and re-published items (I2): the sha256 of
the canonical link; or, when the item has no link or shares it with other items of the document
(a feed that points every item at its home page), of its normalised title and summary. The title
alone would make every later "Live updates" or "Morning briefing" item look already seen.
The pipeline treats an item as seen when either its key or its alias is known.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from watcher import sandbox
from watcher.errors import ParseError

if TYPE_CHECKING:  # only a type here: a sandbox worker imports this module, not the client
    from watcher.http import HttpClient

log = logging.getLogger(__name__)

PARSE_TIMEOUT = 5.0
PARSE_MEMORY = 512 * 2**20
# What a parse worker imports before its first feed (sandbox.warm), not in the middle of it.
PARSE_MODULES = ("watcher.feeds", "feedparser")
TITLE_MAX = 300
SUMMARY_MAX = 20_000
LINK_MAX = 2048
GUID_MAX = 512
OLDEST_DATE = datetime(1995, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
    }
)
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "ocid",
        "cmpid", "cmp", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3",
        "at_custom4", "ref", "ref_src", "rss", "taid", "smid", "emc", "partner", "xtor",
        "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "_ga", "wt_mc",
        "cid", "src",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_PLAIN_HOST = re.compile(r"[@:\[%]")
# An internal DTD subset is the only way to declare entities (reliability.md finding 1, X1-X3).
# Matched anywhere, not only in the prolog: a comment or an unterminated construct can hide the
# prolog's end from a simple scan, and a false refusal costs one feed, not the host.
_DTD_SUBSET = re.compile(rb"<!\s*(?:DOCTYPE[^>]*\[|ENTITY)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})")
_SPACES = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r"\s*\n\s*")
_ODD_SPACE = re.compile(r"[^\S ]| {2}")
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
     "tr", "table", "section", "article", "pre", "hr", "dd", "dt", "figcaption"}
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})


@dataclass(frozen=True)
class Item:
    key: str
    alias: str
    guid: str | None
    link: str | None
    title: str
    summary: str
    published: datetime | None


@dataclass(frozen=True)
class FeedPoll:
    status: int
    title: str | None
    items: tuple[Item, ...]
    etag: str | None
    last_modified: str | None
    permanent_url: str | None


@dataclass(frozen=True)
class _Entry:
    """One entry as the sandbox worker cleans it: plain text, bounded, safe links."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    published: datetime | None


def poll_feed(
    client: HttpClient, url: str, etag: str | None, last_modified: str | None
) -> FeedPoll:
    """Fetch `url` with a conditional GET and parse it; a 304 parses nothing.

    FetchError and RefusedError propagate: the caller owns backoff, 410 and Retry-After.
    """
    headers = {"Accept": _ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = client.get(url, headers=headers)
    if response.status == 304:
        return FeedPoll(
            status=304,
            title=None,
            items=(),
            etag=response.headers.get("etag") or etag,
            last_modified=response.headers.get("last-modified") or last_modified,
            permanent_url=response.permanent_url,
        )
    try:
        title, items = parse_items(
            response.body, response.url, content_type=response.headers.get("content-type")
        )
    except ParseError as error:
        # A login page or an API error is the commonest "feed" that is not one: say what came.
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type and media_type not in _FEED_TYPES and "xml" not in media_type:
            raise ParseError(f"{error} (the server sent {media_type}, not a feed)") from None
        raise
    return FeedPoll(
        status=response.status,
        title=title,
        items=items,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        permanent_url=response.permanent_url,
    )


def parse_items(
    raw: bytes,
    base_url: str,
    *,
    content_type: str | None = None,
    timeout: float = PARSE_TIMEOUT,
    memory: int = PARSE_MEMORY,
) -> tuple[str | None, tuple[Item, ...]]:
    """Parse a feed document into its title and items, newest first as the feed orders them.

    `content_type` is the server's Content-Type, whose charset decides the text's encoding
    when the document declares none; without one the document is read as XML (its declared
    encoding, else UTF-8).

    Refuses DTD internal subsets, then runs feedparser in a sandbox worker (sandbox.py) limited
    to `timeout` seconds of wall clock and `memory` bytes of address space beyond its own.
    Raises ParseError with the reason when the document is refused, killed or not a feed.
    """
    if not raw.strip():
        raise ParseError("empty document")
    _refuse_dtd(raw)
    title, fields = sandbox.run(
        "watcher.feeds:parse_job",
        (raw, base_url, content_type or "application/xml"),
        timeout=timeout,
        memory=memory,
        error=ParseError,
        label="parse",
    )
    return title, _identify(_Entry(*row) for row in fields)


def canonical_url(url: str) -> str:
    """Normalise a URL for identity: case, default port, fragment, tracking and param order."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        # A plain host (no user, port, brackets or zone) is the common case, and its
        # hostname is its lower case: the parsing properties cost a third of a poll's identities.
        plain = not _NOT_PLAIN_HOST.search(parts.netloc)
        port = None if plain else parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.netloc.lower() if plain else parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if not plain and parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = parts.path or ("/" if netloc else "")
    query = ""
    if parts.query:
        query = urlencode(
            sorted(
                (name, value)
                for name, value in parse_qsl(parts.query, keep_blank_values=True)
                if not _is_tracking(name)
            )
        )
    return urlunsplit((scheme, netloc, path, query, ""))


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed URLs announced by a page's <link rel="alternate" type="...rss/atom...">, in order."""
    finder = _FeedLinkFinder()
    finder.feed(html)
    finder.close()
    base = base_url
    if finder.base_href:
        base = urljoin(base_url, finder.base_href)
    found: list[str] = []
    for href in finder.hrefs:
        url = _http_url(href, base)
        if url is not None and url not in found:
            found.append(url)
    return found


def read_opml(raw: bytes) -> list[tuple[str, str | None]]:
    """(feed URL, title) for every outline with an http(s) xmlUrl in an OPML document.

    Refuses any DTD; ElementTree then has no entities to expand and never fetches anything.
    """
    if b"<!doctype" in raw.replace(b"\x00", b"").lower():
        raise ParseError("OPML with a DOCTYPE is refused (entity expansion risk)")
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as error:
        raise ParseError(f"OPML is not well-formed XML: {error}") from error
    feeds: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        attributes = {name.lower(): value for name, value in outline.attrib.items()}
        url = _http_url(attributes.get("xmlurl", ""), None)
        if url is None or url in seen:
            continue
        seen.add(url)
        name = _plain_text(attributes.get("title") or attributes.get("text") or "", TITLE_MAX)
        feeds.append((url, name or None))
    return feeds


def _refuse_dtd(raw: bytes) -> None:
    # Dropping NUL bytes reveals ASCII markup in UTF-16 and UTF-32; decoding with the declared
    # encoding catches encodings that hide it otherwise (UTF-7, EBCDIC).
    probes: list[bytes] = [raw.replace(b"\x00", b"")]
    declared = _XML_ENCODING.search(probes[0][:1024])
    if declared:
        with contextlib.suppress(LookupError):
            probes.append(raw.decode(declared.group(1).decode("ascii"), "ignore").encode())
    if any(_DTD_SUBSET.search(probe) for probe in probes):
        raise ParseError("document declares a DTD internal subset or entities; refused")


def parse_job(
    raw: bytes, base_url: str, content_type: str = "application/xml"
) -> tuple[str | None, list[tuple[Any, ...]]]:
    """The sandboxed half of `parse_items`, run in a worker: the title and each entry's fields.

    Plain tuples, not `_Entry`: a worker's reply may hold plain data only (sandbox.py).
    """
    title, entries = _parse_document(raw, base_url, content_type)
    # Field by field: dataclasses.astuple deep-copies, which cost a tenth of a feed's parse.
    return title, [
        (entry.guid, entry.link, entry.title, entry.summary, entry.published) for entry in entries
    ]


def _parse_document(
    raw: bytes, base_url: str, content_type: str
) -> tuple[str | None, list[_Entry]]:
    import feedparser

    # BytesIO, never str: feedparser opens a str that is not a URL as a local file (finding 2).
    # No HTML sanitiser and no relative-URI rewriting in the markup: `_plain_text` keeps only
    # the text, and they cost an eighth of a parse (bench/README.md). No base URL either:
    # given one, feedparser joins it with each element's at every start tag, a third of a farm
    # feed's parse; `_entry` joins the two values that need it (DESIGN.md). Without a
    # Content-Type, feedparser would read a document that declares no encoding as ISO-8859-1.
    parsed = feedparser.parse(
        io.BytesIO(raw),
        response_headers={"content-type": content_type},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        reason = parsed.get("bozo_exception")
        if reason is None:
            raise ParseError("not a feed: no RSS, Atom or RDF document element")
        raise ParseError(f"not a feed: {type(reason).__name__}: {reason}")
    feed = parsed.get("feed") or {}
    title = _plain_text(feed.get("title") or "", TITLE_MAX) or None
    now = datetime.now(UTC)
    return title, [_entry(entry, base_url, now) for entry in entries]


def _entry(entry: dict[str, Any], base_url: str, now: datetime) -> _Entry:
    content = entry.get("content") or []
    bodies = [entry.get("summary") or ""] + [part.get("value") or "" for part in content]
    # The longest text, not the longest markup: unsanitised markup may be mostly script.
    texts = [
        _plain_text(body, SUMMARY_MAX, multiline=True) for body in dict.fromkeys(bodies) if body
    ]
    raw_id = str(entry.get("id") or "")
    if raw_id and entry.get("guidislink"):
        # Given the feed's URL as its base, feedparser would have joined a permalink guid with it
        # (a plain urljoin), and stored item keys hold the result: the parse has no base
        # (`_parse_document`), so the join is done here.
        try:
            raw_id = urljoin(base_url, raw_id)
        except ValueError:
            raw_id = ""
    guid = _plain_text(raw_id, None) or None
    if guid is not None and len(guid) > GUID_MAX:
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    return _Entry(
        guid=guid,
        link=_http_url(str(entry.get("link") or ""), base_url),
        title=_plain_text(entry.get("title") or "", TITLE_MAX),
        summary=max(texts, key=len, default=""),
        published=_published(entry, now),
    )


def _published(entry: dict[str, Any], now: datetime) -> datetime | None:
    # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed with a warning.
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if not parsed:
        return None
    try:
        year, month, day, hour, minute, second = parsed[:6]
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None
    if when < OLDEST_DATE or when > now + FUTURE_SLACK:
        return None
    return when


def _identify(entries: Iterable[_Entry]) -> tuple[Item, ...]:
    entries = list(entries)
    links = [canonical_url(entry.link) if entry.link else None for entry in entries]
    guid_counts = Counter(entry.guid for entry in entries if entry.guid)
    link_counts = Counter(link for link in links if link)
    items: dict[str, Item] = {}
    for entry, link in zip(entries, links, strict=True):
        content_hash = _sha256(entry.title + "\n" + entry.summary)
        if entry.guid and guid_counts[entry.guid] > 1:
            key = f"guid:{entry.guid}|{link or 'hash:' + content_hash}"
        elif entry.guid:
            key = f"guid:{entry.guid}"
        elif link:
            key = f"link:{link}"
        else:
            key = f"hash:{content_hash}"
        if link and link_counts[link] == 1:
            basis = link
        else:
            basis = _normalised(entry.title) + "\n" + _normalised(entry.summary)
        items.setdefault(
            key,
            Item(
                key=key,
                alias=f"alias:{_sha256(basis)}",
                guid=entry.guid,
                link=entry.link,
                title=entry.title,
                summary=entry.summary,
                published=entry.published,
            ),
        )
    return tuple(items.values())


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _normalised(text: str) -> str:
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


def _http_url(candidate: str, base_url: str | None) -> str | None:
    """An absolute http(s) URL, resolving a relative one against `base_url`; None otherwise."""
    if not candidate.isprintable():
        candidate = "".join(ch for ch in candidate if ch.isprintable())
    candidate = candidate.strip()
    if not candidate or len(candidate) > LINK_MAX:
        return None
    try:
        url = urljoin(base_url, candidate) if base_url else candidate
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return url


def _plain_text(markup: str, limit: int | None, *, multiline: bool = False) -> str:
    """Tags stripped, entities unescaped, control/bidi/zero-width characters dropped, spaces
    collapsed, cut to `limit` characters at a word boundary."""
    if "<" in markup or "&" in markup:
        stripper = _TextCollector()
        stripper.feed(markup)
        stripper.close()
        markup = "".join(stripper.parts)
    text = unicodedata.normalize("NFC", markup)
    # Printable ASCII is kept as it is: only the other characters need a category look-up.
    if not (text.isascii() and text.isprintable()):
        text = _NOT_PRINTABLE_ASCII.sub(lambda match: _visible(match.group()), text)
    if multiline:
        # Most texts have no whitespace but single spaces, which the two passes would keep.
        if _ODD_SPACE.search(text):
            text = _BREAKS.sub("\n", _SPACES.sub(" ", text))
        text = text.strip()
    else:
        text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        cut = text[: limit - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut) + "…"
    return text


def _visible(ch: str) -> str:
    if ch in "\n\t\r" or unicodedata.category(ch) in {"Zl", "Zp"}:
        return "\n" if ch != "\t" else " "
    # Cc: C0/C1 controls incl. NUL; Cf: bidi overrides, zero-width characters, BOM, soft hyphen.
    if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
        return ""
    return ch


class _TextCollector(HTMLParser):
    """Text content of an HTML fragment; iterative, so deep nesting cannot recurse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


class _FeedLinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base_href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and self.base_href is None and values.get("href"):
            self.base_href = values["href"]
        if tag not in {"link", "a"}:
            return
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES and values.get("href"):
            self.hrefs.append(values["href"])
