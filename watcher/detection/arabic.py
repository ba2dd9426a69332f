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


def normalize(text: str) -> str:
    """The text with its Arabic letters unified and its digits in ASCII; other letters as they
    are. The length changes where marks are removed."""
    return text.translate(_LETTERS)


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


# --- language ---------------------------------------------------------------------------------

# Share of letters that must be Arabic for a text to be read as Arabic: a headline quoted in
# an English story does not make it Arabic, an English name in an Arabic one does not undo it.
_ARABIC_SHARE = 0.5
_LETTER = re.compile(r"[^\W\d_]")


def language(text: str) -> str:
    """ "ar" when most letters of the text are Arabic, else "en" (the only other language the
    rules read); a text with no letters is "en"."""
    sample = text[:4000]
    letters = len(_LETTER.findall(sample))
    if not letters:
        return "en"
    arabic = len(ARABIC_LETTER.findall(sample))
    return "ar" if arabic / letters >= _ARABIC_SHARE else "en"


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
    if normal.isdigit():
        return int(normal)
    return _COUNTS.get(_cut_proclitics(normal)) or _COUNTS.get(normal)
