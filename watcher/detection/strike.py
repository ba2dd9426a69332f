"""The lead strike and its fields: the Candidates of the rule that fired in, the StrikeFields
of the strike the document reports (its places ranked, toll, date, actor, target and type)
and the Mention of its actor out; reads the gazetteer, loaded once.

Captions, links to other stories and background about earlier strikes are context
(lead.read_lead): they give no field unless nothing else tells the strike. Within the lead,
places hit come before places the strike was near and those before reference points.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from datetime import datetime

from watcher.detection import fields
from watcher.detection.actor import find_actor
from watcher.detection.clauses import clause_end
from watcher.detection.fields import PlaceRef, StrikeFields
from watcher.detection.gazetteer import load_gazetteer
from watcher.detection.lead import Lead, read_lead
from watcher.detection.places import FoundPlace, SentencePlaces
from watcher.detection.rule_model import Rule
from watcher.detection.rules import RuleSet
from watcher.detection.scoring import Candidate
from watcher.detection.sentences import Document, Mention
from watcher.detection.word_lists import EarlierWords


def _type_word(doc: Document, candidate: Candidate) -> int:
    """Where the words that give a candidate its type start: the weapon or strike noun of its
    cue, not the verb or actor paired with it ("gunners loosed heavy artillery and rocket salvos"
    names artillery first)."""
    for start, end in doc.hits_in(f"lexicon:{candidate.cue.lexicon}", candidate.sentence):
        if candidate.start <= start and end <= candidate.end:
            return start
    return candidate.start


def _types_told(
    doc: Document, words: EarlierWords, sentence: int, candidates: Sequence[Candidate]
) -> tuple[list[str], list[str]]:
    """The strike types a sentence's strike words name, in the order they are told: those of
    words that name a weapon or an aircraft, and those of generic words (Cue.generic_type).
    Words in a clause about an earlier strike that the sentence's main clause answers or
    follows ("rebels hit a school a day after airstrikes on Idlib") type that strike, not this
    one."""
    typed = sorted(
        (
            c
            for c in candidates
            if c.sentence == sentence
            and c.score > 0
            and c.cue.strike_type != "unclear"
            and _main_clause(doc, words, c, candidates) is c
        ),
        key=lambda c: _type_word(doc, c),
    )
    return (
        [c.cue.strike_type for c in typed if not c.cue.generic_type],
        [c.cue.strike_type for c in typed if c.cue.generic_type],
    )


def _strike_type(
    doc: Document,
    words: EarlierWords,
    rule: Rule,
    lead: Candidate,
    fired: Sequence[Candidate],
    candidates: Sequence[Candidate],
) -> str:
    """The lead strike's type, from the sentences that fired, the lead's first. The first of
    them whose strike words name a weapon or an aircraft decides, the lede (the rule's
    lede_sentences) before the headline;
    of the types it names, one that the headline or a generic word also says wins ("regime
    bombing" over "artillery fire and air strikes" is an air strike), else the one told first
    ("shelling and airstrikes" is shelling, "a jet fired a missile" an air strike). Generic
    words alone ("forces bombarded the town") give their usual type."""
    told = {
        sentence: _types_told(doc, words, sentence, candidates)
        for sentence in dict.fromkeys([lead.sentence, *(c.sentence for c in fired)])
    }
    headline = [*told[0][0], *told[0][1]] if 0 in told else []
    lede = next(
        (
            sentence
            for sentence, (named, _) in told.items()
            if sentence and named and doc.roles.position(sentence) <= rule.lede_sentences
        ),
        None,
    )
    generic: list[str] = []
    for sentence, (named, usual) in told.items():
        if sentence == 0 and lede is not None:
            named, usual = told[lede]
        if named:
            return next((said for said in (*headline, *generic, *usual) if said in named), named[0])
        generic.extend(usual)
    return generic[0] if generic else "unclear"


# How coarse a place is, for the order of an alert's places: a town or a site leads, a city
# that holds a named site or a smaller town comes next, a region or governorate last.
_BROAD = frozenset(("governorate", "province", "region"))
# Who says where, in the order of place roles: a place hit or one the strike was near (of
# those, the finer leads: "near Tabqa dam" before "Raqqa"), then a point to measure from.
_ROLE_RANK = {fields.HIT: 0, fields.NEAR: 0, fields.REFERENCE: 1}
_DIRECTION_BEFORE = re.compile(
    r"\b(" + fields.COMPASS + r"(?:ern)?|central)\s+$",
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


def _inside(rule: Rule, broad: PlaceRef, other: PlaceRef) -> bool:
    """Whether a place lies in a region or governorate named with it: a region with no
    governorate (the Kurdistan Region) holds the towns within the rule's region_km of its
    middle."""
    if other.precision in (*_BROAD, "country", "demonym") or other.country != broad.country:
        return False
    if broad.governorate is None:
        return _distance_km(broad, other) <= rule.region_km
    return other.governorate == broad.governorate


def _coarseness(place: PlaceRef, others: Sequence[PlaceRef], rules: RuleSet, rule: Rule) -> int:
    """0 for a town or site, 1 for a city that holds another of the places (a site or town
    within the rule's inside_km), 2 for a region or governorate that holds one: a whole region
    does not lead when a town inside it is named (issue #11)."""
    if place.precision in _BROAD:
        return 2 if any(_inside(rule, place, other) for other in others) else 0
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
        if _distance_km(place, other) > rule.inside_km:
            continue
        if other.precision != "city" or (gazetteer.place(other.id).population or 0) < size:
            return 1
    return 0


# Between a cue and a place, a clause boundary: "bombings rock Basra as jets hammer
# Tikrit", "jets bombed Tikrit, a day after mortars hit a Samarra bazaar".
_PLACE_CLAUSE = re.compile(r"\b(?:while|whereas|but|after|before|when|since|as|amid|following)\b|;")


def _earlier_spans(
    text: str, words: EarlierWords, sentence: tuple[int, int]
) -> list[tuple[int, int]]:
    """Where a sentence tells an earlier strike in a clause of its own: the strike its strike
    answers or follows ("raids on Tadmur after the Qamishli strike") or whose dead are mourned or
    buried ("Aleppo mourns market bombing dead", up to the end of that clause): the rules'
    [earlier_words]."""
    start, end = sentence
    spans = [m.span() for m in words.strike.finditer(text, start, end)]
    for mourning in words.mourned.finditer(text, start, end):
        boundary = _PLACE_CLAUSE.search(text, mourning.end(), end)
        stop = clause_end(text, mourning.end(), boundary.start() if boundary else end)
        if words.the_dead.search(text, mourning.end(), stop):
            spans.append((mourning.start(), stop))
    return spans


def _without_earlier(
    text: str, words: EarlierWords, after: int, sentence: tuple[int, int], strikes: Sequence[int]
) -> str:
    """The sentence without the clauses after `after` that tell an earlier strike the
    sentence's strike answers or follows ("... hitting a group held responsible for mortar fire
    that left two guards dead"): their toll is that strike's, not the lead's. Such a clause ends
    at a clause boundary or where strike words (starting at `strikes`) tell a strike again."""
    start, end = sentence
    kept, position = [], start
    while (earlier := words.strike.search(text, max(after, position), end)) is not None:
        kept.append(text[position : earlier.start()])
        position = min(
            [clause_end(text, earlier.end(), end), *(s for s in strikes if s >= earlier.end())]
        )
    kept.append(text[position:end])
    return "".join(kept)


def _main_clause(
    doc: Document, words: EarlierWords, candidate: Candidate, candidates: Sequence[Candidate]
) -> Candidate | None:
    """The strike of the sentence's main clause when the candidate is told in a clause about
    an earlier strike ("... hours after rockets slammed into ..."); None when the sentence
    tells no other strike before that clause and the candidate's words are the earlier strike
    itself and no other ("The jets answered a mortar attack on a checkpoint")."""
    sentence_start = doc.sentences[candidate.sentence][0]
    marker = words.clause.search(doc.text, sentence_start, candidate.start)
    if marker is None:
        return candidate
    before = [
        c
        for c in candidates
        if c.sentence == candidate.sentence and c.score > 0 and c.end <= marker.start()
    ]
    if before:
        return max(before, key=lambda c: (c.score, -c.start))
    if not _told_as_earlier(doc, words, candidate):
        return candidate
    # "In response to the attack, US jets struck ...": the sentence's own strike, if it tells one.
    others = [
        c
        for c in candidates
        if c.sentence == candidate.sentence and c.score > 0 and not _told_as_earlier(doc, words, c)
    ]
    return max(others, key=lambda c: (c.score, -c.start)) if others else None


def _told_as_earlier(doc: Document, words: EarlierWords, candidate: Candidate) -> bool:
    """Whether the candidate's words are the attack a clause says the strike answers."""
    sentence_start = doc.sentences[candidate.sentence][0]
    return any(
        found.start() <= candidate.start < found.end()
        for found in words.answered.finditer(doc.text, sentence_start, candidate.end)
    )


def _place_key(
    doc: Document, roles: Lead, place: FoundPlace, candidate: Candidate | None
) -> tuple[str, str, tuple[int, ...]] | None:
    """A place's role, its words ("south of") and where it stands from the cue: (other
    clause or sentence, before the cue, distance); None for a place that is not the strike's
    (in a dateline, where someone is based, or in a caption or background sentence that a cue
    of another sentence reads its place from: "Air defences downed most of the missiles" after a
    paragraph on last month's strike in Hama)."""
    sentence = doc.sentence_of(place.start)
    if place.start < doc.sentences[sentence][0] + roles.datelines.get(sentence, 0):
        return None
    if roles.is_context(sentence) and (candidate is None or sentence != candidate.sentence):
        return None
    role, words = fields.place_role(doc.text, place.start, place.end, place.ref.precision)
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


def _described(
    doc: Document, candidate: Candidate, place: FoundPlace
) -> tuple[PlaceRef, tuple[int, int]] | None:
    """The place hit that the text describes by this one, which the gazetteer does not know
    ("Umm Jaris, a village near Qaim"): named as written, in the country and governorate and at
    the point of the place it is described by; and where it stands from the cue (before it,
    distance). None where the text describes no such place, or one of the places found."""
    found = fields.apposed_place(doc.text, place.start)
    if found is None:
        return None
    start, end, kind = found
    if any(other.start < end and start < other.end for other in candidate.places):
        return None
    name = doc.text[start:end]
    ref = PlaceRef(
        id=f"text:{name}",
        name=name,
        country=place.ref.country,
        governorate=place.ref.governorate,
        lat=place.ref.lat,
        lon=place.ref.lon,
        precision=kind,
    )
    return ref, (int(start < candidate.start), abs(start - candidate.start))


def _named(ref: PlaceRef, role: str, words: str) -> PlaceRef:
    """The place as an alert names it: "near Masyaf", "south of Baghdad" when that is how the
    text places the strike."""
    return ref if role == fields.HIT else dataclasses.replace(ref, name=f"{words} {ref.name}")


def _upgrade(rule: Rule, first: PlaceRef, role: str, other: PlaceRef) -> bool:
    """Whether a place hit that the lead paragraph names says better where the strike fell
    than the first place of the strike sentences: a town inside the region or governorate
    they name, or a place by the one they say the strike was near."""
    if other.precision in ("country", "demonym") or other.country != first.country:
        return False
    if first.precision == "country":
        return True
    if first.precision in _BROAD:
        return _inside(rule, first, other)
    return role != fields.HIT and _distance_km(first, other) <= rule.inside_km


def _lead_places(
    doc: Document,
    rules: RuleSet,
    rule: Rule,
    roles: Lead,
    ordered: Sequence[Candidate],
    candidates: Sequence[Candidate],
    by_sentence: SentencePlaces,
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
        # A place told only in a clause about an earlier strike, in a sentence that places its
        # own strike elsewhere ("buries Aleppo bombing dead as raids on Tadmur kill 6"), is the
        # earlier strike's (issue #11). A sentence that names no other town or area keeps it.
        spans = _earlier_spans(doc.text, rules.earlier_words, doc.sentences[candidate.sentence])
        earlier = {
            id(place)
            for place in candidate.places
            if any(low <= place.start < high for low, high in spans)
        }
        if all(
            id(place) in earlier or place.ref.precision in ("country", "demonym")
            for place in candidate.places
        ):
            earlier = set()
        for place in candidate.places:
            if place.ref.precision == "demonym" or id(place) in earlier:
                continue
            found = _place_key(doc, roles, place, candidate)
            if found is None:
                continue
            role, words, (clause, before, distance) = found
            if place.ref.precision == "country":
                direction = _DIRECTION_BEFORE.search(
                    doc.text, max(0, place.start - 16), place.start
                )
                # The gazetteer's name ("Iraq" for "Iraqi territory"); a country of the rules'
                # lists it does not hold ("Somalia") as written.
                entry = gazetteer.places.get(place.ref.country)
                name = entry.name if entry is not None else place.ref.name
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
            if role != fields.HIT or place.ref.precision in _BROAD:
                described = _described(doc, candidate, place)
                if described is not None:
                    ref, place_key = described
                    key = (*key[:2], _ROLE_RANK[fields.HIT], order, *place_key)
                    if ref.id not in seen or key < seen[ref.id][0]:
                        seen[ref.id] = (key, ref, fields.HIT)
    found_refs = [ref for _, ref, _ in seen.values()]
    ranked = sorted(
        seen.values(),
        key=lambda entry: (
            entry[0][:3],
            _coarseness(entry[1], found_refs, rules, rule),
            entry[0][3:],
        ),
    )
    result = [ref for _, ref, _ in ranked]
    first = result[0] if result else (countries[0] if countries else None)
    first_role = ranked[0][2] if ranked else fields.HIT
    if first is not None and (first.precision in (*_BROAD, "country") or first_role != fields.HIT):
        # The sentences that tell a strike, not only the attack it answers.
        told_strikes = {
            c.sentence
            for c in candidates
            if c.score > 0 and _main_clause(doc, rules.earlier_words, c, candidates) is not None
        }
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
                        # With only a country, "near Kirkuk" says where this strike was
                        # only in a sentence that tells a strike, not in one about the attack
                        # it answers; a region or governorate already bounds where it was.
                        or (
                            said[0] == fields.NEAR
                            and first_role == fields.HIT
                            and (first.precision != "country" or index in told_strikes)
                        )
                    )
                    and _upgrade(rule, first, first_role, place.ref)
                    # not the city that holds the place the strike was near
                    and _coarseness(place.ref, [first], rules, rule) == 0
                ),
                None,
            )
            if better is not None:
                result = [better, *(ref for ref in result if ref.id != better.id)]
                break
    return result, countries


def strike_fields(
    doc: Document,
    rules: RuleSet,
    rule: Rule,
    fired: Sequence[Candidate],
    candidates: Sequence[Candidate],
    by_sentence: SentencePlaces,
    published: datetime | None,
) -> tuple[StrikeFields, Mention | None]:
    """The fields of the lead strike, and the mention of its actor. Captions, links to other
    stories and background about earlier strikes are context: they give no field unless
    nothing else tells the strike."""
    roles = read_lead([doc.sentence_text(i) for i in range(len(doc.sentences))], published)
    own = [
        main
        for c in fired
        if not roles.is_context(c.sentence)
        and (main := _main_clause(doc, rules.earlier_words, c, candidates)) is not None
    ] or list(fired)
    # The lead strike is the first one told with conviction, not the loudest later on.
    strongest = max(c.score for c in own)
    lead = min(
        (c for c in own if c.score >= rule.lead_strike_share * strongest),
        key=lambda c: c.sentence,
    )
    ordered = [lead, *(c for c in own if c is not lead)]

    # The toll is read from the strike sentences of the headline and lead (the rule's
    # toll_first_sentences), then the rest of them, where reports state it ("... killing at
    # least one fighter" after a strike sentence the rules did not need), and only then from
    # later strike sentences.
    first = rule.toll_first_sentences

    def told(candidate: Candidate) -> tuple[str, int]:
        start, end = doc.sentences[candidate.sentence]
        others = [c.start for c in candidates if c.sentence == candidate.sentence and c.score > 0]
        return _without_earlier(
            doc.text, rules.earlier_words, candidate.end, (start, end), others
        ), (candidate.start - start)

    early = [told(c) for c in ordered if c.sentence < first]
    later = [told(c) for c in ordered if c.sentence >= first]
    fired_sentences = {c.sentence for c in fired}
    lead_others = [
        (doc.sentence_text(index), 0)
        for index in range(min(first, len(doc.sentences)))
        if index not in fired_sentences and not roles.is_context(index)
    ]
    # Reports often give the toll, or say there was none, a few paragraphs down: up to the
    # rule's toll_sentences.
    later_others = [
        (doc.sentence_text(index), 0)
        for index in range(first, min(rule.toll_sentences, len(doc.sentences)))
        if index not in fired_sentences and not roles.is_context(index)
    ]
    texts = [*early, *lead_others, *later, *later_others]
    places, countries = _lead_places(doc, rules, rule, roles, ordered, candidates, by_sentence)
    if not places:
        # Where the text names no town, the country is all an alert can say ("eastern Syria").
        places = countries[:1]
    killed, wounded = fields.casualties(texts, doc.text)
    # The day is read first from the sentences that tell the lead strike: those of the lead a
    # cue fired in, then any that name its place (below the country) and an attack, and no
    # earlier strike, whether a cue fired in them or not ("residents of X reported explosions
    # as the depot came under attack on Friday"). Only then from the lead's other sentences (a
    # dateline, "said on Monday") and the later strike sentences, which often tell earlier
    # strikes, where a day is as likely another matter's ("talks were delayed on Tuesday").
    # The day is stated when it comes from a sentence that tells a strike.
    lead_ids = {ref.id for ref in places if ref.precision != "country"}
    early_sentences = {c.sentence for c in ordered if c.sentence < first}

    def tells_lead(index: int) -> bool:
        text = doc.sentence_text(index)
        return (
            rules.earlier_words.noun.search(text) is not None
            and rules.earlier_words.strike.search(text) is None
            and any(found.ref.id in lead_ids for found in by_sentence.of(index))
        )

    telling = [
        doc.sentence_text(index)
        for index in range(min(rule.toll_sentences, len(doc.sentences)))
        if index not in early_sentences and not roles.is_context(index) and tells_lead(index)
    ]
    early_texts = [text for text, _ in early]
    strike_texts = [*early_texts, *telling, *(text for text, _ in later)]
    when, when_text = fields.event_date(
        [*early_texts, *telling, *(text for text, _ in (*lead_others, *later, *later_others))],
        published,
    )
    stated = fields.names_day(when_text) and fields.event_date(strike_texts, published) == (
        when,
        when_text,
    )
    # Within a sentence, the strike told first is the one whose actor counts.
    in_order = [
        c
        for sentence in dict.fromkeys(c.sentence for c in ordered)
        for c in sorted(
            (c for c in candidates if c.sentence == sentence and c.score > 0),
            key=lambda c: c.start,
        )
    ]
    actor = find_actor(doc, rules, in_order, rule.countries)
    start = lead.end - doc.sentences[lead.sentence][0]
    found = StrikeFields(
        strike_type=_strike_type(doc, rules.earlier_words, rule, lead, ordered, candidates),
        actor=actor.ref if actor else None,
        actor_text=actor.text if actor else None,
        target=fields.target(doc.sentence_text(lead.sentence), start),
        places=tuple(places),
        countries=tuple(dict.fromkeys(place.ref.country for place in lead.places)),
        killed=killed,
        wounded=wounded,
        event_date=when,
        event_date_text=when_text,
        event_date_stated=when is not None and stated,
    )
    return found, actor
