"""The settings of the events stage ([events] in the config) and the words it reads reports with
([events.words]): every number and list of names a user may change."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from watcher.detection.word_lists import phrase_alternatives
from watcher.events.model import DEFAULT_UPDATE_ON

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
