"""Articles to detections: a title and text in, a Detection (with StrikeFields and the reasons
it fired) or None out; no I/O beyond loading the shipped rules and gazetteer once.

The text is read sentence by sentence. A cue (strike words, or an aircraft or projectile near an
attack verb) scores its weight; guards (labour strikes, threats, denials, car bombs...) multiply
it down; a place in one of the rule's countries must sit in the cue's sentence, a few sentences
before it, or in the headline, and a place elsewhere in the cue's sentence takes the cue away.
Sentence scores combine as independent evidence.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from watcher.detection import arabic, fields
from watcher.detection.clauses import same_clause, sentence_roles
from watcher.detection.fields import PlaceRef, StrikeFields
from watcher.detection.gazetteer import Place, load_gazetteer
from watcher.detection.lead import Lead, read_lead
from watcher.detection.phrases import Tokens, find_phrases, may_occur, tokenize
from watcher.detection.rules import (
    RESERVED_GUARDS,
    Cue,
    Guard,
    Rule,
    RuleSet,
    default_rules,
    load_rules,
)

__all__ = [
    "Detection",
    "Mention",
    "PlaceRef",
    "RuleSet",
    "StrikeFields",
    "Verdict",
    "default_rules",
    "detect",
    "explain",
    "load_rules",
]


# Reports tell their strike in the first paragraphs; reading at most this much keeps the time
# per item bounded (about 3 ms) whatever a page holds (reliability.md K5).
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Mention:
    kind: str  # term | place | actor | guard
    text: str
    start: int
    end: int
    # lexicon, place id, normalised actor name, or guard id ("elsewhere": a strike placed in
    # another country led the story; "headline": a bare strike word in the headline)
    ref: str


@dataclass(frozen=True)
class Detection:
    rule_id: str
    score: float
    fields: StrikeFields
    evidence: tuple[str, ...]  # the sentences that fired
    mentions: tuple[Mention, ...]  # positions in title + "\n\n" + text
    lowered_by: tuple[str, ...]  # guards that lowered the score, said in words
    # The text denies or corrects a specific strike ("the Pentagon denied carrying out the strike
    # on X"): not a strike report, but an update to the event of that strike, if one is open.
    denial: bool = False
    language: str = "en"  # of the title and text: "ar" or "en" (arabic.language)


@dataclass(frozen=True)
class Verdict:
    detection: Detection | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Place:
    start: int
    end: int
    text: str
    ref: PlaceRef
    adjective: bool = False  # a demonym, or a country named by its adjective

    @property
    def named(self) -> bool:
        """A place named as a place, not by an adjective."""
        return not self.adjective and self.ref.precision != "demonym"


@dataclass(frozen=True)
class _Lowered:
    guard: str  # a guard id, "elsewhere" or "headline"
    start: int  # the words that lowered the score
    end: int
    factor: float


@dataclass(frozen=True)
class _Candidate:
    cue: Cue
    sentence: int
    position: int  # the sentence's place in the story (clauses.Roles.positions)
    start: int
    end: int
    score: float
    places: tuple[_Place, ...]
    lowered: tuple[_Lowered, ...]
    where: str  # how the place was found, in words
    outside: _Place | None  # the place in another country that took the cue away


@dataclass(frozen=True)
class _Document:
    text: str
    sentences: tuple[tuple[int, int], ...]  # spans; sentence 0 is the headline
    starts: tuple[int, ...]
    word_starts: Sequence[int]
    hits: dict[str, list[tuple[int, int]]]  # phrase list name -> spans
    roles: tuple[str, ...]  # clauses.ROLES, by sentence
    positions: tuple[int, ...]  # place in the story, by sentence
    # phrase list name -> sentence -> spans, filled on first use: long texts stay linear
    by_sentence: dict[str, dict[int, list[tuple[int, int]]]] = dataclasses.field(
        default_factory=dict
    )

    def sentence_of(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position) - 1

    def hits_in(self, name: str, sentence: int) -> list[tuple[int, int]]:
        if name not in self.by_sentence:
            grouped: dict[int, list[tuple[int, int]]] = {}
            for span in self.hits.get(name, ()):
                grouped.setdefault(self.sentence_of(span[0]), []).append(span)
            self.by_sentence[name] = grouped
        return self.by_sentence[name].get(sentence, [])

    def word_index(self, position: int) -> int:
        return bisect.bisect_right(self.word_starts, position)

    def sentence_text(self, index: int) -> str:
        start, end = self.sentences[index]
        return self.text[start:end]


_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Capt|Sgt|Maj|Adm|Rep|Sen|Gov|St|No|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Inc|Co|Corp|vs|etc|approx|U\.S|U\.N|U\.K))\.$"
)
# Between sentences: after . ! or ? (and closing quotes), space before a capital or a digit; or a
# run of space with a line break in it. _boundaries finds the same spans, in the same order, as
# the regular expression `(?<=[.!?])["'”’)]*\s+(?=["'“‘(]*[A-Z0-9])|\s*\n\s*` would from a
# position that follows no . ! or ?, but searches for the punctuation and line breaks only (that
# expression tries every space of the text): 1.5 times faster.
# Arabic has no capitals: after . ! ? or ؟, any Arabic letter starts a sentence.
_BREAK = re.compile(r"[.!?؟]([\"'”’»)]*\s+)(?=[\"'“‘«(]*[A-Z0-9\u0621-\u064a])|\n")


def _boundaries(text: str, position: int) -> Iterator[tuple[int, int]]:
    """The spans between the sentences of text[position:]; text[position - 1] is no . ! or ?."""
    while True:
        found = _BREAK.search(text, position)
        if found is None:
            return
        if found.group(1) is not None:
            start, end = found.span(1)
        else:
            # A line break: the whole run of space around it, from where the search began.
            start = found.start()
            while start > position and text[start - 1].isspace():
                start -= 1
            end = found.end()
            while end < len(text) and text[end].isspace():
                end += 1
        yield start, end
        position = end


def _document(
    joined: str, title_length: int, tokens: Tokens, rules: RuleSet, published: datetime | None
) -> _Document:
    spans = [(0, title_length)]
    start = title_length + 2
    # The title ends with "\n\n": no . ! or ? right before the body.
    for boundary, after in _boundaries(joined, start):
        if "\n" not in joined[boundary:after] and _ABBREVIATION.search(
            joined, max(0, boundary - 8), boundary
        ):
            continue
        if boundary > start:
            spans.append((start, boundary))
        start = after
    if start < len(joined):
        spans.append((start, len(joined)))
    roles = sentence_roles(joined, spans, published.date() if published else None)
    return _Document(
        text=joined,
        sentences=tuple(spans),
        starts=tuple(span[0] for span in spans),
        word_starts=tokens.starts,
        hits=find_phrases(rules.index, tokens),
        roles=roles.roles,
        positions=roles.positions,
    )


# "Iraq said", "Syria accuses", "Turkey bombs": a country speaking or striking is an actor, not
# the place of a strike.
_SPEAKS = re.compile(
    r"(?:'s|’s)?\s+(?:has\s+|had\s+|have\s+)?(?:\w+ly\s+)?(?:said|says|say|accused|accuses|"
    r"claimed|condemned|condemns|"
    r"claims|announced|announces|denied|denies|reported|reports|warned|warns|bombs|bombed|"
    r"pounds|pounded|shells|shelled|strikes|struck|hits|targets|targeted|retaliates|"
    r"retaliated|launches|launched|fires|fired|carries out|carried out|conducts|conducted)\b"
)


def display_name(written: str, name: str) -> str:
    """A place's name as alerts show it: as the text wrote it when that is a plain spelling
    ("Qaim", "Deir ez-Zor"), else the gazetteer's name without diacritics ("Al Qā’im" is
    "Al Qaim"); shouted or Arabic-script writings take the gazetteer's name."""
    written = " ".join(written.split()).rstrip(".")
    if (
        written.isascii()
        and any(c.isupper() for c in written)
        and not (len(written) > 4 and written.isupper())
    ):
        return written
    bare = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in bare if not unicodedata.combining(c))
    ascii_name = folded.encode("ascii", "ignore").decode()
    return " ".join(ascii_name.split()) or name


def _places(doc: _Document, rules: RuleSet, window: tuple[int, int] | None = None) -> list[_Place]:
    """The places of the text; with a window (a character range no country or demonym runs
    across the ends of), those that start in it, read from it and its surroundings only."""
    found: list[_Place] = []
    gazetteer = rules.gazetteer or load_gazetteer()
    hits = (
        gazetteer.places_in(doc.text)
        if window is None
        else gazetteer.places_near(doc.text, [window])
    )
    demonyms = {span for code in rules.demonyms for span in doc.hits.get(f"demonym:{code}", ())}
    for hit in hits:
        entry = hit.entry
        if not isinstance(entry, Place) or (
            entry.kind == "country" and _SPEAKS.match(doc.text, hit.end)
        ):
            continue
        governorate = gazetteer.governorate_of(entry)
        found.append(
            _Place(
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
    taken = sorted((place.start, place.end) for place in found)
    low, high = window or (0, len(doc.text))
    for precision, codes in (("country", rules.countries), ("demonym", rules.demonyms)):
        for code in codes:
            for start, end in doc.hits.get(f"{precision}:{code}", ()):
                # Outside the window, a country or demonym cannot overlap one inside it.
                if not low <= start < high or (
                    precision == "country" and _SPEAKS.match(doc.text, end)
                ):
                    continue
                # Spans taken so far are sorted and disjoint: only the neighbours can overlap.
                at = bisect.bisect_left(taken, (start, end))
                if any(a < end and start < b for a, b in taken[max(0, at - 1) : at + 1]):
                    continue
                taken.insert(at, (start, end))
                found.append(
                    _Place(
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


@dataclass
class _Places:
    """The places of a text by sentence, found on first use: a cue reads the places of its own
    sentence and of a few around it, and most of a long text is never read. Each sentence is
    read with its surroundings only (exact: see _places), unless a country or demonym runs
    across its ends; then the whole text is read once. Reading sentence by sentence even when
    cues are in most sentences was faster on the pages of bench/articles.py."""

    doc: _Document
    rules: RuleSet
    by_sentence: dict[int, list[_Place]] = dataclasses.field(default_factory=dict)
    whole: bool = False  # every sentence is read

    def of(self, sentence: int) -> list[_Place]:
        if sentence not in self.by_sentence and not self.whole:
            doc = self.doc
            low = doc.starts[sentence]
            high = doc.starts[sentence + 1] if sentence + 1 < len(doc.starts) else len(doc.text)
            if any(
                start < edge < end
                for precision, codes in (
                    ("country", self.rules.countries),
                    ("demonym", self.rules.demonyms),
                )
                for code in codes
                for start, end in doc.hits.get(f"{precision}:{code}", ())
                for edge in (low, high)
            ):
                self.read_all()
            else:
                self.by_sentence[sentence] = _places(doc, self.rules, (low, high))
        return self.by_sentence.get(sentence, [])

    def read_all(self) -> None:
        self.by_sentence.clear()
        for place in _places(self.doc, self.rules):
            self.by_sentence.setdefault(self.doc.sentence_of(place.start), []).append(place)
        self.whole = True

    def found(self) -> list[_Place]:
        """Every place found so far."""
        return [place for places in self.by_sentence.values() for place in places]


def _words_between(doc: _Document, first: tuple[int, int], second: tuple[int, int]) -> int:
    if first[0] > second[0]:
        first, second = second, first
    return max(0, doc.word_index(second[0]) - doc.word_index(first[1]))


# Where a projectile came from, not where it hit: "rockets fired from Syrian territory", "jets
# launched missiles from over the Mediterranean".
_ORIGIN = re.compile(
    r"\b(?:(?:from|out of)\s+(?:over\s+|above\s+|across\s+)?(?:the\s+|inside\s+|within\s+)?"
    # Who is accused or blamed is the actor: "Syria accuses Israel of launching airstrikes".
    r"|(?:accus\w*|blam\w*)\s+(?:on\s+)?)$",
    re.IGNORECASE,
)
# A country or its adjective that names a force or a person's nation, not a place: "an Iranian
# commander", "Iran-backed militias", "Lebanese Hezbollah fighters".
_AFFILIATION = re.compile(
    r"[\s-]+(?:backed|allied|aligned|linked|sponsored|led|funded|revolutionary|guards?|forces?|"
    r"militias?|militiamen|commanders?|generals?|officers?|advisers?|advisors?|military|troops|"
    r"fighters|personnel|proxies|proxy|officials?|diplomats?|embassy|consulate|nationals?|"
    r"brigadier|colonel|lieutenant|major|captain|leaders?|chief|adviser|advisor|origin|made|"
    r"designed|built|manufactured|supplied|"
    r"citizens?|hezbollah|quds|irgc|drones?|jets?|warplanes?|missiles?|regime|government)\b",
    re.IGNORECASE,
)


def _reference(doc: _Document, place: _Place, rule: Rule) -> bool:
    """Whether a place found in a cue's sentence says nothing of where the strike was."""
    if _ORIGIN.search(doc.text, max(0, place.start - 20), place.start):
        return True
    return (
        place.ref.precision in ("country", "demonym")
        and place.ref.country not in rule.countries
        and _AFFILIATION.match(doc.text, place.end) is not None
    )


def _place_context(
    doc: _Document, rule: Rule, sentence: int, cue_start: int, by_sentence: _Places
) -> tuple[float, tuple[_Place, ...], str, _Place | None]:
    """How well the cue is tied to a place in the rule's countries: (factor, places, words,
    the place in another country that took the cue away)."""
    # A demonym before the cue is read as the actor ("Iraqi warplanes"), not the place; a named
    # place outweighs any demonym ("Iranian-backed forces in Iraq", "Syrian rebel rockets hit
    # a town in Lebanon").
    own = [
        place
        for place in by_sentence.of(sentence)
        if (
            place.ref.precision != "demonym"
            or place.ref.country in rule.countries
            or place.start > cue_start
        )
        and not _reference(doc, place, rule)
    ]
    if any(place.ref.country in rule.countries for place in own):
        # A place in another country counts against the cue only in the cue's own clause:
        # "air strikes killed Syrian soldiers, as tensions between Moscow and Washington grew".
        own = [
            place
            for place in own
            if place.ref.country in rule.countries
            or same_clause(doc.text, (place.start, place.end), (cue_start, cue_start))
        ]
    named = [place for place in own if place.named]
    if named:
        own = named
    factor = (
        1.0
        if any(
            place.ref.precision != "demonym" and place.ref.country in rule.countries
            for place in own
        )
        else rule.demonym_factor
    )
    inside = tuple(place for place in own if place.ref.country in rule.countries)
    outside = [place for place in own if place.ref.country not in rule.countries]
    if inside:
        if outside:
            after = [place for place in own if place.start > cue_start]
            nearest = min(after or own, key=lambda place: abs(place.start - cue_start))
            if nearest.ref.country not in rule.countries:
                return (
                    rule.nearer_elsewhere_factor * factor,
                    inside,
                    f"same sentence, but nearer to {nearest.text}",
                    None,
                )
        return factor, inside, "same sentence", None
    if outside:
        return 0.0, (), f"placed in {outside[0].text} ({outside[0].ref.country})", outside[0]
    looks = [
        (sentence - back, 1.0 - rule.window_decay * back)
        for back in range(1, rule.window + 1)
        if sentence - back >= 1
    ]
    if sentence + 1 < len(doc.sentences):
        looks.append((sentence + 1, rule.next_sentence_factor))
    if sentence != 0:
        looks.append((0, rule.headline_place_factor))
    for other, factor in looks:
        places = [place for place in by_sentence.of(other) if not _reference(doc, place, rule)]
        if not places:
            continue
        inside = tuple(place for place in places if place.ref.country in rule.countries)
        if not inside:
            return (
                0.0,
                (),
                f"nearest place is {places[0].text} ({places[0].ref.country})",
                places[0],
            )
        where = "the headline" if other == 0 else f"sentence {other}"
        return factor, inside, f"place in {where}", None
    return 0.0, (), "no place in " + " or ".join(rule.countries), None


def _candidates(doc: _Document, rules: RuleSet, rule: Rule, places: _Places) -> list[_Candidate]:
    guards = [rules.guards[name] for name in (rule.guards or rules.guards) if name in rules.guards]
    found: list[_Candidate] = []
    for cue in rule.cues:
        for span in doc.hits.get(f"lexicon:{cue.lexicon}", ()):
            sentence = doc.sentence_of(span[0])
            start, end = span
            terms: tuple[tuple[int, int], ...] = (span,)
            if cue.with_lexicon is not None:
                partners = [
                    other
                    for other in doc.hits_in(f"lexicon:{cue.with_lexicon}", sentence)
                    if other != span
                    and not (other[0] < span[1] and span[0] < other[1])
                    and (not cue.ordered or other[0] >= span[1])
                    and _words_between(doc, span, other) <= cue.near
                ]
                if not partners:
                    continue
                partner = min(partners, key=lambda other: abs(other[0] - span[0]))
                start, end = min(start, partner[0]), max(end, partner[1])
                terms = (span, partner)
            score = cue.weight
            lowered: list[_Lowered] = []
            if (
                sentence == 0
                and cue.headline_factor < 1
                and not any(
                    hit[1] <= start or end <= hit[0]  # the cue's own word is no support
                    for name in cue.headline_needs
                    for hit in doc.hits_in(f"lexicon:{name}", 0)
                )
            ):
                # A headline's bare "strike" ("Hamas strike shakes Damascus") is as often a
                # killing or a figure of speech: the text or an armed force must back it.
                lowered.append(_Lowered("headline", start, end, cue.headline_factor))
                score *= cue.headline_factor
            for guard in guards:
                if (
                    guard.lexicons is not None
                    and cue.lexicon not in guard.lexicons
                    and cue.with_lexicon not in guard.lexicons
                ):
                    continue
                everywhere = guard.scope == "document"
                name = f"guard:{guard.id}"
                for hit in (
                    doc.hits.get(name, ())[:1] if everywhere else doc.hits_in(name, sentence)
                ):
                    # The cue's own words are not evidence against it ("jets bomb" is no bomb
                    # attack), except to a guard that must cover them ("hunger strike").
                    if guard.scope != "overlap" and any(
                        hit[0] < term[1] and term[0] < hit[1] for term in terms
                    ):
                        continue
                    if _guard_applies(doc, guard, hit, (start, end), sentence):
                        lowered.append(_Lowered(guard.id, hit[0], hit[1], guard.factor))
                        score *= guard.factor
                        break
            if doc.roles[sentence] in ("caption", "related"):
                lowered.append(_Lowered("context", start, end, rule.context_factor))
                score *= rule.context_factor
            elif doc.roles[sentence] == "background" and rule.background_factor < 1:
                lowered.append(_Lowered("background", start, end, rule.background_factor))
                score *= rule.background_factor
            factor, tied, where, outside = _place_context(doc, rule, sentence, start, places)
            score *= factor
            if doc.positions[sentence] > rule.lead:
                score *= rule.later_factor
            found.append(
                _Candidate(
                    cue,
                    sentence,
                    doc.positions[sentence],
                    start,
                    end,
                    score,
                    tied,
                    tuple(lowered),
                    where,
                    outside,
                )
            )
    # A story led by a strike elsewhere ("Israeli strikes kill 15 in Gaza") mentions Iraq or
    # Syria in passing: its cues count for less, unless their own sentence names a place in
    # Iraq or Syria. A demonym ("an Iranian commander killed in a strike") places no strike.
    lead_elsewhere = next(
        (
            c
            for c in found
            if c.position <= 1
            and c.outside is not None
            and c.outside.ref.precision != "demonym"
            and all(lowered.factor > 0 for lowered in c.lowered)
        ),
        None,
    )
    if lead_elsewhere is not None and rule.elsewhere_factor < 1:
        marker = _Lowered(
            "elsewhere", lead_elsewhere.start, lead_elsewhere.end, rule.elsewhere_factor
        )
        found = [
            dataclasses.replace(
                c, score=c.score * rule.elsewhere_factor, lowered=(*c.lowered, marker)
            )
            if c.score > 0 and not _named_here(doc, rule, c, places)
            else c
            for c in found
        ]
    return found


def _named_here(doc: _Document, rule: Rule, candidate: _Candidate, places: _Places) -> bool:
    """Whether the cue's own sentence names a town, district or site where it is placed, and
    no place in another country ("the first such strikes on the Lebanese town of Hermel since
    the fall of Qusayr" goes on with the story elsewhere)."""
    return (
        candidate.where == "same sentence"
        and any(place.ref.precision not in ("country", "demonym") for place in candidate.places)
        and not any(
            place.ref.country not in rule.countries and not _reference(doc, place, rule)
            for place in places.of(candidate.sentence)
        )
    )


def _guard_applies(
    doc: _Document, guard: Guard, hit: tuple[int, int], cue: tuple[int, int], sentence: int
) -> bool:
    scope, near = guard.scope, guard.near
    if scope == "document":
        return True
    if scope == "overlap":
        return hit[0] < cue[1] and cue[0] < hit[1]
    if doc.sentence_of(hit[0]) != sentence:
        return False
    if guard.clause and not same_clause(doc.text, hit, cue):
        return False
    if scope == "sentence":
        return True
    if scope == "before":
        # Inside a two-part cue counts too: "jets might bomb".
        return hit[1] <= cue[1] and _words_between(doc, hit, (cue[0], cue[0])) <= near
    return _words_between(doc, hit, cue) <= near or (hit[0] < cue[1] and cue[0] < hit[1])


def _combine(rule: Rule, candidates: Sequence[_Candidate]) -> tuple[float, list[_Candidate]]:
    """The best candidate of each lead sentence and the best one after the lead, combined as
    independent evidence."""
    best: dict[int, _Candidate] = {}
    for candidate in candidates:
        key = min(candidate.position, rule.lead + 1)
        # Of equal scores, the strike told first stands for the sentence ("six were killed in
        # rocket attacks, a day after airstrikes elsewhere left 35 dead").
        if key not in best or (candidate.score, -candidate.start) > (
            best[key].score,
            -best[key].start,
        ):
            best[key] = candidate
    kept = sorted((c for c in best.values() if c.score > 0), key=lambda c: c.sentence)
    missing = 1.0
    for candidate in kept:
        missing *= 1.0 - candidate.score
    return 1.0 - missing, kept


# "rebel-held", "IS-controlled", "insurgent strongholds", "regime positions": the actor names
# the place or the target, not who struck.
_HELD = re.compile(
    r"(?:'s|’s)?[\s-]*(?:(?:air|military|army|naval|troops['’]?|forces['’]?)\s+)?"
    r"(?:held|controlled|run|backed|allied|aligned|affiliated|linked|supported|strongholds?|"
    r"positions?|targets?|bastions?|hideouts?|areas?|territory|camps?|convoys?|bases?|"
    r"headquarters|checkpoints?|outposts?|media|embassy|consulate|air[\s-]+defen[cs]es?)\b",
    re.IGNORECASE,
)
# A name whose people were killed or hurt is the victim ("Turkish soldiers killed in a rocket
# attack"), unless it qualifies strike words.
_VICTIM = re.compile(
    r"[\s-]+(?:[\w-]+\s+){0,2}?(?:(?:were|was|have\s+been|had\s+been|are|is|being)\s+"
    r"(?:killed|wounded|injured|hurt)\b|(?:killed|wounded|injured|hurt)\s+"
    r"(?:in|by|as|when|after|during|near)\b|died\b|dead\b)",
    re.IGNORECASE,
)
# A state named after these is where the strike fell or what it hit ("air strikes in Syria",
# "an attack on US forces"), not who struck.
_PLACED = re.compile(
    r"\b(?:in|into|on|onto|over|across|inside|within|at|against|toward|towards|around|near|"
    r"outside)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# A count of people or things: "five", "12", "dozens of".
_COUNT = (
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|dozens\s+of|"
    r"scores\s+of|hundreds\s+of)"
)
# A name right after a strike or targeting verb is what was hit or who died ("targets Islamic
# State with air strikes", "killed two Turkish soldiers"), and one after a count is a toll
# ("the bodies of five militants"): neither is who struck.
_TARGETED = re.compile(
    r"\b(?:(?:target(?:s|ed|ing)?|hit(?:s|ting)?|struck|strik(?:es|ing)|attack(?:s|ed|ing)?|"
    r"bomb(?:s|ed|ing)|pound(?:s|ed|ing)|shell(?:s|ed|ing)|kill(?:s|ed|ing)?)[^\S\n]+"
    rf"(?:(?:the|an?|{_COUNT})[^\S\n]+)?|{_COUNT}[^\S\n]+)$",
    re.IGNORECASE,
)
# A name joined to a word before it by a hyphen is half of a compound ("Kurdish-Iranian leader",
# "pro-Iranian"), and an upper-case name before a colon or dash is a dateline ("SYRIA: ..."):
# neither names the striker.
_COMPOUND = re.compile(r"\w-$")
_DATELINE = re.compile(r"\s*[:—–]")
# After the strike words, a name that qualifies strike words of its own is the striker: "killed
# in recent Turkish drone strikes", "hit in an Israeli strike".
_IN_STRIKES = re.compile(
    r"\s*(?:in|by|from|during)\s+(?:(?:an?|the|recent|fresh|new|renewed|suspected|repeated|"
    r"several|two|three|\d+)\s+)*",
    re.IGNORECASE,
)
# Strike words right after an actor's name: the name qualifies them ("rebel shelling").
_STRIKE_NOUN = re.compile(
    r"[\s-]+(?:[\w-]+\s+)?(?:air\s*strikes?|strikes?|raids?|bombing|bombardment|shelling|"
    r"attacks?|fire|rockets?|missiles?|drones?|jets?|warplanes?|aircraft|artillery)\b",
    re.IGNORECASE,
)
# The agent right after the strike words: "attacks by Jaish al-Islam", "strikes carried out by
# Russian jets" (not "a depot used by the militia").
_BY = re.compile(r"\s*(?:[\w'’-]+\s+){0,3}?by\s+(?:[\w'’-]+\s+){0,2}")
# A clause boundary between an actor and the strike words: "X did this, while rockets hit Y".
_CLAUSE = re.compile(r"\b(?:while|whereas|but|after|before|when|since)\b|;")


def _actor(
    doc: _Document, rules: RuleSet, fired: Sequence[_Candidate], struck: Sequence[str] = ()
) -> Mention | None:
    """Who struck: the agent named after the strike words following "by" ("mortar attacks by
    Jaish al-Islam"), else the actor named nearest before them (the subject); actors joined by
    "and"/"or" are named together."""
    not_actors = doc.hits.get("lexicon:not_actor", [])
    hits = sorted(
        (start, end, name)
        for name in rules.actors
        for start, end in doc.hits.get(f"actor:{name}", ())
        if not any(a < end and start < b for a, b in not_actors)
        # A state's adjective before a source or victim phrase is part of it ("Syrian opposition
        # activists", "Iraqi state media").
        and not any(a > end and not doc.text[end:a].strip() for a, b in not_actors)
        and not _COMPOUND.search(doc.text, max(0, start - 2), start)
        and not (doc.text[start:end].isupper() and _DATELINE.match(doc.text, end))
    )
    # A longer phrase wins over one inside it ("US-led coalition" over "US"), and of two
    # actors side by side the first names the second ("Daesh terrorists").
    kept: list[tuple[int, int, str]] = []
    # The countries the rule places strikes in.
    countries = [span for code in struck for span in doc.hits.get(f"country:{code}", ())]
    for hit in hits:
        if _HELD.match(doc.text, hit[1]):
            continue
        before_strike = bool(_STRIKE_NOUN.match(doc.text, hit[1]))
        # "in Syria", "on US forces": a place or a target, unless it qualifies the strike words
        # ("killed in rebel shelling", "in US drone strikes").
        if not before_strike and (
            _VICTIM.match(doc.text, hit[1])
            or _PLACED.search(doc.text, max(0, hit[0] - 12), hit[0])
            or _TARGETED.search(doc.text, max(0, hit[0] - 30), hit[0])
        ):
            continue
        # "Syria airstrikes": a struck country's name before the strike words is the place.
        if before_strike and any(a <= hit[0] and hit[1] <= b for a, b in countries):
            continue
        if kept and hit[0] < kept[-1][1]:
            if hit[1] - hit[0] > kept[-1][1] - kept[-1][0]:
                kept[-1] = hit
            continue
        if kept and not doc.text[kept[-1][1] : hit[0]].strip():
            # Side by side: a refinement wins ("terrorist group Jaysh al-Islam" is "rebels:
            # Jaish al-Islam"), a common noun after a name is its apposition ("Daesh terrorists").
            if hit[2].startswith(kept[-1][2] + ":"):
                kept[-1] = hit
                continue
            if kept[-1][2].startswith(hit[2] + ":") or doc.text[hit[0]].islower():
                continue
        kept.append(hit)
    order = list(rules.actors)
    for candidate in fired:
        sentence_start, sentence_end = doc.sentences[candidate.sentence]
        before = [
            hit
            for hit in kept
            if sentence_start <= hit[0] < candidate.start
            and not _CLAUSE.search(doc.text, hit[1], candidate.start)
        ]
        after = [
            hit
            for hit in kept
            if candidate.end <= hit[0] < sentence_end
            and (
                _BY.fullmatch(doc.text, candidate.end, hit[0])
                or arabic.agent_follows(doc.text, candidate.end, hit[0])
                or (
                    _IN_STRIKES.fullmatch(doc.text, candidate.end, hit[0])
                    and _STRIKE_NOUN.match(doc.text, hit[1])
                )
            )
        ]
        # A name within the strike words is their subject or qualifier ("Israeli strike",
        # "Washington targets").
        inside = [hit for hit in kept if candidate.start <= hit[0] < candidate.end]
        if after:
            nearest = after[0]
        elif inside:
            nearest = inside[0]
        elif before:
            nearest = before[-1]
        else:
            continue
        names, first, last = [nearest[2]], nearest, nearest
        for other in kept:
            if other[2] in names:
                continue
            gap = doc.text[min(other[1], last[1]) : max(other[0], first[0])]
            if re.fullmatch(r"\s*(?:and|or|,|&|\s)\s*", gap):
                names.append(other[2])
                first, last = min(first, other), max(last, other)
        joined = sorted(set(names), key=order.index)
        text = doc.text[first[0] : last[1]]
        word = " or " if len(joined) > 1 and re.search(r"\bor\b", text) else " and "
        return Mention("actor", text, first[0], last[1], word.join(joined))
    return None


def _strike_type(
    lead: _Candidate, fired: Sequence[_Candidate], candidates: Sequence[_Candidate]
) -> str:
    """The lead strike's type: the first sentence (the lead's, then the others that fired) whose
    strike words say one. An aircraft named in the sentence makes it an air strike ("a jet fired
    a missile"); otherwise its first typed strike words decide."""
    for sentence in dict.fromkeys([lead.sentence, *(c.sentence for c in fired)]):
        typed = sorted(
            (
                c
                for c in candidates
                if c.sentence == sentence and c.score > 0 and c.cue.strike_type != "unclear"
            ),
            key=lambda c: c.start,
        )
        if any(c.cue.strike_type == "air_drone" for c in typed):
            return "air_drone"
        if typed:
            return typed[0].cue.strike_type
    return "unclear"


# How coarse a place is, for the order of an alert's places: a town or a site leads, a city
# that holds a named site or a smaller town comes next, a region or governorate last.
_BROAD = frozenset(("governorate", "province", "region"))
# A named site or town this close to a named city is inside it or at its edge ("Mezzeh" and
# "Damascus", "Kufa" and "Najaf").
_INSIDE_KM = 30.0
# Who says where, in the order of place roles: a place hit or one the strike was near (of
# those, the finer leads: "near Tabqa dam" before "Raqqa"), then a point to measure from.
_ROLE_RANK = {fields.HIT: 0, fields.NEAR: 0, fields.REFERENCE: 1}
_DIRECTION_BEFORE = re.compile(
    r"\b((?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?"
    r"|central)\s+$",
    re.IGNORECASE,
)


def _distance_km(a: PlaceRef, b: PlaceRef) -> float:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return math.inf
    la, lb = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((lb - la) / 2) ** 2
        + math.cos(la) * math.cos(lb) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# A region with no governorate (the Kurdistan Region) holds the towns this close to its middle.
_REGION_KM = 250.0


def _inside(broad: PlaceRef, other: PlaceRef) -> bool:
    """Whether a place lies in a region or governorate named with it."""
    if other.precision in (*_BROAD, "country", "demonym") or other.country != broad.country:
        return False
    if broad.governorate is None:
        return _distance_km(broad, other) <= _REGION_KM
    return other.governorate == broad.governorate


def _coarseness(place: PlaceRef, others: Sequence[PlaceRef], rules: RuleSet) -> int:
    """0 for a town or site, 1 for a city that holds another of the places, 2 for a region or
    governorate that holds one: a whole region does not lead when a town inside it is named
    (issue #11)."""
    if place.precision in _BROAD:
        return 2 if any(_inside(place, other) for other in others) else 0
    if place.precision != "city":
        return 0
    gazetteer = rules.gazetteer or load_gazetteer()
    entry = gazetteer.place(place.id)
    size = entry.population or 0
    # A city that gives its governorate its name ("Sulaymaniyah", "Idlib") stands for the
    # governorate as often as for the city.
    capital = (
        place.governorate is not None and entry.name.casefold() == place.governorate.casefold()
    )
    for other in others:
        if other.id == place.id or other.precision in (*_BROAD, "country", "demonym"):
            continue
        if capital and other.governorate == place.governorate:
            return 1
        if _distance_km(place, other) > _INSIDE_KM:
            continue
        if other.precision != "city" or (gazetteer.place(other.id).population or 0) < size:
            return 1
    return 0


# Between a cue and a place, a clause boundary: "bombings rock Baghdad as jets hammer
# Fallujah", "jets bombed Fallujah, hours after rockets slammed into a Baghdad hotel".
_PLACE_CLAUSE = re.compile(r"\b(?:while|whereas|but|after|before|when|since|as|amid|following)\b|;")
# A strike told after these in its sentence is an earlier one the lead's strike answers or
# follows: "jets bombed Fallujah hours after rockets hit a Baghdad hotel".
_EARLIER_CLAUSE = re.compile(
    r"\b(?:after|following|in (?:retaliation|response) (?:for|to)|a day after|days after)\b",
    re.IGNORECASE,
)


def _main_clause(
    doc: _Document, candidate: _Candidate, candidates: Sequence[_Candidate]
) -> _Candidate:
    """The strike of the sentence's main clause when the candidate is told in a clause about
    an earlier strike ("... hours after rockets slammed into ...")."""
    sentence_start = doc.sentences[candidate.sentence][0]
    marker = _EARLIER_CLAUSE.search(doc.text, sentence_start, candidate.start)
    if marker is None:
        return candidate
    before = [
        c
        for c in candidates
        if c.sentence == candidate.sentence and c.score > 0 and c.end <= marker.start()
    ]
    return max(before, key=lambda c: (c.score, -c.start)) if before else candidate


def _place_key(
    doc: _Document, roles: Lead, place: _Place, candidate: _Candidate | None
) -> tuple[str, str, tuple[int, ...]] | None:
    """A place's role, its words ("south of") and where it stands from the cue: (other
    clause or sentence, before the cue, distance); None for a place that is not the strike's
    (in a dateline, or where someone is based)."""
    sentence = doc.sentence_of(place.start)
    if place.start < doc.sentences[sentence][0] + roles.datelines.get(sentence, 0):
        return None
    role, words = fields.place_role(doc.text, place.start, place.end)
    if role == fields.ORIGIN:
        return None
    if candidate is None or sentence != candidate.sentence:
        return role, words, (2, 0, place.start - doc.sentences[sentence][0])
    low, high = sorted((place.start, candidate.start))
    return (
        role,
        words,
        (
            int(bool(_PLACE_CLAUSE.search(doc.text, low, high))),
            int(place.start < candidate.start),
            abs(place.start - candidate.start),
        ),
    )


def _named(ref: PlaceRef, role: str, words: str) -> PlaceRef:
    """The place as an alert names it: "near Masyaf", "south of Baghdad" when that is how the
    text places the strike."""
    return ref if role == fields.HIT else dataclasses.replace(ref, name=f"{words} {ref.name}")


def _upgrade(first: PlaceRef, role: str, other: PlaceRef) -> bool:
    """Whether a place hit that the lead paragraph names says better where the strike fell
    than the first place of the strike sentences: a town inside the region or governorate
    they name, or a place by the one they say the strike was near."""
    if other.precision in ("country", "demonym") or other.country != first.country:
        return False
    if first.precision == "country":
        return True
    if first.precision in _BROAD:
        return _inside(first, other)
    return role != fields.HIT and _distance_km(first, other) <= _INSIDE_KM


def _lead_places(
    doc: _Document,
    rules: RuleSet,
    rule: Rule,
    roles: Lead,
    ordered: Sequence[_Candidate],
    candidates: Sequence[_Candidate],
    by_sentence: _Places,
) -> tuple[list[PlaceRef], list[PlaceRef]]:
    """The places of the lead strike, the one an alert leads with first, and the countries
    named for it (with a direction written before them: "eastern Syria").

    Places in a dateline or naming where someone is based are not the strike's. In the
    strike's sentences, the cue's own clause comes first, then places hit before places the
    strike was near and those before reference points ("south of Baghdad"), a town before the
    city or region that holds it, the lead's sentences before a later one, and after the cue
    before before it. When that leaves a region, a country or a "near" first, a place hit in
    the lead paragraph that is inside or by it leads ("Kurdistan region" ... "in Erbil")."""
    seen: dict[str, tuple[tuple[int, ...], PlaceRef, str]] = {}
    countries: list[PlaceRef] = []
    gazetteer = rules.gazetteer or load_gazetteer()
    for order, candidate in enumerate(ordered):
        for place in candidate.places:
            if place.ref.precision == "demonym":
                continue
            found = _place_key(doc, roles, place, candidate)
            if found is None:
                continue
            role, words, (clause, before, distance) = found
            if place.ref.precision == "country":
                direction = _DIRECTION_BEFORE.search(
                    doc.text, max(0, place.start - 16), place.start
                )
                name = gazetteer.place(place.ref.country).name
                if direction:
                    name = f"{direction.group(1).lower()} {name}"
                countries.append(dataclasses.replace(place.ref, name=name))
                continue
            key = (
                int(candidate.sentence > rule.lead),
                clause,
                _ROLE_RANK[role],
                order,
                before,
                distance,
            )
            if place.ref.id not in seen or key < seen[place.ref.id][0]:
                seen[place.ref.id] = (key, _named(place.ref, role, words), role)
    found_refs = [ref for _, ref, _ in seen.values()]
    ranked = sorted(
        seen.values(),
        key=lambda entry: (entry[0][:3], _coarseness(entry[1], found_refs, rules), entry[0][3:]),
    )
    result = [ref for _, ref, _ in ranked]
    first = result[0] if result else (countries[0] if countries else None)
    first_role = ranked[0][2] if ranked else fields.HIT
    if first is not None and (first.precision in (*_BROAD, "country") or first_role != fields.HIT):
        lead_sentences = [
            index
            for index in range(min(rule.lead + 1, len(doc.sentences)))
            if not roles.is_context(index)
        ]
        if first.precision == "country":
            # With only a country so far, a later sentence that tells a strike in a town of
            # it says more ("... the air strike in Raqqa").
            lead_sentences += sorted(
                {
                    c.sentence
                    for c in candidates
                    if c.score > 0 and c.sentence > rule.lead and not roles.is_context(c.sentence)
                }
            )
        for index in lead_sentences:
            better = next(
                (
                    _named(place.ref, said[0], said[1])
                    for place in by_sentence.of(index)
                    if place.ref.country in rule.countries
                    and (said := _place_key(doc, roles, place, None)) is not None
                    and (
                        said[0] == fields.HIT
                        or (said[0] == fields.NEAR and first_role == fields.HIT)
                    )
                    and _upgrade(first, first_role, place.ref)
                    # not the city that holds the place the strike was near
                    and _coarseness(place.ref, [first], rules) == 0
                ),
                None,
            )
            if better is not None:
                result = [better, *(ref for ref in result if ref.id != better.id)]
                break
    return result, countries


# The sentences (headline included) in which a toll is looked for when the strike sentences
# give none.
_TOLL_SENTENCES = 13


def _fields(
    doc: _Document,
    rules: RuleSet,
    rule: Rule,
    fired: Sequence[_Candidate],
    candidates: Sequence[_Candidate],
    by_sentence: _Places,
    published: datetime | None,
) -> tuple[StrikeFields, Mention | None]:
    """The fields of the lead strike, and the mention of its actor. Captions, links to other
    stories and background about earlier strikes are context: they give no field unless
    nothing else tells the strike."""
    roles = read_lead([doc.sentence_text(i) for i in range(len(doc.sentences))], published)
    own = [
        _main_clause(doc, c, candidates) for c in fired if not roles.is_context(c.sentence)
    ] or list(fired)
    # The lead strike is the first one told with conviction, not the loudest later on.
    strongest = max(c.score for c in own)
    lead = min((c for c in own if c.score >= 0.6 * strongest), key=lambda c: c.sentence)
    ordered = [lead, *(c for c in own if c is not lead)]

    # The toll is read from the strike sentences of the headline and lead, then the rest of
    # the lead, where reports state it ("... killing at least one fighter" after a strike
    # sentence the rules did not need), and only then from later strike sentences.
    def told(candidate: _Candidate) -> tuple[str, int]:
        return (
            doc.sentence_text(candidate.sentence),
            candidate.start - doc.sentences[candidate.sentence][0],
        )

    texts = [told(c) for c in ordered if c.sentence < 4]
    fired_sentences = {c.sentence for c in fired}
    texts.extend(
        (doc.sentence_text(index), 0)
        for index in range(min(4, len(doc.sentences)))
        if index not in fired_sentences and not roles.is_context(index)
    )
    texts.extend(told(c) for c in ordered if c.sentence >= 4)
    # Reports often give the toll, or say there was none, a few paragraphs down.
    texts.extend(
        (doc.sentence_text(index), 0)
        for index in range(4, min(_TOLL_SENTENCES, len(doc.sentences)))
        if index not in fired_sentences and not roles.is_context(index)
    )
    places, countries = _lead_places(doc, rules, rule, roles, ordered, candidates, by_sentence)
    if not places:
        # Where the text names no town, the country is all an alert can say ("eastern Syria").
        places = countries[:1]
    killed, wounded = fields.casualties(texts, doc.text)
    when, when_text = fields.event_date([text for text, _ in texts], published)
    # Within a sentence, the strike told first is the one whose actor counts.
    in_order = [
        c
        for sentence in dict.fromkeys(c.sentence for c in ordered)
        for c in sorted(
            (c for c in candidates if c.sentence == sentence and c.score > 0),
            key=lambda c: c.start,
        )
    ]
    actor = _actor(doc, rules, in_order, rule.countries)
    start = lead.end - doc.sentences[lead.sentence][0]
    found = StrikeFields(
        strike_type=_strike_type(lead, ordered, candidates),
        actor=actor.ref if actor else None,
        actor_text=actor.text if actor else None,
        target=fields.target(doc.sentence_text(lead.sentence), start),
        places=tuple(places),
        countries=tuple(dict.fromkeys(place.ref.country for place in lead.places)),
        killed=killed,
        wounded=wounded,
        event_date=when,
        event_date_text=when_text,
    )
    return found, actor


def _reason(rules: RuleSet, guard: str) -> str:
    if guard in rules.guards:
        return rules.guards[guard].reason
    return RESERVED_GUARDS[guard]


def explain(title: str, text: str, rules: RuleSet, published: datetime | None = None) -> Verdict:
    """Run every rule and say why the best one fired, or why none did."""
    return _verdict(title, text, rules, published, [])


def _verdict(
    title: str, text: str, rules: RuleSet, published: datetime | None, reasons: list[str] | None
) -> Verdict:
    """explain() and detect(): with reasons None, nothing is said (detect throws words away)."""
    if len(text) > MAX_TEXT:
        if reasons is not None:
            reasons.append(f"text cut from {len(text)} to {MAX_TEXT} characters")
        text = text[:MAX_TEXT]
    title = title[:MAX_TEXT]
    joined = f"{title}\n\n{text}"
    tokens = tokenize(joined)
    # Most articles hold no strike word at all (half the pages of bench/articles.py): then no
    # rule has a candidate, whatever else the text says, and matching, sentences and the
    # gazetteer can all be skipped.
    possible = may_occur(rules.index, tokens, rules.cue_names)
    if not any(
        name in possible and (partner is None or partner in possible)
        for name, partner in rules.cue_lists
    ):
        if reasons is not None:
            reasons.extend(f"{rule.id}: no strike words" for rule in rules.rules)
        return Verdict(None, tuple(reasons or ()))
    doc = _document(joined, len(title), tokens, rules, published)
    places = _Places(doc, rules)
    best: tuple[float, Rule, list[_Candidate], list[_Candidate]] | None = None
    denied: tuple[float, Rule, list[_Candidate], list[_Candidate]] | None = None
    for rule in rules.rules:
        candidates = _candidates(doc, rules, rule, places)
        score, kept = _combine(rule, candidates)
        if not candidates:
            if reasons is not None:
                reasons.append(f"{rule.id}: no strike words")
            continue
        if reasons is not None:
            verb = "fired" if score >= rule.threshold else "did not fire"
            reasons.append(f"{rule.id}: {verb}, score {score:.2f} (threshold {rule.threshold:.2f})")
            for candidate in sorted(candidates, key=lambda c: -c.score)[:6]:
                reasons.append("  " + _describe(doc, candidate))
        if score >= rule.threshold and (best is None or score > best[0]):
            best = (score, rule, kept, candidates)
        elif score < rule.threshold:
            denying = {guard.id for guard in rules.guards.values() if guard.denies}
            unsaid = _without_denial(candidates, denying)
            was, kept_unsaid = _combine(rule, unsaid)
            if was >= rule.threshold and any(
                low.guard in denying for c in kept_unsaid[:1] for low in c.lowered
            ):
                if reasons is not None:
                    reasons.append(
                        f"{rule.id}: a denial of a strike (score {was:.2f} without the denial)"
                    )
                if denied is None or was > denied[0]:
                    denied = (was, rule, kept_unsaid, unsaid)
    if best is None and denied is None:
        return Verdict(None, tuple(reasons or ()))
    is_denial = best is None
    score, rule, kept, candidates = best or denied  # type: ignore[misc]
    found, actor = _fields(doc, rules, rule, kept, candidates, places, published)
    lowered = tuple(
        dict.fromkeys(
            f"{_reason(rules, low.guard)} ({low.guard}: “{doc.text[low.start : low.end]}” "
            f"×{low.factor:g})"
            for candidate in candidates
            for low in candidate.lowered
        )
    )
    detection = Detection(
        rule_id=rule.id,
        score=round(score, 4),
        fields=found,
        evidence=tuple(doc.sentence_text(c.sentence) for c in kept),
        mentions=_mentions(doc, kept, candidates, places.found(), actor),
        lowered_by=lowered,
        denial=is_denial,
        language=arabic.language(joined),
    )
    return Verdict(detection, tuple(reasons or ()))


def _without_denial(candidates: Sequence[_Candidate], denying: set[str]) -> list[_Candidate]:
    """The candidates as they would score if no denying guard had lowered them (the denial
    stays listed)."""
    restored = []
    for candidate in candidates:
        score = candidate.score
        for low in candidate.lowered:
            if low.guard in denying and low.factor > 0:
                score /= low.factor
        restored.append(dataclasses.replace(candidate, score=min(score, 1.0)))
    return restored


def _describe(doc: _Document, candidate: _Candidate) -> str:
    where = "headline" if candidate.sentence == 0 else f"sentence {candidate.sentence}"
    term = doc.text[candidate.start : candidate.end]
    places = ", ".join(f"{p.text} ({p.ref.country}) at {p.start}" for p in candidate.places)
    text = (
        f"{where}: “{term}” at {candidate.start}-{candidate.end} ({candidate.cue.lexicon}"
        f"{'+' + candidate.cue.with_lexicon if candidate.cue.with_lexicon else ''}, weight "
        f"{candidate.cue.weight:g}) → {candidate.score:.2f}; {candidate.where}"
    )
    if places:
        text += f": {places}"
    for low in candidate.lowered:
        text += f"; lowered by {low.guard} (“{doc.text[low.start : low.end]}” ×{low.factor:g})"
    return text


def _mentions(
    doc: _Document,
    kept: Sequence[_Candidate],
    candidates: Sequence[_Candidate],
    places: Sequence[_Place],
    actor: Mention | None,
) -> tuple[Mention, ...]:
    mentions = [
        Mention("term", doc.text[c.start : c.end], c.start, c.end, c.cue.lexicon) for c in kept
    ]
    tied = {(p.start, p.end) for c in kept for p in c.places}
    mentions.extend(
        Mention("place", p.text, p.start, p.end, p.ref.id)
        for p in places
        if (p.start, p.end) in tied
    )
    mentions.extend(
        Mention("guard", doc.text[low.start : low.end], low.start, low.end, low.guard)
        for c in candidates
        for low in c.lowered
    )
    if actor is not None:
        mentions.append(actor)
    return tuple(sorted(set(mentions), key=lambda m: (m.start, m.end, m.kind)))


def detect(
    title: str, text: str, rules: RuleSet, published: datetime | None = None
) -> Detection | None:
    """The best detection of a strike report in the title and text, or None; a Detection with
    denial=True when the text denies a specific strike rather than reporting one."""
    return _verdict(title, text, rules, published, None).detection
