"""Schema migrations: the baseline revision is the schema watcher 0.1.0 wrote, a database it made
upgrades in place and keeps everything it held, the models match the newest revision, and a
database newer than this watcher is refused."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from tests.httpserver import LoopbackServer
from tests.receivers import HttpReceiver, SmtpReceiver
from tests.test_end_to_end import EXPECTED, HISTORY, NEW, publish, slack_texts, write_config
from watcher import migrations
from watcher.cli import main
from watcher.errors import StateError
from watcher.store import metadata, open_store

RELEASE_DUMP = Path(__file__).parent / "data" / "schema1.sql"


def release_database(path: Path, feeds: str) -> None:
    """The database watcher 0.1.0 left, with its feed addresses pointed at `feeds`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(RELEASE_DUMP.read_text().replace("{FEEDS}", feeds))
    db.close()


def tables_sql(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != "
            "'alembic_version'"
        ).fetchall()
    db.close()
    return {name: " ".join(sql.split()) for name, sql in rows}


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        found = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("feeds", "items", "detections", "events", "alerts", "outbox")
        }
    db.close()
    return found


def execute(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute(statement)
    db.close()


def refused(path: Path) -> pytest.ExceptionInfo[StateError]:
    with pytest.raises(StateError) as caught:
        open_store(f"sqlite:///{path}")
    return caught


def test_the_baseline_revision_is_the_schema_of_the_release(tmp_path: Path) -> None:
    release_database(tmp_path / "release.db", "http://feeds.invalid")
    migrations.upgrade(f"sqlite:///{tmp_path / 'fresh.db'}", to=migrations.BASELINE)
    assert tables_sql(tmp_path / "fresh.db") == tables_sql(tmp_path / "release.db")


def test_the_models_match_the_newest_revision(database_url: str) -> None:
    migrations.upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as db:
        differences = compare_metadata(MigrationContext.configure(db), metadata)
    engine.dispose()
    assert differences == [], "write a revision for every table change in watcher/store/schema.py"


def test_instances_starting_together_upgrade_once(postgres_url: str) -> None:
    # Three watchers started at the same moment on one empty PostgreSQL database: each waits
    # for the advisory lock, the first creates the tables, the others find them made.
    with ThreadPoolExecutor(3) as pool:
        befores = list(pool.map(lambda _: migrations.upgrade(postgres_url), range(3)))
    assert sorted(b.current is None for b in befores) == [False, False, True]
    assert migrations.status(postgres_url).up_to_date
    stores = [open_store(postgres_url) for _ in range(3)]
    assert len({s.feed_state("https://a.example/feed").id for s in stores}) == 1


@pytest.mark.parametrize("how", ["watcher db upgrade", "run at start"])
def test_a_release_database_upgrades_in_place_and_keeps_its_history(
    tmp_path: Path, slack: HttpReceiver, smtp: SmtpReceiver, how: str
) -> None:
    state = tmp_path / "state" / "state.db"
    with LoopbackServer() as server:
        release_database(state, server.url("/").rstrip("/"))
        before = counts(state)
        publish(server, HISTORY + NEW)  # what the release had already seen, nothing new
        config = write_config(tmp_path, server, smtp)
        assert main(["-c", str(config), "db", "check"]) == 1
        if how == "watcher db upgrade":
            assert main(["-c", str(config), "db", "upgrade"]) == 0
            assert main(["-c", str(config), "db", "check"]) == 0
        assert main(["-c", str(config), "run", "--once"]) == 0
        assert slack.wait_for(2)

    assert [p.name.split(".before-")[0] for p in state.parent.glob("state.db.before-*")] == [
        "state.db"
    ], "one backup, taken before the upgrade"
    delivered = slack_texts(slack)
    assert len(delivered) == 2, "the two rows pending to Slack, each once"
    for place in EXPECTED.values():
        assert sum(place in text for text in delivered) == 1, (place, delivered)
    assert smtp.messages == [], "no item seen before the upgrade alerts again"
    assert counts(state) == before
    assert open_store(f"sqlite:///{state}").outbox_counts() == {"sent": 4}


def test_a_database_newer_than_this_watcher_is_refused(
    tmp_path: Path, smtp: SmtpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state" / "state.db"
    with LoopbackServer() as server:
        config = write_config(tmp_path, server, smtp)
        publish(server, HISTORY)
        assert main(["-c", str(config), "db", "upgrade"]) == 0
        execute(state, "UPDATE alembic_version SET version_num = 'f00d'")
        caught = refused(state)
        assert "revision f00d, newer than this watcher knows" in str(caught.value)
        capsys.readouterr()
        assert main(["-c", str(config), "run", "--once"]) == 1
        assert "newer than this watcher knows" in capsys.readouterr().err
        assert main(["-c", str(config), "db", "check"]) == 1
        assert main(["-c", str(config), "db", "upgrade"]) == 1
    assert not list(state.parent.glob("state.db.before-*")), "nothing to back up for a refusal"


def test_db_current_names_the_revision(
    tmp_path: Path, smtp: SmtpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state" / "state.db"
    with LoopbackServer() as server:
        release_database(state, server.url("/").rstrip("/"))
        config = write_config(tmp_path, server, smtp)
        capsys.readouterr()
        assert main(["-c", str(config), "db", "current"]) == 0
        assert "revision 0001 (made before migrations)" in capsys.readouterr().out
        assert main(["-c", str(config), "db", "upgrade"]) == 0
        assert main(["-c", str(config), "db", "current"]) == 0
        head = migrations.scripts().get_current_head()
        assert f"revision {head};" in capsys.readouterr().out


def test_tables_without_a_schema_record_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    execute(path, "CREATE TABLE feeds (id INTEGER PRIMARY KEY, address TEXT)")
    caught = refused(path)
    assert "no record of watcher's schema" in str(caught.value)
    with create_engine(f"sqlite:///{path}").connect() as db:
        assert db.execute(text("SELECT count(*) FROM sqlite_master")).scalar() == 1
