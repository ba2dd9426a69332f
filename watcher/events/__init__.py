"""A strike report and the open events in, a Decision out (join or open, what changed); no I/O.

Same strike = compatible countries, places, dates, actors and targets; similar wording breaks
ties. The store persists the returned EventState; only "new" and "update" decisions alert.

This module holds the path of one report: cluster, merge and what an update says. The rest
is by concern: model (the data), settings (the [events] keys and words), reports (a detection
read as a report), places, days, and matching (how well a report fits an event). A name with
a leading underscore is the package's own: its modules share it, nothing outside uses it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Any

from watcher.events.matching import _actor_keys, _common_words, _strikers, match_score
from watcher.events.model import (
    CHANGE_KINDS,
    DEFAULT_UPDATE_ON,
    Count,
    Decision,
    EventState,
    PlaceKey,
    Report,
    _higher,
    _low,
    _told,
    _union,
)
from watcher.events.places import _beside, _core, _lead, _near_any, _scope
from watcher.events.reports import fingerprint, report_from, similarity
from watcher.events.settings import (
    DEFAULT_ACTOR_GROUPS,
    DEFAULT_LOCAL_ACTORS,
    DEFAULT_TARGET_SIDES,
    EventSettings,
    EventWords,
)

__all__ = [
    "CHANGE_KINDS",
    "DEFAULT_ACTOR_GROUPS",
    "DEFAULT_LOCAL_ACTORS",
    "DEFAULT_TARGET_SIDES",
    "DEFAULT_UPDATE_ON",
    "Count",
    "Decision",
    "EventSettings",
    "EventState",
    "EventWords",
    "PlaceKey",
    "Report",
    "cluster",
    "cluster_all",
    "fingerprint",
    "is_open",
    "match_score",
    "merge",
    "report_from",
    "score_grouping",
    "similarity",
    "state_from_dict",
    "state_to_dict",
    "summary",
]

log = logging.getLogger(__name__)


def cluster(report: Report, open_events: Sequence[EventState], settings: EventSettings) -> Decision:
    """Join the report to the open event it most likely describes, or open a new one."""
    for state in open_events:
        if report.item_key in state.item_keys or report.alias in state.aliases:
            return _join(state, report, settings, same_article=True)
    common = _common_words(open_events, settings)
    scored = [
        (score, state)
        for state in open_events
        if (score := match_score(report, state, settings, common)) is not None
    ]
    if not scored:
        decision = Decision(None, "new", (), merge(_empty(report), report))
        others = _also_reported(report, _lead(report), open_events, settings)
        return replace(decision, also=others)
    score, best = max(scored, key=lambda pair: (pair[0], pair[1].last_report))
    log.debug(
        "%s joins event %d (score %.1f of %d candidates)",
        report.item_key,
        best.id,
        score,
        len(scored),
    )
    same_article = any(
        outlet == report.outlet
        and similarity(fp, report.fingerprint) >= settings.duplicate_similarity
        for outlet, fp in best.fingerprints
    )
    decision = _join(best, report, settings, same_article=same_article)
    rest = [state for state in open_events if state.id != best.id]
    return replace(decision, also=_also_reported(report, _core(best), rest, settings))


def _also_reported(
    report: Report,
    own: Sequence[PlaceKey],
    others: Sequence[EventState],
    settings: EventSettings,
) -> tuple[Decision, ...]:
    """The other open events a round-up names, each with the report recorded as one more outlet.

    A round-up ("after Tuesday's rocket attack on the base, US jets struck depots near X")
    names the site of another strike besides the one it leads with. Each open event one of
    those sites belongs to (the same site or one within `near_km`, both towns, bases or
    sites, not cities, which see several strikes a week) and still open learns that one more
    outlet reported it; the report's figures, actor, target and day are its lead strike's,
    so they are not given to the other event, and nothing is merged across events.
    """
    named = [
        p
        for p in report.places
        if p.level == "place" and not _beside(p) and not _near_any(p, own, settings)
    ]
    found = []
    for state in others:
        if report.item_key in state.item_keys or report.alias in state.aliases:
            continue
        sites = [p for p in _core(state) if p.level == "place"]
        hit = tuple(p for p in named if _near_any(p, sites, settings))
        if not hit:
            continue
        mention = replace(
            report,
            places=hit,
            strike_type=None,
            actors=(),
            target=None,
            killed=None,
            wounded=None,
            event_date=None,
            denial=False,
            claimed=False,
        )
        joined = _join(state, mention, settings, same_article=False)
        found.append(replace(joined, action="silent"))
    return tuple(found)


def merge(state: EventState, report: Report) -> EventState:
    """The event once this report is added to it (pure; the caller decides whether it counts)."""
    known_places = {p.id for p in state.places}
    actors = state.actors if report.denial else _union(state.actors, report.actors)
    return replace(
        state,
        opened=min(state.opened, report.when),
        last_report=max(state.last_report, report.when),
        strike_types=_union(
            state.strike_types, (report.strike_type,) if report.strike_type else ()
        ),
        actors=actors,
        targets=_union(state.targets, (report.target,) if report.target else ()),
        victims=_union(state.victims, report.victims),
        places=state.places + tuple(p for p in report.places if p.id not in known_places),
        core_places=_union(
            state.core_places, report.places if not state.reports else _lead(report)
        ),
        countries=_union(state.countries, report.countries),
        event_dates=_union(state.event_dates, (report.event_date,) if report.event_date else ()),
        stated_dates=_union(
            state.stated_dates,
            (report.event_date,) if report.event_date and report.day_stated else (),
        ),
        counted_dates=_union(
            state.counted_dates,
            (report.event_date,) if report.event_date and report.day_counted else (),
        ),
        outlets=_union(state.outlets, (report.outlet,)),
        item_keys=_union(state.item_keys, (report.item_key,)),
        aliases=_union(state.aliases, (report.alias,)),
        fingerprints=_union(state.fingerprints, ((report.outlet, report.fingerprint),)),
        killed=_higher(state.killed, report.killed),
        wounded=_higher(state.wounded, report.wounded),
        tolls=tuple(sorted({*state.tolls, *_told(report.killed)})),
        denied=state.denied or report.denial,
        claimed=state.claimed or (report.claimed and bool(report.actors)),
        reports=state.reports + 1,
        languages=_union(state.languages, (report.language,)),
    )


def cluster_all(reports: Iterable[Report], settings: EventSettings) -> tuple[Decision, ...]:
    """Replay reports in the order given against an in-memory set of events numbered from 1."""
    events: dict[int, EventState] = {}
    decisions = []
    for report in reports:
        open_events = [e for e in events.values() if is_open(e, report.when, settings)]
        decision = cluster(report, open_events, settings)
        state = decision.state
        if decision.event_id is None:
            state = replace(state, id=len(events) + 1)
            decision = replace(decision, state=state)
        events[state.id] = state
        events.update((other.state.id, other.state) for other in decision.also)
        decisions.append(decision)
    return tuple(decisions)


def is_open(state: EventState, now: datetime, settings: EventSettings) -> bool:
    """Whether a report seen at `now` may still join the event (the store loads only open ones)."""
    return now - state.opened <= timedelta(hours=settings.window_hours)


def summary(state: EventState) -> str:
    """One line for listings: what, by whom, on what, where, toll, how many outlets."""
    parts = ["/".join(state.strike_types) or "strike"]
    if state.actors:
        parts.append("by " + ", ".join(state.actors))
    if state.targets:
        parts.append("on " + state.targets[0])
    named = [p.name for p in state.places if p.level in ("place", "city")] or [
        p.name for p in state.places
    ]
    if named:
        parts.append("at " + ", ".join(named[:3]))
    line = " ".join(parts)
    if state.killed is not None:
        line += f"; killed {_show(state.killed)}"
    if state.wounded is not None:
        line += f"; wounded {_show(state.wounded)}"
    if state.denied:
        line += "; denied"
    return f"{line}; {state.reports} reports from {len(state.outlets)} outlets"


def state_to_dict(state: EventState) -> dict[str, Any]:
    """The event as JSON-ready data, for the store."""
    data = asdict(state)
    data["opened"] = state.opened.isoformat()
    data["last_report"] = state.last_report.isoformat()
    data["event_dates"] = [d.isoformat() for d in state.event_dates]
    data["stated_dates"] = [d.isoformat() for d in state.stated_dates]
    data["counted_dates"] = [d.isoformat() for d in state.counted_dates]
    return data


def state_from_dict(data: Mapping[str, Any]) -> EventState:
    """The inverse of state_to_dict (lists back to tuples, ISO strings back to dates)."""

    def count(value: Any) -> Count:
        return tuple(value) if isinstance(value, list) else value

    return EventState(
        id=int(data["id"]),
        opened=datetime.fromisoformat(data["opened"]),
        last_report=datetime.fromisoformat(data["last_report"]),
        strike_types=tuple(data["strike_types"]),
        actors=tuple(data["actors"]),
        targets=tuple(data["targets"]),
        victims=tuple(data.get("victims", ())),
        places=tuple(PlaceKey(**p) for p in data["places"]),
        core_places=tuple(PlaceKey(**p) for p in data.get("core_places", data["places"])),
        countries=tuple(data["countries"]),
        event_dates=tuple(date.fromisoformat(d) for d in data["event_dates"]),
        stated_dates=tuple(date.fromisoformat(d) for d in data.get("stated_dates", ())),
        counted_dates=tuple(date.fromisoformat(d) for d in data.get("counted_dates", ())),
        outlets=tuple(data["outlets"]),
        item_keys=tuple(data["item_keys"]),
        aliases=tuple(data["aliases"]),
        fingerprints=tuple((o, f) for o, f in data["fingerprints"]),
        killed=count(data["killed"]),
        wounded=count(data["wounded"]),
        tolls=tuple(int(n) for n in data.get("tolls", _told(count(data["killed"])))),
        denied=bool(data["denied"]),
        claimed=bool(data.get("claimed", False)),
        reports=int(data["reports"]),
        languages=tuple(data.get("languages", ())),
    )


def score_grouping(
    records: Sequence[Mapping[str, object]], assignments: Mapping[str, tuple[int, str]]
) -> dict[str, float | int]:
    """Compare predicted events with the records' `event` labels.

    `assignments` maps a record id to (predicted event id, action); records without one were not
    detected (or were a denial of nothing open) and are counted as `unassigned`. The strikes
    counted (`true_events`) are all those the records are labelled with, found or not, so that a
    strike whose reports all went undetected still counts in the alerts per strike; `missed_events`
    says how many of them no report reached. A report is right when its predicted event's most
    common label is its own (`report_accuracy`, over assigned reports); `split` counts the
    reports outside their strike's largest piece.
    """
    truth = {str(r["id"]): str(r["event"]) for r in records if r.get("event") is not None}
    assigned = {rid: assignments[rid] for rid in truth if rid in assignments}
    members: dict[int, Counter[str]] = {}
    for rid, (event_id, _) in assigned.items():
        members.setdefault(event_id, Counter())[truth[rid]] += 1
    majority = {eid: labels.most_common(1)[0][0] for eid, labels in members.items()}
    placed: dict[str, Counter[int]] = {}
    for rid, (event_id, _) in assigned.items():
        placed.setdefault(truth[rid], Counter())[event_id] += 1
    new_alerts = Counter(truth[rid] for rid, (_, action) in assigned.items() if action == "new")
    updates = sum(1 for _, action in assigned.values() if action == "update")
    right = sum(1 for rid, (eid, _) in assigned.items() if majority[eid] == truth[rid])
    strikes = len(set(truth.values()))
    return {
        "true_events": strikes,
        "missed_events": strikes - len(placed),
        "predicted_events": len(members),
        "reports": len(assigned),
        "unassigned": len(truth) - len(assigned),
        "alerts": sum(new_alerts.values()) + updates,
        "new_alerts": sum(new_alerts.values()),
        "updates": updates,
        "new_per_event": round(sum(new_alerts.values()) / strikes, 3) if strikes else 0.0,
        "updates_per_event": round(updates / strikes, 3) if strikes else 0.0,
        "events_with_one_new": sum(1 for label in placed if new_alerts[label] == 1),
        "wrongly_merged": sum(1 for labels in members.values() if len(labels) > 1),
        "report_accuracy": round(right / len(assigned), 4) if assigned else 0.0,
        "split": sum(sum(c.values()) - c.most_common(1)[0][1] for c in placed.values()),
    }


def _join(
    state: EventState, report: Report, settings: EventSettings, *, same_article: bool
) -> Decision:
    after = merge(state, report)
    changes = _changes(state, after, report, settings)
    if same_article:
        # The same article carried by a second feed (a syndicated wire story, an aggregator) is
        # not an independent outlet: it corroborates nothing (reliability.md I9).
        changes = tuple(c for c in changes if c[0] != "corroboration")
        after = replace(after, outlets=state.outlets)
        if not changes:
            # Remember the new key and alias so a third copy is caught too, but count nothing.
            seen_copy = replace(
                state,
                item_keys=_union(state.item_keys, (report.item_key,)),
                aliases=_union(state.aliases, (report.alias,)),
            )
            return Decision(state.id, "duplicate", (), seen_copy)
        # An edited article that adds a figure still alerts, but it is not another report.
        after = replace(after, reports=state.reports)
    kinds = frozenset(kind for kind, _ in changes)
    material = [text for kind, text in changes if kind in settings.update_on]
    count = len(after.outlets)
    counted = (f"reported by {count} outlets",) if count > 1 else ()
    if not material:
        # Recorded without a message: what it adds is shown in the next alert and the listing.
        said = tuple(text for kind, text in changes if kind != "corroboration")
        grew = count > len(state.outlets)
        return Decision(state.id, "silent", said + (counted if grew else ()), after, kinds)
    if not any(kind == "corroboration" for kind, _ in changes if kind in settings.update_on):
        material += counted
    return Decision(state.id, "update", tuple(material), after, kinds)


def _changes(
    before: EventState, after: EventState, report: Report, settings: EventSettings
) -> tuple[tuple[str, str], ...]:
    """What the report adds to the event, as (kind, words) pairs; kinds from CHANGE_KINDS."""
    changes = []
    if report.denial and not before.denied:
        changes.append(("denial", f"denial: {report.title}"))
    for name in ("killed", "wounded"):
        old, new = getattr(before, name), getattr(after, name)
        if _low(new) != _low(old) and _low(new):
            said = f"{name} {_show(old)} → {_show(new)}" if old else f"{name}: {_show(new)}"
            changes.append(("casualties", said))
    # A place hit is news when it is in a governorate the event did not cover yet: another town
    # of a covered governorate is a detail, unless the event had no named place at all. A
    # governorate, a region or a country says nothing new, nor does a point the strike was
    # near or measured from, which the detector names with its words ("west of Aleppo",
    # "near Hasakah"). The store keeps every place either way.
    covered = {_scope(p) for p in before.places if p.level in ("place", "city", "governorate")}
    vague = not any(p.level in ("place", "city") for p in before.places)
    known = {p.id for p in before.places}
    for place in report.places:
        if place.id in known or place.level not in ("place", "city") or _beside(place):
            continue
        if _scope(place) not in covered or vague:
            changes.append(("place", f"new place: {place.name}"))
    # A claim of responsibility and the first attribution are news; another outlet blaming
    # someone else is not (outlets often name the side that reported the strike). A side the
    # reports name as hit was no striker ("a drone hit a Coalition base").
    old_actors = _strikers(before.actors, before.targets, settings)
    new_actors = _strikers(after.actors, after.targets, settings)
    if report.claimed and report.actors and not before.claimed:
        changes.append(("attribution", f"claimed by {', '.join(report.actors)}"))
    elif new_actors and not old_actors:
        named = [a for a in after.actors if _actor_keys((a,), settings) & new_actors]
        changes.append(("attribution", f"attributed to {', '.join(named)}"))
    outlets = len(after.outlets)
    if outlets > len(before.outlets) and outlets in settings.corroboration_alerts:
        said = f"corroborated by a {_ordinal(outlets)} outlet ({outlets} outlets)"
        changes.append(("corroboration", said))
    return tuple(changes)


def _empty(report: Report) -> EventState:
    return EventState(id=0, opened=report.when, last_report=report.when)


def _show(count: Count) -> str:
    if isinstance(count, tuple):
        low, high = count
        return f"at least {low}" if high is None else f"{low}–{high}"
    return str(count)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
