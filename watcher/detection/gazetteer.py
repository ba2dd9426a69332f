"""Places and armed actors named in a text: reads the package's data files once, returns matches.

Text goes in, `Found` spans (a place or an actor, with character offsets) come out; the only I/O is
reading `data/places.tsv`, `data/actors.tsv` and `data/ambiguous.txt` from the package on first use.

Matching works on word tokens folded for comparison (case, diacritics, apostrophes and Arabic letter
variants removed), so "Deir ez-Zor", "Deir ez Zor" and "DEIR EZ-ZOR" are one key. A dictionary of
alias keys is looked up at the tokens that begin some alias (picked out in C), longest alias
first, which keeps a 6 KB article well under a millisecond; places_near reads only some
character ranges of a text and their surroundings, with the same result there. Names must be
written as names ("Green Zone", not "a green zone"); spellings that are also ordinary words
("Hit", "Van", "us") must start with a capital, or be in capitals, and place names among them
must follow a locative word ("in Hit").
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    id: str  # "IQ" (country), "IQ.01" (GeoNames admin1 code), "gn:98182", "iq:ain-al-asad"
    name: str
    country: str  # ISO 3166-1 alpha-2; "XZ" for international waters
    governorate: str | None  # id of the governorate Place
    lat: float | None
    lon: float | None
    # country|governorate|city|town|village|district|base|airport|crossing|dam|camp|field|region
    kind: str
    population: int | None


@dataclass(frozen=True)
class Actor:
    id: str
    name: str  # normalised as in the annotated fields: "United States", "militia: Hezbollah"
    kind: str  # state|state_military|coalition|militia|jihadist|kurdish|rebel|insurgent
    country: str | None


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    entry: Place | Actor


# How an alias must be written in the text to count, loosest first: as it likes; with some
# capital letter, as names are ("Green Zone", not "a green zone"; "West Bank", not "the west bank
# of the river"); starting with a capital; all in capitals.
ANY, PROPER, CAPITAL, UPPER = 0, 1, 2, 3

# fmt: off
# A place alias that is also a common word counts only right after one of these, or right before
# one of the nouns below written in lower case ("in Hit", "Hit district", not "Rockets Hit Town"),
# or before a comma and the country's name ("Hit, Iraq", not "Rockets Hit Iraq's base").
LOCATIVES = frozenset((
    "in", "near", "at", "of", "from", "outside", "around", "into", "to", "toward", "towards",
    "across", "within", "inside", "north", "south", "east", "west", "northeast", "northwest",
    "southeast", "southwest", "في", "قرب", "من",
))
PLACE_NOUNS = frozenset((
    "province", "governorate", "district", "subdistrict", "town", "city", "village", "area",
    "region", "countryside", "outskirts",
))
COUNTRY_CUES = frozenset(("iraq", "syria"))
# fmt: on

# Between the words of one alias: spaces, hyphens, dots, apostrophes; not "]", "," or ")".
_GAP = re.compile(r"[\s\-‐‑–—.'’`]*")
# A word: a letter or digit, then letters, marks and apostrophes up to the last letter, digit or
# Arabic mark. Said as a look-behind, the same as "\w(?:[...]*[\w...])?" and a fifth faster.
_TOKEN = re.compile(r"\w[\w\u0300-\u036f\u064b-\u065f\u0670'’‘ʼʿʾ`]*(?<=[\w\u064b-\u065f\u0670])")
_SPLIT = re.compile(f"({_TOKEN.pattern})")
# What joins runs of \w into one token ("qa’im"); each folds to nothing (joined_runs).
_APOSTROPHES = "'’‘ʼʿʾ`"
_JOINERS = frozenset(_APOSTROPHES)
# Combining marks (Latin, Arabic) join runs too; in UTF-8 their first bytes are these, and a
# search for three bytes costs a fraction of a character class's over the text.
_MARK_BYTES = (b"\xcc", b"\xcd", b"\xd9")


def _run_before(text: str) -> str:
    start = len(text)
    while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return text[start:]


def _run_after(text: str) -> str:
    end = 0
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[:end]


def joined_runs(lowered: str) -> list[tuple[str, str]] | None:
    """The pairs of runs of \\w that an apostrophe joins into one token ("don’t", "qa’im"), in
    a lower-cased text; None when a token may join more than two runs or hold a combining
    mark (not worked out here). Apostrophes are few, and found in C."""
    pairs = []
    for apostrophe in _APOSTROPHES:
        if apostrophe not in lowered:
            continue
        pieces = lowered.split(apostrophe)
        for index, (before, after) in enumerate(itertools.pairwise(pieces)):
            first = _run_before(before)
            if not first:
                continue
            # The characters after this apostrophe and after the run it joins: an empty piece
            # that is not the last stands for the same apostrophe again.
            more = "" if index + 2 == len(pieces) else apostrophe
            if (after[:1] or more) in _JOINERS:
                return None  # "x’’y": more than one joiner
            second = _run_after(after)
            if not second:
                continue
            if (after[len(second) : len(second) + 1] or more) in _JOINERS:
                return None  # "x’y’z"
            pairs.append((first, second))
    if not lowered.isascii() and any(
        mark in lowered.encode("utf-8", "surrogatepass") for mark in _MARK_BYTES
    ):
        return None
    return pairs


_MARKS = str.maketrans("", "", _APOSTROPHES + "\u0640")
_ARABIC = str.maketrans({"ة": "ه", "ى": "ي", "ٱ": "ا", "ی": "ي", "ک": "ك", "ı": "i"})
_ARABIC_PROCLITICS = "وبلفك"


def fold(token: str) -> str:
    """A token as compared: lower case, no diacritics, apostrophes or Arabic letter variants."""
    if token.isascii():
        return token.lower().translate(_MARKS)
    return token.translate(_CHARACTER_FOLDS)


def fold_each_step(token: str) -> str:
    """fold, step by step: letter variants, compatibility decomposition, marks dropped, case
    folded, apostrophes and letter variants again. fold does the same one character at a time."""
    decomposed = unicodedata.normalize("NFKD", token.translate(_ARABIC))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold().translate(_MARKS).translate(_ARABIC)


class _CharacterFolds(dict[int, str]):
    """fold_each_step of single characters, each computed on first use. Folding a word is
    folding its characters one by one: each step maps characters on their own, except the
    decomposition's reordering of combining marks, which are all dropped. So one translate
    through this table folds a word; a word in Arabic script took 4 to 5 times longer step by
    step, and most words of an Arabic text are new to the cache of folded words."""

    def __missing__(self, code: int) -> str:
        folded = fold_each_step(chr(code))
        # Bounded: a text of many unusual characters must not grow the table without end.
        if len(self) < 1 << 16:
            self[code] = folded
        return folded


_CHARACTER_FOLDS = _CharacterFolds()


def alias_key(alias: str) -> str:
    """The dictionary key of an alias: its folded tokens joined by single spaces, a possessive
    "’s" cut off as a text's tokens are ("People's Protection Units" is "people protection
    units", as in a text that writes it so)."""
    return " ".join(fold(_without_possessive(m.group())) for m in _TOKEN.finditer(alias))


_POSSESSIVE = ("'s", "’s")


def _possessive(key: str) -> bool:
    """Whether a token in lower case ends in a possessive "’s" that matching cuts off."""
    return key.endswith(_POSSESSIVE) and len(key) > 3


def _without_possessive(token: str) -> str:
    lowered = token.lower()
    return token[:-2] if len(lowered) == len(token) and _possessive(lowered) else token


# --- spelling variants ---------------------------------------------------------------------------
# The press transliterates Arabic names in several systems; these rules produce the common forms
# from one spelling. Irregular spellings (Kobani, Palmyra, Makhmour) belong in the curated files.

# fmt: off
ARTICLES = frozenset((
    "al", "el", "il", "ul", "ad", "ar", "as", "az", "at", "ash", "an", "adh", "ath", "ed", "er",
    "es", "ez", "et", "esh", "en",
))
# fmt: on
_SUN = ("sh", "th", "dh", "t", "d", "r", "z", "s", "n", "l")
_WORD_FORMS: Mapping[str, tuple[str, ...]] = {
    "dayr": ("deir", "der", "dair"),
    "deir": ("dayr", "der"),
    "tall": ("tal", "tel", "tell"),
    "tal": ("tall", "tel"),
    "tel": ("tal", "tell"),
    "ayn": ("ain", "ein"),
    "ain": ("ayn", "ein"),
    "shaykh": ("sheikh", "sheik", "shaikh"),
    "sheikh": ("shaykh", "sheik"),
    "jabal": ("jebel", "jabel"),
    "kafr": ("kfar", "kafar"),
    "khirbat": ("khirbet",),
    "bayt": ("beit", "bait"),
    "albu": ("abu", "al bu", "bu"),
    "abu": ("abou",),
    "umm": ("um", "om"),
    "ibn": ("bin",),
    "nahiyat": ("",),
    "muhafazat": ("",),
    "madinat": ("",),
}
_VOWELS = "aeiouy"
_MAX_TOKEN_FORMS = 12
_MAX_VARIANTS = 48


def _spelling_forms(token: str) -> list[str]:
    """One token's common transliterations, the token itself first."""
    forms: dict[str, int] = {token: 0}
    for word in _WORD_FORMS.get(token, ()):
        forms.setdefault(word, 1)

    def add(rewrite: str, cost: int) -> None:
        if rewrite and rewrite not in forms:
            forms[rewrite] = cost

    for form, cost in list(forms.items()):
        add(re.sub(r"ay(?![aeiouy])", "ei", form), cost + 1)  # shaykh/sheikh, zaynab/zeinab
        add(re.sub(r"ay(?![aeiouy])", "ai", form), cost + 1)
        add(re.sub(r"aw(?![aeiouy])", "ou", form), cost + 1)  # zawr/zour, hawl/houl
        add(re.sub(r"aw(?![aeiouy])", "o", form), cost + 1)  # zawr/zor, hawl/hol
    for form, cost in list(forms.items()):
        add(re.sub(r"(?<![aeo])u(?![aeiou])", "ou", form), cost + 1)  # nu'man/nouman
        add(form.replace("q", "k"), cost + 1)  # qamishli/kamishli
        add(re.sub(r"([bcdfghjklmnpqrstvwxz])\1", r"\1", form), cost + 1)  # raqqa/raqa
    for form, cost in list(forms.items()):
        if form.endswith("iyah"):
            for end in ("iya", "iyeh", "ia"):
                add(form[:-4] + end, cost + 1)
        elif form.endswith("ah") and len(form) > 4:
            add(form[:-2] + "a", cost + 1)  # raqqah/raqqa
            add(form[:-2] + "eh", cost + 1)  # hasakah/hasakeh
        elif form.endswith("eh") and len(form) > 4:
            add(form[:-2] + "a", cost + 1)
            add(form[:-2] + "ah", cost + 1)
        elif form.endswith("a") and len(form) > 3 and form[-2] not in _VOWELS:
            add(form + "h", cost + 1)
    ranked = sorted(forms.items(), key=lambda item: (item[1], item[0]))
    return [form for form, _ in ranked[:_MAX_TOKEN_FORMS]]


def _article_forms(following: str) -> list[str]:
    forms = ["al", "el"]
    for sun in _SUN:
        if following.startswith(sun):
            forms += ["a" + sun, "e" + sun] if sun != "l" else []
            break
    return forms


def spelling_variants(name: str) -> list[str]:
    """Common press spellings of a Latin-script Arabic, Kurdish or Syriac place name, as alias keys.

    The name's own key comes first. Covers article forms (al-/el-/ar-/ash-…, and no article at the
    start), Deir/Dayr, Tall/Tal/Tel, Ayn/Ain, ay/ei, aw/ou/o, u/ou, q/k, doubled letters and the
    final -ah/-a/-eh and -iyah/-iya/-iyeh endings. Arabic-script names are returned unchanged.
    """
    tokens = alias_key(name).split()
    if not tokens:
        return []
    own = " ".join(tokens)
    if not all(token.isascii() for token in tokens):
        return [own]
    choices: list[list[tuple[str, int]]] = []
    for index, token in enumerate(tokens):
        if token in ARTICLES and index + 1 < len(tokens):
            forms = [(token, 0)] + [(f, 1) for f in _article_forms(tokens[index + 1]) if f != token]
            if index == 0:
                forms.append(("", 1))
        else:
            forms = [(f, 0 if f == token else 1) for f in _spelling_forms(token)]
        choices.append(forms)
    combos: list[tuple[int, str]] = []
    for combo in itertools.product(*choices):
        key = " ".join(" ".join(form for form, _ in combo).split())
        if key:
            combos.append((sum(cost for _, cost in combo), key))
        if len(combos) > 20 * _MAX_VARIANTS:
            break
    variants = [own]
    for _, key in sorted(combos):
        if key not in variants:
            variants.append(key)
        if len(variants) >= _MAX_VARIANTS:
            break
    return variants


def weak_alias(key: str, ambiguous: frozenset[str]) -> bool:
    """True for an alias key too short or too common to stand alone ("hit", "al sham")."""
    return key in ambiguous or (" " not in key and len(key) <= 3)


# Site nouns the press writes as one word or two: "T4 airbase", "the Sarsang oil field".
_COMPOUNDS = (("air base", "airbase"), ("oil field", "oilfield"), ("gas field", "gasfield"))


def _compound_forms(alias: str) -> list[str]:
    """The alias with each site noun written the other way ("airbase" for "air base")."""
    forms = []
    for two, one in _COMPOUNDS:
        for old, new in ((two, one), (one, two)):

            def spelled(match: re.Match[str], new: str = new) -> str:
                return new.title() if match.group()[0].isupper() else new

            written = re.sub(rf"\b{old}\b", spelled, alias, flags=re.IGNORECASE)
            if written != alias:
                forms.append(written)
    return forms


def with_variants(aliases: Sequence[str], ambiguous: frozenset[str]) -> list[str]:
    """The aliases followed by their spelling variants, leaving out variants that are weak.

    Variants of a name written with capitals are capitalised too, so that they are matched only
    where the text writes a name. A site noun written in two words is also written in one, and
    the other way round ("air base", "airbase").
    """
    spelled = list(aliases)
    spelled += [form for alias in aliases for form in _compound_forms(alias)]
    for alias in aliases:
        named = any(c.isupper() for c in alias)
        for variant in spelling_variants(alias)[1:]:
            if not weak_alias(variant, ambiguous):
                spelled.append(variant.title() if named else variant)
    return list(dict.fromkeys(spelled))


# --- the matcher ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    entry: Place | Actor
    shape: int  # ANY, PROPER, CAPITAL or UPPER
    needs_cue: bool  # a place alias that is also a common word


@dataclass(frozen=True)
class _Index:
    keys: Mapping[str, _Target]
    longest: Mapping[str, int]  # first token of any key -> most tokens in a key starting with it
    most: int  # most tokens in any key
    prefixes: frozenset[str]  # the keys' first tokens, 1 to all but one, joined as in keys


@dataclass(frozen=True)
class _Tokens:
    keys: list[str]
    # Running end offsets of the text split into separators and tokens: token i starts at
    # offsets[2 * i] and ends at offsets[2 * i + 1]. Splitting keeps the loop in C.
    offsets: list[int]
    ends: dict[int, int]  # token index -> end offset, where a possessive "'s" was cut off

    def start(self, index: int) -> int:
        return self.offsets[2 * index]

    def end(self, index: int) -> int:
        return self.ends.get(index) or self.offsets[2 * index + 1]


def _shape(alias: str, key: str, ambiguous: frozenset[str]) -> int:
    letters = [c for c in alias if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return UPPER
    if key in ambiguous or (" " not in key and len(key) <= 4 and key.isascii()):
        return CAPITAL
    return PROPER if any(c.isupper() for c in letters) else ANY


def _build_index(
    aliases: Iterable[tuple[str, Place | Actor]], ambiguous: frozenset[str], cue_places: bool
) -> _Index:
    keys: dict[str, _Target] = {}
    for alias, entry in aliases:
        key = alias_key(alias)
        if not key:
            continue
        shape = _shape(alias, key, ambiguous)
        needs_cue = cue_places and weak_alias(key, ambiguous)
        held = keys.get(key)
        if held is not None and held.entry != entry:
            continue  # the data files list the winning entry first
        if held is not None:
            # One entry, several writings of a key ("ISIS", "Isis"): the loosest writing rules.
            shape = min(shape, held.shape)
            needs_cue = needs_cue and held.needs_cue
        keys[key] = _Target(entry, shape, needs_cue)
    longest: dict[str, int] = {}
    for key in keys:
        tokens = key.split(" ")
        longest[tokens[0]] = max(longest.get(tokens[0], 0), len(tokens))
    prefixes = frozenset(
        " ".join(tokens[:n])
        for key in keys
        for tokens in [key.split(" ")]
        for n in range(1, len(tokens))
    )
    return _Index(keys, longest, max(longest.values(), default=1), prefixes)


@functools.lru_cache(maxsize=4)
def _keeps_length(text: str) -> bool:
    """Whether lower-casing the text keeps its length; cached for the sentences of one text."""
    return len(text.lower()) == len(text)


@functools.lru_cache(maxsize=8)
def _tokens(text: str) -> _Tokens:
    """The text's word tokens; cached because places_in and actors_in read the same text."""
    return _tokenize(text, 0, len(text), _keeps_length(text))


def _tokenize(text: str, start: int, stop: int, folded: bool) -> _Tokens:
    """The word tokens of text[start:stop] with offsets in text; start and stop must not cut a
    token. folded: lower-casing the whole text keeps its length (else tokens are folded one by
    one, as the whole text's are)."""
    part = text[start:stop]
    lowered = part.lower() if folded else part
    parts = _SPLIT.split(lowered)
    offsets = list(itertools.accumulate(map(len, parts), initial=start))[1:]
    keys = parts[1::2]
    ends: dict[int, int] = {}
    if folded and lowered.isascii() and "'" not in lowered and "`" not in lowered:
        return _Tokens(keys, offsets, ends)
    # Lower-cased plain words are keys as they are: only the others need a look. Each distinct
    # word is folded once, and the keys are placed in C (in an Arabic text, most words).
    odd = [key for key in set(keys) if not folded or not key.isascii() or "'" in key or "`" in key]
    folds = dict(zip(odd, map(_fold_cached, odd), strict=True))
    if "'s" in lowered or "’s" in lowered:
        possessive = set(filter(_possessive, odd))
        folds.update((key, _fold_cached(key[:-2])) for key in possessive)
        for index in itertools.compress(range(len(keys)), map(possessive.__contains__, keys)):
            ends[index] = offsets[2 * index + 1] - 2  # "Baghdad's Green Zone"
    return _Tokens(list(map(folds.get, keys, keys)), offsets, ends)


# The same few words come back in every text; folding one (Unicode normalisation) costs more.
_fold_cached = functools.lru_cache(maxsize=1 << 12)(fold)


def _written_as(shape: int, written: str) -> bool:
    if shape == UPPER:
        return all(c.isupper() for c in written if c.isalpha())
    if shape == CAPITAL:
        return written[:1].isupper()
    if shape == PROPER:
        return not written.islower()
    return True


def _inside_capitals(tokens: _Tokens, text: str, first: int, last: int) -> bool:
    """True when a span sits in a run of all-capital words, as in a shouted headline."""
    words = [
        text[tokens.start(i) : tokens.end(i)]
        for i in (first - 1, last + 1)
        if 0 <= i < len(tokens.keys)
    ]
    return bool(words) and all(len(word) > 1 and word.isupper() for word in words)


def _has_cue(tokens: _Tokens, text: str, first: int, last: int) -> bool:
    if first > 0 and tokens.keys[first - 1] in LOCATIVES:
        return True
    if last + 1 >= len(tokens.keys):
        return False
    after = tokens.keys[last + 1]
    written = text[tokens.start(last + 1) : tokens.end(last + 1)]
    # The country qualifies a place after a comma ("Hit, Iraq"); without one it begins the
    # next phrase, as in a headline's "Rockets Hit Iraq's Camp Taji".
    between = text[tokens.end(last) : tokens.start(last + 1)]
    return (after in COUNTRY_CUES and "," in between) or (
        after in PLACE_NOUNS and written.islower()
    )


def _starts(index: _Index, keys: list[str]) -> list[tuple[int, int]]:
    """(token index, letters to skip) of every token that may begin an alias, in order."""
    longest = index.longest
    # Found per distinct word, then placed in C.
    vocabulary = set(keys)
    starting = longest.keys() & vocabulary  # iterates the smaller of the two
    starts = [
        (i, 0) for i in itertools.compress(range(len(keys)), map(starting.__contains__, keys))
    ]
    # Arabic writes "and", "in", "to" joined to the next word: وبغداد, بالرقة.
    proclitic = {
        key
        for key in vocabulary.difference(starting)
        if not key.isascii()
        and len(key) > 3
        and key[0] in _ARABIC_PROCLITICS
        and key[1:] in longest
    }
    if not proclitic:
        return starts
    joined = [
        (i, 1) for i in itertools.compress(range(len(keys)), map(proclitic.__contains__, keys))
    ]
    return sorted(starts + joined)


def _find(index: _Index, text: str) -> list[Found]:
    return _scan(index, text, _tokens(text), 0, None)


def _scan(index: _Index, text: str, tokens: _Tokens, begin: int, stop: int | None) -> list[Found]:
    """The matches that start at tokens `begin` to `stop` (None: the last) of the text's tokens,
    scanning from `begin` as if no match ran into it."""
    keys = tokens.keys
    found: list[Found] = []
    free = 0  # the first token not inside an earlier match
    for i, skip in _starts(index, keys):
        if i < free or i < begin:
            continue
        if stop is not None and i >= stop:
            break
        first = keys[i][skip:]
        # The keys starting here, shortest first: a run of words that begins no key ends the
        # search (the longest one is tried first below).
        lengths: list[tuple[int, str, _Target]] = []
        key = first
        for n in range(1, min(index.longest[first], len(keys) - i) + 1):
            if n > 1:
                if key not in index.prefixes:
                    break
                key = f"{key} {keys[i + n - 1]}"
            target = index.keys.get(key)
            if target is not None:
                lengths.append((n, key, target))
        for n, key, target in reversed(lengths):
            last = i + n - 1
            start, end = tokens.start(i) + skip, tokens.end(last)
            if n > 1 and not all(
                # From the token's own end: a possessive "’s" inside an alias is part of it
                # ("People's Protection Units").
                _GAP.fullmatch(text, tokens.offsets[2 * j + 1], tokens.start(j + 1))
                for j in range(i, last)
            ):
                continue
            written = text[start:end]
            if not _written_as(target.shape, written):
                continue
            if target.shape == UPPER and len(key) <= 2 and _inside_capitals(tokens, text, i, last):
                continue
            if target.needs_cue and not _has_cue(tokens, text, i, last):
                continue
            if end - tokens.start(last) == 1 and text[end : end + 1] == ".":
                end += 1  # the abbreviation's own dot: "U.S."
                written += "."
            found.append(Found(start, end, written, target.entry))
            free = last + 1
            break
    return found


# Characters read on each side of a window of places_near, at first (about ten words).
_MARGIN = 64


def _reaches(index: _Index, keys: list[str], at: int) -> bool:
    """True when some alias starting before token `at` could run on into it: a scan from `at`
    might then disagree with one from the start of the text."""
    longest = index.longest
    for i in range(max(0, at - index.most + 1), at):
        key = keys[i]
        if longest.get(key, 0) > at - i:
            return True
        if (
            not key.isascii()
            and len(key) > 3
            and key[0] in _ARABIC_PROCLITICS
            and key not in longest
            and longest.get(key[1:], 0) > at - i
        ):
            return True
    return False


def _find_near(index: _Index, text: str, windows: Sequence[tuple[int, int]]) -> list[Found]:
    """Of the matches _find(index, text) returns, every one that starts in or runs into one of
    the windows (character ranges), and maybe some others, read from the windows' surroundings
    only: long texts cost what the windows do."""
    folded = _keeps_length(text)
    found: dict[int, Found] = {}
    for low, high in windows:
        margin = _MARGIN
        while True:
            # Cut after and before whitespace, which no token holds.
            start = max(0, low - margin)
            while start and not text[start - 1].isspace():
                start -= 1
            stop = min(len(text), high + margin)
            while stop < len(text) and not text[stop].isspace():
                stop += 1
            tokens = _tokenize(text, start, stop, folded)
            count = len(tokens.keys)
            # From the first token that ends past `low`, back to one no alias runs into: the
            # scan from there agrees with the whole text's. Before it, the tokens that could
            # start an alias running into it and one more (the word before a match) must be
            # read; after the last token starting before `high`, the longest alias and one more.
            at = bisect.bisect_right(tokens.offsets, low) // 2
            while at > 0 and (at >= index.most or not start) and _reaches(index, tokens.keys, at):
                at -= 1
            last = (bisect.bisect_left(tokens.offsets, high) + 1) // 2
            if (not start or at >= index.most) and (
                stop == len(text) or count >= last + index.most + 1
            ):
                break
            margin *= 4
        for match in _scan(index, text, tokens, at, last):
            found[match.start] = match
    return [found[key] for key in sorted(found)]


def token_keys(words: set[str], joined: Iterable[tuple[str, str]]) -> set[str]:
    """The keys _tokenize gives a text's tokens that are not among its runs of \\w in lower case
    (`words`): runs outside ASCII, folded, and the pairs of runs that one joiner makes a token
    ("qa’im" is "qaim"; "Baghdad’s" is "baghdad", one of the words). For a text that
    lower-casing keeps the same length, where no token joins more than two runs. With them,
    what _scan also reads a key as: its words, where folding put a space in it (a letter such
    as "ﹰ" folds to one: "ez\ufe70zor" is "ez zor", which after "dayr" makes "dayr ez zor"),
    and the key after an Arabic proclitic (_starts; "ﻭﺑﻐﺪﺍﺩ", written in presentation forms,
    which no test for Arabic sees, folds to "وبغداد")."""
    keys = {
        key
        for word in itertools.filterfalse(str.isascii, words)
        if (key := _fold_cached(word)) != word
    }
    keys.update(_fold_cached(first) + _fold_cached(second) for first, second in joined)
    keys.update([key[1:] for key in keys if len(key) > 3 and key[0] in _ARABIC_PROCLITICS])
    keys.update([part for key in keys if " " in key for part in key.split(" ")])
    return keys


# For look_words, of the aliases of some countries' places, by first token: their other tokens
# (one set for each set: most are one word or none), the token to look for the alias around, and
# whether that token, written, begins with a capital. A first token that begins many aliases
# ("as", "al") has them by second token ("" for the token alone), so that a text that holds it
# costs a few of them. Tokens are shared strings: some 16,000 aliases take a few MiB.
_Lead = tuple[frozenset[str], str, bool]
_Leads = dict[str, tuple[_Lead, ...] | dict[str, tuple[_Lead, ...]]]
_MANY = 16


def _build_leads(index: _Index, countries: frozenset[str]) -> _Leads:
    leads: dict[str, dict[_Lead, str]] = {}  # first token -> lead -> second token
    shared: dict[str, str] = {}
    others: dict[frozenset[str], frozenset[str]] = {}
    for key, target in index.keys.items():
        if not isinstance(target.entry, Place) or target.entry.country not in countries:
            continue
        tokens = [shared.setdefault(token, token) for token in key.split(" ")]
        # Around its longest token, the likeliest to be rare ("tell" of "at tell", not "at"); of
        # tokens as long, the last.
        at = max(reversed(range(len(tokens))), key=lambda i: len(tokens[i]))
        capital = at == 0 and (
            target.shape == CAPITAL or (target.shape == UPPER and tokens[0][0].isalpha())
        )
        other = frozenset(tokens[1:])
        lead = (others.setdefault(other, other), tokens[at], capital)
        leads.setdefault(tokens[0], {})[lead] = tokens[1] if len(tokens) > 1 else ""
    compact: _Leads = {}
    for first, held in leads.items():
        if len(held) <= _MANY:
            compact[first] = tuple(held)
            continue
        by_second: dict[str, list[_Lead]] = {}
        for lead, second in held.items():
            by_second.setdefault(second, []).append(lead)
        compact[first] = {second: tuple(some) for second, some in by_second.items()}
    return compact


@dataclass(frozen=True, eq=False)
class Gazetteer:
    places: Mapping[str, Place]
    actors: Mapping[str, Actor]
    _place_index: _Index
    _actor_index: _Index
    _leads: dict[frozenset[str], _Leads] = field(default_factory=dict, repr=False)

    def look_words(self, keys: set[str], countries: frozenset[str]) -> dict[str, bool]:
        """Of the aliases of the countries' places whose every token is among `keys` (a text's
        token keys, or more), a token each, where they may be found in the text: its longest,
        with whether it must then begin with a capital (an alias such as "Hit" must). Set
        operations in C, where places_in reads the text token by token: most texts name no
        place in Iraq or Syria, and are done with this."""
        leads = self._leads.get(countries)
        if leads is None:
            leads = self._leads[countries] = _build_leads(self._place_index, countries)
        looks: dict[str, bool] = {}
        for first in leads.keys() & keys:
            held = leads[first]
            if isinstance(held, dict):
                held = tuple(
                    itertools.chain.from_iterable(
                        held.get(second, ()) for second in ("", *(held.keys() & keys))
                    )
                )
            for other, look, capital in held:
                if other <= keys:
                    looks[look] = looks.get(look, True) and capital
        return looks

    def places_in(self, text: str) -> list[Found]:
        """Place mentions in order; non-overlapping, the longest alias wins at each position."""
        return _find(self._place_index, text)

    def places_near(self, text: str, windows: Sequence[tuple[int, int]]) -> list[Found]:
        """Of places_in(text), every mention that starts in or runs into one of the windows
        (sorted, disjoint character ranges), and maybe others; reads around the windows only."""
        return _find_near(self._place_index, text, windows)

    def actors_in(self, text: str) -> list[Found]:
        """Actor mentions in order; non-overlapping, the longest alias wins at each position."""
        return _find(self._actor_index, text)

    def place(self, id: str) -> Place:
        """The place with this id; KeyError if there is none."""
        return self.places[id]

    def governorate_of(self, place: Place) -> Place | None:
        """The governorate a place lies in (a governorate is its own), None when unknown."""
        if place.governorate is None:
            return None
        return self.places.get(place.governorate)


# --- the data files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    places: tuple[tuple[Place, tuple[str, ...]], ...]
    actors: tuple[tuple[Actor, tuple[str, ...]], ...]
    ambiguous: frozenset[str]


def _optional(value: str) -> str | None:
    return value or None


def _table(lines: Iterable[str], name: str, columns: int) -> Iterable[list[str]]:
    """The rows of a TSV file: "#" comment lines and blank lines skipped, the header checked."""
    header = True
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.rstrip("\n").split("\t")
        if len(cells) != columns:
            raise ValueError(f"{name} line {number}: {len(cells)} columns, expected {columns}")
        if header:
            if cells[0] != "id":
                raise ValueError(f"{name} line {number}: expected the header row")
            header = False
            continue
        yield cells


def read_places(lines: Iterable[str]) -> list[tuple[Place, tuple[str, ...], bool]]:
    """Rows of places.tsv: each Place with its aliases and its needs_context flag."""
    rows = []
    for cells in _table(lines, "places.tsv", 10):
        id_, name, kind, country, governorate, lat, lon, population, needs_context, aliases = cells
        place = Place(
            id=id_,
            name=name,
            country=country,
            governorate=_optional(governorate),
            lat=float(lat) if lat else None,
            lon=float(lon) if lon else None,
            kind=kind,
            population=int(population) if population else None,
        )
        rows.append((place, tuple(a for a in aliases.split("|") if a), needs_context == "1"))
    return rows


def read_actors(lines: Iterable[str]) -> list[tuple[Actor, tuple[str, ...]]]:
    """Rows of actors.tsv: each Actor with its aliases."""
    rows = []
    for cells in _table(lines, "actors.tsv", 5):
        id_, name, kind, country, aliases = cells
        actor = Actor(id=id_, name=name, kind=kind, country=_optional(country))
        rows.append((actor, tuple(a for a in aliases.split("|") if a)))
    return rows


def read_ambiguous(lines: Iterable[str]) -> frozenset[str]:
    """Words of ambiguous.txt as alias keys (one a line, # comments)."""
    words = (line.split("#", 1)[0].strip() for line in lines)
    return frozenset(alias_key(word) for word in words if word)


def _read(name: str) -> list[str]:
    return resources.files(__package__).joinpath("data", name).read_text("utf-8").splitlines()


@functools.lru_cache(maxsize=1)
def _data() -> _Data:
    # The build script resolved shared place aliases already: places.tsv lists each alias once,
    # under the entry that won it, the name included.
    places = tuple((place, aliases) for place, aliases, _ in read_places(_read("places.tsv")))
    actors = tuple((actor, (actor.name, *more)) for actor, more in read_actors(_read("actors.tsv")))
    return _Data(places, actors, read_ambiguous(_read("ambiguous.txt")))


def make_gazetteer(
    places: Sequence[tuple[Place, Sequence[str]]],
    actors: Sequence[tuple[Actor, Sequence[str]]],
    ambiguous: frozenset[str],
) -> Gazetteer:
    """A gazetteer over these entries; where two entries share an alias, the earlier one wins."""
    place_aliases = ((alias, place) for place, aliases in places for alias in aliases)
    actor_aliases = ((alias, actor) for actor, aliases in actors for alias in aliases)
    return Gazetteer(
        places={place.id: place for place, _ in places},
        actors={actor.id: actor for actor, _ in actors},
        _place_index=_build_index(place_aliases, ambiguous, cue_places=True),
        _actor_index=_build_index(actor_aliases, ambiguous, cue_places=False),
    )


@functools.lru_cache(maxsize=1)
def _default() -> Gazetteer:
    data = _data()
    gazetteer = make_gazetteer(data.places, data.actors, data.ambiguous)
    log.debug("gazetteer: %d places, %d actors", len(gazetteer.places), len(gazetteer.actors))
    return gazetteer


def load_gazetteer(
    extra_places: Sequence[Place] = (), extra_aliases: Mapping[str, Sequence[str]] = {}
) -> Gazetteer:
    """The packaged gazetteer, plus the user's own places and aliases (keyed by place id).

    Without extras the same cached object is returned every time. A user's place replaces a
    packaged one with the same id; the user's names and aliases, with their spelling variants,
    win over packaged entries sharing them. Raises KeyError for aliases of an unknown place id.
    """
    if not extra_places and not extra_aliases:
        return _default()
    data = _data()
    by_id = {place.id: place for place, _ in data.places}
    by_id.update((place.id, place) for place in extra_places)
    unknown = sorted(set(extra_aliases) - set(by_id))
    if unknown:
        raise KeyError(f"aliases given for unknown place ids: {', '.join(unknown)}")
    written: dict[str, list[str]] = {place.id: [place.name] for place in extra_places}
    for place_id, aliases in extra_aliases.items():
        written.setdefault(place_id, []).extend(aliases)
    own = [(by_id[i], with_variants(aliases, data.ambiguous)) for i, aliases in written.items()]
    packaged = [(by_id[place.id], aliases) for place, aliases in data.places]
    return make_gazetteer([*own, *packaged], data.actors, data.ambiguous)
