"""Baseline: the schema that watcher 0.1.0 created (its SCHEMA_VERSION 1).

A database made before migrations existed has exactly these tables and a `meta` row
schema_version = 1; it is stamped with this revision, not created again (watcher/migrations).
This revision is frozen: it spells every table out instead of reading watcher/store.py, whose
tables change with later revisions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("current_url", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("retired", sa.Text),
        sa.Column("polls", sa.Integer, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("last_polled", Moment),
        sa.Column("last_success", Moment),
        sa.Column("last_new_item", Moment),
        sa.Column("last_content", Moment),
        sa.Column("not_before", Moment),
        sa.Column("health", sa.String(16), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("opened", Moment, nullable=False),
        sa.Column("last_report", Moment, nullable=False),
        sa.Column("updated", Moment, nullable=False),
        sa.Column("reports", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id"), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("alias", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("published", Moment),
        sa.Column("first_seen", Moment, nullable=False),
        sa.Column("last_seen", Moment, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.UniqueConstraint("feed_id", "key"),
    )
    op.create_index("items_alias", "items", ["feed_id", "alias"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("created", Moment, nullable=False),
    )
    op.create_index("alerts_event", "alerts", ["event_id"])
    op.create_table(
        "detections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id")),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("created", Moment, nullable=False),
    )
    op.create_index("detections_event", "detections", ["event_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("url_index", sa.Integer, nullable=False),
        sa.Column("url_digest", sa.String(16), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("ambiguous", sa.Integer, nullable=False),
        sa.Column("next_attempt", Moment, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("sent", Moment),
        sa.Column("created", Moment, nullable=False),
        sa.UniqueConstraint("alert_id", "target", "url_index"),
    )
    op.create_index("outbox_due", "outbox", ["status", "next_attempt"])
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rule", sa.Text),
        sa.Column("place", sa.Text),
        sa.Column("actor", sa.Text),
        sa.Column("target", sa.Text),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created", Moment, nullable=False),
        sa.Column("expires", Moment, nullable=False),
    )
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(meta, [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    raise NotImplementedError("restore the backup taken before the upgrade")
