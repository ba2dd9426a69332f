"""What is forgotten, and when: items that left their feed, and finished history."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from watcher.store import clock
from watcher.store.engine import Database
from watcher.store.schema import alerts, detections, events, feeds, items, outbox, redeliveries


class RetentionStore(Database):
    """Forgetting what is older than the retention time."""

    def prune_items(self, retention: timedelta) -> int:
        """Forget items that left their feed longer than `retention` ago and never alerted.

        An item still listed is kept however old, so that it never alerts twice; one that comes
        back after being forgotten is stopped by the item-age limit when it carries a date.
        """
        cutoff = clock.now() - retention
        listed_later = (
            select(feeds.c.id)
            .where(feeds.c.id == items.c.feed_id, feeds.c.last_content > items.c.last_seen)
            .exists()
        )
        forgotten = 0
        while True:
            # In batches, so that no transaction holds the write lock for long.
            with self.transaction(durable=False) as db:
                batch = (
                    select(items.c.id)
                    .where(
                        items.c.last_seen < cutoff,
                        items.c.outcome.in_(("baseline", "old", "seen", "denial", "error")),
                        listed_later,
                    )
                    .limit(1000)
                )
                deleted = int(db.execute(items.delete().where(items.c.id.in_(batch))).rowcount or 0)
            forgotten += deleted
            if deleted < 1000:
                return forgotten

    def prune_history(self, retention: timedelta) -> int:
        """Forget deliveries, alerts, events and their detections older than `retention`.

        Only finished history goes: a delivery still pending or ambiguous keeps its alert, and
        an event a report joined within `retention` keeps everything. The items stay, so that
        an old article still listed in a feed never alerts again.
        """
        cutoff = clock.now() - retention
        finished = outbox.c.created < cutoff, outbox.c.status.in_(("sent", "dead"))
        with self.transaction() as db:
            db.execute(
                redeliveries.delete().where(
                    redeliveries.c.outbox_id.in_(select(outbox.c.id).where(*finished))
                )
            )
            gone = db.execute(outbox.delete().where(*finished)).rowcount or 0
            unsent = select(outbox.c.id).where(outbox.c.alert_id == alerts.c.id).exists()
            gone += (
                db.execute(alerts.delete().where(alerts.c.created < cutoff, ~unsent)).rowcount or 0
            )
            old_events = select(events.c.id).where(
                events.c.updated < cutoff,
                ~select(alerts.c.id).where(alerts.c.event_id == events.c.id).exists(),
            )
            gone += (
                db.execute(
                    detections.delete().where(detections.c.event_id.in_(old_events))
                ).rowcount
                or 0
            )
            gone += (
                db.execute(
                    events.delete().where(
                        events.c.updated < cutoff,
                        ~select(detections.c.id)
                        .where(detections.c.event_id == events.c.id)
                        .exists(),
                    )
                ).rowcount
                or 0
            )
        return int(gone)
