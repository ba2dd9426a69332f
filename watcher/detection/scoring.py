"""Scoring: a Document, its places and one rule in, the rule's Candidates (a cue's span and
sentence, its score, the guards that lowered it, the places it is tied to) and their combined
score out; pure.

A cue (strike words, or an aircraft or projectile near an attack verb) scores its weight;
guards (labour strikes, threats, denials, car bombs...) multiply it down where they govern it;
a place in one of the rule's countries must sit in the cue's sentence, a few sentences before
it, or in the headline, and a place elsewhere in the cue's sentence takes the cue away.
Sentence scores combine as independent evidence (combine). The numbers are the rule's, read
from the rules file.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from watcher.detection.clauses import same_clause
from watcher.detection.places import FoundPlace, SentencePlaces, is_reference
from watcher.detection.rule_model import Cue, Guard, Rule
from watcher.detection.rules import RuleSet
from watcher.detection.sentences import Document, words_between

# Where a noun phrase that a guard's words head ends (Guard.phrase): a comma, not one inside a
# number ("1,200").
_PHRASE_END = re.compile(r",(?!\d)")


@dataclass(frozen=True)
class Lowered:
    guard: str  # a guard id, "elsewhere" or "headline"
    start: int  # the words that lowered the score
    end: int
    factor: float


@dataclass(frozen=True)
class Candidate:
    cue: Cue
    sentence: int
    position: int  # the sentence's place in the story (clauses.SentenceRoles.position)
    start: int
    end: int
    score: float
    places: tuple[FoundPlace, ...]
    lowered: tuple[Lowered, ...]
    where: str  # how the place was found, in words
    outside: FoundPlace | None  # the place in another country that took the cue away


def _place_context(
    doc: Document, rule: Rule, sentence: int, cue_start: int, by_sentence: SentencePlaces
) -> tuple[float, tuple[FoundPlace, ...], str, FoundPlace | None]:
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
        and not is_reference(doc, by_sentence.rules.place_words, place, rule)
    ]
    if any(place.ref.country in rule.countries for place in own):
        # A place in another country counts against the cue only in the cue's own clause:
        # "air strikes killed Syrian soldiers, while talks in Ankara and Tehran stalled".
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
        places = [
            place
            for place in by_sentence.of(other)
            if not is_reference(doc, by_sentence.rules.place_words, place, rule)
        ]
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


def score_cues(
    doc: Document, rules: RuleSet, rule: Rule, places: SentencePlaces
) -> list[Candidate]:
    # A guard none of whose words the text holds lowers nothing: most are left out here.
    guards = [
        (guard, name)
        for guard in (
            rules.guards[name] for name in (rule.guards or rules.guards) if name in rules.guards
        )
        if doc.hits.get(name := f"guard:{guard.id}")
    ]
    found: list[Candidate] = []
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
                    and words_between(doc, span, other) <= cue.near
                ]
                if not partners:
                    continue
                partner = min(partners, key=lambda other: abs(other[0] - span[0]))
                start, end = min(start, partner[0]), max(end, partner[1])
                terms = (span, partner)
            score = cue.weight
            lowered: list[Lowered] = []
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
                lowered.append(Lowered("headline", start, end, cue.headline_factor))
                score *= cue.headline_factor
            for guard, name in guards:
                if (
                    guard.lexicons is not None
                    and cue.lexicon not in guard.lexicons
                    and cue.with_lexicon not in guard.lexicons
                ):
                    continue
                everywhere = guard.scope == "document"
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
                        lowered.append(Lowered(guard.id, hit[0], hit[1], guard.factor))
                        score *= guard.factor
                        break
            if doc.roles.role(sentence) in ("caption", "related"):
                lowered.append(Lowered("context", start, end, rule.context_factor))
                score *= rule.context_factor
            elif doc.roles.role(sentence) == "background" and rule.background_factor < 1:
                lowered.append(Lowered("background", start, end, rule.background_factor))
                score *= rule.background_factor
            factor, tied, where, outside = _place_context(doc, rule, sentence, start, places)
            score *= factor
            if doc.roles.position(sentence) > rule.lead:
                score *= rule.later_factor
            found.append(
                Candidate(
                    cue,
                    sentence,
                    doc.roles.position(sentence),
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
            if c.position <= rule.elsewhere_sentences
            and c.outside is not None
            and c.outside.ref.precision != "demonym"
            and all(lowered.factor > 0 for lowered in c.lowered)
        ),
        None,
    )
    if lead_elsewhere is not None and rule.elsewhere_factor < 1:
        marker = Lowered(
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
    if rule.remembered_factor < 1:
        found = _remembered(rules, rule, found)
    return found


def _remembered(rules: RuleSet, rule: Rule, found: list[Candidate]) -> list[Candidate]:
    """A story about an old strike remembered ("Families mark anniversary of air strike on
    Raqqa market") tells that strike again further down, with nothing to say it is old ("The
    coalition air strike on the market killed 30 people"): where a remembering guard lowered
    strike words of the headline or the first elsewhere_sentences sentences and no strike there
    scores at the threshold, the later cues count for less (issue #11)."""
    remembering = {guard.id for guard in rules.guards.values() if guard.remembers}
    lead = [c for c in found if c.position <= rule.elsewhere_sentences]
    marked = next(
        (
            lowered
            for c in lead
            for lowered in c.lowered
            if lowered.guard in remembering and lowered.factor < 1
        ),
        None,
    )
    if marked is None or any(c.score >= rule.threshold for c in lead):
        return found
    marker = Lowered("remembered", marked.start, marked.end, rule.remembered_factor)
    return [
        dataclasses.replace(c, score=c.score * rule.remembered_factor, lowered=(*c.lowered, marker))
        if c.position > rule.elsewhere_sentences and c.score > 0
        else c
        for c in found
    ]


def _named_here(doc: Document, rule: Rule, candidate: Candidate, places: SentencePlaces) -> bool:
    """Whether the cue's own sentence names a town, district or site where it is placed, and
    no place in another country ("the first such strikes on the Lebanese town of Arsal since
    the fall of Yabroud" goes on with the story elsewhere)."""
    return (
        candidate.where == "same sentence"
        and any(place.ref.precision not in ("country", "demonym") for place in candidate.places)
        and not any(
            place.ref.country not in rule.countries
            and not is_reference(doc, places.rules.place_words, place, rule)
            for place in places.of(candidate.sentence)
        )
    )


def _guard_applies(
    doc: Document, guard: Guard, hit: tuple[int, int], cue: tuple[int, int], sentence: int
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
    if guard.phrase and _PHRASE_END.search(
        doc.text, min(hit[1], cue[1]), max(hit[0], cue[0], min(hit[1], cue[1]))
    ):
        return False
    if scope == "sentence":
        return True
    if scope == "before":
        # Inside a two-part cue counts too: "jets might bomb".
        return hit[1] <= cue[1] and words_between(doc, hit, (cue[0], cue[0])) <= near
    return words_between(doc, hit, cue) <= near or (hit[0] < cue[1] and cue[0] < hit[1])


def combine(rule: Rule, candidates: Sequence[Candidate]) -> tuple[float, list[Candidate]]:
    """The best candidate of each lead sentence and the best one after the lead, combined as
    independent evidence."""
    best: dict[int, Candidate] = {}
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


def without_denial(candidates: Sequence[Candidate], denying: set[str]) -> list[Candidate]:
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
