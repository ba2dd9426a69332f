"""Places of a document: a Document and the rules in, the places it names (the gazetteer's
places, and the rules' countries and their adjectives) as FoundPlaces by sentence out; reads
the gazetteer, loaded once. may_name tells from a text's tokens, before it is read, that it
names no place in some countries.

A country that speaks or strikes ("Iraq said", "Turkey bombs") is an actor, not a place; a
place a projectile came from or a force belongs to ("rockets fired from Syria", "Iran-backed
militias") says nothing of where a strike fell (is_reference).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass

from watcher.detection.fields import PlaceRef
from watcher.detection.gazetteer import (
    Gazetteer,
    Place,
    joined_runs,
    load_gazetteer,
    token_keys,
)
from watcher.detection.phrases import Tokens, may_occur
from watcher.detection.rule_model import Rule
from watcher.detection.rules import RuleSet
from watcher.detection.sentences import Document
from watcher.detection.word_lists import PlaceWords


@dataclass(frozen=True)
class FoundPlace:
    start: int
    end: int
    text: str
    ref: PlaceRef
    adjective: bool = False  # a demonym, or a country named by its adjective

    @property
    def named(self) -> bool:
        """A place named as a place, not by an adjective."""
        return not self.adjective and self.ref.precision != "demonym"


# A place named by what it is ("the Syrian capital", an alias the curated file gives the city):
# an alert names it by its name.
_DESCRIBED = re.compile(r"\bcapital\b")


def display_name(written: str, name: str) -> str:
    """A place's name as alerts show it: as the text wrote it when that is a plain spelling
    ("Qaim", "Deir ez-Zor"), else the gazetteer's name without diacritics ("Al Qā’im" is
    "Al Qaim"); shouted or Arabic-script writings take the gazetteer's name, which for the
    towns the curated file spells is the English press's spelling ("الرقة" is "Raqqa")."""
    written = " ".join(written.split()).rstrip(".")
    if (
        written.isascii()
        and _DESCRIBED.search(written) is None
        and any(c.isupper() for c in written)
        and not (len(written) > 4 and written.isupper())
    ):
        return written
    bare = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in bare if not unicodedata.combining(c))
    ascii_name = folded.encode("ascii", "ignore").decode()
    return " ".join(ascii_name.split()) or name


@dataclass(frozen=True)
class _Named:
    """The rules' countries and demonyms a text names, read once from its phrase hits."""

    # (precision, code, start, end), countries first, in the order of the rules' lists
    spans: tuple[tuple[str, str, int, int], ...]
    demonyms: frozenset[tuple[int, int]]

    @staticmethod
    def of(doc: Document, rules: RuleSet) -> _Named:
        spans = tuple(
            (precision, code, start, end)
            for precision, codes in (("country", rules.countries), ("demonym", rules.demonyms))
            for code in codes
            for start, end in doc.hits.get(f"{precision}:{code}", ())
        )
        return _Named(
            spans,
            frozenset((start, end) for precision, _, start, end in spans if precision == "demonym"),
        )


def _places(
    doc: Document, rules: RuleSet, named: _Named, window: tuple[int, int] | None = None
) -> list[FoundPlace]:
    """The places of the text; with a window (a character range no country or demonym runs
    across the ends of), those that start in it, read from it and its surroundings only."""
    found: list[FoundPlace] = []
    gazetteer = rules.gazetteer or load_gazetteer()
    hits = (
        gazetteer.places_in(doc.text)
        if window is None
        else gazetteer.places_near(doc.text, [window])
    )
    demonyms = named.demonyms
    # "Iraq said", "Syria accuses", "Turkey bombs": a country speaking or striking is an actor,
    # not the place of a strike.
    speaks = rules.place_words.speaks_after
    for hit in hits:
        entry = hit.entry
        if not isinstance(entry, Place) or (
            entry.kind == "country" and speaks.match(doc.text, hit.end)
        ):
            continue
        governorate = gazetteer.governorate_of(entry)
        found.append(
            FoundPlace(
                hit.start,
                hit.end,
                hit.text,
                PlaceRef(
                    id=str(entry.id),
                    name=display_name(hit.text, str(entry.name)),
                    country=str(entry.country),
                    governorate=governorate.name if governorate else None,
                    lat=entry.lat,
                    lon=entry.lon,
                    precision=str(entry.kind),
                ),
                # "Syrian rebels", "an Iranian commander": the country's adjective.
                adjective=(hit.start, hit.end) in demonyms,
            )
        )
    low, high = window or (0, len(doc.text))
    found.extend(_capitals(doc, gazetteer, named, found, low, high))
    taken = sorted((place.start, place.end) for place in found)
    for precision, code, start, end in named.spans:
        # Outside the window, a country or demonym cannot overlap one inside it.
        if not low <= start < high or (precision == "country" and speaks.match(doc.text, end)):
            continue
        # Spans taken so far are sorted and disjoint: only the neighbours can overlap.
        at = bisect.bisect_left(taken, (start, end))
        if any(a < end and start < b for a, b in taken[max(0, at - 1) : at + 1]):
            continue
        taken.insert(at, (start, end))
        found.append(
            FoundPlace(
                start,
                end,
                doc.text[start:end],
                PlaceRef(
                    id=f"{precision}:{code}",
                    name=doc.text[start:end],
                    country=code,
                    governorate=None,
                    lat=None,
                    lon=None,
                    precision=precision,
                ),
            )
        )
    found.sort(key=lambda place: place.start)
    if window is not None:
        return [place for place in found if low <= place.start < high]
    return found


# Words where may_name reads the text for a place at most: past them, reading it whole with
# the rest of detection costs less.
_MOST_LOOKS = 24


def may_name(tokens: Tokens, rules: RuleSet, countries: frozenset[str]) -> bool:
    """Whether the text may name a place in one of the countries: one of the rules' country
    names or demonyms, or a gazetteer place (SentencePlaces finds no other kind; "the capital"
    is a country's, named before it). False only when it names none. Not worked out for texts
    whose tokens are folded otherwise (Arabic, or letters that lower-casing lengthens): True."""
    if tokens.folded is None:
        return True
    if may_occur(rules.index, tokens, _named_lists(countries)):
        return True
    joined = joined_runs(tokens.folded)
    if joined is None:
        return True
    gazetteer = rules.gazetteer or load_gazetteer()
    other = token_keys(tokens.vocabulary, joined)
    looks = gazetteer.look_words(
        tokens.vocabulary | other if other else tokens.vocabulary, countries
    )
    if not looks:
        return False
    if not looks.keys().isdisjoint(other):
        return True  # a place may be at a token that is no one word: not looked for here
    # The places that may be there, read around each of those words only.
    at: list[tuple[int, int]] = []
    for word, capital in looks.items():
        at.extend(
            match.span()
            for match in _run(word).finditer(tokens.folded)
            if not capital or tokens.text[match.start()].isupper()
        )
        if len(at) > _MOST_LOOKS:
            return True
    windows: list[tuple[int, int]] = []
    for start, end in sorted(at):
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return any(
        isinstance(found.entry, Place) and found.entry.country in countries
        for found in gazetteer.places_near(tokens.text, windows)
    )


@functools.lru_cache(maxsize=16)
def _named_lists(countries: frozenset[str]) -> frozenset[str]:
    """The phrase lists of the countries' names and demonyms, made once per set of countries."""
    return frozenset(f"{kind}:{code}" for kind in ("country", "demonym") for code in countries)


@functools.lru_cache(maxsize=1 << 10)
def _run(word: str) -> re.Pattern[str]:
    """The word as a whole run of \\w; written so that re looks for the word itself first."""
    escaped = re.escape(word)
    return re.compile(rf"{escaped}(?<!\w{escaped})(?!\w)")


# "the capital" with no name after it: the capital of the country the story is about ("...
# killed across Iraq, in bombardments that rocked the capital").
_THE_CAPITAL = re.compile(r"\bthe\s+capital(?:\s+city)?\b(?!\s*(?:,\s*)?(?:city\s+)?of\b)")
# After a name, "the capital" is the name's: "Damascus, the capital".
_NAMED_BEFORE = re.compile(r"\w\s*,\s*$")


def _capitals(
    doc: Document,
    gazetteer: Gazetteer,
    named: _Named,
    found: list[FoundPlace],
    low: int,
    high: int,
) -> list[FoundPlace]:
    """ "the capital" in text[low:high] as the capital of the country named last before it,
    where the gazetteer knows that capital (the place it calls "capital of <country>"); not
    where a place's name follows or comes right before ("the capital Baghdad", "Damascus, the
    capital")."""
    if "capital" not in doc.text[low:high]:
        return []
    capitals = []
    for match in _THE_CAPITAL.finditer(doc.text, low, high):
        if _NAMED_BEFORE.search(doc.text, max(0, match.start() - 3), match.start()) or any(
            match.end() <= place.start <= match.end() + 3 for place in found
        ):
            continue
        before = [
            (start, code)
            for precision, code, start, _ in named.spans
            if precision == "country" and start < match.start()
        ]
        # A country of the rules' lists that the gazetteer does not hold ("Somalia") has no
        # capital known.
        country = gazetteer.places.get(max(before)[1]) if before else None
        if country is None:
            continue
        capital = next(
            (
                hit.entry
                for hit in gazetteer.places_in(f"capital of {country.name}")
                if hit.start == 0
                and isinstance(hit.entry, Place)
                and hit.entry.country == country.country
            ),
            None,
        )
        if capital is None:
            continue
        governorate = gazetteer.governorate_of(capital)
        capitals.append(
            FoundPlace(
                match.start(),
                match.end(),
                match.group(0),
                PlaceRef(
                    id=str(capital.id),
                    name=str(capital.name),
                    country=str(capital.country),
                    governorate=governorate.name if governorate else None,
                    lat=capital.lat,
                    lon=capital.lon,
                    precision=str(capital.kind),
                ),
            )
        )
    return capitals


# A text this short is read whole at once: one pass costs less than a few sentences' windows,
# each read with its surroundings.
_READ_WHOLE = 2000


@dataclass
class SentencePlaces:
    """The places of a text by sentence, found on first use: a cue reads the places of its own
    sentence and of a few around it, and most of a long text is never read. Each sentence is
    read with its surroundings only (exact: see _places), unless a country or demonym runs
    across its ends; then the whole text is read once. Reading sentence by sentence even when
    cues are in most sentences was faster on the pages of bench/articles.py."""

    doc: Document
    rules: RuleSet
    by_sentence: dict[int, list[FoundPlace]] = dataclasses.field(default_factory=dict)
    whole: bool = False  # every sentence is read

    @functools.cached_property
    def named(self) -> _Named:
        return _Named.of(self.doc, self.rules)

    def of(self, sentence: int) -> list[FoundPlace]:
        if sentence not in self.by_sentence and not self.whole:
            doc = self.doc
            if len(doc.text) <= _READ_WHOLE:
                self.read_all()
                return self.by_sentence.get(sentence, [])
            low = doc.starts[sentence]
            high = doc.starts[sentence + 1] if sentence + 1 < len(doc.starts) else len(doc.text)
            if any(
                start < low < end or start < high < end for _, _, start, end in self.named.spans
            ):
                self.read_all()
            else:
                self.by_sentence[sentence] = _places(doc, self.rules, self.named, (low, high))
        return self.by_sentence.get(sentence, [])

    def read_all(self) -> None:
        self.by_sentence.clear()
        # As one window: read afresh, as every text is in use (not from the gazetteer's cache
        # of the texts it read last).
        for place in _places(self.doc, self.rules, self.named, (0, len(self.doc.text))):
            self.by_sentence.setdefault(self.doc.sentence_of(place.start), []).append(place)
        self.whole = True

    def found(self) -> list[FoundPlace]:
        """Every place found so far."""
        return [place for places in self.by_sentence.values() for place in places]


_BORDER_OF = re.compile(r"\bborders?\s+(?:with|of|near)\s+(?:the\s+)?$", re.IGNORECASE)


def is_reference(doc: Document, words: PlaceWords, place: FoundPlace, rule: Rule) -> bool:
    """Whether a place found in a cue's sentence says nothing of where the strike was: where a
    projectile came from ("rockets fired from Syrian territory", "jets launched missiles from
    over the Mediterranean"), who is accused or blamed ("Syria accuses Israel of launching
    airstrikes"), or a country or its adjective that names a force or a person's nation ("an
    Iranian commander", "Iran-backed militias"): the rules' [place_words]."""
    if words.origin_before.search(doc.text, max(0, place.start - 48), place.start):
        return True
    # A country across the border from where the strike was: "the Syrian border near Jordan".
    if place.ref.country not in rule.countries and _BORDER_OF.search(
        doc.text, max(0, place.start - 24), place.start
    ):
        return True
    return (
        place.ref.precision in ("country", "demonym")
        and place.ref.country not in rule.countries
        and words.affiliation_after.match(doc.text, place.end) is not None
    )
