"""Phrase matching: named lists of phrases in, one index out, and from a text the spans where
each list's phrases occur; no I/O.

Phrases are matched on word tokens in one pass over the text for every lexicon, guard, country
and actor of a rule set: the tokens that may start a phrase are picked out with set operations
in C (most start none), and each of those costs a dictionary probe or two, so a 6 KB article
takes a fraction of a millisecond, where one regular expression per list took several.
may_occur tells, before any matching, which lists cannot match at all. Phrases written as
"re:PATTERN" are the exception and run as their own regular expressions (case-sensitive unless
they say (?i); a match must start a word, so patterns need no leading \b, which would also slow
them down); patterns that can backtrack catastrophically are refused. A pattern runs only on a
text holding one of the strings every match of it holds (pattern_needs): most texts hold none,
and a substring test costs far less than a search that starts at every position.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from watcher.detection import arabic
from watcher.errors import Problem

MAX_PATTERN = 500
_TOKEN = re.compile(r"\w+")
_SPLIT = re.compile(r"(\w+)")
# What may sit between two words of a phrase: "air strike", "air-strike", "U.S. military".
_GAP = re.compile(r"[\s\-'’./]{1,3}")
# Arabic words carry marks that \w does not match (short vowels, shadda): with them a word is
# one token, and its folded form (watcher.detection.arabic) is what the lexicons are matched on.
_ARABIC_TOKEN = re.compile(r"\w[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]*")
_ARABIC_SPLIT = re.compile(f"({_ARABIC_TOKEN.pattern})")
_PREFIX_KEY = 4
_CACHE_WORDS = 200_000
_NOTHING: tuple[tuple[str, ...], tuple[()], bool] = ((), (), False)

Word = tuple[str, bool]  # (lower-case text, True when it is a prefix)
# Sets of strings every match of a pattern holds one of from each, and whether they are to be
# looked for in the lower-cased text (the pattern ignores case).
Needs = tuple[tuple[tuple[str, ...], ...], bool]
Entry = tuple[str, tuple[Word, ...]]  # (list name, words)


@dataclass(frozen=True)
class PhraseIndex:
    single: Mapping[str, tuple[str, ...]]  # one-word phrase -> the lists holding it
    pairs: Mapping[tuple[str, str], tuple[Entry, ...]]  # longer phrases, by their first two words
    exact: Mapping[str, tuple[Entry, ...]]  # longer phrases with a prefix second word
    prefixed: Mapping[str, tuple[Entry, ...]]  # by the first _PREFIX_KEY letters of a prefix
    prefix_lengths: tuple[int, ...]  # lengths of prefixes shorter than _PREFIX_KEY
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    # For each pattern, strings one of which every match holds (lower case where the pattern
    # ignores case), or None: most patterns cannot match most texts, and a substring test
    # tells so for much less than a search that tries every position (pattern_needs).
    needs: tuple[Needs | None, ...]
    first_words: frozenset[str]  # first words of the keys of `pairs`
    seconds: Mapping[str, frozenset[str]]  # first word of keys of `pairs` -> their second words
    lone: frozenset[str]  # the keys of `single` and `exact`
    # What each word that starts a phrase may start, so that such a word costs one probe: the
    # vocabulary of news is small, and the cache is dropped when it grows past _CACHE_WORDS.
    seen: dict[str, tuple[tuple[str, ...], tuple[Entry, ...], bool]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # For may_occur, per set of list names: the lists' phrases by what starts them (_Starts).
    by_lists: dict[frozenset[str], _Starts] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class _Starts:
    """Of some lists of an index: the words that start a phrase of theirs alone (a one-word
    phrase, or the first word of one whose second is a prefix), the prefixes (keys of
    `prefixed`), and the pair keys (first word -> second word), each -> the lists; and the
    numbers of their patterns."""

    words: dict[str, frozenset[str]]
    prefixes: dict[str, frozenset[str]]
    pairs: dict[str, dict[str, frozenset[str]]]
    patterns: tuple[int, ...]


def _starts(index: PhraseIndex, names: frozenset[str]) -> _Starts:
    words: dict[str, set[str]] = {}
    for word, lists in index.single.items():
        words.setdefault(word, set()).update(name for name in lists if name in names)
    for word, entries in index.exact.items():
        words.setdefault(word, set()).update(name for name, _ in entries if name in names)
    prefixes: dict[str, set[str]] = {}
    for key, entries in index.prefixed.items():
        prefixes.setdefault(key, set()).update(name for name, _ in entries if name in names)
    pairs: dict[str, dict[str, frozenset[str]]] = {}
    for (first, second), entries in index.pairs.items():
        held = frozenset(name for name, _ in entries if name in names)
        if held:
            pairs.setdefault(first, {})[second] = held
    return _Starts(
        {word: frozenset(held) for word, held in words.items() if held},
        {key: frozenset(held) for key, held in prefixes.items() if held},
        pairs,
        tuple(at for at, (name, _) in enumerate(index.patterns) if name in names),
    )


@dataclass(frozen=True)
class Tokens:
    text: str
    words: list[str]  # lower case
    # The text split into separators and words, alternately: offsets are their running lengths,
    # worked out on first use (a text with no phrase in it needs none).
    parts: list[str] = field(repr=False)
    folded: str | None = field(default=None, repr=False)  # the text lower-cased, when at hand

    @functools.cached_property
    def offsets(self) -> list[int]:
        return list(itertools.accumulate(map(len, self.parts), initial=0))

    @functools.cached_property
    def starts(self) -> list[int]:
        return self.offsets[1::2]

    @functools.cached_property
    def ends(self) -> list[int]:
        return self.offsets[2::2]

    @functools.cached_property
    def vocabulary(self) -> set[str]:
        return set(self.words)

    def cuts(self, length: int) -> set[str]:
        """The first `length` letters of each word (the words shorter, whole), found once."""
        found = self.prefixes.get(length)
        if found is None:
            found = self.prefixes[length] = set(map(_CUTS[length], self.vocabulary))
        return found

    @functools.cached_property
    def case_folds(self) -> bool:
        """Whether the text holds a letter that an ignore-case search takes for an ASCII one
        and str.lower() does not turn into it."""
        return not self.text.isascii() and _CASE_FOLDS.search(self.text) is not None

    @functools.cached_property
    def lowered(self) -> str:
        return self.folded if self.folded is not None else self.text.lower()

    # The spans of the index's patterns, by the index's id: may_occur and find_phrases both
    # need them.
    spans: dict[int, list[list[tuple[int, int]] | None]] = field(default_factory=dict, repr=False)

    # _hot of the vocabulary, by the index's id, for find_phrases.
    hot: dict[int, set[str]] = field(default_factory=dict, repr=False)
    prefixes: dict[int, set[str]] = field(default_factory=dict, repr=False)  # cuts, by length


def tokenize(text: str) -> Tokens:
    if arabic.has_arabic(text):
        parts = _ARABIC_SPLIT.split(text)
        return Tokens(text, list(map(arabic.fold, parts[1::2])), parts)
    lowered = text.lower()
    # Splitting keeps the work in C: words are the odd parts.
    if len(lowered) != len(text):  # a few letters lower-case to two characters
        parts = _SPLIT.split(text)
        return Tokens(text, [word.lower() for word in parts[1::2]], parts)
    parts = _SPLIT.split(lowered)
    return Tokens(text, parts[1::2], parts, lowered)


def _backtracks(parsed: Any) -> bool:
    """True when a repeat holds another repeat or an alternation: the shapes of (a+)+, (a|a)*."""

    def walk(items: Any, inside_repeat: bool) -> bool:
        for op, arg in items:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                unbounded = arg[1] > 1
                if (inside_repeat and unbounded) or walk(arg[2], inside_repeat or unbounded):
                    return True
            elif name == "SUBPATTERN":
                if walk(arg[-1], inside_repeat):
                    return True
            elif name == "BRANCH":
                if (inside_repeat and len(arg[1]) > 1) or any(
                    walk(branch, inside_repeat) for branch in arg[1]
                ):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT") and walk(arg[1], inside_repeat):
                return True
        return False

    return walk(parsed, False)


def check_pattern(body: str) -> str | None:
    """Why a user's regular expression is refused, or None when it is fine."""
    if len(body) > MAX_PATTERN:
        return f"regular expression longer than {MAX_PATTERN} characters"
    try:
        parsed = sre_parse.parse(body)
        # Some errors (a variable-width lookbehind) only show when compiling; re.error is not
        # a ValueError, so one missed here would escape config validation (reliability.md 7).
        re.compile(body)
    except re.error as error:
        return f"bad regular expression: {error}"
    if _backtracks(parsed):
        return (
            "regular expression can backtrack catastrophically (a repeat or an alternation "
            "inside a repeat, such as (a+)+ or (a|b)*)"
        )
    return None


# Sets of strings a part of a pattern matches exactly are multiplied out up to this many, and a
# pattern is tested for at most this many (each is a search of the text).
_MOST_STRINGS = 8
# The characters an ignore-case pattern matches to an ASCII letter although str.lower() does not
# turn them into it (dotted and dotless i, long s): with one in the text, the patterns decide.
_CASE_FOLDS = re.compile("[\u0130\u0131\u017f]")


def _rank(held: frozenset[str]) -> tuple[int, int]:
    """How likely a text is to lack all of the strings: the longer the shortest, the likelier,
    and the fewer, the cheaper to test."""
    return min(map(len, held)), -len(held)


def _usable(held: frozenset[str]) -> bool:
    return bool(held) and "" not in held and len(held) <= _MOST_STRINGS


def _product(first: frozenset[str], second: frozenset[str]) -> frozenset[str] | None:
    if len(first) * len(second) > _MOST_STRINGS:
        return None
    return frozenset(a + b for a in first for b in second)


def _required(items: Any) -> tuple[frozenset[str] | None, list[frozenset[str]]]:
    """Of a parsed pattern (re._parser): the strings it matches exactly, if few (else None),
    and sets of strings every match holds one of from each."""
    exact: frozenset[str] | None = frozenset([""])
    run = frozenset([""])  # the exact strings of the items since the last unknown or optional one
    needs: list[frozenset[str]] = []
    for op, arg in items:
        name = str(op)
        item_exact: frozenset[str] | None = None
        if name == "LITERAL":
            item_exact = frozenset([chr(arg)])
        elif name == "IN":
            if all(str(kind) == "LITERAL" for kind, _ in arg) and len(arg) <= 8:
                item_exact = frozenset(chr(code) for _, code in arg)
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            item_exact = frozenset([""])  # takes no characters
        elif name == "SUBPATTERN":
            item_exact, held = _required(arg[-1])
            needs.extend(held)
        elif name == "BRANCH":
            branches = [_required(branch) for branch in arg[1]]
            if all(found is not None for found, _ in branches):
                item_exact = frozenset().union(*(found for found, _ in branches if found))
                if len(item_exact) > _MOST_STRINGS:
                    item_exact = None
            # Each alternative's likeliest-lacking set: a match holds one string of one of them.
            if all(held for _, held in branches):
                needs.append(frozenset().union(*(max(held, key=_rank) for _, held in branches)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = arg
            body_exact, held = _required(body)
            if low >= 1:
                needs.extend(held)
            if body_exact is not None and (low, high) == (1, 1):
                item_exact = body_exact
            elif body_exact is not None and (low, high) == (0, 1):
                item_exact = body_exact | {""}
        if item_exact is None or (len(item_exact) > 1 and "" in item_exact):
            # An unknown or optional part ends the run: "air strikes?" holds "air strike".
            needs.append(run)
            run = frozenset([""])
        else:
            longer = _product(run, item_exact)
            if longer is None:
                needs.append(run)
            run = longer or item_exact
        if item_exact is None:
            exact = None
        elif exact is not None:
            exact = _product(exact, item_exact)
    needs.append(run)
    return exact, [held for held in needs if _usable(held)]


def pattern_needs(pattern: re.Pattern[str]) -> Needs | None:
    """Sets of strings (two at most, the likeliest to be lacking) every match of the pattern
    holds one of from each, or None when none is known or when the search is as quick: re
    scans in C for the first character of a case-sensitive pattern that starts with a given
    letter or set of letters ("US", "[Ii]n 19")."""
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    folded = bool(pattern.flags & re.IGNORECASE) or _scoped_ignorecase(parsed)
    if not folded and len(parsed) and str(parsed[0][0]) in ("LITERAL", "IN"):
        return None
    _, needs = _required(parsed)
    if folded:
        # Only letters whose lower case re and str.lower() agree on: ASCII and caseless scripts.
        needs = [
            frozenset(held.lower() for held in strings)
            for strings in needs
            if all(c.isascii() or c.lower() == c == c.upper() for held in strings for c in held)
        ]
    best: list[frozenset[str]] = []
    for strings in sorted(set(needs), key=_rank, reverse=True):
        # A set each string of the best holds a string of says nothing more: "strike" after
        # "strikes".
        if not best or not all(any(held in kept for held in strings) for kept in best[0]):
            best.append(strings)
        if len(best) == 2:
            break
    if not best:
        return None
    return tuple(tuple(sorted(strings)) for strings in best), folded


def _scoped_ignorecase(items: Any) -> bool:
    """Whether a group of the parsed pattern turns ignore-case on: (?i:...)."""
    for op, arg in items:
        name = str(op)
        if name == "SUBPATTERN" and (arg[1] & re.IGNORECASE or _scoped_ignorecase(arg[-1])):
            return True
        if name == "BRANCH" and any(_scoped_ignorecase(branch) for branch in arg[1]):
            return True
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and _scoped_ignorecase(arg[2]):
            return True
        if name in ("ASSERT", "ASSERT_NOT") and _scoped_ignorecase(arg[1]):
            return True
    return False


def _pattern_spans(index: PhraseIndex, tokens: Tokens, at: int) -> list[tuple[int, int]]:
    """The spans of the index's pattern number `at` in the text that start a word, found once."""
    spans = tokens.spans.setdefault(id(index), [None] * len(index.patterns))
    found = spans[at]
    if found is not None:
        return found
    text = tokens.text
    needs = index.needs[at]
    if needs is not None and not (needs[1] and tokens.case_folds):
        groups, folded = needs
        searched = tokens.lowered if folded else text
        if not all(any(map(searched.__contains__, held)) for held in groups):
            spans[at] = []
            return []
    found = spans[at] = [
        m.span()
        for m in index.patterns[at][1].finditer(text)
        if m.end() > m.start() and _word_start(text, m.start())
    ]
    return found


def _words(phrase: str) -> tuple[Word, ...]:
    words: list[Word] = []
    for part in phrase.split():
        tokens = [token.lower() for token in _TOKEN.findall(part)]
        words.extend((token, False) for token in tokens)
        if part.endswith("*") and words and tokens:
            words[-1] = (words[-1][0], True)
    return tuple(words)


def _spellings(phrase: str) -> list[tuple[Word, ...]]:
    """The phrase's words as the text's tokens are compared: as _words for a phrase in Latin
    script; an Arabic phrase once for each combination of the keys its words may fold to
    (arabic.forms), so that "غارة جوية" finds الغارات الجوية and بغارة جوية alike."""
    if not arabic.has_arabic(phrase):
        return [_words(phrase)]
    choices: list[list[Word]] = []
    for part in phrase.split():
        tokens = _ARABIC_TOKEN.findall(part)
        for position, token in enumerate(tokens):
            if position == len(tokens) - 1 and part.endswith("*"):
                choices.append([(arabic.fold_prefix(token), True)])
            else:
                choices.append([(form, False) for form in arabic.forms(token)])
    return [tuple(words) for words in itertools.product(*choices)]


def compile_index(
    tables: Mapping[str, Sequence[tuple[str, object]]], file: str, problems: list[Problem]
) -> PhraseIndex:
    """Index every list of (key path, phrase); a bad phrase becomes a Problem at its path."""
    single: dict[str, list[str]] = {}
    pairs: dict[tuple[str, str], list[Entry]] = {}
    exact: dict[str, list[Entry]] = {}
    prefixed: dict[str, list[Entry]] = {}
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for name, phrases in tables.items():
        for where, phrase in phrases:
            if not isinstance(phrase, str) or not phrase.strip():
                problems.append(
                    Problem(
                        file,
                        where,
                        "a phrase must be a non-empty string",
                        phrase,
                        'write the words, e.g. "air strike*"',
                    )
                )
                continue
            if phrase.startswith("re:"):
                reason = check_pattern(phrase[3:])
                if reason is not None:
                    problems.append(
                        Problem(
                            file,
                            where,
                            reason,
                            phrase,
                            "fix the pattern (Python re syntax) or write words",
                        )
                    )
                else:
                    patterns.append((name, re.compile(phrase[3:])))
                continue
            spellings = _spellings(phrase)
            if not spellings[0]:
                problems.append(
                    Problem(
                        file,
                        where,
                        "a phrase needs at least one word",
                        phrase,
                        'write letters or digits, e.g. "mortar*"',
                    )
                )
                continue
            for words in spellings:
                first, is_prefix = words[0]
                if is_prefix:
                    prefixed.setdefault(first[:_PREFIX_KEY], []).append((name, words))
                elif len(words) == 1:
                    if name not in single.setdefault(first, []):
                        single[first].append(name)
                else:
                    second, second_prefix = words[1]
                    if second_prefix:
                        exact.setdefault(first, []).append((name, words))
                    else:
                        pairs.setdefault((first, second), []).append((name, words))
    lengths = sorted({len(key) for key in prefixed if len(key) < _PREFIX_KEY})
    seconds: dict[str, set[str]] = {}
    for first, second in pairs:
        seconds.setdefault(first, set()).add(second)
    return PhraseIndex(
        single={key: tuple(names) for key, names in single.items()},
        pairs={key: tuple(entries) for key, entries in pairs.items()},
        first_words=frozenset(first for first, _ in pairs),
        seconds={first: frozenset(held) for first, held in seconds.items()},
        lone=frozenset([*single, *exact]),
        exact={key: tuple(entries) for key, entries in exact.items()},
        prefixed={key: tuple(entries) for key, entries in prefixed.items()},
        prefix_lengths=tuple(lengths),
        patterns=tuple(patterns),
        needs=tuple(pattern_needs(pattern) for _, pattern in patterns),
    )


def _extends(tokens: Tokens, at: int, words: tuple[Word, ...]) -> int:
    """The end offset when words match the tokens from `at`, else -1."""
    last = at + len(words) - 1
    texts = tokens.words
    if last >= len(texts):
        return -1
    # The words first: most phrases fail on a word, and comparing one costs less than a gap.
    for offset, (word, is_prefix) in enumerate(words):
        token = texts[at + offset]
        if not (token.startswith(word) if is_prefix else token == word):
            return -1
    starts, ends = tokens.starts, tokens.ends
    for index in range(at, last):
        if not _GAP.fullmatch(tokens.text, ends[index], starts[index + 1]):
            return -1
    return ends[last]


def _starting(index: PhraseIndex, word: str) -> tuple[tuple[str, ...], tuple[Entry, ...], bool]:
    """The one-word lists a word is in, the phrases it may start, and whether it is the first
    word of any two-word key."""
    singles = index.single.get(word, ())
    entries = (
        *index.exact.get(word, ()),
        *(
            entry
            for length in (_PREFIX_KEY, *index.prefix_lengths)
            for entry in index.prefixed.get(word[:length], ())
        ),
    )
    paired = word in index.first_words
    result = (singles, entries, paired) if singles or entries or paired else _NOTHING
    if len(index.seen) > _CACHE_WORDS:
        index.seen.clear()
    index.seen[word] = result
    return result


def _word_start(text: str, start: int) -> bool:
    return not (start and text[start - 1].isalnum())


_CUTS = {length: operator.itemgetter(slice(length)) for length in range(1, _PREFIX_KEY + 1)}


def _hot(index: PhraseIndex, tokens: Tokens) -> set[str]:
    """The words of the text in a one-word list or starting a phrase other than by a pair key
    (those with singles or entries from _starting): found in C with small tables, since most
    words start nothing and a look-up in a large table costs most in a cold cache."""
    if id(index) in tokens.hot:
        return tokens.hot[id(index)]
    vocabulary = tokens.vocabulary
    hot = tokens.hot[id(index)] = vocabulary & index.lone
    if index.prefixed:
        words = list(vocabulary)
        for length in (_PREFIX_KEY, *index.prefix_lengths):
            cuts = map(_CUTS[length], words)
            hot.update(itertools.compress(words, map(index.prefixed.__contains__, cuts)))
    return hot


def may_occur(index: PhraseIndex, tokens: Tokens, names: frozenset[str]) -> frozenset[str]:
    """Those of the named lists that may have a phrase in the tokens: a word starts one of their
    phrases, or one of their patterns matches. A quick test before find_phrases (a list left out
    has no match; one named may still have none). Set operations in C, each over the smaller of
    the text's words and the lists' first words: a few lists cost a few probes."""
    starts = index.by_lists.get(names)
    if starts is None:
        starts = index.by_lists[names] = _starts(index, names)
    found = {index.patterns[at][0] for at in starts.patterns if _pattern_spans(index, tokens, at)}
    vocabulary = tokens.vocabulary
    for word in starts.words.keys() & vocabulary:
        found.update(starts.words[word])
    if starts.prefixes:
        for length in (_PREFIX_KEY, *index.prefix_lengths):
            for key in starts.prefixes.keys() & tokens.cuts(length):
                found.update(starts.prefixes[key])
    # A pair key needs both its words in the text.
    for word in starts.pairs.keys() & vocabulary:
        for second, held in starts.pairs[word].items():
            if second in vocabulary:
                found.update(held)
    return frozenset(found)


def find_phrases(index: PhraseIndex, tokens: Tokens) -> dict[str, list[tuple[int, int]]]:
    """For each list with a match, its spans: leftmost-longest, not overlapping each other."""
    found: dict[str, list[tuple[int, int]]] = {}
    seen, pairs = index.seen, index.pairs
    starts, stops, words = tokens.starts, tokens.ends, tokens.words
    last = len(words) - 1
    # Only the tokens that start some phrase need a look, and finding them stays in C: a word of
    # `hot`, or the first word of a key of `pairs` when one of its second words is in the text
    # too (most first words, "the", "in", "a", start no phrase there).
    vocabulary = tokens.vocabulary
    live = _hot(index, tokens).union(
        first
        for first in index.first_words & vocabulary
        if not index.seconds[first].isdisjoint(vocabulary)
    )
    positions = itertools.compress(range(len(words)), map(live.__contains__, words))
    for at in positions:
        word = words[at]
        singles, entries, first = seen.get(word) or _starting(index, word)
        if first and at < last:
            entries = (*entries, *pairs.get((word, words[at + 1]), ()))
        if not singles and not entries:
            continue
        ends = dict.fromkeys(singles, stops[at])
        for name, phrase in entries:
            end = _extends(tokens, at, phrase)
            if end > ends.get(name, -1):
                ends[name] = end
        start = starts[at]
        for name, end in ends.items():
            if end < 0:
                continue
            listed = found.setdefault(name, [])
            if not listed or listed[-1][1] <= start:
                listed.append((start, end))
    for at, (name, _) in enumerate(index.patterns):
        listed = found.setdefault(name, [])
        listed.extend(_pattern_spans(index, tokens, at))
        listed.sort()
    return found
