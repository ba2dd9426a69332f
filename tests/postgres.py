"""A real PostgreSQL server for the tests, started by them: the server binaries come in the pgserver
wheel (DESIGN.md, "PostgreSQL in the tests"). As root, where `initdb` refuses to run, pgserver runs
the server as a system user of its own. Each test gets a fresh database on the one server.

Where no server can be started the PostgreSQL tests are skipped with the reason, except when
WATCHER_REQUIRE_POSTGRES=1 (`.ci/run` sets it): then they fail, so that CI never passes without
them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

_numbers = itertools.count(1)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A running server; yields the directory of its socket.

    Its data lives outside pytest's temporary directory: pytest makes /tmp/pytest-of-<user> mode
    0700 again whenever a session starts, which would shut the server's own user out of it."""
    directory = Path(tempfile.mkdtemp(prefix="watcher-postgres-"))
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (as under CI) at pgserver's import.
            warnings.simplefilter("ignore")
            import pgserver

            server = pgserver.get_server(directory, cleanup_mode="stop")
    except Exception as error:
        shutil.rmtree(directory, ignore_errors=True)
        said = getattr(error, "stderr", None) or getattr(error, "stdout", None) or ""
        reason = f"no PostgreSQL server could be started with pgserver: {error!r} {said}".strip()
        if os.environ.get("WATCHER_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield str(server.get_postmaster_info().socket_dir)
    finally:
        server.cleanup()
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def fresh_database(socket_dir: str) -> Iterator[str]:
    """An empty database on the server; yields its SQLAlchemy URL and drops it after."""
    name = f"watcher_test_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(
        f"postgresql+psycopg://postgres@/postgres?host={socket_dir}", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as db:
        db.execute(text(f'CREATE DATABASE "{name}"'))
    # The engines the test made (open_store's among them) are closed before the database is
    # dropped: a psycopg connection left to the garbage collector warns, and warnings fail tests.
    engines: dict[int, Engine] = {}

    def seen(connection: Connection) -> None:
        engines[id(connection.engine)] = connection.engine

    event.listen(Engine, "engine_connect", seen)
    try:
        yield f"postgresql+psycopg://postgres@/{name}?host={socket_dir}"
    finally:
        event.remove(Engine, "engine_connect", seen)
        for engine in engines.values():
            engine.dispose()
        with admin.connect() as db:
            db.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
