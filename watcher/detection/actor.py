"""Who struck: a Document and the strike Candidates of the lead strike in, the Mention of the
actor (the agent after "by", else the subject before the strike words) or None out; pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from watcher.detection import arabic
from watcher.detection.fields import COMPASS
from watcher.detection.gazetteer import Place, load_gazetteer
from watcher.detection.rules import RuleSet
from watcher.detection.scoring import Candidate
from watcher.detection.sentences import Document, Mention

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
    r"(?:killed|wounded|injured|hurt|neutrali[sz]ed)\b|(?:killed|wounded|injured|hurt|neutrali[sz]ed)\s+"
    r"(?:in|by|as|when|after|during|near)\b|died\b|dead\b)",
    re.IGNORECASE,
)
# A state named after these is where the strike fell or what it hit ("air strikes in Syria",
# "an attack on US forces"), not who struck.
_PLACED = re.compile(
    r"\b(?:in|into|on|onto|over|across|inside|within|at|against|toward|towards|around|near|"
    r"outside)\s+(?:the\s+)?(?:" + COMPASS + r"(?:ern)?\s+)?$",
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
    r"bomb(?:s|ed|ing)|pound(?:s|ed|ing)|shell(?:s|ed|ing)|kill(?:s|ed|ing)?|"
    r"neutrali[sz](?:es|ed|ing|e))[^\S\n]+"
    rf"(?:(?:the|an?|{_COUNT})[^\S\n]+)?|{_COUNT}[^\S\n]+)$",
    re.IGNORECASE,
)
# A name joined to a word before it by a hyphen is half of a compound ("Kurdish-Iranian leader",
# "pro-Iranian"), and an upper-case name before a colon or dash is a dateline ("SYRIA: ..."),
# as is a name that opens the headline before one ("Syria: air raids reported on ..."):
# neither names the striker.
_COMPOUND = re.compile(r"\w-$")
_DATELINE = re.compile(r"\s*[:—–]")
# After the strike words, a name that qualifies strike words of its own is the striker: "died
# in fresh Iranian drone strikes", "hit in an Israeli strike".
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

# "targets" after a state's name ("Israel targets", "Turkey targets") is the verb; after an
# adjective or an abbreviation, which are adjectives too ("Israeli targets", "US targets"), it
# may be the noun, what was hit.
_TARGETS_VERB = re.compile(r"[^\S\n]+targets\b", re.IGNORECASE)
_NOUN_NAME = re.compile(r"(?![A-Z.]+$)\w+(?<!i)(?<!ish)(?<!ian)(?<!can)(?<!ese)")

# A name before these speaks of the strike: "Iran says Israel bombed its consulate".
_SPEAKS = re.compile(
    r"[^\S\n]+(?:says|said|claims|claimed|accuses|accused|reports|reported|tells|told|"
    r"confirms|confirmed|announces|announced)\b"
)


def _struck_place(rules: RuleSet, name: str, struck: Sequence[str]) -> bool:
    """Whether the gazetteer knows the name as a city or town of a country the rule places
    strikes in."""
    gazetteer = rules.gazetteer or load_gazetteer()
    return any(
        found.start == 0
        and found.end == len(name)
        and isinstance(found.entry, Place)
        and found.entry.kind != "country"
        and found.entry.country in struck
        for found in gazetteer.places_in(name)
    )


def find_actor(
    doc: Document, rules: RuleSet, fired: Sequence[Candidate], struck: Sequence[str] = ()
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
        and not ((doc.text[start:end].isupper() or start == 0) and _DATELINE.match(doc.text, end))
    )
    # A longer phrase wins over one inside it ("US-led coalition" over "US"), and of two
    # actors side by side the first names the second ("Daesh terrorists").
    kept: list[tuple[int, int, str]] = []
    # The countries the rule places strikes in.
    countries = [span for code in struck for span in doc.hits.get(f"country:{code}", ())]
    for hit in hits:
        held = _HELD.match(doc.text, hit[1])
        # "Israel targets X" is the verb; "Israeli targets", "US targets" may be the noun.
        if held and not (
            _TARGETS_VERB.match(doc.text, hit[1]) and _NOUN_NAME.fullmatch(doc.text, *hit[:2])
        ):
            continue
        before_strike = bool(_STRIKE_NOUN.match(doc.text, hit[1]))
        # "in Syria", "on US forces": a place or a target, unless it qualifies the strike words
        # ("killed in rebel shelling", "in US drone strikes").
        if not before_strike and (
            _VICTIM.match(doc.text, hit[1])
            or _PLACED.search(doc.text, max(0, hit[0] - 24), hit[0])
            or _TARGETED.search(doc.text, max(0, hit[0] - 30), hit[0])
        ):
            continue
        # "Syria airstrikes": a struck country's name before the strike words is the place;
        # so is a city of it after "in", "on" or "near", or before the striker's name
        # ("killed in Damascus strikes", "killed Damascus Israeli strike"), which names its
        # government elsewhere ("Damascus says").
        if before_strike and (
            any(a <= hit[0] and hit[1] <= b for a, b in countries)
            or (
                (
                    _PLACED.search(doc.text, max(0, hit[0] - 24), hit[0])
                    or any(a > hit[1] and not doc.text[hit[1] : a].strip() for a, _, _ in hits)
                )
                and _struck_place(rules, doc.text[hit[0] : hit[1]], struck)
            )
        ):
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
        # Of two, the one who speaks is not the striker ("Iran says Israel bombed"); alone, it
        # is ("Israel says it struck").
        inside = [hit for hit in inside if not _SPEAKS.match(doc.text, hit[1])] or inside
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
            # Within one line: the headline's last word and the lede's first name no pair
            # ("... against Iran-aligned militias" over "American jets struck ...").
            if re.fullmatch(r"[^\S\n]*(?:and|or|,|&|[^\S\n])[^\S\n]*", gap):
                names.append(other[2])
                first, last = min(first, other), max(last, other)
        joined = sorted(set(names), key=order.index)
        text = doc.text[first[0] : last[1]]
        word = " or " if len(joined) > 1 and re.search(r"\bor\b", text) else " and "
        return Mention("actor", text, first[0], last[1], word.join(joined))
    return None
