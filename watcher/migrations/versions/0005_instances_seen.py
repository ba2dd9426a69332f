"""instances: each instance sharing the database, seen at its last heartbeat, so that the feeds
are shared out evenly among those alive (issue #13).

Revision 0005, after 0004. A new table only: a database of 0004 gains it and nothing else.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("seen", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    # Downgrades are not run by watcher (DESIGN.md): restore the backup taken before the upgrade.
    raise NotImplementedError("restore the backup taken before the upgrade")
