"""The shared feed farm (200 feeds of 20 items, 50 ms latency): a first run records and alerts on
nothing; after a bump, a run alerts on exactly the strike items the farm names, once per strike
event; a third run sends only conditional requests and alerts on nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.receivers import HttpReceiver
from watcher.cli import main
from watcher.store import detections, items, open_store

# The shared bench beside the checkout; WATCHER_FEEDFARM names it where the checkout is elsewhere.
FARM = Path(
    os.environ.get("WATCHER_FEEDFARM")
    or Path(__file__).resolve().parents[2] / "shared" / "bench" / "feedfarm.py"
)
FEEDS = 200


def start_farm(
    feeds: int, items: int, latency_ms: int, strike_fraction: float = 0.1
) -> tuple[subprocess.Popen[str], str]:
    if not FARM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{FARM} is missing: CI must have shared/ beside the checkout")
        pytest.skip(f"{FARM} is not here")
    process = subprocess.Popen(
        [
            sys.executable,
            str(FARM),
            *("--feeds", str(feeds), "--items", str(items), "--latency-ms", str(latency_ms)),
            *("--port", "0", "--max-seconds", "300"),
            *("--strike-fraction", str(strike_fraction)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "feedfarm: http://127.0.0.1:PORT/ …" once it listens
    return process, line.split()[1].rstrip("/")


def stop_farm(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=10)
    assert process.stdout is not None
    process.stdout.close()


@pytest.fixture
def farm() -> Iterator[str]:
    process, base = start_farm(FEEDS, 20, 50)
    try:
        yield base
    finally:
        stop_farm(process)


@pytest.fixture
def busy_farm() -> Iterator[str]:
    """Fewer feeds, no latency: for bumps that add a strike to most feeds at once."""
    process, base = start_farm(60, 5, 0)
    try:
        yield base
    finally:
        stop_farm(process)


def farm_config(tmp_path: Path, base: str, feeds: int) -> Path:
    tables = "".join(f'[[feeds]]\nurl = "{base}/feed/{i}.xml"\n' for i in range(feeds))
    config = tmp_path / "farm.toml"
    config.write_text(f"""
[watcher]
state_directory = "{tmp_path}"
allow_private_networks = ["127.0.0.1/32"]
# The farm's items carry fixed 2026 dates.
max_item_age = "3650d"
# Every farm feed is on one host.
per_host = 16

{tables}
[targets.slack]
url = "slack://T000A/B000B/XXXXXXXXXXXXXXXXXXXXXXXX/#alerts"
""")
    return config


def farm_event(link: str) -> int:
    """The farm's ground truth: item j of feed i reports strike event 3*j + i%3."""
    _, _, feed, item = urlsplit(link).path.split("/")  # "", "article", "i", "j.html"
    return 3 * int(item.removesuffix(".html")) + int(feed) % 3


def detected_items(tmp_path: Path) -> list[tuple[str, int, str]]:
    """(link, event id, decision) of every detected item in the state database."""
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    with store.transaction() as db:
        rows = db.execute(
            select(items.c.link, detections.c.event_id, detections.c.decision).join(
                detections, detections.c.item_id == items.c.id
            )
        ).all()
    return [(link, event_id, decision) for link, event_id, decision in rows]


def farm_events_by_event(rows: list[tuple[str, int, str]]) -> dict[int, set[int]]:
    """Our event id -> the farm's strike events among its items."""
    by_event: dict[int, set[int]] = {}
    for link, event_id, _ in rows:
        by_event.setdefault(event_id, set()).add(farm_event(link))
    return by_event


def admin(base: str, path: str) -> dict[str, object]:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_feed_farm_cycles(tmp_path: Path, farm: str, slack: HttpReceiver) -> None:
    config = farm_config(tmp_path, farm, FEEDS)
    assert main(["-c", str(config), "run", "--once"]) == 0
    stats = admin(farm, "/admin/reset")
    assert stats["by_kind"] == {"feed": {"200": FEEDS}}, "no article fetched on a first poll"
    assert slack.payloads == []

    bump = admin(farm, "/admin/bump?frac=0.1")
    strike_items = set(bump["new_strike_items"])  # type: ignore[arg-type]
    strike_events = set(bump["new_strike_events"])  # type: ignore[arg-type]
    assert strike_items, bump
    assert main(["-c", str(config), "run", "--once"]) == 0
    stats = admin(farm, "/admin/reset")
    assert stats["by_kind"]["article"] == {"200": bump["new_items"]}  # type: ignore[index]

    rows = detected_items(tmp_path)
    detected = {urlsplit(link).path for link, _, _ in rows}
    assert detected == strike_items, "every strike item, nothing else"
    farm_events = farm_events_by_event(rows)
    assert all(len(events) == 1 for events in farm_events.values()), "no event merges two strikes"
    assert {e for events in farm_events.values() for e in events} == strike_events
    new_alerts = [decision for _, _, decision in rows if decision == "new"]
    assert len(new_alerts) == len(strike_events), "one alert per strike event"
    assert len(slack.payloads) == sum(d in ("new", "update") for _, _, d in rows)

    sent = len(slack.payloads)
    assert main(["-c", str(config), "run", "--once"]) == 0
    stats = admin(farm, "/admin/reset")
    assert stats["by_kind"] == {"feed": {"304": FEEDS}}, stats
    assert stats["conditional"] == FEEDS
    assert len(slack.payloads) == sent


def test_one_alert_per_strike_event_over_several_bumps(
    tmp_path: Path, busy_farm: str, slack: HttpReceiver
) -> None:
    config = farm_config(tmp_path, busy_farm, 60)
    assert main(["-c", str(config), "run", "--once"]) == 0
    expected: set[int] = set()
    for _ in range(3):
        bump = admin(busy_farm, "/admin/bump?frac=1.0")
        expected |= set(bump["new_strike_events"])  # type: ignore[arg-type]
        assert main(["-c", str(config), "run", "--once"]) == 0
    rows = detected_items(tmp_path)
    by_event = farm_events_by_event(rows)
    assert len(expected) >= 6, expected
    assert all(len(strikes) == 1 for strikes in by_event.values()), by_event
    assert {e for strikes in by_event.values() for e in strikes} == expected
    assert sum(decision == "new" for _, _, decision in rows) == len(expected)


@pytest.mark.parametrize("strike_fraction", [0.3, 0.1])
def test_every_strike_event_gets_one_new_alert_over_two_bumps(
    tmp_path: Path, slack: HttpReceiver, strike_fraction: float
) -> None:
    """Whatever the farm's mix of strikes: one "new" per strike event it names, no event that
    joins two of them, and no alert on anything else."""
    process, base = start_farm(FEEDS, 20, 0, strike_fraction)
    try:
        config = farm_config(tmp_path, base, FEEDS)
        assert main(["-c", str(config), "run", "--once"]) == 0
        named: set[int] = set()
        strike_items: set[str] = set()
        for _ in range(2):
            bump = admin(base, "/admin/bump?frac=0.15")
            named |= set(bump["new_strike_events"])  # type: ignore[arg-type]
            strike_items |= set(bump["new_strike_items"])  # type: ignore[arg-type]
            assert main(["-c", str(config), "run", "--once"]) == 0
        rows = detected_items(tmp_path)
        assert named, "the bumps named no strike event"
        by_event = farm_events_by_event(rows)
        assert all(len(strikes) == 1 for strikes in by_event.values()), by_event
        alerted = [(link, decision) for link, _, decision in rows if decision in ("new", "update")]
        assert {urlsplit(link).path for link, _ in alerted} <= strike_items, "nothing else alerts"
        new = [farm_event(link) for link, decision in alerted if decision == "new"]
        assert len(new) == len(set(new)), "one new alert per strike event at most"
        missed = named - set(new)
        missed_pages = [
            page(base, path) for path in sorted(strike_items) if farm_event(path) in missed
        ]
    finally:
        stop_farm(process)
    if missed and all("air defence battery" in text for text in missed_pages):
        # Strikes on air defence sites are the detector's to find (issue #11); the grouping is
        # checked above either way.
        pytest.xfail(f"strike events {sorted(missed)} on an air defence battery not detected")
    assert not missed, f"strike events with no alert: {sorted(missed)}"


def page(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return str(response.read().decode())


@pytest.mark.parametrize("strike_fraction", [0.3, 0.1])
def test_strikes_of_one_template_days_apart_stay_two_events(
    tmp_path: Path, slack: HttpReceiver, strike_fraction: float
) -> None:
    """Six bumps: the farm's twelve strike templates repeat, so strike e and e+12 come four
    hours apart with the same actor, target and place, each report stating its own weekday
    (five days apart) in its lead sentence. They are two strikes: one "new" alert each."""
    process, base = start_farm(FEEDS, 20, 0, strike_fraction)
    try:
        config = farm_config(tmp_path, base, FEEDS)
        assert main(["-c", str(config), "run", "--once"]) == 0
        named: set[int] = set()
        for _ in range(6):
            bump = admin(base, "/admin/bump?frac=0.15")
            named |= set(bump["new_strike_events"])  # type: ignore[arg-type]
            assert main(["-c", str(config), "run", "--once"]) == 0
    finally:
        stop_farm(process)
    assert any(e + 12 in named for e in named), f"no template repeats among {sorted(named)}"
    rows = detected_items(tmp_path)
    by_event = farm_events_by_event(rows)
    merged = {event: strikes for event, strikes in by_event.items() if len(strikes) > 1}
    assert not merged, f"events that join two strikes: {merged}"
    new = sorted(farm_event(link) for link, _, decision in rows if decision == "new")
    assert len(new) == len(set(new)), f"strikes with more than one new alert: {new}"
