"""redeliveries: dead rows put back by `watcher alerts --retry-dead` (issue #15).

Revision 0002, after 0001. The rules for a revision are in DESIGN.md
("Schema changes"): plain `op` calls (batch_alter_table for SQLite), data moved in SQL, no import of
watcher's own tables, and the models in watcher/store.py changed to match.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redeliveries",
        sa.Column("outbox_id", sa.Integer, sa.ForeignKey("outbox.id"), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("dead_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    # Downgrades are not run by watcher (DESIGN.md): restore the backup taken before the upgrade.
    raise NotImplementedError("restore the backup taken before the upgrade")
