"""Alembic's entry point: runs the revisions on the connection that watcher/migrations hands over.

watcher opens the connection and its transaction itself (one transaction for every revision, under
a lock: see watcher/migrations/__init__.py). The `alembic` command (alembic.ini at the top of the
repository, for writing revisions) may pass a database with `-x url=sqlite:////tmp/dev.db`.
"""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from watcher.store import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters most columns only by copying the table: batch_alter_table does that.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit(
            "no database given: pass one with `alembic -x url=sqlite:////tmp/dev.db ...`, "
            "or upgrade a watcher database with `watcher db upgrade`"
        )
    with create_engine(url).begin() as connection:
        _run(connection)
