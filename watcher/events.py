"""A strike report and the open events in, a Decision out (join or open, what changed); no I/O.

Same strike = compatible countries, places, dates, actors and targets; similar wording breaks
ties. The store persists the returned EventState; only "new" and "update" decisions alert.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from watcher.detection.fields import counts_day
from watcher.detection.rules import phrase_alternatives

log = logging.getLogger(__name__)

Count = int | tuple[int, int | None] | None  # N, [min, max], or [N, None] for "at least N"
_T = TypeVar("_T")


@dataclass(frozen=True)
class PlaceKey:
    """A place as far as grouping needs it; `level`: "place" (a town, base, site), "city" (or a
    district or neighbourhood), "governorate", "region" (an area across governorates, such as
    the Kurdistan Region) or "country"."""

    id: str
    name: str
    country: str
    governorate: str | None
    level: str = "place"
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Report:
    """One detection of one item, as the events stage sees it."""

    item_key: str
    alias: str
    outlet: str  # feed name or host: corroboration counts distinct outlets
    title: str
    fingerprint: str  # see fingerprint(): sorted content words of title and lead
    published: datetime | None
    seen: datetime  # first seen, aware UTC
    strike_type: str | None = None
    actors: tuple[str, ...] = ()
    target: str | None = None
    places: tuple[PlaceKey, ...] = ()
    countries: tuple[str, ...] = ()
    killed: Count = None
    wounded: Count = None
    event_date: date | None = None
    # The lead's own strike sentences name that day ("early on Wednesday"): see _days_conflict.
    day_stated: bool = False
    # The day is counted from publication by a word of a sentence that tells the strike
    # ("struck ... overnight", "this morning"): see _days_conflict.
    day_counted: bool = False
    denial: bool = False  # the report denies or corrects the strike
    claimed: bool = False  # the actor claimed responsibility (rather than being blamed)
    # The report tells of deaths or a count after the strike ("dies of wounds", "the toll rose
    # to nine"): the day it names may be that of the death or the count, not of the strike.
    follow_up: bool = False
    # The headline tells a further strike ("another", "a second", "more", "again"): not a
    # follow-up of one reported days before.
    another: bool = False
    # The people the headline says were killed or hurt ("More US Troops Wounded", "drone kills
    # American contractor"): their side was hit, as a target's is (see _hit_sides).
    victims: tuple[str, ...] = ()
    language: str = "en"  # the report's language ("ar", "en"): its feed's, else its text's

    @property
    def when(self) -> datetime:
        return self.published or self.seen


@dataclass(frozen=True)
class EventState:
    """What is known of one event; the store rebuilds it from its rows (id 0 = not stored yet)."""

    id: int
    opened: datetime  # time of the earliest report (published, else seen)
    last_report: datetime
    strike_types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    victims: tuple[str, ...] = ()  # the people its reports' headlines say were hurt
    places: tuple[PlaceKey, ...] = ()  # every place its reports name
    countries: tuple[str, ...] = ()
    event_dates: tuple[date, ...] = ()
    stated_dates: tuple[date, ...] = ()  # the event_dates some report's lead names (day_stated)
    counted_dates: tuple[date, ...] = ()  # those counted in a strike sentence (day_counted)
    outlets: tuple[str, ...] = ()
    # The places reports are matched against: the first report's, and the place each later
    # report leads with. A round-up that also names another strike's town, or a reference
    # point ("near Damascus"), must not make the event a match for that other strike.
    core_places: tuple[PlaceKey, ...] = ()
    item_keys: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    fingerprints: tuple[tuple[str, str], ...] = ()  # (outlet, fingerprint)
    killed: Count = None  # the highest figure reported so far
    wounded: Count = None
    # Every number killed a report gave, lowest first: a report may repeat any of them.
    tolls: tuple[int, ...] = ()
    denied: bool = False
    claimed: bool = False  # an actor claimed it
    reports: int = 0
    languages: tuple[str, ...] = ()  # of its reports, in the order they came (issue #12)


@dataclass(frozen=True)
class Decision:
    event_id: int | None  # None: open a new event (the store gives state its id)
    action: str  # "new" | "update" | "silent" | "duplicate"
    changes: tuple[str, ...]  # reasons, in words; every "update" has at least one
    state: EventState  # the event after this report
    # The kinds (CHANGE_KINDS) of what the report adds, alerting or not: routes choose by them.
    kinds: frozenset[str] = frozenset()
    # A round-up also names other open events' strikes: each is recorded as reported by one
    # more outlet ("silent" decisions), none is merged with the event the report joins.
    also: tuple[Decision, ...] = ()


# What a later report can add. An update alerts only for the kinds a route takes (its
# `update_on`, by default DEFAULT_UPDATE_ON); the others are recorded and shown in the next alert
# and in `watcher events`.
CHANGE_KINDS = ("casualties", "attribution", "denial", "place", "corroboration")
DEFAULT_UPDATE_ON = ("casualties", "attribution", "denial", "place")


# Names the same attacker goes by; reports also blame one raid on allies (Russia and Syria),
# but merging those would join their separate raids on one busy day.
DEFAULT_ACTOR_GROUPS: tuple[tuple[str, ...], ...] = (
    ("united states", "us", "u.s.", "american", "us-led coalition", "coalition", "pentagon"),
    ("syrian government", "syria", "syrian army", "regime"),
    ("russia", "russian"),
    ("israel", "israeli", "idf"),
    ("turkey", "turkish", "türkiye"),
    (
        "iran-backed militias",
        "militia",
        "militias",
        "islamic resistance in iraq",
        "kataib hezbollah",
        "kata'ib hezbollah",
        "harakat al-nujaba",
        "iran",
        "iranian",
        "irgc",
        "revolutionary guard",
        "revolutionary guards",
    ),
    ("islamic state", "isis", "isil", "daesh"),
)

# The words by which a target names the side it belongs to ("a Coalition base", "IRGC's
# advisor", "Iran-backed facilities", "Syrian army positions"), for the actor groups above:
# each row is the group's first name, which counts too, and other words for that side. A
# country's name alone in a target is a place ("Syria's capital").
DEFAULT_TARGET_SIDES: tuple[tuple[str, ...], ...] = (
    ("united states", "us", "u.s.", "american", "coalition", "us-led", "u.s.-led"),
    (
        "syrian government",
        "syrian army",
        "syrian arab army",
        "syrian soldier",
        "syrian troops",
        "syrian forces",
        "syrian military",
        "government forces",
        "regime forces",
    ),
    ("russia", "russian"),
    ("israel", "israeli"),
    ("turkey", "turkish", "türkiye"),
    (
        "iran-backed militias",
        "iran",
        "iranian",
        "irgc",
        "revolutionary guard",
        "militia",
        "kataib hezbollah",
        "kata'ib hezbollah",
        "hezbollah",
        "popular mobilization",
        "popular mobilisation",
        "pmf",
        "pmu",
        "hashd",
        "islamic resistance in iraq",
        "harakat al-nujaba",
    ),
    ("islamic state", "isis", "isil", "daesh"),
)
# The state of the country a strike fell in: reports name it as the one that told of the
# strike ("Syria says", the state news agency) or whose soldiers were hit as often as the one
# that struck.
DEFAULT_LOCAL_ACTORS: tuple[tuple[str, str], ...] = (
    ("SY", "syrian government"),
    ("IQ", "iraqi government"),
)


@dataclass(frozen=True)
class EventWords:
    """The words a report's headline and lead are read for ([events.words]; config.example.toml
    says what each list is for), and the patterns report_from reads them with, compiled on
    first use. English words match whole words, in any case; Arabic ones (the `_ar` lists)
    match the start of a word, with any ending."""

    # A headline that tells a further strike: "Another drone attack hits ...", "3rd mortar
    # attack on coalition camp", "Rockets hammer the base again", "jets again bomb ...".
    further: tuple[str, ...] = (
        "another",
        "second",
        "2nd",
        "third",
        "3rd",
        "fresh",
        "renewed",
        "new",
        "more",
        "further",
        "additional",
    )
    # The further word must govern the strike: not "more killed in ... strike", "new video of
    # strike", "fresh questions over drone strike", "second anniversary of drone strike".
    not_further: tuple[str, ...] = (
        "killed",
        "dead",
        "death",
        "deaths",
        "wounded",
        "injured",
        "die",
        "dies",
        "died",
        "victim",
        "victims",
        "detail",
        "details",
        "casualties",
        "people",
        "civilians",
        "anniversary",
        "footage",
        "video",
        "videos",
        "image",
        "images",
        "photo",
        "photos",
        "picture",
        "pictures",
        "evidence",
        "question",
        "questions",
        "claim",
        "claims",
        "call",
        "calls",
        "doubt",
        "doubts",
        "report",
        "reports",
        "probe",
        "probes",
        "inquiry",
        "investigation",
        "information",
        "account",
        "accounts",
    )
    strike_nouns: tuple[str, ...] = (
        "strike",
        "strikes",
        "air strike",
        "air strikes",
        "airstrike",
        "airstrikes",
        "attack",
        "attacks",
        "raid",
        "raids",
        "rocket",
        "rockets",
        "missile",
        "missiles",
        "drone",
        "drones",
        "bombing",
        "bombings",
        "bombardment",
        "shelling",
        "barrage",
    )
    strike_verbs: tuple[str, ...] = (
        "hit",
        "hits",
        "struck",
        "strike",
        "strikes",
        "bomb",
        "bombs",
        "bombed",
        "bombard",
        "bombards",
        "bombarded",
        "pound",
        "pounds",
        "pounded",
        "shell",
        "shells",
        "shelled",
        "target",
        "targets",
        "targeted",
        "hammer",
        "hammers",
        "hammered",
        "attack",
        "attacks",
        "attacked",
        "rock",
        "rocks",
        "rocked",
        "raid",
        "raids",
        "raided",
    )
    again: tuple[str, ...] = ("again",)
    # Deaths or a count told after the strike: "died of his wounds", "the toll rose to",
    # "raising the toll", "متأثرا بجروحه", "ارتفاع حصيلة".
    died: tuple[str, ...] = ("die", "dies", "died", "dying", "succumb*")
    wounds: tuple[str, ...] = ("wounds", "injuries")
    toll: tuple[str, ...] = ("toll",)
    toll_rose: tuple[str, ...] = (
        "rises",
        "rose",
        "risen",
        "climbs",
        "climbed",
        "jumps",
        "jumped",
        "increases",
        "increased",
        "reaches",
        "reached",
    )
    raised: tuple[str, ...] = ("raises", "raised", "raising")
    died_ar: tuple[str, ...] = ("متأثر",)
    wounds_ar: tuple[str, ...] = ("بجروح", "بجراح")
    toll_rose_ar: tuple[str, ...] = ("ارتفع", "ارتفاع")
    toll_ar: tuple[str, ...] = ("حصيلة",)

    @functools.cached_property
    def another(self) -> re.Pattern[str]:
        """A further strike told by a headline; "more than 15 rockets" is none."""
        nouns, verbs = (
            phrase_alternatives(self.strike_nouns),
            phrase_alternatives(self.strike_verbs),
        )
        return re.compile(
            rf"\b{phrase_alternatives(self.further)}(?!\s+than\b)\s+"
            rf"(?:(?!{phrase_alternatives(self.not_further)}\b)[\w'’-]+\s+){{0,2}}?{nouns}\b"
            rf"|\b{phrase_alternatives(self.again)}\s+{verbs}\b"
            rf"|\b(?:{nouns}|{verbs})\b.*\b{phrase_alternatives(self.again)}\b",
            re.IGNORECASE,
        )

    @functools.cached_property
    def follow_up(self) -> re.Pattern[str]:
        """Deaths or a count told after the strike, in English or Arabic."""
        toll = phrase_alternatives(self.toll)
        return re.compile(
            rf"\b{phrase_alternatives(self.died)}\s+(?:[\w'’-]+\s+){{0,3}}?(?:of|from|to)\s+"
            rf"(?:(?:his|her|their|the)\s+)?{phrase_alternatives(self.wounds)}\b"
            # "the toll rose", "toll from Tuesday's strike on a market rises to 15"
            rf"|\b{toll}\s+(?:(?:from|of|in)\s+(?:[\w'’-]+\s+){{0,7}}?|(?:[\w'’-]+\s+){{0,3}}?)"
            rf"{phrase_alternatives(self.toll_rose)}\b"
            rf"|\b{phrase_alternatives(self.raised)}\s+(?:the|its)\s+(?:death\s+)?{toll}\b"
            rf"|{phrase_alternatives(self.died_ar)}\S*\s+{phrase_alternatives(self.wounds_ar)}"
            rf"|{phrase_alternatives(self.toll_rose_ar)}\S*\s+(?:\S+\s+)?{phrase_alternatives(self.toll_ar)}",
            re.IGNORECASE,
        )


@dataclass(frozen=True)
class EventSettings:
    # How long after an event's first report another report may still join it: follow-ups
    # ("the toll from Tuesday's strike rose to nine") come days later; they name the strike's day.
    window_hours: float = 240.0
    # A report that names no day of its strike is taken to report a strike of its own day, so
    # it joins only an event first reported at most this long before it.
    undated_hours: float = 36.0
    date_slack_days: int = 1  # stated event dates may differ by this much (time zones, "overnight")
    near_km: float = 30.0  # two named places this close may be the same strike site
    region_km: float = 200.0  # a region (an area across governorates) holds places this close
    min_score: float = 1.0  # a report joins an event only with this much evidence (see match_score)
    vague_similarity: float = 0.15  # wording that joins a report naming no place near the event's
    # With this many events open or more, a word in the wording of over half of them is no
    # evidence for any one ("killed", "sources", an outlet's boilerplate): see _common_words.
    common_wording_events: int = 4
    duplicate_similarity: float = 0.8  # same outlet and this similar wording: the same article
    # Reports out this soon after an event's first one may join it though they name another
    # day, on a named place with nothing against it (see _times_fit).
    misdated_within_hours: float = 12.0
    # Up to this long, such a report may still join the same named site struck by the same
    # actor when the day it names is the day the event was first reported: the event's day
    # was then read from a background sentence ("on Aug. 9, another drone ..."), which is
    # likelier than a second strike on that site.
    misdated_site_hours: float = 36.0
    # Reports out within this long of the event's first one are rushed out together: they may
    # each word the day carelessly, so a day that disagrees asks only the same area of them,
    # not a named town (see match_score). Later, a day counted from publication in the
    # strike's own sentence ("overnight") is held firmly (_days_conflict), and a day stated
    # against one read elsewhere needs the toll (_stated_against_weak).
    counted_within_hours: float = 1.0
    # Outlet counts that are news of their own ("corroboration"), for routes that take it.
    corroboration_alerts: tuple[int, ...] = (2,)
    # The kinds of change that make an update (see CHANGE_KINDS). The config sets it to every
    # kind some route takes; each route then takes only its own (pipeline.route).
    update_on: tuple[str, ...] = DEFAULT_UPDATE_ON
    actor_groups: tuple[tuple[str, ...], ...] = field(default=DEFAULT_ACTOR_GROUPS)
    # The side a target belongs to (see DEFAULT_TARGET_SIDES), and each country's own state.
    target_sides: tuple[tuple[str, ...], ...] = field(default=DEFAULT_TARGET_SIDES)
    local_actors: tuple[tuple[str, str], ...] = field(default=DEFAULT_LOCAL_ACTORS)
    # Air strikes and missiles are often the same raid told two ways; artillery is not an air raid.
    conflicting_types: tuple[frozenset[str], ...] = (frozenset({"shelling", "air_drone"}),)
    # The words a report's headline and lead are read for: a further strike, a follow-up.
    words: EventWords = EventWords()


class _PlaceLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def governorate(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def precision(self) -> str: ...


class _FieldsLike(Protocol):
    @property
    def strike_type(self) -> str | None: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def target(self) -> str | None: ...
    @property
    def places(self) -> Sequence[_PlaceLike]: ...
    @property
    def countries(self) -> Sequence[str]: ...
    @property
    def killed(self) -> Count: ...
    @property
    def wounded(self) -> Count: ...
    @property
    def event_date(self) -> date | None: ...


class _ItemLike(Protocol):
    """The part of feeds.Item this module reads."""

    @property
    def key(self) -> str: ...
    @property
    def alias(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def published(self) -> datetime | None: ...


class _DetectionLike(Protocol):
    """The part of detection.Detection this module reads."""

    @property
    def fields(self) -> _FieldsLike: ...
    @property
    def evidence(self) -> Sequence[str]: ...
    @property
    def lowered_by(self) -> Sequence[str]: ...


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_STOPWORD_TEXT = (
    "the a an of in on at to and or for from by with as is are was were be been has have had "
    "that this its it their his her they he she said says say after over into near about than "
    "more least not but also which who while when where what would could will can amid during"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_DENIAL = re.compile(r"\b(den(?:y|ies|ied|ial)|refut\w*|retract\w*|correction|no strike)\b", re.I)
# A claim of responsibility, in English or Arabic ("تبنّت", "أعلنت مسؤوليتها عن"): an Arabic
# claim and an English report of one strike are one event (issue #12).
_CLAIM = re.compile(
    r"\bclaim(?:s|ed|ing)? (?:of )?responsibility\b|\bclaimed\b"
    r"|تبن\u0651?[تى]|مسؤوليت(?:ها|ه)\s+عن",
    re.I,
)
_LEAD_WORDS = 60
# People a headline says were killed or hurt, with the words that say whose they are: "More
# US Troops Wounded", "American Contractor Killed", "drone kills two US soldiers" (not "US
# troops kill ...": they struck).
_PEOPLE = (
    r"(?:troops|soldiers?|service\s*members?|servicemen|contractors?|personnel|advis[eo]rs?|"
    r"officers?|commanders?|citizens?|nationals?|diplomats?)"
)
_VICTIMS = re.compile(
    rf"\b(?P<people>(?:[\w.'’-]+\s+){{1,2}}?{_PEOPLE})\s+(?:(?:were|are|was|is)\s+)?"
    r"(?:killed|wounded|injured|hurt|dead)\b"
    r"|\b(?:kill(?:s|ed|ing)?|wound(?:s|ed|ing)?|injur(?:es|ed|ing))\s+(?:at\s+least\s+)?"
    rf"(?P<object>(?:[\w.'’-]+\s+){{1,3}}?{_PEOPLE})\b",
    re.IGNORECASE,
)
# Gazetteer kinds that name an area rather than a strike site.
_COUNTRY_KINDS = frozenset({"country", "demonym"})
_GOVERNORATE_KINDS = frozenset({"governorate", "province"})
_AREA_KINDS = frozenset({"region", "district"})


def fingerprint(title: str, text: str) -> str:
    """The wording signature of a report: sorted distinct content words of the title and lead."""
    lead = " ".join(text.split()[:_LEAD_WORDS])
    return " ".join(sorted(_content_words(f"{title} {lead}")))


def report_from(
    detection: _DetectionLike,
    item: _ItemLike,
    outlet: str,
    seen: datetime,
    settings: EventSettings,
) -> Report:
    """Adapt the detector's Detection of a feed item to a Report; the wording is the feed's own,
    read for a further strike and a follow-up with the settings' words."""
    fields = detection.fields
    places = tuple(_place_key(p) for p in fields.places)
    countries = tuple(dict.fromkeys([*fields.countries, *(p.country for p in places)]))
    said = " ".join([item.title, *detection.evidence])
    # The detector says so when the text denies a specific strike; a denial guard that only
    # lowered a report, or a headline that says "denies", counts too.
    denial = (
        bool(getattr(detection, "denial", False))
        or bool(_DENIAL.search(item.title))
        or any(_DENIAL.search(note) for note in detection.lowered_by)
    )
    return Report(
        item_key=item.key,
        alias=item.alias,
        outlet=outlet,
        title=item.title,
        fingerprint=fingerprint(item.title, item.summary),
        published=item.published,
        seen=seen,
        strike_type=fields.strike_type,
        actors=(fields.actor,) if fields.actor and fields.actor.lower() != "unknown" else (),
        target=_target(fields.target, places),
        places=places,
        countries=countries,
        killed=fields.killed,
        wounded=fields.wounded,
        event_date=fields.event_date,
        day_stated=fields.event_date is not None
        and bool(getattr(fields, "event_date_stated", False)),
        day_counted=_counted(fields, detection.evidence),
        denial=denial,
        claimed=bool(_CLAIM.search(said)),
        # Deaths or a count told after the strike, in the headline, the sentences that fired
        # or the first hundred words.
        follow_up=bool(
            settings.words.follow_up.search(f"{said} {' '.join(item.summary.split()[:100])}")
        ),
        another=bool(settings.words.another.search(item.title)),
        victims=tuple(
            m.group("people") or m.group("object") for m in _VICTIMS.finditer(item.title)
        ),
        language=str(getattr(detection, "language", "en")),
    )


def _counted(fields: _FieldsLike, evidence: Sequence[str]) -> bool:
    """Whether the strike's day is counted from publication by a word of a sentence that tells
    the strike ("struck ... overnight"), not named, nor read from another sentence."""
    text = getattr(fields, "event_date_text", None)
    if fields.event_date is None or not text or not counts_day(text):
        return False
    return any(text.casefold() in sentence.casefold() for sentence in evidence)


def _target(target: str | None, places: Sequence[PlaceKey]) -> str | None:
    """The detector's target, when it names one: a bare place name ("Erbil") or a lone
    lower-case word ("reported") says nothing about what was hit, and would count against a
    report that names the target properly."""
    if not target:
        return None
    if len(target.split()) == 1 and target.islower():
        return None
    if any(target.casefold().removeprefix("the ") == p.name.casefold() for p in places):
        return None
    return target


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


def _core(state: EventState) -> tuple[PlaceKey, ...]:
    return state.core_places or state.places


def _near_any(place: PlaceKey, others: Sequence[PlaceKey], settings: EventSettings) -> bool:
    return any(
        place.id == other.id or _distance_km(place, other) <= settings.near_km for other in others
    )


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
    rushed = _hours_apart(report, state) <= settings.counted_within_hours
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


def similarity(a: str, b: str, ignore: frozenset[str] = frozenset()) -> float:
    """Jaccard similarity of two fingerprints, without the words to ignore."""
    left, right = set(a.split()) - ignore, set(b.split()) - ignore
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


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


def _times_fit(report: Report, state: EventState, settings: EventSettings) -> bool:
    window = timedelta(hours=settings.window_hours)
    if report.when - state.opened > window or state.last_report - report.when > window:
        return False
    if report.another and report.when - state.opened > timedelta(hours=settings.undated_hours):
        return False
    if report.event_date is None:
        # No day named: the report is about a strike of its own day, or of the day before.
        undated = timedelta(hours=settings.undated_hours)
        return report.when - state.opened <= undated and _days_fit(report, state, settings)
    # Stated days that disagree veto a join, unless the report came out within hours of the
    # event's first one: a second strike on another day is reported on another day, while
    # reports of one strike that name different days more likely carry a misread day
    # ("overnight" against "on Tuesday", a weekday from another sentence). match_score then
    # asks for more evidence.
    close = max(settings.misdated_within_hours, settings.misdated_site_hours)
    return _dates_agree(report, state, settings) or _hours_apart(report, state) <= close


def _days_conflict(report: Report, state: EventState, settings: EventSettings) -> bool:
    """Whether the report and the event each hold their strike's day firmly, and those days are
    too far apart: two strikes, however close in time, place and wording.

    A day is held firmly when the lead strike's own sentences name it (a weekday or a date,
    `day_stated`) or count it from publication ("struck ... overnight", `day_counted`): a strike
    told as "overnight" fell within a day of the report. The event's firm days are those its
    reports stated, else those they counted. A day read from another sentence is no firm day,
    and a follow-up may name the later day of the deaths it tells (_day_after). Two stated days
    disagree whenever they do; a counted day only for a report out more than
    `counted_within_hours` after the event's first one."""
    if report.event_date is None or _day_after(report, state):
        return False
    slack = timedelta(days=settings.date_slack_days)
    if report.day_stated and state.stated_dates:
        return not any(abs(report.event_date - d) <= slack for d in state.stated_dates)
    firm = state.stated_dates or state.counted_dates
    if not firm or not (report.day_stated or report.day_counted):
        return False
    if _hours_apart(report, state) <= settings.counted_within_hours:
        return False
    return not any(abs(report.event_date - d) <= slack for d in firm)


def _stated_against_weak(report: Report, state: EventState, settings: EventSettings) -> bool:
    """Whether, in a report out more than `counted_within_hours` after the event's first one,
    one side's day is stated by a lead (`day_stated`) and the other's only read from another
    sentence (neither stated nor counted)."""
    if _hours_apart(report, state) <= settings.counted_within_hours:
        return False
    report_weak = report.event_date is not None and not (report.day_stated or report.day_counted)
    event_weak = bool(state.event_dates) and not (state.stated_dates or state.counted_dates)
    return (report_weak and bool(state.stated_dates)) or (report.day_stated and event_weak)


def _names_first_day(report: Report, state: EventState, settings: EventSettings) -> bool:
    """Whether the report names the day the event was first reported (± the slack): then the
    event's own stated day is the misread one."""
    slack = timedelta(days=settings.date_slack_days)
    return report.event_date is not None and abs(report.event_date - state.opened.date()) <= slack


def _hours_apart(report: Report, state: EventState) -> float:
    return abs(report.when - state.opened) / timedelta(hours=1)


def _days_fit(report: Report, state: EventState, settings: EventSettings) -> bool:
    """A report naming no day, out after the days the event's reports name, reports a later
    strike: the day of a report is its publication's, or the day before it."""
    if not state.event_dates:
        return True
    slack = timedelta(days=settings.date_slack_days)
    return report.when.date() - max(state.event_dates) <= slack


def _dates_agree(report: Report, state: EventState, settings: EventSettings) -> bool:
    slack = timedelta(days=settings.date_slack_days)
    if report.event_date and state.event_dates:
        return any(abs(report.event_date - d) <= slack for d in state.event_dates) or (
            _day_after(report, state)
        )
    if report.event_date:
        return abs(report.event_date - state.opened.date()) <= slack or _day_after(report, state)
    return True


def _day_after(report: Report, state: EventState) -> bool:
    """Whether a follow-up names a day after the event's: that of the deaths or the count
    it tells, after the strike ("an Iraqi wounded last week died on Monday")."""
    days = state.event_dates or (state.opened.date(),)
    return (
        report.follow_up
        and report.event_date is not None
        and max(days) < report.event_date <= report.when.date()
    )


def _place_score(
    ours: Sequence[PlaceKey], theirs: Sequence[PlaceKey], settings: EventSettings
) -> float | None:
    """3 same site, 2 same city or nearby, 1 same governorate or within a region, 0 unknown or
    country only, None for named sites apart.

    The most precise level both sides name decides: a shared mention of a city or a governorate
    must not join two strikes on different towns around it.
    """
    if not ours or not theirs:
        return 0.0
    sites = [(a, b) for a in ours for b in theirs if a.level == b.level == "place"]
    if sites:
        if any(a.id == b.id for a, b in sites):
            return 3.0
        return 2.0 if any(_distance_km(a, b) <= settings.near_km for a, b in sites) else None
    named = [(a, b) for a in ours for b in theirs if {a.level, b.level} <= {"place", "city"}]
    if any(a.id == b.id or _distance_km(a, b) <= settings.near_km for a, b in named):
        return 2.0
    best: float | None = None
    apart = False
    for a in ours:
        for b in theirs:
            if "country" in (a.level, b.level):
                if a.country == b.country:
                    best = 0.0
                continue
            if _scope(a) == _scope(b):
                return 1.0
            if "region" in (a.level, b.level) and a.country == b.country:
                # A region ("Kurdistan Region") holds what lies within its reach, and no more.
                if _distance_km(a, b) <= settings.region_km:
                    return 1.0
                apart = True
            elif a.country == b.country:
                best = 0.0
    return None if apart and best is None else best


def _placed(places: Sequence[PlaceKey]) -> tuple[PlaceKey, ...]:
    """The places a strike hit or was near, without the points it was measured from."""
    return tuple(p for p in places if not _beside(p) or p.name.startswith("near "))


def _below_country(places: Sequence[PlaceKey]) -> bool:
    """Whether the places say more of where a strike fell than its country."""
    return any(p.level != "country" for p in places)


def _beside(place: PlaceKey) -> bool:
    """Whether the detector names the place as a point the strike was near or measured from:
    it writes the words before the name ("near Damascus", "south of Baghdad")."""
    return place.name[:1].islower()


def _lead(report: Report) -> tuple[PlaceKey, ...]:
    """The place a report leads with: its first town or city, else its first place."""
    named = [p for p in report.places if p.level in ("place", "city")]
    return tuple((named or list(report.places))[:1])


def _scope(place: PlaceKey) -> str:
    return place.governorate or place.id


def _distance_km(a: PlaceKey, b: PlaceKey) -> float:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return math.inf
    la, lb = math.radians(a.lat), math.radians(b.lat)
    dlon = math.radians(b.lon - a.lon)
    h = math.sin((lb - la) / 2) ** 2 + math.cos(la) * math.cos(lb) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _place_key(place: _PlaceLike) -> PlaceKey:
    kind = place.precision.lower()
    # The detector names a place's governorate by name, and a governorate by its own name.
    governorate = place.governorate
    if kind in _COUNTRY_KINDS:
        level = "country"
    elif kind in _GOVERNORATE_KINDS or place.id == place.governorate:
        level = "governorate"
        governorate = governorate or place.id
    elif kind in _AREA_KINDS:
        # A neighbourhood or district lies in one governorate and is as precise as a city;
        # an area across governorates ("Kurdistan Region") is a region.
        level = "city" if governorate else "region"
    elif kind == "city":
        level = "city"
    else:
        level = "place"
    return PlaceKey(
        id=place.id,
        name=place.name,
        country=place.country,
        governorate=governorate,
        level=level,
        lat=place.lat,
        lon=place.lon,
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


def _content_words(text: str) -> set[str]:
    words = set()
    for word in _WORD.findall(text.lower()):
        if len(word) < 3 or word in _STOPWORDS:
            continue
        words.add(_singular(word))
    return words


def _singular(word: str) -> str:
    """Crude plural folding, so that "strikes" and "strike", "facilities" and "facility" count
    as the same word."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words_overlap(a: str, b: str) -> bool:
    return bool(_content_words(a) & _content_words(b))


def _union(old: tuple[_T, ...], new: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys([*old, *new]))


def _told(count: Count) -> tuple[int, ...]:
    """The number killed a report gives, when it gives one above zero."""
    low = _low(count)
    return (low,) if low else ()


def _low(count: Count) -> int | None:
    return count[0] if isinstance(count, tuple) else count


def _higher(old: Count, new: Count) -> Count:
    low_old, low_new = _low(old), _low(new)
    if low_new is None or (low_old is not None and low_new <= low_old):
        return old
    return new


def _show(count: Count) -> str:
    if isinstance(count, tuple):
        low, high = count
        return f"at least {low}" if high is None else f"{low}–{high}"
    return str(count)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
