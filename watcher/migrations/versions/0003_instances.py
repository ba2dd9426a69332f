"""Several instances on one database (issue #13): feed leases and outbox claims by instance.

A feed is polled by the instance that holds its lease (`lease_owner` until `lease_until`); an
outbox row in `sending` names the instance that claimed it (`claimed_by`), so that only that
instance treats it as interrupted at its next start.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as feeds:
        feeds.add_column(sa.Column("lease_owner", sa.Text))
        feeds.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("claimed_by", sa.Text))


def downgrade() -> None:
    # Downgrades are not run by watcher (DESIGN.md): restore the backup taken before the upgrade.
    raise NotImplementedError("restore the backup taken before the upgrade")
