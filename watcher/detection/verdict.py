"""The verdict on an article: a title, text and publication time in, a Detection (the rule
that fired, its score, the lead strike's StrikeFields, the evidence and the guards that
lowered it) or None out, with the reasons in words for explain(); no I/O beyond loading the
shipped rules and gazetteer once.

Every rule is scored (scoring); the best that reaches its threshold fires. detect() stops
early where no rule can: a text with no strike word, or none with a place in a rule's countries
(places.may_name); explain() reads every text through, to say why. A rule that falls
short only because a denial lowered it makes a Detection with denial=True.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from watcher.detection import arabic
from watcher.detection.fields import StrikeFields
from watcher.detection.phrases import may_occur, tokenize
from watcher.detection.places import FoundPlace, SentencePlaces, may_name
from watcher.detection.rule_model import RESERVED_GUARDS, Rule
from watcher.detection.rules import RuleSet
from watcher.detection.scoring import Candidate, combine, score_cues, without_denial
from watcher.detection.sentences import Document, Mention, read_document, recase_headline
from watcher.detection.strike import strike_fields

# Reports tell their strike in the first paragraphs; reading at most this much keeps the time
# per item bounded (about 3 ms) whatever a page holds (reliability.md K5).
MAX_TEXT = 20_000


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
    given = title[:MAX_TEXT]
    title = recase_headline(given)
    joined = f"{title}\n\n{text}"
    tokens = tokenize(joined)
    # A cue with no place in its rule's countries around it scores 0 (scoring), so no rule fires
    # on a text that names none: most news names no place in Iraq or Syria, and the test is
    # cheaper than the one for strike words. explain() reads on, to say so of every cue.
    if reasons is None and not may_name(tokens, rules, rules.place_countries):
        return Verdict(None, ())
    # Without a strike word no rule has a candidate, whatever else the text says, and matching,
    # sentences and the gazetteer can all be skipped.
    possible = may_occur(rules.index, tokens, rules.cue_names)
    if not any(
        name in possible and (partner is None or partner in possible)
        for name, partner in rules.cue_lists
    ):
        if reasons is not None:
            reasons.extend(f"{rule.id}: no strike words" for rule in rules.rules)
        return Verdict(None, tuple(reasons or ()))
    doc = read_document(joined, len(title), tokens, rules, published)
    places = SentencePlaces(doc, rules)
    best: tuple[float, Rule, list[Candidate], list[Candidate]] | None = None
    denied: tuple[float, Rule, list[Candidate], list[Candidate]] | None = None
    for rule in rules.rules:
        candidates = score_cues(doc, rules, rule, places)
        score, kept = combine(rule, candidates)
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
            unsaid = without_denial(candidates, denying)
            was, kept_unsaid = combine(rule, unsaid)
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
    found, actor = strike_fields(doc, rules, rule, kept, candidates, places, published)
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
        # The headline's words as given, where it was read recased (recase_headline).
        evidence=tuple(given if c.sentence == 0 else doc.sentence_text(c.sentence) for c in kept),
        mentions=_mentions(doc, kept, candidates, places.found(), actor, given),
        lowered_by=lowered,
        denial=is_denial,
        language=arabic.language(joined),
    )
    return Verdict(detection, tuple(reasons or ()))


def _describe(doc: Document, candidate: Candidate) -> str:
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
    doc: Document,
    kept: Sequence[Candidate],
    candidates: Sequence[Candidate],
    places: Sequence[FoundPlace],
    actor: Mention | None,
    title: str,
) -> tuple[Mention, ...]:
    """What the detection rests on, its words as written in `title` + "\n\n" + text (the
    document may hold the headline recased: recase_headline)."""
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
    if not doc.text.startswith(title):
        mentions = [
            dataclasses.replace(m, text=title[m.start : m.end]) if m.end <= len(title) else m
            for m in mentions
        ]
    # By position, then kind and ref: two guards on the same words come in one order in every
    # process (a set's order changes with the hash seed).
    return tuple(sorted(set(mentions), key=lambda m: (m.start, m.end, m.kind, m.ref)))


def detect(
    title: str, text: str, rules: RuleSet, published: datetime | None = None
) -> Detection | None:
    """The best detection of a strike report in the title and text, or None; a Detection with
    denial=True when the text denies a specific strike rather than reporting one."""
    return _verdict(title, text, rules, published, None).detection


def with_stated_day(
    detection: Detection, title: str, summary: str, rules: RuleSet, published: datetime | None
) -> Detection:
    """The detection of a page whose lead strike names no day of its own ("struck ...
    overnight", or no day at all), given the day that the feed's summary of the same item names
    for the same strike ("early on Wednesday"): a stated day tells one strike from another of
    the same place and wording, which a day counted from publication cannot.

    The feed item (headline and summary) is read as it would be without the page. Its strike
    is the page's when the summary itself names a place (below a country) that the page's
    lead strike hit, as the page writes it, and every place the reading gives the strike is
    one the page gives."""
    if detection.fields.event_date_stated or not summary.strip():
        return detection
    page = detection.fields
    hit = {p.id for p in page.places if p.precision != "country"}
    written = {m.text for m in detection.mentions if m.kind == "place" and m.ref in hit}
    written |= {p.name for p in page.places if p.id in hit}
    if not any(_names(summary, name) for name in written if name.strip()):
        return detection
    told = detect(title, summary, rules, published)
    if told is None or told.denial or not told.fields.event_date_stated:
        return detection
    if not {p.id for p in told.fields.places} <= {p.id for p in page.places}:
        return detection
    fields = dataclasses.replace(
        page,
        event_date=told.fields.event_date,
        event_date_text=told.fields.event_date_text,
        event_date_stated=True,
    )
    return dataclasses.replace(detection, fields=fields)


def _names(text: str, name: str) -> bool:
    """Whether the text holds the name as words of their own, in any case."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None
