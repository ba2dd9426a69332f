"""Strike fields from the sentences that fired: text in, StrikeFields parts out (casualty counts,
event date, target, and the role a place plays: hit, near, a reference point or an origin);
defines PlaceRef and StrikeFields, which strike.py fills (the actor is actor.py's); no I/O.

Casualty policy: numbers are kept as written. "killed 12" is 12; "at least 12", "more than 12",
"over 12" are (12, None); "between 12 and 20" and "12 to 20" are (12, 20). Vague words count only
when no number is given: "a dozen" is 12, "dozens" (24, None), "scores" (40, None), "hundreds"
(200, None); "several", "many", "some" give nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from watcher.detection import arabic
from watcher.detection.clauses import clause_end

Count = int | tuple[int, int | None]


@dataclass(frozen=True)
class PlaceRef:
    id: str
    name: str
    country: str
    governorate: str | None
    lat: float | None
    lon: float | None
    precision: str  # the gazetteer's kind ("city", "governorate", ...) or "country"


@dataclass(frozen=True)
class StrikeFields:
    strike_type: str | None  # air_drone | missile_rocket | shelling | unclear
    actor: str | None
    actor_text: str | None
    target: str | None
    places: tuple[PlaceRef, ...]
    countries: tuple[str, ...]
    killed: Count | None
    wounded: Count | None
    event_date: date | None
    event_date_text: str | None
    # The date is a day the lead strike's own sentences name ("early on Wednesday", "on Jan.
    # 5"), not a day counted from publication ("overnight") nor one from another sentence.
    event_date_stated: bool = False


_UNITS = {
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a hundred": 100,
    "a dozen": 12,
    "dozen": 12,
    "no": 0,
    "no one": 0,
    "nobody": 0,
    "none": 0,
}
_VAGUE: Mapping[str, Count] = {
    "dozens": (24, None),
    "scores": (40, None),
    "hundreds": (200, None),
    "thousands": (2000, None),
    "tens": (20, None),
}
_WORD_NUMBER = (
    r"(?:no one|nobody|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|"
    r"three|four|five|six|seven|eight|nine))?|a dozen|a hundred|one|two|three|four|"
    r"five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|dozens|scores|hundreds|thousands|tens)"
)
# Four digits from 1900 to 2099 are a year ("4 Feb 2015 At least nine people died").
_NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+|(?!(?:19|20)\d\d\b)\d+|{_WORD_NUMBER})"
_LOWER = (
    r"(?:at least|more than|over|upwards of|no fewer than|no less than|in excess of|"
    r"a minimum of|some|nearly|almost|about|around|roughly|approximately|up to|as many as)"
)
_AMOUNT = (
    rf"(?P<qual>{_LOWER}\s+)?(?P<low>{_NUMBER})"
    rf"(?:\s*(?:-|–|to|and)\s*(?P<high>{_NUMBER}))?"
)
_KILL_VERB = (
    r"(?:killed|killing|kill|kills|dead|died|die|slain|(?:claimed|claiming|claims) the lives of"
    r"|lost (?:his|her|their) li(?:fe|ves)|martyred|martyring|lives|deaths|death toll)"
)
_WOUND_VERB = r"(?:wounded|wounding|wound|wounds|injured|injuring|injure|injures|injuries|hurt)"
_BETWEEN = r"(?:between\s+(?P<blow>" + _NUMBER + r")\s+and\s+(?P<bhigh>" + _NUMBER + r"))"
# "Kills 5", "killing at least 44 people", "left 12 dead", "claimed the lives of 10".
_ANY_VERB = r"(?:killed|killing|dead|died|lost|wounded|wounding|injured|injuring|hurt)"
# The count after a verb must not be the subject of the next one: "3 killed 5 injured".
_AFTER = (
    # "the killing of 12" ("the deaths of" is often an earlier toll the strike answers).
    r"(?:{verb})\s+(?:(?:the lives of|a total of|another|an estimated|(?<=killing\s)of)\s+)?"
    r"(?:{b}|{a})\b"
    r"(?!(?:\s+[\w'’-]+)?\s+" + _ANY_VERB + r"\b)"
)
# "At least 6 people were killed", "38 civilians have been killed", "5 dead".
_BEFORE = (
    r"\b(?:{b}|{a})(?:\s+(?:including|among them)\s+\S+|\s+(?!(?:were|was|have|had|in|after|on|"
    # A count of strikes or weapons is not a toll: "two rocket attacks killed five".
    r"(?:air\s*)?strikes|attacks|raids|rockets|missiles|shells|drones|bombs|mortars|"
    + _ANY_VERB[3:-1]
    + r"|and\s+"
    + _ANY_VERB
    + r")\b)\(?[^\W\d][\w'’-]*\)?){{0,7}}"
    # "At least 21 people, among them women, have died"
    r"(?:,\s+(?:including|among them|mostly|most of them)\s[^,.;]{{1,60}},)?"
    r"\s+(?:(?:were|was|have been|had been|has been|are|been|have|had|people|reported|confirmed|"
    r"reportedly|(?:estimated|reported|said|believed|thought|confirmed) to have been)\s+){{0,2}}"
    r"(?:{verb})\b"
)


def _compile(template: str, verb: str) -> re.Pattern[str]:
    return re.compile(template.format(verb=verb, a=_AMOUNT, b=_BETWEEN), re.IGNORECASE)


# One person, in the singular: "A US security official ... was killed".
_SINGLE = (
    r"\b(?P<low>an?|one)\s+(?:[\w'’-]+,?\s+){{0,12}}?(?:was|has been|had been)\s+"
    r"(?:\w+\s+){{0,2}}(?:{verb})\b"
)
_TOLL_NOUNS = r"casualties|causalities|fatalities"
# "No casualties were reported", "no one was hurt": a stated zero.
_NO_TOLL = (
    rf"\b(?P<low>no)\s+(?:{_TOLL_NOUNS}|{{verb}}|(?:one|one else)\s+was\s+"
    r"(?:{verb}))\b"
)
_PERSON = (
    r"(?:leader|commander|official|executive|member|fighter|soldier|civilian|man|woman|child|"
    r"boy|girl|person|militant|operative|contractor|officer|figure|journalist|general|chief|"
    r"guard|driver|emir)\b"
)
# One person as the object of the verb: "the strike killed a senior commander of the group".
_ONE_PERSON = re.compile(
    rf"\b(?:killed|killing|kills|kill)\s+(?P<low>an?|one)\s+(?:[\w'’-]+\s+){{0,6}}?{_PERSON}",
    re.IGNORECASE,
)
# The same without an article, as headlines write it: "Chemical attack kills child", "strike
# kills the group's commander" (not "the commander's guards").
_BARE_PERSON = re.compile(
    rf"\b(?:killed|killing|kills|kill)\s+(?!of\b)"
    rf"(?P<single>(?:[^\W\d][\w'’-]*\s+){{0,2}}?{_PERSON})"
    r"(?!['’-])",
    re.IGNORECASE,
)
# Turkey's defence ministry counts the fighters it killed or captured as "neutralised": "jets
# neutralised 59 PKK terrorists".
_NEUTRALISE = r"neutrali[sz]"
_NEUTRALISED_WHO = r"(?:terrorists?|militants?|fighters?|members?|insurgents?)"
_NEUTRALISED = re.compile(
    rf"\b{_NEUTRALISE}(?:ed|ing|es|e)[\s\"”]+(?:(?P<qual>at least|more than|over)\s+)?"
    rf"(?P<low>{_NUMBER})\s+(?:[\w'’/-]+\s+){{0,3}}?{_NEUTRALISED_WHO}\b",
    re.IGNORECASE,
)
# ... and as the subject of the passive: "12 PKK terrorists were neutralised", "seven militants
# neutralised in air operations".
_NEUTRALISED_PASSIVE = re.compile(
    rf"(?:(?P<qual>at least|more than|over)\s+)?\b(?P<low>{_NUMBER})\s+(?:[\w'’/-]+\s+){{0,3}}?"
    rf"{_NEUTRALISED_WHO}\s+"
    r"(?:(?:were|was|have\s+been|had\s+been|has\s+been|been|reportedly)\s+){0,2}[\"“]?"
    rf"{_NEUTRALISE}ed\b",
    re.IGNORECASE,
)
# "Dozens died ... at least 23 of them in Douma": the figure given is a floor.
_INCLUDING = re.compile(
    rf"[^.;]{{0,120}}?\bincluding\s+(?:at least\s+)?(?P<n>{_NUMBER})\s+(?!children|women)",
    re.IGNORECASE,
)
# The others of a toll are hurt, not dead, when a wounding verb follows them: "one guard was
# killed and 7 others wounded", "... and two others sustained injuries".
_HURT_NEXT = (
    rf"(?!\s+(?:(?:were|was|have been|had been|are)\s+)?(?:{_WOUND_VERB}|sustained|suffered|"
    r"received)\b)"
)
# "killing seven women and 11 others", "kills two soldiers, 3 other fighters": the toll is
# the sum.
_AND_OTHERS = re.compile(
    rf"(?:\s+(?:[\w'’-]+\s+){{0,2}}?and|(?:\s+[\w'’-]+){{0,2}}?,)\s+(?P<more>{_NUMBER})\s+"
    rf"(?:others|more|other\s+[\w'’-]+)\b{_HURT_NEXT}",
    re.IGNORECASE,
)
# One person named or described, and others: "killed the son of the group's late leader and 9
# other fighters", "kills Mughniyeh's son, 9 others": the toll is the others and that person.
_NOT_PERSON = rf"(?i:and|{_WORD_NUMBER})\b"
_PERSON_AND_OTHERS = re.compile(
    r"\b(?i:killed|killing|kills|kill)\s+"
    rf"(?P<person>(?!{_NOT_PERSON})[^\W\d][\w'’-]*(?:\s+(?!{_NOT_PERSON})[^\W\d][\w'’-]*){{0,10}}?)"
    # The person is one: "commanders, 3 others" is a count the words do not give.
    r"(?<!(?<![s'’])s)"
    rf"(?:,\s*|\s+and\s+)(?P<low>{_NUMBER})\s+(?i:others|other\s+[\w'’-]+)\b{_HURT_NEXT}",
)
# Counts of several groups, summed: "killing two Americans and a Briton", "3 Canadians, 1
# Dutch national killed", "a soldier and two contractors were killed". A group is a count and
# one to three words; after a comma, an attribution ("two people, a monitor said") is none.
# A group is people, not a time or a place: "wounding nine on Sunday, two days after" is nine.
_GROUP_WORD = (
    r"(?!(?i:and|or|were|was|are|have|had|been|killed|killing|dead|died|wounded|injured|said|"
    r"says|told|reported|added|according|on|in|at|near|during|after|before|since|hours?|days?|"
    rf"weeks?|months?|years?|{_WORD_NUMBER})\b)[^\W\d][\w'’-]*"
)
_GROUP = rf"(?:{_NUMBER}|an?|one)\s+{_GROUP_WORD}(?:\s+{_GROUP_WORD}){{0,2}}"
_GROUPS = (
    rf"(?P<list>(?P<low>{_NUMBER}|an?|one)\s+{_GROUP_WORD}(?:\s+{_GROUP_WORD}){{0,2}}"
    rf"(?:(?:,\s*(?:and\s+)?|\s+and\s+|\s*&\s*){_GROUP}){{1,3}})"
)


def _groups(after: str, before: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Groups counted together after a verb (`after`: "killing two Americans and a Briton") or
    before a participle (`before`: "a soldier and two contractors were killed")."""
    return (
        re.compile(
            rf"\b(?:{after})\s+{_GROUPS}"
            r"(?=\s*(?:[,.;:]|$)|\s+(?:in|on|at|near|while|during|as|when|after|early|late|"
            r"overnight|yesterday|today|and)\b)",
            re.IGNORECASE,
        ),
        re.compile(
            rf"\b{_GROUPS}\s+(?:(?:were|was|are|have\s+been|had\s+been|reportedly)\s+){{0,2}}"
            rf"(?:{before})\b(?=\s*(?:[,.;:]|$)|\s+(?:in|by|on|at|near|as|when|after|during)\b)",
            re.IGNORECASE,
        ),
    )


_GROUPS_KILLED = _groups("killed|killing|kills|kill", "killed|dead")
_GROUP_COUNT = re.compile(
    rf"(?:^|,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)({_NUMBER}|an?|one)\s", re.IGNORECASE
)
# One person hurt, as the object of the verb: "wounding a US contractor", "wounds a soldier";
# without an article in headlines ("injures American soldier"), after a verb that cannot be an
# adjective ("a wounded soldier" is no count).
_ONE_HURT = re.compile(
    rf"\b(?:{_WOUND_VERB})\s+(?P<low>an?|one)\s+(?:[\w'’-]+\s+){{0,6}}?{_PERSON}",
    re.IGNORECASE,
)
_BARE_HURT = re.compile(
    r"\b(?:wounds|wounding|injures|injuring)\s+(?!of\b)"
    rf"(?P<single>(?:[^\W\d][\w'’-]*\s+){{0,2}}?{_PERSON})"
    r"(?!['’-])",
    re.IGNORECASE,
)
_WOUNDED = (
    # After the verb only: before it, the first group may be the dead ("a driver and 2 others
    # were wounded" after "killed").
    _groups("wounded|wounding|wounds|wound|injured|injuring|injures|injure", "wounded")[0],
    *(_compile(form, _WOUND_VERB) for form in (_AFTER, _BEFORE, _SINGLE, _NO_TOLL)),
    _ONE_HURT,
    _BARE_HURT,
)
# Every pattern of a toll holds one of these words: a sentence without any (most of those that
# fired) is not read by them. The words are the patterns' own, searched anywhere in the text, so
# that a sentence the patterns could match always passes.
_KILLED_WORDS = re.compile(rf"{_KILL_VERB}|{_TOLL_NOUNS}|{_NEUTRALISE}", re.IGNORECASE)
_WOUNDED_WORDS = re.compile(rf"{_WOUND_VERB}|{_TOLL_NOUNS}", re.IGNORECASE)
_KILLED = (
    *_GROUPS_KILLED,
    _PERSON_AND_OTHERS,
    *(_compile(form, _KILL_VERB) for form in (_AFTER, _BEFORE, _SINGLE, _NO_TOLL)),
    _ONE_PERSON,
    _NEUTRALISED,
    _NEUTRALISED_PASSIVE,
    _BARE_PERSON,
)


def number_value(text: str) -> Count | None:
    """The value of a number as written: digits, number words, or a vague plural."""
    word = text.lower().replace(",", "").strip()
    if word.isdigit():
        # Four bare digits from 1900 to 2099 are a year, not a count.
        return None if len(word) == 4 and 1900 <= int(word) <= 2099 else int(word)
    if word in _VAGUE:
        return _VAGUE[word]
    if word in _UNITS:
        return _UNITS[word]
    parts = re.split(r"[\s-]+", word)
    if len(parts) == 2 and parts[0] in _UNITS and parts[1] in _UNITS:
        return _UNITS[parts[0]] + _UNITS[parts[1]]
    return None


def _count(match: re.Match[str]) -> Count | None:
    groups = match.groupdict()
    if groups.get("blow"):
        low, high = number_value(groups["blow"]), number_value(groups["bhigh"])
        if isinstance(low, int) and isinstance(high, int):
            return (low, high)
        return None
    if groups.get("single") is not None:
        return 1
    if groups.get("list") is not None:
        counts = [number_value(n) for n in _GROUP_COUNT.findall(groups["list"])]
        if len(counts) < 2 or not all(isinstance(n, int) for n in counts):
            return None
        return sum(n for n in counts if isinstance(n, int))
    low = number_value(groups["low"])
    if groups.get("person") is not None:
        return low + 1 if isinstance(low, int) else None
    if groups.get("high") and isinstance(low, int):
        high = number_value(groups["high"])
        if isinstance(high, int) and high > low:
            return (low, high)
    if isinstance(low, int) and (groups.get("qual") or "").strip().lower() in (
        "at least",
        "more than",
        "over",
        "upwards of",
        "no fewer than",
        "no less than",
        "in excess of",
        "a minimum of",
    ):
        return (low, None)
    return low


# A month right before the number ("May 3"), or a year or a month right after it ("3, 2016",
# "3 May"); a month earlier on ("21 Apr 2014 Dozens were killed") does not make a date.
_DATE_BEFORE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*$", re.IGNORECASE
)
_DATE_AFTER = re.compile(
    r"\s*(?:,\s*)?(?:19|20)\d\d\b|\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    re.IGNORECASE,
)


def _is_date(sentence: str, match: re.Match[str]) -> bool:
    """A day of a date ("May 3 2016", "3 May") is not a casualty count."""
    groups = match.groupdict()
    if not groups.get("low") and not groups.get("blow"):
        return False
    number = groups.get("low") or groups["blow"]
    start = match.start("low") if groups.get("low") else match.start("blow")
    end = start + len(number)
    return bool(
        _DATE_BEFORE.search(sentence[max(0, start - 10) : start])
        or _DATE_AFTER.match(sentence, end)
    )


# A toll over a period rather than of one strike: "in the past week", "over the last three
# days", "since the start of the offensive", "so far this month".
_OVER_TIME = re.compile(
    r"\b(?:(?:in|over|during)\s+the\s+(?:past|last|previous)\s+(?:\w+\s+)?(?:days|weeks?|"
    r"months?|years?)|since\s+the\s+(?:start|beginning)|so\s+far\s+this\s+(?:week|month|year)|"
    r"(?:in|over)\s+(?:two|three|four|five|several|\d+)\s+days)\b",
    re.IGNORECASE,
)
# A figure given as provisional: a later one in the story replaces it.
_PROVISIONAL = re.compile(
    r"\b(?:initial|preliminary|early|first)\s+(?:reports?|tolls?|figures?|counts?|information|"
    r"estimates?)\b",
    re.IGNORECASE,
)
# A toll given as revised or as the whole: "the death toll rose from four to 11", "the toll
# continues to climb, reaching 37", "raising the toll to three", "killing a total of six"; the
# strike may be named between "toll" and its verb: "the toll from Monday's strike on the market
# rose to 15", "the number of people killed in the strike rose to 15".
_REVISED = re.compile(
    r"(?:\b(?:toll|number\s+of\s+(?:people\s+|civilians\s+|those\s+)?(?:killed|dead|deaths))\s+"
    r"(?:(?:from|of|in)\s+[^.;:!?]{1,80}?\s+)?"
    rf"(?:has\s+|had\s+|later\s+)?(?:rose|risen|climbed|increased|jumped|reached|"
    rf"rises|climbs|stands\s+at|stood\s+at|(?:continued|continues)\s+to\s+(?:rise|climb),?\s+"
    rf"reaching)(?:\s+from\s+{_NUMBER})?(?:\s+to)?|"
    r"\b(?:raising|bringing|pushing|taking|lifting)\s+the\s+(?:death\s+)?toll\s+to|"
    r"\b(?:killing|killed|kills|kill)\s+a\s+total\s+of|"
    rf"\ba\s+total\s+of(?=\s+{_NUMBER}\b(?:(?!\band\b)[^.;]){{0,100}}\b(?:killed|dead|died)\b))"
    rf"\s+(?P<qual>{_LOWER}\s+)?(?P<low>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<high>{_NUMBER}))?\b",
    re.IGNORECASE,
)


def _low(count: Count) -> int:
    return count[0] if isinstance(count, tuple) else count


def _revised(sentences: Sequence[tuple[str, int]], killed: Count | None) -> Count | None:
    """The largest toll the sentences give as revised or as the whole, where it is no smaller
    than the toll first stated (tolls rise as bodies are found); else that first toll."""
    revised: Count | None = None
    for sentence, _ in sentences:
        for match in _REVISED.finditer(sentence):
            value = _count(match)
            if value is not None and (revised is None or _low(value) > _low(revised)):
                revised = value
    if revised is not None and (killed is None or _low(revised) > _low(killed)):
        return revised
    return killed


def _best(
    patterns: Sequence[re.Pattern[str]],
    words: re.Pattern[str],
    sentences: Sequence[tuple[str, int]],
) -> Count | None:
    vague: Count | None = None
    lower_bounds = set()
    chosen: Count | None = None
    provisional = False
    picks: list[tuple[Count, bool, bool]] = []
    for sentence, cue in sentences:
        if not words.search(sentence):
            continue
        found: list[tuple[int, Count, bool]] = []
        for pattern in patterns:
            for match in pattern.finditer(sentence):
                value = _count(match)
                if value is None or _is_date(sentence, match):
                    continue
                more = _AND_OTHERS.match(sentence, match.end())
                if isinstance(value, int) and more:
                    extra = number_value(more.group("more"))
                    if isinstance(extra, int):
                        value += extra
                if isinstance(value, tuple) and value[1] is None:
                    lower_bounds.add(value[0])
                    if (match.group("low") or "").lower() in _VAGUE:
                        firmer = _INCLUDING.match(sentence, match.end())
                        figure = number_value(firmer.group("n")) if firmer else None
                        if not isinstance(figure, int):
                            vague = vague or value
                            continue
                        value = (figure, None)
                distance = (
                    0
                    if match.start() <= cue <= match.end()
                    else min(abs(match.start() - cue), abs(match.end() - cue))
                )
                clause = clause_end(sentence, match.end(), len(sentence))
                period = _OVER_TIME.search(sentence, match.start(), clause) is not None
                found.append((distance, value, period))
        if found:
            _, value, period = min(found, key=lambda item: item[0])
            picks.append((value, period, _PROVISIONAL.search(sentence) is not None))
    # A toll over a period ("170 killed in the past week"), or the same figure said elsewhere,
    # is not the strike's when the story gives one that is not.
    totals = {_low(value) for value, period, _ in picks if period}
    own = [pick for pick in picks if not pick[1] and _low(pick[0]) not in totals] or picks
    for value, _, said_early in own:
        if chosen is None:
            chosen, provisional = value, said_early
        elif provisional:
            # A first report's figure ("preliminary figures show at least four killed") gives
            # way to the one the story then tells, unless that is smaller.
            if _low(value) >= _low(chosen):
                chosen = value
            break
        else:
            break
    if isinstance(chosen, int) and chosen in lower_bounds:
        # The same number said more carefully elsewhere ("at least 22") is the one to keep.
        return (chosen, None)
    return chosen if chosen is not None else vague


def casualties(
    sentences: Sequence[tuple[str, int]], whole: str = ""
) -> tuple[Count | None, Count | None]:
    """Killed and wounded counts: in the first sentence that states one, the count nearest to
    the strike words (sentences given with the offset of their strike words). Arabic text is
    read by arabic.casualties, which also reads the whole text when those sentences state no
    toll (Arabic reports often end on "no casualties" or "material damage"). Where an English
    text counts the hurt ("caused no injuries", "six guards were injured") and states no
    death, none died."""
    if sentences and arabic.language(" ".join(sentence for sentence, _ in sentences)) == "ar":
        return arabic.casualties(list(sentences), whole)
    killed = _revised(sentences, _best(_KILLED, _KILLED_WORDS, sentences))
    wounded = _best(_WOUNDED, _WOUNDED_WORDS, sentences)
    if killed is None and isinstance(wounded, int):
        # A report that counts the hurt and names no dead ("six guards were injured") tells
        # that none died, as Arabic reads it too.
        killed = 0
    return killed, wounded


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_NUMBERS = {name[:3]: number for number, name in enumerate(_WEEKDAYS)}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# The words that count a strike's day from publication: "overnight" and "today" the day the
# report came out, "yesterday" and "last night" the day before (_RELATIVE_DAYS).
_DAY_COUNTED = (
    r"yesterday|overnight|last night|today|tonight|"
    r"this morning|this afternoon|this evening|earlier today|late today"
)
_DAY_COUNTED_ALONE = re.compile(rf"(?:{_DAY_COUNTED})(?:'s|’s)?", re.IGNORECASE)
_DATE_PATTERNS = (
    (
        "month_day",
        re.compile(
            rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:,\s*)?\d{{3}})",
            re.IGNORECASE,
        ),
    ),
    ("day_month", re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\b", re.IGNORECASE)),
    ("days_ago", re.compile(r"\b(?P<n>\w+) days ago\b", re.IGNORECASE)),
    (
        "weekday",
        re.compile(
            r"\b(?P<last>last\s+)?(?P<weekday>monday|tuesday|wednesday|thursday|"
            r"friday|saturday|sunday)(?:'s|’s)?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "relative",
        re.compile(rf"\b(?P<word>{_DAY_COUNTED})(?:'s|’s)?\b", re.IGNORECASE),
    ),
)
_RELATIVE_DAYS = {"yesterday": 1, "last night": 1, "overnight": 0}


def _resolve(kind: str, match: re.Match[str], published: date) -> date | None:
    if kind in ("month_day", "day_month"):
        month = _MONTHS.index(match.group("month").lower()[:3]) + 1
        try:
            candidate = date(published.year, month, int(match.group("day")))
        except ValueError:
            return None
        # Reports look back: a date later than publication is last year's.
        return candidate if candidate <= published else candidate.replace(year=candidate.year - 1)
    if kind == "days_ago":
        days = number_value(match.group("n"))
        return published - timedelta(days=days) if isinstance(days, int) else None
    if kind == "weekday":
        # By the first three letters, folded: "FRİDAY" (a Turkish dotted capital I) lowers to
        # two characters, and must still be a Friday rather than an error.
        day = match.group("weekday").casefold().replace("i\u0307", "i").replace("ı", "i")[:3]
        wanted = _WEEKDAY_NUMBERS.get(day)
        if wanted is None:
            return None
        back = (published.weekday() - wanted) % 7
        if match.group("last") and back == 0:
            back = 7
        return published - timedelta(days=back)
    word = match.group("word").lower()
    return published - timedelta(days=_RELATIVE_DAYS.get(word, 0))


def event_date(
    sentences: Sequence[str], published: datetime | None
) -> tuple[date | None, str | None]:
    """The first date phrase in the sentences, resolved against the publication date.

    Weekdays mean the latest such day on or before publication; "yesterday" and "last night" the
    day before; "overnight", "today" and "this morning" the publication day; a day and month
    without a year the latest such date on or before publication. Arabic sentences are read by
    arabic.event_date in the same way.
    """
    if sentences and arabic.language(" ".join(sentences)) == "ar":
        return arabic.event_date(list(sentences), published)
    for sentence in sentences:
        found = [
            (match.start(), kind, match)
            for kind, pattern in _DATE_PATTERNS
            for match in pattern.finditer(sentence)
            if not _named_today(kind, match, sentence)
        ]
        if not found:
            continue
        _, kind, match = min(found, key=lambda item: item[0])
        if (
            kind == "month_day"
            and match.group("month").lower() == "may"
            and not match.group(0)[0].isupper()
        ):
            continue
        text = match.group(0)
        if published is None:
            return None, text
        return _resolve(kind, match, published.date()), text
    return None, None


_NAME_BEFORE = re.compile(r"[A-Z][\w.’'-]*\s+$")
_LOWER_AFTER = re.compile(r"\s+[a-z]")


def _named_today(kind: str, match: re.Match[str], sentence: str) -> bool:
    """Whether "Today" is part of a name ("Baghdad Today reported", "told USA Today that"):
    capitalised between a capitalised word and a word in lower case. A headline in title case
    ("Jets Hit Depot In Tikrit Today") goes on in capitals or ends there."""
    return (
        kind == "relative"
        and match.group(0) == "Today"
        and _NAME_BEFORE.search(sentence, 0, match.start()) is not None
        and _LOWER_AFTER.match(sentence, match.end()) is not None
    )


_NAMED_DAY = re.compile(
    rf"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|{_MONTH})", re.IGNORECASE
)


def names_day(text: str | None) -> bool:
    """Whether a date phrase of event_date names the day (a weekday, a date) rather than
    counting from publication ("overnight", "yesterday", "two days ago"), which is a day off
    whenever the strike and the publication fall either side of midnight."""
    return bool(text and _NAMED_DAY.search(text))


def counts_day(text: str | None) -> bool:
    """Whether a date phrase of event_date is one of the words that count the day from
    publication and nothing more ("overnight", "last night's"; not "two days ago")."""
    return bool(text and _DAY_COUNTED_ALONE.fullmatch(text))


# Right after the strike words, or after a verb or preposition that follows them: "a gunship
# attacked militia positions", "air strikes hit a market", "a strike on a hospital", "raids
# reported on rebel positions", "Turkey hits back at PKK positions".
_TARGET = re.compile(
    r"\s*(?:(?:(?:reported|launched|carried\s+out|conducted|staged|mounted)\s+)?"
    r"(?:back\s+)?(?:on|against|targeting|targeted|at|into|hit|hits|hitting|struck|striking|pounded|"
    r"bombed|shelled|attacked|destroyed|(?:also|again|have|had|has)\s+\w+)\s+)?"
    r"(?P<target>(?:(?:the|a|an|two|three|several|its|their)\s+)?[^,.;:()\"“”]{3,80}?)"
    r"(?=,|\.|;|\s+(?:in|on|near|killing|kills|killed|wounding|early|late|overnight|after|as|"
    r"which|that|where|outside|north|south|east|west|of the city)\b|$)",
    re.IGNORECASE,
)


def target(sentence: str, after: int) -> str | None:
    """What was hit: the phrase right after the strike words (from offset `after`). Arabic
    targets are not read yet: the English phrase patterns would take the actor or the place."""
    if arabic.has_arabic(sentence[after : after + 40]):
        return None
    match = _TARGET.match(sentence, after)
    if match is None:
        return None
    text = match.group("target").strip()
    if re.match(
        r"(?i)(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|least|"
        r"the ground|the same|that|this|which|dawn|night|in|near|killing|killed|said|were|was|"
        r"have|has|had|and|by|of|to|for|from|as|across|around|over|since|during|continue|"
        r"carried|conducted|launched|reported|also|kills?|killing|rock|rocks|destroy|destroys|weaken|"
        r"weakens|began|begin|use|used|because|with|continue|continues|is|are|be|been|on)\b",
        text,
    ):
        return None
    return text


# How a sentence uses a place it names. HIT: the strike's place ("in Koya", "on Mezzeh").
# NEAR: the strike was around it ("near Masyaf", "on the outskirts of Douma"). REFERENCE: a point
# to measure from ("south of Baghdad", "30 km from Mosul", "near the border with Turkey"), or
# where someone is from ("a Damascus-based group"), not where the strike fell.
HIT, NEAR, REFERENCE, ORIGIN = "hit", "near", "reference", "origin"
# The eight compass points, as a group: "north of", "south-western".
COMPASS = r"(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)"
# Up to three words between the cue and the name ("near the port city of Latakia"), but no
# preposition or conjunction: "near Fallujah and in Ramadi" does not put Ramadi near anything.
_FILLER = r"(?:(?!(?:in|on|at|and|or|but|while|as|into|killing|killed|after)\b)[\w'’-]+\s+)"
_REFERENCE = re.compile(
    r"(?P<words>(?:\b"
    + COMPASS
    + r"(?:ern)?\s+of|\b(?:km|kms|kilometers|kilometres|miles)\s+(?:\w+\s+)?(?:from|of|outside)|"
    r"\bborders?\s+(?:with|of|near)|\btowards?|\bfrom))"
    r"\s+(?:the\s+)?" + _FILLER + r"{0,3}?"
    r"(?:(?:city|town|capital|province|governorate|village|region|area|district)\s+(?:of\s+)?)?$",
    re.IGNORECASE,
)
_NEAR = re.compile(
    r"(?P<words>\b(?:near|nearby|around|outside|close\s+to|(?:on\s+)?the\s+outskirts\s+of|"
    r"(?:in\s+)?the\s+vicinity\s+of))"
    r"\s+(?:the\s+)?" + _FILLER + r"{0,3}?"
    r"(?:(?:city|town|capital|province|governorate|village|region|area|district|bastion|"
    r"stronghold)\s+(?:of\s+)?)?$",
    re.IGNORECASE,
)
# A place said before these is where a person or group comes from ("a London-based monitor",
# "Baghdad's government"), or the border of a country.
_ORIGIN_AFTER = re.compile(r"[-\s]based\b|['’]s\s+(?:government|army|military|forces)\b")
# A city's suburb is by the city: "X, a suburb of Damascus", "the southern suburbs of Baghdad",
# "the Damascus suburb of Jaramana", "Baghdad's southern suburbs", a headline's "strikes hit
# suburb of Damascus". Of a city only: "the suburbs of Zamalka and Ain Tarma" names the suburbs
# hit, as "the suburb of Jaramana" does.
_SUBURB_OF = re.compile(
    r"\bsuburbs?\s+of\s+(?:the\s+)?"
    r"(?:(?:city|capital)\s+(?:of\s+)?)?$",
    re.IGNORECASE,
)
_SUBURB_AFTER = re.compile(
    r"(?:['’]s)?\s+(?:" + COMPASS + r"(?:ern)?\s+)?(?:suburbs?|outskirts)\b", re.IGNORECASE
)
_DIRECTION = re.compile(
    r"\b" + COMPASS + r"(?:ern)?\s+of",
    re.IGNORECASE,
)


# Where the teller is: "a field source in neighbouring Latakia", "according to residents in X".
_TELLER_IN = re.compile(
    r"\b(?:sources?|correspondents?|reporters?|spokes(?:man|woman|person)|monitor|activists?|"
    r"journalists?)\s+(?:\w+\s+){0,2}?(?:in|from|based in)\s+(?:the\s+)?(?:neighbou?ring\s+)?$",
    re.IGNORECASE,
)


# Where a projectile or an aircraft came from is not where it struck: "a drone that took off
# from the area of the Tiyas airbase", "rockets fired from Idlib", "jets that took
# off from Hmeimim" (issue #11).
_LAUNCHED_FROM = re.compile(
    r"\b(?:launch(?:ed|es|ing)?|fired|fires|firing|shot|took\s+off|taking\s+off|takes\s+off|"
    r"flew|flown|flying|originat(?:ed|es|ing))\s+from\s+(?:the\s+)?"
    r"(?:(?:direction|area|territory|side)\s+of\s+(?:the\s+)?)?" + _FILLER + r"{0,3}?"
    r"(?:(?:city|town|village|region|area|district|base|airport)\s+(?:of\s+)?)?$",
    re.IGNORECASE,
)


# A place the gazetteer does not know, described by one it knows: "Umm Jaris, a village near
# Qaim", "Beit Sahem, a suburb of Damascus", "X, a small town 20 km south of Mosul". The name is
# one to four capitalised words (with "al-", "Abu", "Umm"...), a comma, then "a" and the kind of
# place, with no other comma before the known place.
_APPOSED = re.compile(
    r"(?<![\w'’-])(?P<name>(?:(?:al|el|ad|ash|as|ar|az|an)-)?[A-Z][\w'’]*(?:-[A-Za-z][\w'’]*)*"
    r"(?:\s+(?:(?:al|el|ad|ash|as|ar|az|an|bin|bani)[\s-]+)?[A-Z][\w'’]*(?:-[A-Za-z][\w'’]*)*)"
    r"{0,3}),\s+an?\s+(?:[\w'’-]+\s+){0,2}?"
    r"(?P<kind>village|town|suburb|hamlet|neighbou?rhood|district|settlement|area)\b"
    r"[^,.;:()\"“”]{0,50}$"
)
# Words that open a sentence before a comma and name no place: "Separately, a village near",
# "On Monday, a town near".
_NOT_NAMES = frozenset(
    (
        *("the", "on", "in", "at", "of", "and", "but", "also", "meanwhile", "earlier", "later"),
        *("elsewhere", "however", "overnight", "today", "yesterday", "tonight", "then", "there"),
        *("here", "nearby", "further"),
    )
)
_DAY_WORD = re.compile(rf"(?:{'|'.join(_WEEKDAYS)}|{_MONTH})", re.IGNORECASE)
# The gazetteer kind each description gives; any other ("suburb", "area") is a district.
_APPOSED_KINDS = {
    "village": "village",
    "hamlet": "village",
    "settlement": "village",
    "town": "town",
}


def apposed_place(text: str, start: int) -> tuple[int, int, str] | None:
    """The place described by the one named at `start` ("Umm Jaris, a village near" Qaim): its
    span and the gazetteer kind its description gives (village, town or district), or None."""
    before = text[max(0, start - 140) : start]
    if ", a" not in before:
        return None
    match = _APPOSED.search(before)
    if match is None:
        return None
    words = match.group("name").split()
    if any(word.casefold() in _NOT_NAMES or _DAY_WORD.fullmatch(word) for word in words) or (
        len(words) == 1 and words[0].endswith("ly")
    ):
        return None
    offset = start - len(before)
    kind = match.group("kind")
    return (
        offset + match.start("name"),
        offset + match.end("name"),
        _APPOSED_KINDS.get(kind, "district"),
    )


def place_role(text: str, start: int, end: int, kind: str | None = None) -> tuple[str, str]:
    """How the text at start:end (a place name, of the gazetteer's kind if given) is used, and
    the words that say so ("west of", "near"): HIT, NEAR, REFERENCE or ORIGIN. Reads the 60
    characters before, and the words right after ("-based", "suburbs")."""
    before = text[max(0, start - 60) : start]
    if (
        _ORIGIN_AFTER.match(text, end)
        or _TELLER_IN.search(before)
        or ("from" in before.lower() and _LAUNCHED_FROM.search(before))
    ):
        return ORIGIN, ""
    reference = _REFERENCE.search(before)
    if reference:
        direction = _DIRECTION.search(reference.group("words"))
        return REFERENCE, direction.group(0).lower() if direction else "near"
    if _NEAR.search(before) or (
        kind in (None, "city") and (_SUBURB_OF.search(before) or _SUBURB_AFTER.match(text, end))
    ):
        return NEAR, "near"
    return HIT, ""
