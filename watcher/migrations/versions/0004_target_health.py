"""target_health: what the last operator alert said of each target, so that it is said once
(issue #15).

Revision 0004, after 0003. The rules for a revision are in DESIGN.md
("Schema changes"): plain `op` calls (batch_alter_table for SQLite), data moved in SQL, no import of
watcher's own tables, and the models in watcher/store.py changed to match.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target_health",
        sa.Column("target", sa.Text, primary_key=True),
        sa.Column("health", sa.String(16), nullable=False),
        sa.Column("changed", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    # Downgrades are not run by watcher (DESIGN.md): restore the backup taken before the upgrade.
    raise NotImplementedError("restore the backup taken before the upgrade")
