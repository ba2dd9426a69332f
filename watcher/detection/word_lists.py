"""The word lists of a rules file ([place_words], [earlier_words]): the shipped lists and the
user's in, checked and joined, out; each as a frozen dataclass that compiles the patterns
places.py and strike.py read them with on first use. No I/O.

The lists hold plain words (a trailing * for any ending), never regular expressions: the
grammar around them stays here, in phrase_alternatives and the patterns, and what each list is
for is said in default_rules.toml.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from watcher.detection.rule_readers import check_keys
from watcher.errors import Problem

# The lists of [place_words], in the order default_rules.toml explains them.
PLACE_WORD_KEYS = ("speaks", "affiliation", "origin", "origin_over", "origin_within", "accuses")
# The lists of [earlier_words], likewise.
EARLIER_WORD_KEYS = ("follows", "answers", "strike_nouns", "mourning", "dead")
# A word of those lists: a word or words, a trailing * matching any ending.
_LIST_WORD = re.compile(r"[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*)*\*?")


def phrase_alternatives(words: Sequence[str]) -> str:
    """One group matching any of the words: the words of a phrase apart by whitespace, a
    trailing * any ending; no words match nothing."""
    if not words:
        return "(?!)"
    forms = (
        r"\s+".join(re.escape(word) for word in phrase.removesuffix("*").split())
        + (r"\w*" if phrase.endswith("*") else "")
        for phrase in words
    )
    return "(?:" + "|".join(forms) + ")"


@dataclass(frozen=True)
class PlaceWords:
    """The words read around a place's name ([place_words]: default_rules.toml says what each
    list is for), and the patterns places.py reads them with, compiled on first use."""

    speaks: tuple[str, ...] = ()
    affiliation: tuple[str, ...] = ()
    origin: tuple[str, ...] = ()
    origin_over: tuple[str, ...] = ()
    origin_within: tuple[str, ...] = ()
    accuses: tuple[str, ...] = ()

    @functools.cached_property
    def speaks_after(self) -> re.Pattern[str]:
        """Matched right after a country's name: "Iraq said", "Syria has repeatedly warned";
        as written (case-sensitive)."""
        return re.compile(
            r"(?:'s|’s)?\s+(?:has\s+|had\s+|have\s+)?(?:\w+ly\s+)?"
            + phrase_alternatives(self.speaks)
            + r"\b"
        )

    @functools.cached_property
    def affiliation_after(self) -> re.Pattern[str]:
        """Matched right after a country or its adjective: "Iran-backed", "Iranian commander"."""
        return re.compile(r"[\s-]+" + phrase_alternatives(self.affiliation) + r"\b", re.IGNORECASE)

    @functools.cached_property
    def origin_before(self) -> re.Pattern[str]:
        """Searched in the words right before a place: "fired from", "from over the",
        "accused"."""
        return re.compile(
            r"\b(?:"
            + phrase_alternatives(self.origin)
            + r"\s+(?:"
            + phrase_alternatives(self.origin_over)
            + r"\s+)?(?:"
            + phrase_alternatives(self.origin_within)
            + r"\s+)?|"
            + phrase_alternatives(self.accuses)
            + r"\s+(?:on\s+)?)$",
            re.IGNORECASE,
        )


@dataclass(frozen=True)
class EarlierWords:
    """The words that tell a clause about an earlier strike ([earlier_words]: default_rules.toml
    says what each list is for), and the patterns strike.py reads them with, compiled on first
    use."""

    follows: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    strike_nouns: tuple[str, ...] = ()
    mourning: tuple[str, ...] = ()
    dead: tuple[str, ...] = ()

    @functools.cached_property
    def _answers(self) -> str:
        # "in response to", "a reprisal for": the article or "in" before the words is the
        # clause's too.
        return r"(?:in\s+|an?\s+)?" + phrase_alternatives(self.answers)

    @functools.cached_property
    def _strike_named(self) -> str:
        # The strike named a few words on: "after a rocket attack", "blamed for the drone strike".
        return r"(?:\s+[\w'’-]+){0,4}?\s+" + phrase_alternatives(self.strike_nouns) + r"\b"

    @functools.cached_property
    def noun(self) -> re.Pattern[str]:
        """Any of the strike nouns, not as a verb to come ("vowed to attack", "will strike")."""
        return re.compile(
            rf"(?<!\bto\s)(?<!\bwill\s)\b{phrase_alternatives(self.strike_nouns)}\b",
            re.IGNORECASE,
        )

    @functools.cached_property
    def clause(self) -> re.Pattern[str]:
        """Where a clause about an earlier strike starts: "after", "in retaliation for"."""
        return re.compile(
            rf"\b(?:{phrase_alternatives(self.follows)}|{self._answers})\b", re.IGNORECASE
        )

    @functools.cached_property
    def strike(self) -> re.Pattern[str]:
        """An earlier strike named in such a clause: "after a rocket attack"."""
        return re.compile(self.clause.pattern + self._strike_named, re.IGNORECASE)

    @functools.cached_property
    def answered(self) -> re.Pattern[str]:
        """The attack a strike answers, named as such: "in response to a rocket attack"."""
        return re.compile(rf"\b(?:{self._answers})\b" + self._strike_named, re.IGNORECASE)

    @functools.cached_property
    def mourned(self) -> re.Pattern[str]:
        return re.compile(rf"\b{phrase_alternatives(self.mourning)}\b", re.IGNORECASE)

    @functools.cached_property
    def the_dead(self) -> re.Pattern[str]:
        return re.compile(rf"\b{phrase_alternatives(self.dead)}\b", re.IGNORECASE)


def read_word_lists(
    name: str,
    keys: Sequence[str],
    base: Mapping[str, Any],
    table: Mapping[str, object],
    file: str,
    problems: list[Problem],
) -> dict[str, tuple[str, ...]]:
    """The shipped lists of the table `name` ([place_words], [earlier_words]) with the user's
    words added to them, checked."""
    lists: dict[str, list[str]] = {key: [] for key in keys}
    for source, source_file in ((base, "default_rules.toml"), (table, file)):
        raw = source.get(name, {})
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    source_file,
                    name,
                    "must be a table of word lists",
                    raw,
                    f'write [{name}] with {keys[0]} = ["word", ...], ...',
                )
            )
            continue
        check_keys(raw, keys, source_file, name, problems)
        for key in keys:
            words = raw.get(key, [])
            if not isinstance(words, list):
                problems.append(
                    Problem(
                        source_file,
                        f"{name}.{key}",
                        "must be a list of words",
                        words,
                        f'write {key} = ["word", ...]',
                    )
                )
                continue
            for n, word in enumerate(words):
                if not isinstance(word, str) or not _LIST_WORD.fullmatch(word):
                    problems.append(
                        Problem(
                            source_file,
                            f"{name}.{key}[{n}]",
                            "must be a word or words apart by single spaces, a trailing * "
                            "matching any ending (no regular expressions here)",
                            word,
                            'write e.g. "insisted", "carried out" or "accus*"',
                        )
                    )
                    continue
                lists[key].append(word)
    return {key: tuple(dict.fromkeys(words)) for key, words in lists.items()}
