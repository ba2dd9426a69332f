"""Arabic words as the matcher compares them: a word or a text in, its folded form, its language
or the number it writes out; no I/O.

Arabic writes the same word in many ways: with or without short vowels and tatweel (قصفٌ،
قصـف), with hamza on any carrier or none (أسقطت، اسقطت), with ta marbuta or ha (غارة، غاره),
and with its conjunction, preposition and article joined to it (وبالغارة). `fold` reduces a word
to one key so that one lexicon entry finds all of them: the letters are unified as PyArabic
unifies them (strip_diacritics, strip_tatweel, normalize_hamza(method="tasheel"),
normalize_teh, and alef maqsura read as ya), then one run of proclitics (و ف, then ب ل ك, then
ال; or لل) and one common suffix (plural, dual, nisba and pronoun endings) are cut, keeping at
least three letters. This is a light stemmer, as information retrieval uses for Arabic, not a
morphological analysis: a word whose first letter only looks like a proclitic (وزير) loses it
too, the same way in the text and in the lexicons, and `forms` gives a lexicon word the keys
its written forms can take (وزير and الوزير fold differently), so that both are found.

The letter table is built from PyArabic's own character classes and checked against its
functions in the tests; applying it as one str.translate keeps a word's folding to about a
microsecond, where the functions' chain of replacements costs ten.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta

from pyarabic import araby

__all__ = [
    "ARABIC_LETTER",
    "count_word",
    "fold",
    "forms",
    "has_arabic",
    "language",
    "normalize",
]

# Letters of the Arabic block (hamza to ya, and the extended letters Persian and Urdu add, which
# Arabic pages use for ک and ی): a text holding none is left as it is.
ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")

_LETTERS: dict[int, str | None] = {ord(mark): None for mark in araby.DIACRITICS}
_LETTERS[ord(araby.TATWEEL)] = None
_LETTERS.update(
    {
        ord(araby.ALEF_MADDA): araby.ALEF,
        ord(araby.ALEF_HAMZA_ABOVE): araby.ALEF,
        ord(araby.ALEF_HAMZA_BELOW): araby.ALEF,
        ord(araby.ALEF_WASLA): araby.ALEF,
        ord(araby.WAW_HAMZA): araby.WAW,
        ord(araby.YEH_HAMZA): araby.YEH,
        ord(araby.TEH_MARBUTA): araby.HEH,
        ord(araby.ALEF_MAKSURA): araby.YEH,
        ord("\u06cc"): araby.YEH,  # Persian ya
        ord("\u06a9"): "\u0643",  # Persian kaf (keheh)
    }
)
# Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits read as ASCII digits, and the
# Arabic decimal and thousands separators as "." and ",".
_LETTERS.update({0x0660 + n: str(n) for n in range(10)})
_LETTERS.update({0x06F0 + n: str(n) for n in range(10)})
_LETTERS.update({0x066B: ".", 0x066C: ","})

# Proclitics, longest first: a conjunction (و ف), a preposition (ب ل ك), the article (ال), in
# that order; "لل" is ل before ال, whose alef is not written.
_PROCLITICS = tuple(
    sorted(
        {
            conjunction + preposition + article
            for conjunction in ("", "و", "ف")
            for preposition in ("", "ب", "ك", "ل")
            for article in ("", "ال")
            if conjunction + preposition + article
        }
        | {"لل", "ولل", "فلل"},
        key=len,
        reverse=True,
    )
)
# Suffixes, longest first: plural and dual endings and the attached pronouns; ta marbuta is read
# as ha by then, so that غارة and its pronoun forms lose it too. The nisba ending -ي stays, so
# that an adjective keeps apart from its noun: العراقية and العراقيين fold to عراقي (a demonym,
# as "Iraqi" is), العراق to عراق (the country).
_SUFFIX_LIST = (
    "اتهما", "اتها", "اتهم", "تهما", "تها", "تهم", "تين", "تان",
    "ات", "ون", "ين", "ان", "ها", "هم", "هما", "كم", "نا", "ه",
)  # fmt: skip
_SUFFIXES = tuple(sorted(_SUFFIX_LIST, key=len, reverse=True))
# Letters a key keeps at least, so that short words (في، من، قتل) stay whole.
_KEEP = 3


# normalize's replacements one by one. No replacement writes a character another one replaces
# (tests/test_arabic.py holds that), so replacing each in turn is the same as translating.
_REPLACEMENTS = tuple((chr(code), new or "") for code, new in _LETTERS.items())
# From about this length, looking for each replaced character in turn (in C, at memory speed) and
# replacing the few present costs less than translate, which looks every character up in a
# table: a 500-character Arabic text takes about a tenth of the time; a word is translated.
_REPLACE_FROM = 40


def normalize(text: str) -> str:
    """The text with its Arabic letters unified and its digits in ASCII; other letters as they
    are. The length changes where marks are removed."""
    if len(text) < _REPLACE_FROM:
        return text.translate(_LETTERS)
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text


def has_arabic(text: str) -> bool:
    return ARABIC_LETTER.search(text) is not None


@functools.lru_cache(maxsize=1 << 15)
def fold(word: str) -> str:
    """One word as the matcher compares it: lower case; for an Arabic word, its unified letters
    without its proclitics and one suffix (وبالغارات → غار، الغارة → غار)."""
    word = normalize(word.lower())
    if not ARABIC_LETTER.match(word):
        return word
    return _cut_suffix(_cut_proclitics(word))


@functools.lru_cache(maxsize=1 << 15)
def _cut_proclitics(word: str) -> str:
    for proclitic in _PROCLITICS:
        if word.startswith(proclitic) and len(word) - len(proclitic) >= _KEEP:
            return word[len(proclitic) :]
    return word


def _cut_suffix(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _KEEP:
            return word[: -len(suffix)]
    return word


def fold_prefix(word: str) -> str:
    """A word written with a trailing * in a lexicon ("مسير*"): its letters unified and its
    proclitics cut, its ending left to the *."""
    word = normalize(word.lower())
    if not ARABIC_LETTER.match(word):
        return word
    return _cut_proclitics(word)


def forms(word: str) -> tuple[str, ...]:
    """The keys a lexicon word may take in a text: written bare, and with the article (وزير
    folds to زير, الوزير and بالوزير to وزير). A non-Arabic word has one key."""
    bare = fold(word)
    if not ARABIC_LETTER.match(bare):
        return (bare,)
    with_article = fold("ال" + normalize(word))
    return (bare,) if with_article == bare else (bare, with_article)


# --- who struck ----------------------------------------------------------------------------------

# Between strike words and a name, words that make the name the target, its owner or its place
# rather than the striker: "غارات على مواقع النظام" (strikes on the regime's positions).
_NOT_AGENT = frozenset(
    fold(word)
    for word in (
        "على", "في", "ضد", "نحو", "باتجاه", "داخل", "قرب", "عند", "مواقع", "موقع", "مقر",
        "مقرات", "نقاط", "نقطة", "تجمعات", "عناصر", "قاعدة", "قواعد", "مناطق", "منطقة", "مخازن",
        "مستودعات", "قيادي", "قياديين", "رتل", "أرتال", "آليات", "سيارة", "معسكر", "معسكرات",
    )
)  # fmt: skip
_AGENT_GAP = 4
# "by" reaches further: "الجهة التي استهدفت الحقل ... وتم تنفيذها من قبل مليشيات".
_BY_GAP = 25
_TARGETING = ("استهدف", "يستهدف", "تستهدف", "استهداف", "هاجم", "يهاجم", "تهاجم", "مهاجم")
_BY = re.compile(r"(?:من قبل|بواسطة|بواسطه)\s*$")
_STOP = re.compile(r"[،,.;:؛!?؟()\n]")
_WORD = re.compile(r"\w+")


def agent_follows(text: str, end: int, start: int) -> bool:
    """True when the Arabic name at text[start:] is the striker of the strike words ending at
    `end`: Arabic names the agent after its verb or noun ("قصفت طائرات حربية روسية", "غارات
    للتحالف الدولي"), within a few words, with no place, target or clause between."""
    if not ARABIC_LETTER.match(text, start):
        return False
    gap = text[end:start]
    # "نفذت من قبل مليشيات", "بواسطة طائرات": the agent said outright, as after "by".
    if _BY.search(gap) and not _STOP.search(gap) and len(_WORD.findall(gap)) <= _BY_GAP:
        return True
    # After a verb of targeting the name is more often its object: "استهداف القوات الأمريكية".
    last = _WORD.findall(text[max(0, end - 20) : end])
    if last and normalize(last[-1]).lstrip("وف").startswith(_TARGETING):
        return False
    if _STOP.search(gap):
        return False
    words = _WORD.findall(gap)
    return len(words) <= _AGENT_GAP and not any(fold(word) in _NOT_AGENT for word in words)


# --- language ---------------------------------------------------------------------------------

# Share of letters that must be Arabic for a text to be read as Arabic: a headline quoted in
# an English story does not make it Arabic, an English name in an Arabic one does not undo it.
_ARABIC_SHARE = 0.5
# Runs of Arabic letters and of other letters (every ARABIC_LETTER is a letter), counted by
# their lengths: a list of runs is far shorter than one of letters.
_ARABIC_RUN = re.compile(ARABIC_LETTER.pattern + "+")
_OTHER_RUN = re.compile(r"[^\W\d_" + ARABIC_LETTER.pattern[1:-1] + "]+")


def _count(run: re.Pattern[str], text: str) -> int:
    return sum(map(len, run.findall(text)))


def language(text: str) -> str:
    """ "ar" when most letters of the text are Arabic, else "en" (the only other language the
    rules read); a text with no letters is "en"."""
    sample = text[:4000]
    if sample.isascii():
        return "en"
    arabic = _count(_ARABIC_RUN, sample)
    if not arabic:
        return "en"
    if arabic >= _ARABIC_SHARE * len(sample):
        return "ar"  # other letters are fewer than the characters left
    return "ar" if arabic / (arabic + _count(_OTHER_RUN, sample)) >= _ARABIC_SHARE else "en"


# --- numbers written as words -------------------------------------------------------------------

# Counts written out in casualty reports, as normalize writes them (ta marbuta as ha), without
# proclitics ("وثلاثة" is ثلاثه). "عشرات" (tens of) reads as the least it says, 20, as "dozens"
# does in English; "مئات" as 200.
_COUNTS = {
    "واحد": 1, "واحده": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2, "ثلاث": 3,
    "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7,
    "سبعه": 7, "ثماني": 8, "ثمان": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
    "عشرين": 20, "عشرون": 20, "ثلاثين": 30, "ثلاثون": 30, "اربعين": 40, "اربعون": 40,
    "خمسين": 50, "خمسون": 50, "مئه": 100, "مائه": 100, "عشرات": 20, "مئات": 200,
}  # fmt: skip


def count_word(word: str) -> int | None:
    """The number a word writes out (ثلاثة → 3, عشرات → 20, ٥ → 5), or None."""
    normal = normalize(word)
    if normal.lstrip("وف").isdigit():  # "و10": and 10
        return int(normal.lstrip("وف"))
    return _COUNTS.get(_cut_proclitics(normal)) or _COUNTS.get(normal)


# --- casualties ---------------------------------------------------------------------------------

# Words of killing and wounding, as normalize writes them and without proclitics: nouns (مقتل،
# قتلى، شهداء، جرحى، إصابة) and verbs (قتل، استشهد، أصيب).
_KILLED = frozenset((
    "مقتل", "قتل", "قتلي", "قتيل", "قتيلا", "قتلوا", "قتلت", "يقتل", "مصرع", "استشهاد", "استشهد",
    "استشهدوا", "شهيد", "شهيدا", "شهداء", "وفاه", "حتفه", "حتفهم", "حتفهما", "ضحايا", "ضحيه",
))  # fmt: skip
_WOUNDED = frozenset((
    "اصابه", "اصابات", "جرحي", "جريح", "جريحا", "جرح", "اصيب", "اصيبوا", "اصيبت", "مصاب",
    "مصابا", "مصابين", "المصابين", "جروح",
))  # fmt: skip
# Nouns written after their number ("ثلاثة قتلى", "12 جريحا").
_COUNTED_NOUNS = frozenset((
    "قتلي", "جرحي", "شهداء", "قتيلا", "جريحا", "قتيل", "جريح", "اصابات", "مصابين", "ضحايا",
    "شهيدا",
))  # fmt: skip
# One or two people named without a number: "مقتل شخص" (one killed), "مقتل عنصرين" (two).
_ONE = frozenset((
    "شخص", "مدني", "عنصر", "جندي", "طفل", "امراه", "مواطن", "رجل", "قيادي", "مسوول", "مقاتل",
    "ضابط", "سايق", "شاب", "طفله", "احد", "احدي", "طبيب", "صحفي", "ناشط", "قايد", "عامل",
    "مسعف", "مزارع", "راعي", "فتي", "فتاه", "سيده", "مدرس", "موظف", "متعاقد",
))  # fmt: skip
_TWO = frozenset((
    "شخصين", "عنصرين", "جنديين", "طفلين", "مواطنين", "مقاتلين", "ضابطين", "قتيلان", "قتيلين",
    "شهيدين", "جريحين", "جريحان", "شخصان", "عنصران", "جنديان", "طفلان", "مدنيان", "مواطنان",
))  # fmt: skip
# Plural verbs whose subject, with its number, comes first: "12 مقاتلا ... لقوا حتفهم".
_SUBJECT_FIRST = frozenset(("حتفهم", "حتفهما", "قتلوا", "استشهدوا", "اصيبوا"))
# "ما لا يقل عن", "أكثر من", "على الأقل": the figure is a floor.
_FLOOR = re.compile(r"(?:لا يقل عن|اكثر من|يزيد عن|يزيد علي|يفوق)\s*$")
_AT_LEAST = re.compile(r"^\s*(?:\S+\s+)?علي الاقل")
# Patterns are written as normalize writes the text (ئ as ي, ة as ه). No one hurt, or only
# things: "دون وقوع إصابات", "لم يسفر عن أي قتلى", "أضرار مادية".
_NO_TOLL = re.compile(
    r"(?:دون|بدون|لم\s+\S+|لا|عدم|نفي|نفت)\s+(?:\S+\s+){0,4}?"
    r"(?:اصابات|خساير|ضحايا|قتلي|اصابه|اضرار)"
)
_THINGS_ONLY = re.compile(r"(?:اضرار|خساير)\S*\s+مادي|اقتصرت\s+(?:\S+\s+)?علي\s+الماديات")
_TOKEN = re.compile(r"[^\W_]+")
# The letters every word of _KILLED, _WOUNDED, _NO_TOLL and _THINGS_ONLY holds.
_ANY_TOLL = re.compile(
    "قتل|قتي|مصرع|شهد|شها|شهي|وفاه|حتف|ضحي|ضحا|جرح|جرو|جري|اصاب|اصيب|مصاب|خساير|اضرار|ماديات"
)

Count = int | tuple[int, int | None]


def _number_at(words: list[str], at: int) -> tuple[int, int] | None:
    """The number written at words[at] (digits or words, "خمسة عشر", "ثلاثة وعشرين") and the
    index after it, or None."""
    following = at + 1
    # "أحد عشر" (eleven); "أحد" alone is "one of", read with the nouns of one person.
    if words[at] in ("احد", "احدي") and following < len(words) and words[following] == "عشر":
        return 11, following + 1
    value = count_word(words[at])
    if value is None:
        return None
    if following < len(words) and value < 10 and _cut_proclitics(words[following]) == "عشر":
        return value + 10, following + 1
    if following < len(words) and value < 10 and words[following].startswith("و"):
        tens = count_word(words[following][1:])
        if tens is not None and tens >= 20 and tens % 10 == 0:
            return value + tens, following + 1
    return value, following


# Months, Syriac and Latin names as normalize writes them: "15 أيلول" is a date, not a toll.
_MONTHS = frozenset((
    "كانون", "شباط", "اذار", "نيسان", "ايار", "حزيران", "تموز", "اب", "ايلول", "تشرين", "يناير",
    "فبراير", "مارس", "ابريل", "مايو", "يونيو", "يوليو", "اغسطس", "سبتمبر", "اكتوبر", "نوفمبر",
    "ديسمبر",
))  # fmt: skip


def _is_date(words: list[str], after: int) -> bool:
    return after < len(words) and words[after] in _MONTHS


def _number_before(words: list[str], at: int) -> tuple[int, int] | None:
    """The number ending at words[at], read from its first word ("خمسة عشر" from عشر)."""
    if at:
        longer = _number_at(words, at - 1)
        if longer is not None and longer[1] > at:
            return longer
    return _number_at(words, at)


def _toll(words: list[str], bare: list[str], anchors: frozenset[str]) -> list[tuple[int, Count]]:
    """(word index, count) of every toll the words (and bare, the words without their
    proclitics) state with one of the anchors."""
    found: list[tuple[int, Count]] = []
    for at, word in enumerate(bare):
        if word not in anchors and words[at] not in anchors:
            continue
        if word in _TWO:
            found.append((at, 2))
            continue
        # "مقتل وإصابة 10": killed and wounded told together, neither alone.
        if (
            at + 1 < len(words)
            and words[at + 1].startswith("و")
            and _cut_proclitics(words[at + 1][1:]) in _KILLED | _WOUNDED
        ) or (
            at
            and words[at].startswith("و")
            and (bare[at - 1] in _KILLED | _WOUNDED or words[at - 1] in _KILLED | _WOUNDED)
        ):
            continue
        counted = False
        # A plural noun follows its number: "5 قتلى على الأقل وأكثر من 9 جرحى".
        if word in _COUNTED_NOUNS:
            for back in range(at - 1, max(-1, at - 4), -1):
                number = _number_before(words, back)
                if number is not None:
                    floor = _FLOOR.search(" ".join(words[max(0, back - 4) : back]) + " ")
                    floor = floor or _AT_LEAST.match(" ".join(words[at + 1 : at + 3]))
                    found.append((at, (number[0], None) if floor else number[0]))
                    counted = True
                    break
            if counted:
                continue
        # After the anchor: "مقتل 3 مدنيين", "مقتل ما لا يقل عن 10 أشخاص".
        for ahead in range(at + 1, min(at + 6, len(words)) if word not in _SUBJECT_FIRST else 0):
            number = _number_at(words, ahead)
            if number is not None and not _is_date(words, number[1]):
                floor = _FLOOR.search(" ".join(words[at + 1 : ahead]) + " ") or _AT_LEAST.match(
                    " ".join(words[number[1] : number[1] + 3])
                )
                found.append((at, (number[0], None) if floor else number[0]))
                counted = True
                break
            if bare[ahead] in _KILLED | _WOUNDED:
                break
        if counted:
            continue
        # "ارتفاع عدد القتلى إلى 4", "حصيلة الضحايا 12": the figure a few words on.
        if at and bare[at - 1] in ("عدد", "حصيله"):
            for ahead in range(at + 1, min(at + 20, len(words))):
                number = _number_at(words, ahead)
                if number is not None and (words[ahead - 1] == "الي" or ahead == at + 1):
                    found.append((at, number[0]))
                    counted = True
                    break
            if counted:
                continue
        # Before it: "3 قتلى", "ثلاثة جرحى", "عشرات القتلى", "12 مقاتلا ... لقوا حتفهم".
        reach = 14 if word in _SUBJECT_FIRST else 4
        for back in range(at - 1, max(-1, at - reach), -1):
            if bare[back] in _KILLED | _WOUNDED:
                break
            number = _number_before(words, back)
            if number is not None:
                floor = _FLOOR.search(" ".join(words[max(0, back - 4) : back]) + " ")
                found.append((at, (number[0], None) if floor else number[0]))
                counted = True
                break
        if not counted and at + 1 < len(words):
            if bare[at + 1] in _ONE or words[at + 1] in _ONE:
                found.append((at, 1))
            elif bare[at + 1] in _TWO or words[at + 1] in _TWO:
                found.append((at, 2))
    return found


_SENTENCE_END = re.compile(r"[.!؟?\n]+")


def casualties(
    sentences: list[tuple[str, int]], whole: str = ""
) -> tuple[Count | None, Count | None]:
    """Killed and wounded counts of Arabic sentences (each with the offset of its strike
    words): in the first sentence that states one, the count nearest to the strike words, else
    the first the whole text states; 0 killed when the text says no one was hurt, or tells the
    wounded or the damage and names no death."""
    read: dict[str, _Read] = {}
    killed, wounded, none_hurt, things_only = _tolls(sentences, read)
    if whole and (killed is None or wounded is None):
        rest = [(part, 0) for part in _SENTENCE_END.split(whole) if part.strip()]
        more_killed, more_wounded, none_hurt, things_only = _tolls(rest, read)
        killed = more_killed if killed is None else killed
        wounded = more_wounded if wounded is None else wounded
    if killed is None and (none_hurt or things_only or wounded is not None):
        killed = 0
    if wounded is None and none_hurt:
        wounded = 0
    return killed, wounded


def _tolls(
    sentences: list[tuple[str, int]], read: dict[str, _Read]
) -> tuple[Count | None, Count | None, bool, bool]:
    """The killed and wounded counts of the first sentences stating them, and whether any
    sentence says no one was hurt, or tells damage to things."""
    killed: Count | None = None
    wounded: Count | None = None
    none_hurt = things_only = False
    for sentence, cue in sentences:
        told = _read_tolls(sentence, read)
        if told is None:
            continue
        cue_at = len(_TOKEN.findall(normalize(sentence[:cue]))) if cue else 0
        for tolls, held in zip(told[:2], ("killed", "wounded"), strict=True):
            if not tolls:
                continue
            nearest = min(tolls, key=lambda toll: abs(toll[0] - cue_at))[1]
            if held == "killed" and killed is None:
                killed = nearest
            elif held == "wounded" and wounded is None:
                wounded = nearest
        none_hurt = none_hurt or told[2]
        things_only = things_only or told[3]
    return killed, wounded, none_hurt, things_only


# What a sentence tells of a toll: the killed and wounded tolls it states (word index, count),
# and whether it says no one was hurt, or tells damage to things; None: no toll word.
_Read = tuple[list[tuple[int, Count]], list[tuple[int, Count]], bool, bool] | None


def _read_tolls(sentence: str, read: dict[str, _Read]) -> _Read:
    """What the sentence tells of a toll, read once per text: a report's sentences are read
    several times over (as strike sentences, as the lead's, and in the whole text)."""
    if sentence in read:
        return read[sentence]
    normal = normalize(sentence)
    # Most sentences of a report tell no toll: one search in C passes them by.
    if not _ANY_TOLL.search(normal):
        read[sentence] = None
        return None
    words = _TOKEN.findall(normal)
    bare = [_cut_proclitics(word) for word in words]
    found = read[sentence] = (
        _toll(words, bare, _KILLED),
        _toll(words, bare, _WOUNDED),
        bool(_NO_TOLL.search(normal)),
        bool(_THINGS_ONLY.search(normal)),
    )
    return found


# --- the day of the strike ----------------------------------------------------------------------

# Weekdays as normalize writes them, Monday = 0 as datetime counts.
_WEEKDAYS = {"الاثنين": 0, "الثلاثاء": 1, "الاربعاء": 2, "الخميس": 3, "الجمعه": 4, "السبت": 5,
             "الاحد": 6}  # fmt: skip
# A weekday said as a day ("يوم الثلاثاء", "فجر الأربعاء", "اليوم الخميس", "أمس الجمعة"): a
# weekday alone may be a name (صلاة الجمعة is a prayer, الأحد "the one").
_DAY = re.compile(
    r"(?:يوم|اليوم|امس|صباح|مساء|فجر|ليل|ليله|ظهر|عصر|ظهيره|منتصف ليل)\s+"
    r"(" + "|".join(_WEEKDAYS) + r")(?![^\W_])"
)
# Days said relative to the report: "أمس" and "الليلة الماضية" the day before; "اليوم", "فجر
# اليوم", "صباح اليوم" the day it came out.
_YESTERDAY = re.compile(r"(?<![^\W_])(?:امس|البارحه|الليله الماضيه)(?![^\W_])")
_TODAY = re.compile(r"(?<![^\W_])(?:اليوم|الليله)(?![^\W_])")


def event_date(sentences: list[str], published: datetime | None) -> tuple[date | None, str | None]:
    """The first day the Arabic sentences give for the strike, resolved against the publication
    date as fields.event_date resolves English ones: a weekday is the latest such day on or
    before publication; "أمس" the day before; "اليوم" the day itself."""
    for sentence in sentences:
        normal = normalize(sentence)
        found = [
            (match.start(), kind, match)
            for kind, pattern in (("weekday", _DAY), ("yesterday", _YESTERDAY), ("today", _TODAY))
            for match in pattern.finditer(normal)
        ]
        if not found:
            continue
        _, kind, match = min(found, key=lambda item: item[0])
        if published is None:
            return None, match.group(0)
        day = published.date()
        if kind == "weekday":
            back = (day.weekday() - _WEEKDAYS[match.group(1)]) % 7
            return day - timedelta(days=back), match.group(0)
        return (day - timedelta(days=1) if kind == "yesterday" else day), match.group(0)
    return None, None
