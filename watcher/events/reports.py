"""A detection of a feed item as a report of the events stage: its wording, its fields, what its
headline says."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from watcher.detection.fields import counts_day
from watcher.events.model import Count, PlaceKey, Report
from watcher.events.places import _place_key, _PlaceLike
from watcher.events.settings import EventSettings


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


def similarity(a: str, b: str, ignore: frozenset[str] = frozenset()) -> float:
    """Jaccard similarity of two fingerprints, without the words to ignore."""
    left, right = set(a.split()) - ignore, set(b.split()) - ignore
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


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
