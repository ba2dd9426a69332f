"""Events out for other tools: `watcher events --format json|csv|geojson` and the functions
behind it, over a real SQLite store written through the store's own methods."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from tests.web_data import FORMULA_TARGET, HOSTILE_TITLE, sample_store
from watcher.cli import main
from watcher.web import exports
from watcher.web.queries import Filters, event_reports, list_events


@pytest.fixture
def sample(tmp_path: Path, database_url: str) -> tuple[Path, dict[str, int]]:
    """The sample events on SQLite, then on PostgreSQL: the same queries read both."""
    store, ids = sample_store(database_url)
    store.engine.dispose()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[watcher]\nstate_directory = "{tmp_path}"\ndatabase = "{database_url}"\n'
        '[[feeds]]\nurl = "https://a.example/f"\n'
    )
    return config, ids


def run(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["-c", str(config), "events", *args]) == 0
    return capsys.readouterr().out


def test_csv_has_acled_like_columns_one_row_per_event_newest_first(
    sample: tuple[Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ids = sample
    rows = list(csv.DictReader(io.StringIO(run(config, capsys, "--format", "csv"))))
    assert [int(r["event_id"]) for r in rows] == [ids["hostile"], ids["deir"], ids["jurf"]]
    jurf = rows[2]
    assert jurf["event_date"] == "2026-11-24"
    assert jurf["sub_event_type"] == "Air/drone strike"
    assert jurf["actor1"] == "United States"
    assert jurf["target"] == "Kataib Hezbollah sites"
    assert (jurf["admin1"], jurf["location"]) == ("Babil", "Jurf al-Sakhar")
    assert (jurf["latitude"], jurf["longitude"], jurf["geo_precision"]) == (
        "32.9000",
        "44.1200",
        "town",
    )
    assert jurf["fatalities"] == "4"
    assert jurf["sources"] == "Demo Wire; Baghdad Daily"
    deir = rows[1]
    assert (deir["admin1"], deir["geo_precision"]) == ("Deir ez-Zor", "governorate")
    assert deir["sub_event_type"] == "Shelling/artillery/missile attack"
    # A target that a spreadsheet would run as a formula comes out as text.
    assert deir["target"] == "'" + FORMULA_TARGET


def test_json_and_geojson_carry_every_event_at_its_place(
    sample: tuple[Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ids = sample
    records = json.loads(run(config, capsys, "--format", "json"))
    assert {r["id"] for r in records} == set(ids.values())
    jurf = next(r for r in records if r["id"] == ids["jurf"])
    assert jurf["location"] == {
        "name": "Jurf al-Sakhar",
        "precision": "town",
        "lat": 32.9,
        "lon": 44.12,
    }
    assert jurf["outlets"] == ["Demo Wire", "Baghdad Daily"]
    assert jurf["killed"] == 4
    collection = json.loads(run(config, capsys, "--format", "geojson"))
    assert collection["type"] == "FeatureCollection"
    points = {f["id"]: f["geometry"]["coordinates"] for f in collection["features"]}
    assert points[ids["jurf"]] == [44.12, 32.9]  # GeoJSON is longitude first
    assert points[ids["deir"]] == [40.3, 35.0]


def test_filters_narrow_the_export(
    sample: tuple[Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ids = sample

    def ids_for(*args: str) -> set[int]:
        return {r["id"] for r in json.loads(run(config, capsys, "--format", "json", *args))}

    assert ids_for("--country", "sy") == {ids["deir"]}
    assert ids_for("--governorate", "babil") == {ids["jurf"]}
    assert ids_for("--actor", "turk") == {ids["hostile"]}
    assert ids_for("--since", "2026-11-26", "--until", "2026-11-26") == {ids["deir"]}
    assert main(["-c", str(config), "events", "--since", "last week"]) == 2
    assert "since must be a date" in capsys.readouterr().err


def test_reports_come_in_order_with_what_each_added(database_url: str) -> None:
    store, ids = sample_store(database_url)
    reports = event_reports(store.engine, ids["jurf"])
    assert [r.outlet for r in reports] == ["Demo Wire", "Baghdad Daily"]
    assert reports[0].added == ("first report",)
    assert reports[1].added == ("another outlet (2 in all)", "new place: Al Qaim", "killed: 4")
    hostile = event_reports(store.engine, ids["hostile"])[0]
    assert hostile.title == HOSTILE_TITLE
    assert hostile.link is None  # javascript: is no link


def test_atom_entries_have_stable_ids_updated_times_and_links(tmp_path: Path) -> None:
    import feedparser

    store, ids = sample_store(f"sqlite:///{tmp_path / 'state.db'}")
    found = list_events(store.engine, Filters(since=date(2026, 11, 1)))
    body = exports.to_atom(
        found, base_url="http://127.0.0.1:1", self_url="http://127.0.0.1:1/events.atom"
    )
    parsed = feedparser.parse(io.BytesIO(body))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == 3
    for entry, event in zip(parsed.entries, found, strict=True):
        assert entry.id == exports.entry_id(event)
        assert entry.link == f"http://127.0.0.1:1/events/{event.id}"
        assert entry.updated_parsed[:6] == event.updated.utctimetuple()[:6]
    hostile = next(e for e in parsed.entries if e.link.endswith(f"/{ids['hostile']}"))
    assert "<script>" not in body.decode()
    assert hostile.title.startswith("air drone at Sinjar")
