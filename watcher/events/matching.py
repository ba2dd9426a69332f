"""How strongly a report fits an open event (match_score), and the actors and sides it reads."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import timedelta

from watcher.events.days import (
    _dates_agree,
    _day_after,
    _days_conflict,
    _hours_apart,
    _names_first_day,
    _rushed,
    _stated_against_weak,
    _times_fit,
)
from watcher.events.model import EventState, PlaceKey, Report, _told
from watcher.events.places import (
    _below_country,
    _beside,
    _lead,
    _near_any,
    _place_score,
    _placed,
    _scope,
)
from watcher.events.reports import _words_overlap, similarity
from watcher.events.settings import EventSettings


def _common_words(open_events: Sequence[EventState], settings: EventSettings) -> frozenset[str]:
    """Words in the wording of over half the open events, when `common_wording_events` or
    more are open: they tell none of them apart ("killed", "sources", an outlet's boilerplate),
    so wording shared through them is no evidence. With fewer, half is too few to say so."""
    if len(open_events) < settings.common_wording_events:
        return frozenset()
    counts: dict[str, int] = {}
    for state in open_events:
        for word in {w for _, fp in state.fingerprints for w in fp.split()}:
            counts[word] = counts.get(word, 0) + 1
    return frozenset(w for w, n in counts.items() if 2 * n > len(open_events))


def match_score(
    report: Report, state: EventState, settings: EventSettings, common: frozenset[str] = frozenset()
) -> float | None:
    """How strongly the report fits the event; None when it cannot be the same strike.

    Vetoes: days or times that cannot be the same strike (_times_fit), another country, named
    sites apart, a strike on the side that struck in the other (_opposed), another known actor
    (unless both name the same site with nothing else against: one strike misattributed is
    likelier than two on one site; _same_actor says which differences count), days firmly
    held too far apart (_days_conflict), and days that disagree in reports out hours apart
    unless a named place and nothing else speaks for them, and, for a day a lead states
    against one read elsewhere, the same toll (_stated_against_weak). For: place (3
    same site, 2 same city or near, 1 same governorate or region), wording (up to 4, without
    the words most open events share), the same stated day (1), a number killed (above zero)
    some report of the event gave (1), the same actor (1), shared target words (1), the same
    type (0.5). Against:
    a conflicting type (1.5), another target (0.5), coming days after the event's last report
    (1 and 1 a day, up to 3: a follow-up, or news of another strike). Unknowns count neither
    way, so a report that says little joins the one open event that nothing speaks against.
    """
    if not _times_fit(report, state, settings):
        return None
    if report.countries and state.countries and not set(report.countries) & set(state.countries):
        return None
    core = state.core_places or state.places
    place = _place_score(report.places, core, settings)
    if place is None:
        return None
    # The site a report leads with is the one it says was hit: another site far from every
    # site of the event is another strike, whatever else the report mentions ("in response to
    # the attack on the base at ...").
    lead = _lead(report)
    sites = [p for p in core if p.level == "place"]
    if (
        lead
        and lead[0].level == "place"
        and sites
        and _place_score(lead, sites, settings) is None
        and not _one_raid(report, state, sites, settings)
    ):
        return None
    # So is a town or city it says was hit, far from and in another governorate than the
    # places the event's reports only say the strike was near: "US jets struck Deir ez-Zor
    # after a drone attack near Hasakah" (a city can stand for its governorate: "Hama").
    named = [p for p in core if p.level in ("place", "city")]
    if (
        lead
        and lead[0].level == "city"
        and not _beside(lead[0])
        and named
        and all(_beside(p) for p in named)
        and not _near_any(lead[0], named, settings)
        and _scope(lead[0]) not in {_scope(p) for p in named}
    ):
        return None
    wording = max(
        (similarity(report.fingerprint, fp, common) for _, fp in state.fingerprints), default=0.0
    )
    score = place + 4.0 * wording
    # Days after the event's last report, a report is more likely news of another strike,
    # unless it says it tells of deaths or a count after one.
    late = report.when - state.last_report - timedelta(hours=settings.undated_hours)
    if late > timedelta(0) and not report.follow_up:
        score -= min(3.0, 1.0 + late / timedelta(days=1))
    if report.event_date in state.event_dates:
        score += 1.0
    # A number killed some report of the event gave is told of the same strike; another may
    # be a later count. None killed, or no figure, says nothing.
    same_toll = bool(set(_told(report.killed)) & set(state.tolls))
    if same_toll:
        score += 1.0
    known_types = set(state.strike_types) - {"unclear"}
    other_type = any(
        frozenset({report.strike_type, t}) in settings.conflicting_types for t in known_types
    )
    if report.strike_type in known_types:
        score += 0.5
    elif other_type:
        score -= 1.5
    shared_target = None
    if report.target and state.targets:
        shared_target = any(_words_overlap(report.target, t) for t in state.targets)
        score += 1.0 if shared_target else -0.5
    if _opposed(report, state, settings):
        return None
    # A follow-up that names a later day joins a strike of the place it names, no other.
    if _day_after(report, state) and place < 2:
        return None
    if _days_conflict(report, state, settings):
        return None
    misdated = report.event_date is not None and not _dates_agree(report, state, settings)
    # The same town or city on the same day (or a day misread within hours, see _times_fit).
    same_day = not misdated or _hours_apart(report, state) <= settings.misdated_within_hours
    close = place >= 2 and same_day and not other_type
    same_actor = _same_actor(report, state, close, settings)
    if same_actor is False and (shared_target is False or other_type or place < 3):
        return None
    if same_actor is not None:
        score += 1.0 if same_actor else -2.0
    # A governorate sees several strikes on a busy day: a report that names places, none near
    # the event's (a governorate in common at most), or another target, must also share the
    # actor, the target or some of the wording. A report that names no place, or only the
    # country, joins on nothing against it, and so does one whose event names only the country.
    against = shared_target is False or (
        _below_country(report.places) and _below_country(state.places) and place < 2
    )
    if (
        place < 2
        and against
        and not (same_actor or shared_target or wording >= settings.vague_similarity)
    ):
        return None
    # Targets of two sides ("Islamic State hideouts", "Kataib Hezbollah sites") with places no
    # closer than a governorate or region are two strikes; one raid on both names one town.
    ours, theirs = _hit_sides((report.target,), settings), _hit_sides(state.targets, settings)
    if place < 2 and ours and theirs and not ours & theirs:
        return None
    # Reports out within hours of each other that name days too far apart (see _times_fit):
    # the join needs a named place hit or near, and nothing against it; later, the same site
    # and actor. A point both measure from ("south of Kirkuk") sees strikes days apart.
    # Reports rushed out with the event's first one, within `counted_within_hours`, may each
    # word the day carelessly ("overnight" against "early on Friday"): for them the same area
    # (a region, a governorate) does, with nothing against it.
    rushed = _rushed(report, state, settings)
    on_named = (_place_score(_placed(report.places), _placed(core), settings) or 0.0) >= 2
    if misdated and (
        not (on_named or (rushed and place >= 1))
        or shared_target is False
        or same_actor is False
        # A day read from another sentence against a day a lead states, hours apart: the same
        # site is struck again on another day as often as a day is misread, and only the same
        # toll tells which.
        or (_stated_against_weak(report, state, settings) and not same_toll)
    ):
        return None
    if (
        misdated
        and _hours_apart(report, state) > settings.misdated_within_hours
        and not (place >= 3 and same_actor and _names_first_day(report, state, settings))
    ):
        return None
    return score if score >= settings.min_score else None


def _one_raid(
    report: Report, state: EventState, sites: Sequence[PlaceKey], settings: EventSettings
) -> bool:
    """Whether a report that leads with another site tells of one raid on several sites with
    the event: the same striker on the same stated day, and one of the event's sites among
    the places it names ("strikes near Abu Kamal and Mayadin"). A strike back names the site
    attacked too, but it has another striker, or none named."""
    slack = timedelta(days=settings.date_slack_days)
    same_day = report.event_date is not None and any(
        abs(report.event_date - day) <= slack for day in state.event_dates
    )
    striker = _strikers(report.actors, (report.target,), settings) & _strikers(
        state.actors, state.targets, settings
    )
    named = [p for p in report.places if p.level == "place"]
    return same_day and bool(striker) and any(_near_any(p, sites, settings) for p in named)


def _same_actor(
    report: Report, state: EventState, close: bool, settings: EventSettings
) -> bool | None:
    """Whether the report names the event's striker; None when one of them names none, or when
    the difference says nothing of the strike.

    In the same town or city, on the same day and with no conflicting type (`close`): a striker
    one report names that the other names as hit is its victim read as the striker ("Tehran
    accuses Israel of hitting its embassy annex"), and the state of the country hit is likelier
    the one that told of the strike or lost soldiers in it than a second striker. Elsewhere, a side
    named as hit by one and as the striker by the other is the attack and the strike back.
    """
    if report.denial:
        return None
    ours = _strikers(report.actors, (report.target,), settings)
    theirs = _strikers(state.actors, state.targets, settings)
    if not ours or not theirs:
        return None
    if ours & theirs:
        return True
    if not close:
        return False
    victim = ours & _hit_sides(state.targets, settings) or theirs & _hit_sides(
        (report.target,), settings
    )
    countries = {*report.countries, *state.countries}
    local = _actor_keys(
        (name for country, name in settings.local_actors if country in countries), settings
    )
    return None if victim or ours <= local or theirs <= local else False


def _opposed(report: Report, state: EventState, settings: EventSettings) -> bool:
    """Whether one tells of a strike on the side that struck in the other, which hit a third
    side: an attack and the strike back for it ("a drone hit a Coalition base"; "US jets hit
    Iran-backed facilities"), however close in time and place."""
    ours = _hit_sides(_report_hit(report), settings)
    theirs = _hit_sides(_state_hit(state), settings)
    by_us = _strikers(report.actors, _report_hit(report), settings)
    by_them = _strikers(state.actors, _state_hit(state), settings)
    return bool((ours & by_them and theirs - ours) or (theirs & by_us and ours - theirs))


def _strikers(
    actors: Iterable[str], targets: Iterable[str | None], settings: EventSettings
) -> set[str]:
    """The actor keys, without a side the same reports name as hit: "a U.S. contractor was
    killed when a drone hit a Coalition base" names the United States as the victim."""
    return _actor_keys(actors, settings) - _hit_sides(targets, settings)


def _report_hit(report: Report) -> tuple[str | None, ...]:
    """What the report names as hit: its target and the people its headline says were hurt."""
    return (report.target, *report.victims)


def _state_hit(state: EventState) -> tuple[str, ...]:
    return (*state.targets, *state.victims)


def _hit_sides(targets: Iterable[str | None], settings: EventSettings) -> set[str]:
    """The sides (actor keys) that targets belong to by their words (settings.target_sides)."""
    found: set[str] = set()
    for target in targets:
        if target:
            found.update(
                side
                for side, words in _side_patterns(settings.target_sides)
                if words.search(target)
            )
    return found


@functools.cache
def _side_patterns(sides: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (
            key,
            re.compile(
                r"(?<![\w.])(?:"
                + "|".join(re.escape(w) for w in (key, *words))
                + r")(?:['’]?s)?(?!\w)",
                re.IGNORECASE,
            ),
        )
        for key, *words in sides
    )


def _actor_keys(actors: Iterable[str], settings: EventSettings) -> set[str]:
    """Comparable actor keys: "Syrian government and Russia" is two, "militia: X" is X."""
    keys = set()
    for actor in actors:
        for part in re.split(r"\s+(?:and|or)\s+|[,;/]\s*", actor.lower()):
            name = part.rpartition(":")[2].strip()
            if name:
                keys.add(next((g[0] for g in settings.actor_groups if name in g), name))
    return keys
