"""The [[feeds]] tables in, a `Feed` each out: URL, name, interval, tags, language; no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass

from watcher.config.reading import NONE, Reader, boolean, read_interval, string, strings
from watcher.config.settings import Settings


@dataclass(frozen=True)
class Feed:
    url: str
    name: str
    interval: float
    tags: tuple[str, ...] = ()
    fetch_articles: bool = True
    language: str | None = None  # "ar" or "en"; None: told from each item's text


_FEED_KEYS = ("url", "name", "interval", "tags", "fetch_articles", "language")
# The languages the detection rules read (issue #12).
LANGUAGES = ("ar", "en")


def _language(value: object) -> str:
    if value not in LANGUAGES:
        raise ValueError("unknown language")
    return str(value)


def _http_url(value: object) -> str:
    url = string(value)
    if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        raise ValueError("must be an http:// or https:// URL")
    return url


def read_feeds(reader: Reader, data: object, settings: Settings) -> tuple[Feed, ...]:
    if data is None or data == []:
        reader.problem(
            "feeds", "no feeds are configured", fix='add [[feeds]] tables with url = "…"'
        )
        return ()
    if not isinstance(data, list):
        reader.problem("feeds", "must be an array of tables", data, "write [[feeds]] tables")
        return ()
    feeds: list[Feed] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(data):
        path = f"feeds[{index}]"
        table = reader.table(entry, path, _FEED_KEYS)
        if "url" not in table:
            reader.problem(f"{path}.url", "is missing", fix='write url = "https://…/feed.xml"')
        url = reader.get(table, path, "url", _http_url, "", "write the feed's http(s) URL")
        if url in seen:
            reader.problem(f"{path}.url", f"repeats feeds[{seen[url]}]", url, "list each feed once")
        # Every key is checked even when the url is bad, so that one run reports them all.
        feed = Feed(
            url=url,
            name=reader.get(table, path, "name", string, _default_name(url), "write a short name"),
            interval=read_interval(reader, table, path, "interval", settings.default_interval),
            tags=reader.get(table, path, "tags", strings, NONE, 'write e.g. ["wire", "iraq"]'),
            fetch_articles=reader.get(
                table,
                path,
                "fetch_articles",
                boolean,
                settings.fetch_articles,
                "write true or false",
            ),
            language=reader.get(
                table,
                path,
                "language",
                _language,
                None,
                "write one of: " + ", ".join(f'"{code}"' for code in LANGUAGES),
            ),
        )
        if url and url not in seen:
            seen[url] = index
            feeds.append(feed)
    return tuple(feeds)


def _default_name(url: str) -> str:
    """A default feed name: the host, and the path when it says more than "/"."""
    rest = re.sub(r"^https?://(www\.)?", "", url, flags=re.IGNORECASE).rstrip("/")
    return rest[:60]
