"""The tables, as the newest migration (watcher/migrations) makes them, and the schema version
that watcher 0.1.0 wrote. Nothing here reads or writes: the other modules of the store do."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1


metadata = MetaData()


meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),  # as configured: the feed's identity
    Column("current_url", Text, nullable=False),  # after 301s
    Column("title", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("retired", Text),  # why the feed was retired (410), None while active
    Column("polls", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),  # in a row
    Column("last_error", Text),
    Column("last_polled", DateTime(timezone=True)),
    Column("last_success", DateTime(timezone=True)),
    Column("last_new_item", DateTime(timezone=True)),
    Column("last_content", DateTime(timezone=True)),  # the last full (200) answer
    Column("not_before", DateTime(timezone=True)),  # backoff and Retry-After
    # ok | failing | silent: what the last source-health alert said, so that it is said once
    Column("health", String(16), nullable=False, default="ok"),
    # Several instances on one database (PostgreSQL): the one that polls the feed, and until
    # when (`Store.take_feed`). Unused on SQLite, which one instance holds.
    Column("lease_owner", Text),
    Column("lease_until", DateTime(timezone=True)),
)


items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("alias", Text, nullable=False),
    Column("link", Text),
    Column("title", Text, nullable=False),
    Column("published", DateTime(timezone=True)),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    # The last time a full answer of the feed still listed the item: pruning forgets only items
    # that have left their feed, so that an undated item still listed never alerts twice.
    Column("last_seen", DateTime(timezone=True), nullable=False),
    # baseline | old | seen | detected | denial | error
    Column("outcome", String(16), nullable=False),
    UniqueConstraint("feed_id", "key"),
    Index("items_alias", "feed_id", "alias"),
)


detections = Table(
    "detections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("event_id", Integer, ForeignKey("events.id")),
    Column("rule_id", Text, nullable=False),
    Column("score", Float, nullable=False),
    # new | update | silent | duplicate (from watcher.events), held (storm guard), silenced
    Column("decision", String(16), nullable=False),
    Column("fields", Text, nullable=False),  # JSON
    Column("evidence", Text, nullable=False),  # JSON list of sentences
    Column("created", DateTime(timezone=True), nullable=False),
    Index("detections_event", "event_id"),
)


events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("opened", DateTime(timezone=True), nullable=False),
    Column("last_report", DateTime(timezone=True), nullable=False),
    # When a report last joined, by our clock: which events are still open. last_report is
    # the reports' own (published) time, which can lag by days after an outage.
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("reports", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # one line for listings
    Column("state", Text, nullable=False),  # JSON of events.EventState
)


alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("events.id")),
    Column("kind", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("markdown", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Index("alerts_event", "event_id"),
)


# One row per (alert, target, URL of the target): a partial failure never re-sends to a
# destination that already has it (reliability.md finding 6). The URL itself is a secret and is
# never stored; `url_index` points into the target's URL list, and `url_digest` (a truncated
# SHA-256 of the URL) makes sure that it still points at the same URL when the row is sent.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False),
    Column("target", Text, nullable=False),
    Column("url_index", Integer, nullable=False),
    Column("url_digest", String(16), nullable=False),
    Column("format", String(16), nullable=False),
    # pending | sending | sent | ambiguous | dead
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("ambiguous", Integer, nullable=False, default=0),
    Column("next_attempt", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("sent", DateTime(timezone=True)),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("claimed_by", Text),  # the instance that moved the row to `sending`
    UniqueConstraint("alert_id", "target", "url_index"),
    Index("outbox_due", "status", "next_attempt"),
)


# A dead row put back to be sent by `watcher alerts --retry-dead` (issue #15): why it had died
# and since when, so that the alert says it is late and why. A table of its own rather than
# outbox columns, so that a database made before it only gains a table (revision 0002) and needs
# no migration of the outbox.
redeliveries = Table(
    "redeliveries",
    metadata,
    Column("outbox_id", Integer, ForeignKey("outbox.id"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("dead_since", DateTime(timezone=True), nullable=False),
    Column("requested", DateTime(timezone=True), nullable=False),
)


# What the last operator alert about a target said ("ok" | "failing"), so that it is said once
# (as feeds.health is for sources; revision 0004). The failure itself is read from the outbox.
target_health = Table(
    "target_health",
    metadata,
    Column("target", Text, primary_key=True),
    Column("health", String(16), nullable=False),
    Column("changed", DateTime(timezone=True), nullable=False),
)


silences = Table(
    "silences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule", Text),
    Column("place", Text),
    Column("actor", Text),
    Column("target", Text),
    Column("comment", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True), nullable=False),
)


# The instances that share the database (issue #13), each seen at its last heartbeat: how many
# are alive tells each one its fair share of the feeds (watcher/store/feed.py, revision 0005).
instances = Table(
    "instances",
    metadata,
    Column("name", Text, primary_key=True),
    Column("seen", DateTime(timezone=True), nullable=False),
)
