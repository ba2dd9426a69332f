"""Events written into a real store through the store's own methods, for the web view's and the
exports' tests: plain ones, and one whose reports carry hostile headlines and links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from watcher import events as eventing
from watcher.alerts import Alert
from watcher.store import Delivery, Store, open_store

HOSTILE_TITLE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> strike'
HOSTILE_LINK = "javascript:window.pwned=3"
FORMULA_TARGET = '=HYPERLINK("http://evil.example","click")'


@dataclass(frozen=True)
class ReportSpec:
    outlet: str  # the feed's title
    title: str
    link: str | None
    fields: dict[str, object]
    decision: str = "silent"


def place(
    name: str, governorate: str | None, country: str, lat: float | None, lon: float | None
) -> eventing.PlaceKey:
    return eventing.PlaceKey(
        id=f"t:{name}", name=name, country=country, governorate=governorate, lat=lat, lon=lon
    )


def add_event(
    store: Store,
    state: eventing.EventState,
    reports: Sequence[ReportSpec],
    *,
    alert_title: str | None = None,
) -> int:
    """The event, its reports (items of one feed per outlet) and, if titled, one alert sent to
    a target named "team"."""
    with store.transaction() as db:
        event_id = store.save_event(
            db,
            None,
            opened=state.opened,
            last_report=state.last_report,
            reports=state.reports,
            summary=eventing.summary(state),
            state=eventing.state_to_dict(state),
        )
    for number, report in enumerate(reports):
        feed = store.feed_state(f"https://{report.outlet.lower().replace(' ', '-')}.example/feed")
        store.feed_polled(
            feed.id,
            title=report.outlet,
            etag=None,
            last_modified=None,
            current_url=feed.url,
            new_items=True,
        )
        with store.transaction() as db:
            item_id = store.record_item(
                db,
                feed.id,
                key=f"guid:{event_id}-{number}",
                alias=f"alias:{event_id}-{number}",
                link=report.link,
                title=report.title,
                published=state.opened + timedelta(minutes=number),
                outcome="detected",
            )
            store.record_detection(
                db,
                item_id=item_id,
                event_id=event_id,
                rule_id="strike-iraq-syria",
                score=0.9,
                decision=report.decision,
                fields=report.fields,
                evidence=[f"Evidence sentence {number} of {report.title}"],
            )
    if alert_title:
        with store.transaction() as db:
            store.record_alert(
                db,
                event_id=event_id,
                kind="new",
                alert=Alert(alert_title, f"{alert_title}\n\nWhy: matched “strike”", "", ""),
                deliveries=[Delivery("team", 0, "0" * 16, "text")],
            )
    return event_id


def state_of(
    *,
    opened: datetime,
    places: Sequence[eventing.PlaceKey],
    actors: Sequence[str] = (),
    targets: Sequence[str] = (),
    outlets: Sequence[str] = (),
    killed: eventing.Count = None,
    strike_types: Sequence[str] = ("air_drone",),
    event_date: date | None = None,
) -> eventing.EventState:
    return eventing.EventState(
        id=0,
        opened=opened,
        last_report=opened,
        strike_types=tuple(strike_types),
        actors=tuple(actors),
        targets=tuple(targets),
        places=tuple(places),
        countries=tuple(dict.fromkeys(p.country for p in places)),
        event_dates=(event_date,) if event_date else (),
        outlets=tuple(outlets),
        killed=killed,
        reports=max(1, len(outlets)),
    )


OPENED = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


def sample_store(url: str) -> tuple[Store, dict[str, int]]:
    """Three events: a town in Babil with two reports and an alert, a governorate-level one in
    Syria whose target would be a spreadsheet formula, and one whose reports are hostile."""
    store = open_store(url)
    ids = {}
    ids["jurf"] = add_event(
        store,
        state_of(
            opened=OPENED,
            places=[place("Jurf al-Sakhar", "Babil", "IQ", 32.9, 44.12)],
            actors=["United States"],
            targets=["Kataib Hezbollah sites"],
            outlets=["Demo Wire", "Baghdad Daily"],
            killed=4,
            event_date=date(2026, 11, 24),
        ),
        [
            ReportSpec(
                "Demo Wire",
                "US strikes Jurf al-Sakhar",
                "https://wire.example/a?x=1&y=2",
                {"places": ["Jurf al-Sakhar"], "actor": "United States", "killed": 1},
                "new",
            ),
            ReportSpec(
                "Baghdad Daily",
                "Four killed in Jurf al-Sakhar and Al Qaim",
                "https://daily.example/b",
                {"places": ["Jurf al-Sakhar", "Al Qaim"], "actor": "United States", "killed": 4},
                "update",
            ),
        ],
        alert_title="Strike reported: Jurf al-Sakhar",
    )
    ids["deir"] = add_event(
        store,
        state_of(
            opened=OPENED + timedelta(days=2),
            places=[
                eventing.PlaceKey(
                    "SY.07", "Deir ez-Zor", "SY", "SY.07", "governorate", lat=35.0, lon=40.3
                )
            ],
            actors=["Israel"],
            targets=[FORMULA_TARGET],
            outlets=["Levant Post"],
            strike_types=["missile_rocket"],
        ),
        [ReportSpec("Levant Post", "Missiles hit Deir ez-Zor", "https://levant.example/c", {})],
    )
    ids["hostile"] = add_event(
        store,
        state_of(
            opened=OPENED + timedelta(days=3),
            places=[place("Sinjar", "Nineveh", "IQ", 36.32, 41.88)],
            actors=["Turkey"],
            outlets=["Hostile Feed"],
        ),
        [ReportSpec("Hostile Feed", HOSTILE_TITLE, HOSTILE_LINK, {"places": ["Sinjar"]})],
    )
    return store, ids
