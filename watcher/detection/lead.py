"""The lead strike of a document: its sentences (headline first) and publication time in, which
of them are context rather than the lead (photo captions, "Related"/"Read more" lines,
background about earlier strikes, the strike back told in a report of the attack) and where
each sentence's dateline ends, out; no I/O.

News reports tell their strike in the headline and the lede; what the story adds around it
(a caption under a photo of an older funeral, a link to another story, a paragraph recalling
last month's strike, the city the reporter files from) names places and tolls of other events.
The fields of an alert come from the lead's own sentences (issue #11).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

CAPTION = "caption"
RELATED = "related"
BACKGROUND = "background"
RESPONSE = "response"


@dataclass(frozen=True)
class Lead:
    context: dict[int, str]  # sentence index -> CAPTION | RELATED | BACKGROUND | RESPONSE
    datelines: dict[int, int]  # sentence index -> characters of its dateline from its start

    def is_context(self, sentence: int) -> bool:
        return sentence in self.context


# "BAGHDAD —", "ERBIL, Kurdistan Region of Iraq -", "NAJAF, Iraq (Reuters) -", "BAGHDAD :",
# "Beirut, Lebanon (AP) —": a place in capitals, or any place followed by a news agency in
# brackets, then a dash or colon, opens the lede of a wire story; the reporter is there, the
# strike need not be.
_DATELINE = re.compile(
    r"\s*(?:"
    r"[A-Z][A-Z'’.-]{2,}(?:\s+[A-Z][A-Z'’.-]+){0,3}"  # ERBIL, AL-QAIM, DEIR EZ-ZOR
    r"(?:\s*,\s*[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*){0,4}){0,3}"  # , Kurdistan Region
    r"\s*(?:\([^()]{1,40}\))?"
    r"|[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,2}"  # Beirut, Lebanon (AP)
    r"(?:\s*,\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2}){0,2}"
    r"\s*\((?:AP|AFP|Reuters|CNN|dpa|DPA|Xinhua|Anadolu|AA|UPI"
    r"|[A-Z][\w .]{1,24}(?:Press|News|Agency))\)"
    # "Damascus, The Gulf Observer:": a town, then the outlet's name and a colon.
    r"|[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?,\s+(?:The\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}"
    r"(?=\s*:)"
    r")\s*(?:—|–|--|-|:)\s+(?=[\"“‘']?[A-Z0-9])"
)


def dateline_end(sentence: str) -> int:
    """How many characters of the sentence a dateline takes (0 when it has none)."""
    match = _DATELINE.match(sentence)
    return match.end() if match else 0


# A photo's credit or label: "(AFP)", "/ AFP / Getty Images", "(AP Photo/...)", "Photo:",
# "FILE PHOTO:", "Image caption".
_CREDIT = re.compile(
    r"(?:\bphoto(?:graph)?s?\s*(?::|/|by\b|credit)|\bimage caption\b"
    r"|\bfile (?:photo|picture|image)\b|\bgetty images\b|\bvia getty\b|\bap photo\b"
    r"|^\s*file\s*[-—:]|\bpictured\b"
    r"|[/|]\s*(?:AFP|Reuters|AP|EPA|Anadolu|Xinhua)\s*(?:[/|]|$)|\((?:AFP|Reuters|EPA)\)\s*$)",
    re.IGNORECASE,
)
# A caption describes the picture in the present tense: "Mourners attend the funeral of ...",
# "Iraqi security forces inspect the site ...", "Smoke rises over ...". Prose tells in the past;
# a strike verb in the present is a headline's, and headlines are the lead.
_SCENE = re.compile(
    r"\s*(?:[A-Z][\w'’-]*|an?|the)(?:\s+[\w'’-]+){0,7}?\s+"
    r"(?:attend|attends|carry|carries|gather|gathers|inspect|inspects|stand|stands|walk|walks|"
    r"look|looks|mourn|mourns|rise|rises|billow|billows|pray|prays|check|checks|react|reacts|"
    r"sit|sits|hold|holds|wave|waves|march|marches|chant|chants|is seen|are seen|pose|poses|"
    r"search|searches|survey|surveys|watch|watches|clear|clears|remove|removes|mark|marks)\b"
)
# A caption ends without a full stop, or with the full date the picture was taken ("..., in
# Baghdad, Iraq, January 5, 2024."), which prose about the day's strike does not give.
_PICTURE_END = re.compile(r"(?:[^.!?\"”’]|\b(?:19|20)\d\d\.|\b\d{1,2},? (?:19|20)\d\d\.)\s*$")
# "Related:", "Read more: ...", "See also", "Also read", "Recommended".
_RELATED = re.compile(
    r"\s*(?:related(?:\s+(?:articles?|stories|coverage|news|content|reading))?|read more|"
    r"read also|also read|see also|more on this|recommended|more from|watch)\b",
    re.IGNORECASE,
)
# Words that place a sentence's events before the lead's: "an earlier strike", "last month",
# "earlier in the week", "weeks ago", "over the past few weeks", "in 2019", "the last of which",
# "previously".
_EARLIER = re.compile(
    r"\b(?:(?:an?|the|its)\s+(?:\w+\s+)?earlier\b|earlier\s+(?:this|that|last|in\s+the)\s+week\b|"
    r"earlier\s+(?:this|that|last)\s+"
    r"(?:month|year)|last\s+(?:week|month|year|summer|winter|spring|autumn|fall)|previous(?:ly)?\b|"
    r"(?:comes?|came)\s+(?:just\s+)?(?:(?:a(?:\s+few)?|two|three|several|\d+)\s+)?"
    r"(?:(?:hours?|days?|weeks?)\s+)?"
    r"after|"
    r"(?:a|one|two|three|several|\d+)\s+(?:weeks?|months?|years?)\s+(?:ago|earlier|before)|"
    r"in\s+(?:early|mid|late)?-?\s*(?:19|20)\d\d\b|since\s+(?:19|20)\d\d\b|the\s+last\s+of\s+which|"
    r"(?:in|over|during)\s+the\s+(?:past|last)\s+(?:(?:few|several|two|three|\d+)\s+)?"
    r"(?:weeks|months|years)|has\s+(?:long\s+)?(?:carried out|conducted|launched)|"
    r"have\s+(?:long\s+)?(?:carried out|conducted|launched))",
    re.IGNORECASE,
)
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
# "in January" (no day); "on August 20", "on 20 August": resolved against publication.
_IN_MONTH = re.compile(rf"\b(?i:in)\s+{_MONTH}(?!\s+\d)\b")
_ON_DAY = re.compile(
    rf"\b(?i:on)\s+(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?"
    rf"(?:{_MONTH}\s+(?P<day>\d{{1,2}})|(?P<day2>\d{{1,2}})\s+{_MONTH.replace('month', 'month2')})"
    r"(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d\d))?"
)
# A strike dated this long before publication is not the one a report leads with.
OLDER = timedelta(days=7)


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return next(i for i, full in enumerate(_MONTH_NAMES, 1) if full.startswith(name[:3]))


def _older_date(sentence: str, published: date | None) -> bool:
    """A date in the sentence well before publication ("on August 20", "in January")."""
    if published is None:
        return False
    for match in _IN_MONTH.finditer(sentence):
        if _month(match.group("month")) != published.month:
            return True
    for match in _ON_DAY.finditer(sentence):
        month = _month(match.group("month") or match.group("month2"))
        day = int(match.group("day") or match.group("day2"))
        year = int(match.group("year")) if match.group("year") else published.year
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        if when > published and not match.group("year"):
            when = when.replace(year=year - 1)
        if published - when > OLDER:
            return True
    return False


# A strike told as the answer to the attack a report tells: "the army responded to the attack by
# shelling villages near ...", "in retaliation for Thursday's attack", "retaliated with
# air strikes". In a report whose headline and lede tell the attack, such a sentence tells
# another strike, with its own places and striker: a drone attack near Hasakah and the US
# strikes in Deir ez-Zor that answered it are two events (issue #11). The attack answered is
# the one already told ("the attack", "this strike", "Thursday's attack"); "in response to a
# chemical attack" introduces an earlier one, and the sentence tells the report's own strike.
_ATTACK_TOLD = (
    r"(?:the|this|that|these|those|its|their|[\w-]+['’]s)\s+(?:[\w'’-]+\s+){0,3}?"
    r"(?:attacks?|strikes?|bombings?|assaults?|raids?)\b"
)
_RESPONSE = re.compile(
    rf"\b(?:respond(?:s|ed|ing)?\s+to\s+{_ATTACK_TOLD}\s+(?:by|with)\b"
    rf"|in\s+(?:response|retaliation|reprisal)\s+(?:to|for)\s+{_ATTACK_TOLD}"
    r"|retaliat(?:es|ed|ing)\s+(?:(?:for|against)\s+[^.,;]{1,60}?\s+)?(?:by|with)\b)",
    re.IGNORECASE,
)
# A headline or lede that tells a strike back ("US retaliates against ...", "retaliatory
# strikes", "in response to a drone attack", "hits back"): the report's strike is the answer.
_ANSWERS = re.compile(
    r"\b(?:respond(?:s|ed|ing)?\b|in\s+(?:response|retaliation|reprisal)\b"
    r"|retaliat(?:es|ed|ing|ion|ory)\b|(?:hit|hits|hitting|struck|strikes?|striking)\s+back\b)",
    re.IGNORECASE,
)


# Words without one of which _CREDIT or _EARLIER cannot match, and the month names _IN_MONTH and
# _ON_DAY need (case as written): most sentences have none, and a substring test is far cheaper
# than those searches, which try every position of the sentence. Kept in step with the patterns.
_CREDIT_WORDS = ("photo", "image caption", "file", "getty", "pictured", "/", "|", "(")
_EARLIER_WORDS = (
    "earlier", "last", "previous", "after", "ago", "before", "19", "20", "past", "carried out",
    "conducted", "launched",
)  # fmt: skip
_MONTH_STEMS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The only characters an ignore-case pattern matches to an ASCII letter that str.lower() does
# not turn into it (dotted and dotless i, long s, the Kelvin sign): with one of them in the
# sentence the word tests are skipped and the patterns decide alone.
_CASE_FOLDS = re.compile("[\u0130\u0131\u017f\u212a]")


def _has_any(text: str, words: Sequence[str]) -> bool:
    return any(map(text.__contains__, words))


def context_of(sentence: str, published: date | None = None) -> str | None:
    """What a body sentence is when it is not part of the lead: CAPTION, RELATED, BACKGROUND,
    or None (the sentence may tell the lead strike)."""
    if _RELATED.match(sentence):
        return RELATED
    folded = sentence.lower()
    exact = _CASE_FOLDS.search(sentence) is not None
    if ((exact or _has_any(folded, _CREDIT_WORDS)) and _CREDIT.search(sentence)) or (
        _SCENE.match(sentence) and _PICTURE_END.search(sentence)
    ):
        return CAPTION
    if ((exact or _has_any(folded, _EARLIER_WORDS)) and _EARLIER.search(sentence)) or (
        _has_any(sentence, _MONTH_STEMS) and _older_date(sentence, published)
    ):
        return BACKGROUND
    return None


def read_lead(sentences: Sequence[str], published: datetime | None = None) -> Lead:
    """The roles of a document's sentences (sentence 0 is the headline). The headline and the
    lede (the first body sentence, after its dateline) are the lead whatever they say; a later
    sentence is context when it is a caption, a link to another story or background, or tells
    the strike back for the attack that the headline and lede tell (_RESPONSE, unless they
    tell a strike back themselves: _ANSWERS)."""
    context: dict[int, str] = {}
    datelines: dict[int, int] = {}
    day = published.date() if published else None
    lede: int | None = None
    answers = bool(sentences) and _ANSWERS.search(sentences[0]) is not None
    for index, sentence in enumerate(sentences):
        if index == 0 or not sentence.strip():
            continue
        if index <= 3:
            # A body can repeat the headline before the dateline.
            ends = dateline_end(sentence)
            if ends:
                datelines[index] = ends
        if lede is None:
            role = RELATED if _RELATED.match(sentence) else None
            if role is None and _CREDIT.search(sentence):
                role = CAPTION
            if role is None:
                lede = index
                answers = answers or _ANSWERS.search(sentence) is not None
            else:
                context[index] = role
            continue
        role = context_of(sentence, day)
        if role is None and not answers and _RESPONSE.search(sentence):
            role = RESPONSE
        if role is not None:
            context[index] = role
    return Lead(context, datelines)
