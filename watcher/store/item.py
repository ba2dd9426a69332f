"""Items seen in feeds: which of a poll's items are known (by key or alias), and recording them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, bindparam, insert, select, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from watcher.store import clock
from watcher.store.engine import Database, new_id
from watcher.store.schema import items

if TYPE_CHECKING:
    from watcher.feeds import Item


# One statement for keys and aliases; a UNION, not an OR, so that each half is read through
# its own index (with an OR, SQLite scanned the feed's items).
_ITEMS_SEEN = union_all(
    select(items.c.key).where(
        items.c.feed_id == bindparam("feed_id"), items.c.key.in_(bindparam("keys", expanding=True))
    ),
    select(items.c.alias).where(
        items.c.feed_id == bindparam("feed_id"),
        items.c.alias.in_(bindparam("aliases", expanding=True)),
    ),
)


class ItemStore(Database):
    """The items of each feed, by key and alias."""

    def __init__(self, engine: Engine, instance: str | None = None) -> None:
        super().__init__(engine, instance)
        # Feeds whose rows this process created and for which it has recorded no item since:
        # `seen` needs no query for them (a first poll of 200 new feeds made 200). Dropped for
        # a feed another instance held (`FeedStore.take_feed`), which may have recorded some.
        self._itemless: set[int] = set()

    def seen(self, feed_id: int, keys: Sequence[str], aliases: Sequence[str]) -> set[str]:
        """Which of these keys and aliases this feed has already recorded."""
        found: set[str] = set()
        if feed_id in self._itemless:
            return found
        keys, aliases = list(keys), list(aliases)
        with self.transaction(durable=False) as db:
            for start in range(0, max(len(keys), len(aliases)), 400):
                rows = db.execute(
                    _ITEMS_SEEN,
                    {
                        "feed_id": feed_id,
                        "keys": keys[start : start + 400],
                        "aliases": aliases[start : start + 400],
                    },
                )
                found.update(rows.scalars())
        return found

    def record_item(
        self,
        db: Connection,
        feed_id: int,
        *,
        key: str,
        alias: str,
        link: str | None,
        title: str,
        published: datetime | None,
        outcome: str,
    ) -> int:
        self._itemless.discard(feed_id)
        result = db.execute(
            insert(items).values(
                feed_id=feed_id,
                key=key,
                alias=alias,
                link=link,
                title=title[:1000],
                published=published,
                first_seen=clock.now(),
                last_seen=clock.now(),
                outcome=outcome,
            )
        )
        return new_id(result)

    def record_quiet_items(
        self, db: Connection, feed_id: int, rows: Sequence[tuple[Item, str]]
    ) -> None:
        """Items recorded without processing ((item, outcome) pairs), in one statement: a
        first poll of 200 feeds records thousands (bench/README.md)."""
        self._itemless.discard(feed_id)
        seen = clock.now()
        db.execute(
            # On a shared database a feed taken over mid-poll may see its items recorded by the
            # instance that held it: recorded once, whoever is first.
            postgresql.insert(items).on_conflict_do_nothing(index_elements=["feed_id", "key"])
            if self.shared
            else insert(items),
            [
                {
                    "feed_id": feed_id,
                    "key": item.key,
                    "alias": item.alias,
                    "link": item.link,
                    "title": item.title[:1000],
                    "published": item.published,
                    "first_seen": seen,
                    "last_seen": seen,
                    "outcome": outcome,
                }
                for item, outcome in rows
            ],
        )
