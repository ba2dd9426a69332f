"""An `Item` in, an `Article` out: fetch the linked page and keep its main text.

I/O: one HTTP GET per item through `HttpClient`; `extract_text` runs trafilatura in a sandbox
worker process (sandbox.py), limited in wall clock and memory. Whatever goes wrong with the
page, the article falls back to the feed's own summary, with a note saying why.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watcher import sandbox
from watcher.errors import ExtractError, FetchError, RefusedError
from watcher.feeds import Item

if TYPE_CHECKING:  # only a type here: a sandbox worker imports this module, not the client
    from watcher.http import HttpClient

log = logging.getLogger(__name__)

MIN_TEXT = 200
# trafilatura takes 14 ms on a typical page (bench/articles.py); these only stop a pathological one.
EXTRACT_TIMEOUT = 10.0
EXTRACT_MEMORY = 512 * 2**20
_EXTRACT_JOB = "watcher.articles:extract_job"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})
_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Article:
    url: str | None
    title: str
    text: str
    source: str
    note: str


def extract_text(html: str, url: str | None = None) -> str | None:
    """The page's main text as plain paragraphs, or None when there is none.

    Runs in a sandbox worker; raises ExtractError when the extraction fails, is killed after
    EXTRACT_TIMEOUT seconds or needs more than EXTRACT_MEMORY bytes.
    """
    text: str | None = sandbox.run(
        _EXTRACT_JOB,
        (html, url),
        timeout=EXTRACT_TIMEOUT,
        memory=EXTRACT_MEMORY,
        error=ExtractError,
        label="extraction",
    )
    return text


def extract_job(html: str, url: str | None) -> str | None:
    """The sandboxed half of `extract_text`, run in a worker."""
    # Main text only. The options were chosen on the 181-page extraction benchmark
    # (bench/extraction.py): favor_precision lifts precision 0.942 -> 0.958 for 0.007 of recall
    # (F1 0.960 -> 0.964) and keeps the sidebar and ticker headlines of shared/corpus/html/ out.
    # Tables stay: dropping them cost 0.013 recall and gained no precision; trafilatura leaves
    # link-dense tables (related-story grids) out either way.
    # Imported on first use, in the worker: a worker that only parses feeds never loads it.
    import trafilatura

    text = trafilatura.extract(
        html,
        url=url,
        output_format="txt",
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_links=False,
        include_images=False,
    )
    if not text or not text.strip():
        return None
    return str(text).strip()


def fetch_article(client: HttpClient, item: Item) -> Article:
    """Fetch and extract `item.link`; on any failure, the feed summary with a note. Never raises."""
    if not item.link:
        return _from_feed(item, "item has no http(s) link")
    try:
        response = client.get(item.link, headers={"Accept": _ACCEPT})
    except RefusedError as error:
        # A refusal is worth a person's look (a feed pointing into private space); the other
        # fallbacks are the ordinary life of feeds.
        return _from_feed(item, f"link refused: {error.reason}", level=logging.WARNING)
    except FetchError as error:
        return _from_feed(item, f"page fetch failed: {error.reason}")
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in _HTML_TYPES:
        return _from_feed(item, f"linked page is not HTML ({media_type})")
    html = decode_html(response.body, content_type)
    try:
        text = extract_text(html, response.url)
    # Whatever lxml or trafilatura raise, or a page that takes too long or too much memory,
    # reaches here as an ExtractError from the worker (sandbox.py): the item carries on.
    except ExtractError as error:
        return _from_feed(item, str(error), level=logging.WARNING)
    if text is None:
        return _from_feed(item, "no main text found on the page")
    if len(text) < MIN_TEXT:
        return _from_feed(item, f"page text too short ({len(text)} characters)")
    if len(text) < len(item.summary):
        return _from_feed(item, "the feed's own text is longer than the page's")
    return Article(url=response.url, title=item.title, text=text, source="page", note="")


def decode_html(body: bytes, content_type: str = "") -> str:
    """Decode a page: BOM, header charset, <meta> charset, else UTF-8 or else cp1252."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, "replace")
    declared: list[str | None] = [_charset_param(content_type)]
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        declared.append(meta.group(1).decode("ascii"))
    for name in declared:
        known = _known_encoding(name)
        if known:
            return body.decode(known, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")


def _charset_param(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'")
    return None


def _known_encoding(name: str | None) -> str | None:
    if not name:
        return None
    try:
        encoding = codecs.lookup(name).name
    except LookupError:
        return None
    # Browsers read latin-1 and ascii labels as windows-1252; UTF-7 is never honoured.
    if encoding in {"latin-1", "iso8859-1", "ascii"}:
        return "cp1252"
    return None if encoding == "utf-7" else encoding


def _from_feed(item: Item, note: str, level: int = logging.INFO) -> Article:
    log.log(level, "article %s: %s; using the feed's text", item.link or item.key, note)
    return Article(url=item.link, title=item.title, text=item.summary, source="feed", note=note)
