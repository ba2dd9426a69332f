"""${message}

Revision ${up_revision}, after ${down_revision | comma,n}. The rules for a revision are in DESIGN.md
("Schema changes"): plain `op` calls (batch_alter_table for SQLite), data moved in SQL, no import of
watcher's own tables, and the models in watcher/store.py changed to match.
"""

import sqlalchemy as sa
from alembic import op${"\n" + imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    # Downgrades are not run by watcher (DESIGN.md): restore the backup taken before the upgrade.
    raise NotImplementedError("restore the backup taken before the upgrade")
