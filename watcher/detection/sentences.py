"""Sentences of a document: a title and text in, a Document out (the sentence spans, headline
first; where each list of the rules' phrases occurs; each sentence's role and place in the
story); pure.

Every position, here and in the stages after, counts in title + "\\n\\n" + text: a Mention is
a span of it.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from watcher.detection.clauses import SentenceRoles
from watcher.detection.phrases import Tokens, find_phrases
from watcher.detection.rules import RuleSet


@dataclass(frozen=True)
class Mention:
    kind: str  # term | place | actor | guard
    text: str
    start: int
    end: int
    # lexicon, place id, normalised actor name, or guard id ("elsewhere": a strike placed in
    # another country led the story; "headline": a bare strike word in the headline)
    ref: str


@dataclass(frozen=True)
class Document:
    text: str
    sentences: tuple[tuple[int, int], ...]  # spans; sentence 0 is the headline
    starts: tuple[int, ...]
    word_starts: Sequence[int]
    hits: dict[str, list[tuple[int, int]]]  # phrase list name -> spans
    # clauses.ROLES and the place in the story (up to the last a rule tells apart), by sentence
    roles: SentenceRoles
    # phrase list name -> sentence -> spans, filled on first use: long texts stay linear
    by_sentence: dict[str, dict[int, list[tuple[int, int]]]] = dataclasses.field(
        default_factory=dict
    )

    def sentence_of(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position) - 1

    def hits_in(self, name: str, sentence: int) -> list[tuple[int, int]]:
        if name not in self.by_sentence:
            grouped: dict[int, list[tuple[int, int]]] = {}
            for span in self.hits.get(name, ()):
                grouped.setdefault(self.sentence_of(span[0]), []).append(span)
            self.by_sentence[name] = grouped
        return self.by_sentence[name].get(sentence, [])

    def word_index(self, position: int) -> int:
        return bisect.bisect_right(self.word_starts, position)

    def sentence_text(self, index: int) -> str:
        start, end = self.sentences[index]
        return self.text[start:end]


_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Capt|Sgt|Maj|Adm|Rep|Sen|Gov|St|No|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Inc|Co|Corp|vs|etc|approx|U\.S|U\.N|U\.K))\.$"
)
# Between sentences: after . ! or ? (and closing quotes), space before a capital or a digit; or a
# run of space with a line break in it. _boundaries finds the same spans, in the same order, as
# the regular expression `(?<=[.!?])["'”’)]*\s+(?=["'“‘(]*[A-Z0-9])|\s*\n\s*` would from a
# position that follows no . ! or ?, but searches for the punctuation and line breaks only (that
# expression tries every space of the text): 1.5 times faster.
# Arabic has no capitals: after . ! ? or ؟, any Arabic letter starts a sentence.
_BREAK = re.compile(r"[.!?؟]([\"'”’»)]*\s+)(?=[\"'“‘«(]*[A-Z0-9\u0621-\u064a])|\n")


def _boundaries(text: str, position: int) -> Iterator[tuple[int, int]]:
    """The spans between the sentences of text[position:]; text[position - 1] is no . ! or ?."""
    while True:
        found = _BREAK.search(text, position)
        if found is None:
            return
        if found.group(1) is not None:
            start, end = found.span(1)
        else:
            # A line break: the whole run of space around it, from where the search began.
            start = found.start()
            while start > position and text[start - 1].isspace():
                start -= 1
            end = found.end()
            while end < len(text) and text[end].isspace():
                end += 1
        yield start, end
        position = end


# A word's first letter, in a headline written all in lower case, and "us" where it names the
# country: first, after "the", or before a hyphen ("us-led").
_WORD_START = re.compile(r"(?<![\w'’])[a-z]")
_US = re.compile(r"^Us\b|(?<=\bThe )Us\b|\bUs(?=-)")


def recase_headline(title: str) -> str:
    """A headline written all in lower case, as a page's slug or some feeds give it ("the us
    bombs militia sites in syria"), read as the title case that headlines are written in
    ("The US Bombs Militia Sites In Syria"): the place names, and the state as the subject of
    a strike verb, are then found as they are in any headline. Other titles are returned as
    they are, and so is every text: "us" is the pronoun in prose. Same length, so that every
    position still counts in the title as given."""
    if not title.islower() or not title.isascii():
        return title
    return _US.sub("US", _WORD_START.sub(lambda letter: letter.group().upper(), title))


def read_document(
    joined: str, title_length: int, tokens: Tokens, rules: RuleSet, published: datetime | None
) -> Document:
    spans = [(0, title_length)]
    start = title_length + 2
    # The title ends with "\n\n": no . ! or ? right before the body.
    for boundary, after in _boundaries(joined, start):
        if "\n" not in joined[boundary:after] and _ABBREVIATION.search(
            joined, max(0, boundary - 8), boundary
        ):
            continue
        if boundary > start:
            spans.append((start, boundary))
        start = after
    if start < len(joined):
        spans.append((start, len(joined)))
    # Past the lead (and the sentences that can lead a story elsewhere, and the lede), the
    # rules tell no place in the story from the next.
    counted = max(
        (max(rule.lead, rule.elsewhere_sentences, rule.lede_sentences) + 1 for rule in rules.rules),
        default=1,
    )
    roles = SentenceRoles(joined, spans, published.date() if published else None, counted)
    return Document(
        text=joined,
        sentences=tuple(spans),
        starts=tuple(span[0] for span in spans),
        word_starts=tokens.starts,
        hits=find_phrases(rules.index, tokens),
        roles=roles,
    )


def words_between(doc: Document, first: tuple[int, int], second: tuple[int, int]) -> int:
    if first[0] > second[0]:
        first, second = second, first
    return max(0, doc.word_index(second[0]) - doc.word_index(first[1]))
