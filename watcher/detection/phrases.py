"""Phrase matching: named lists of phrases in, one index out, and from a text the spans where
each list's phrases occur; no I/O.

Phrases are matched on word tokens with one dictionary probe per token (plus a few for
prefixes), so that every lexicon, guard, country and actor of a rule set is found in one pass
over the text: a 6 KB article takes well under a millisecond, where one regular expression per
list took several. Phrases written as "re:PATTERN" are the exception and run as their own
regular expressions (case-sensitive unless they say (?i); a match must start a word, so patterns
need no leading \b, which would also slow them down); patterns that can backtrack catastrophically
are refused.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from watcher.errors import Problem

MAX_PATTERN = 500
_TOKEN = re.compile(r"\w+")
_SPLIT = re.compile(r"(\w+)")
# What may sit between two words of a phrase: "air strike", "air-strike", "U.S. military".
_GAP = re.compile(r"[\s\-'’./]{1,3}")
_PREFIX_KEY = 4
_CACHE_WORDS = 200_000
_NOTHING: tuple[tuple[str, ...], tuple[()], bool] = ((), (), False)

Word = tuple[str, bool]  # (lower-case text, True when it is a prefix)
Entry = tuple[str, tuple[Word, ...]]  # (list name, words)


@dataclass(frozen=True)
class PhraseIndex:
    single: Mapping[str, tuple[str, ...]]  # one-word phrase -> the lists holding it
    pairs: Mapping[tuple[str, str], tuple[Entry, ...]]  # longer phrases, by their first two words
    exact: Mapping[str, tuple[Entry, ...]]  # longer phrases with a prefix second word
    prefixed: Mapping[str, tuple[Entry, ...]]  # by the first _PREFIX_KEY letters of a prefix
    prefix_lengths: tuple[int, ...]  # lengths of prefixes shorter than _PREFIX_KEY
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    first_words: frozenset[str]  # first words of the keys of `pairs`
    # What each word seen so far may start, so that a word costs one probe: the vocabulary of
    # news is small, and the cache is dropped when it grows past _CACHE_WORDS.
    seen: dict[str, tuple[tuple[str, ...], tuple[Entry, ...], bool]] = field(
        default_factory=dict, compare=False, repr=False
    )


@dataclass(frozen=True)
class Tokens:
    text: str
    starts: list[int]
    ends: list[int]
    words: list[str]


def tokenize(text: str) -> Tokens:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters lower-case to two characters
        matches = list(_TOKEN.finditer(text))
        return Tokens(
            text,
            [m.start() for m in matches],
            [m.end() for m in matches],
            [m.group(0).lower() for m in matches],
        )
    # Splitting keeps the work in C: words are the odd parts, offsets the running lengths.
    parts = _SPLIT.split(lowered)
    offsets = list(itertools.accumulate(map(len, parts), initial=0))
    return Tokens(text, offsets[1::2], offsets[2::2], parts[1::2])


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
    except re.error as error:
        return f"bad regular expression: {error}"
    if _backtracks(parsed):
        return (
            "regular expression can backtrack catastrophically (a repeat or an alternation "
            "inside a repeat, such as (a+)+ or (a|b)*)"
        )
    return None


def _words(phrase: str) -> tuple[Word, ...]:
    words: list[Word] = []
    for part in phrase.split():
        tokens = [token.lower() for token in _TOKEN.findall(part)]
        words.extend((token, False) for token in tokens)
        if part.endswith("*") and words and tokens:
            words[-1] = (words[-1][0], True)
    return tuple(words)


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
            words = _words(phrase)
            if not words:
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
    return PhraseIndex(
        single={key: tuple(names) for key, names in single.items()},
        pairs={key: tuple(entries) for key, entries in pairs.items()},
        first_words=frozenset(first for first, _ in pairs),
        exact={key: tuple(entries) for key, entries in exact.items()},
        prefixed={key: tuple(entries) for key, entries in prefixed.items()},
        prefix_lengths=tuple(lengths),
        patterns=tuple(patterns),
    )


def _extends(tokens: Tokens, at: int, words: tuple[Word, ...]) -> int:
    """The end offset when words match the tokens from `at`, else -1."""
    if at + len(words) > len(tokens.words):
        return -1
    for offset, (word, is_prefix) in enumerate(words):
        token = tokens.words[at + offset]
        if not (token.startswith(word) if is_prefix else token == word):
            return -1
        if offset and not _GAP.fullmatch(
            tokens.text, tokens.ends[at + offset - 1], tokens.starts[at + offset]
        ):
            return -1
    return tokens.ends[at + len(words) - 1]


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


def find_phrases(index: PhraseIndex, tokens: Tokens) -> dict[str, list[tuple[int, int]]]:
    """For each list with a match, its spans: leftmost-longest, not overlapping each other."""
    found: dict[str, list[tuple[int, int]]] = {}
    seen, pairs = index.seen, index.pairs
    starts, stops, words = tokens.starts, tokens.ends, tokens.words
    last = len(words) - 1
    for at, word in enumerate(words):
        singles, entries, paired = seen.get(word) or _starting(index, word)
        if paired and at < last:
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
    for name, pattern in index.patterns:
        listed = found.setdefault(name, [])
        text = tokens.text
        listed.extend(
            m.span()
            for m in pattern.finditer(text)
            if m.end() > m.start() and not (m.start() and text[m.start() - 1].isalnum())
        )
        listed.sort()
    return found
