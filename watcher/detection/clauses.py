"""Sentences' roles and clause boundaries: a text and its sentence spans in, the role of each
sentence (and its place in the prose) or whether two positions share a clause out; pure.

A news page's text is more than its story: bylines, dates and share buttons on lines of their
own, photo captions, "Related" and "Read more" lines. These are not the lead of the story, and
a strike named only in a caption or a link to another story is not what the page reports
(issue #11). A guard governs a strike word only inside the clause that holds it: "Russia denied
it, while US jets struck Deir ez-Zor" denies nothing about the US strike.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from watcher.detection import lead

# headline: sentence 0; prose: a sentence of the story; meta: a short line with no sentence in
# it (a byline, a date, "A+ A-") or the headline printed again, skipped when the lead is
# counted; caption: a photo's caption or credit; related: a link to another story ("Related:",
# "Read more"); background: after the lede, a sentence about an earlier strike ("last month",
# an older date). Captions, links and background are told apart by lead.context_of.
ROLES = ("headline", "prose", "meta", "caption", "related", "background")

# "By Staff - Mar 3, 2021 - Last updated at ...", "By Jane Doe | Reuters".
_BYLINE = re.compile(r"(?:by|from|written by|reporting by)\s+\S", re.IGNORECASE)
# Sentence ends: a line that ends with none of these and is short is not a sentence.
_ENDS = ".!?\"'”’)"
_META_WORDS = 7


@dataclass(frozen=True)
class Roles:
    roles: tuple[str, ...]  # one of ROLES per sentence
    # The sentence's place in the story: 0 for the headline, 1 for the first prose sentence;
    # a sentence that is not prose gets the place of the prose sentence before it.
    positions: tuple[int, ...]


def sentence_roles(
    text: str, spans: Sequence[tuple[int, int]], published: date | None = None
) -> Roles:
    """The role of each sentence of text (spans[0] is the headline), read from the sentence
    and its line."""
    read = SentenceRoles(text, spans, published, counted=len(spans))
    return Roles(
        tuple(read.role(index) for index in range(len(spans))),
        tuple(read.position(index) for index in range(len(spans))),
    )


@dataclass
class SentenceRoles:
    """The roles of a text's sentences as sentence_roles reads them, each read on first use.

    A sentence's place in the story is told up to `counted` only (a later one is `counted`):
    the scorer asks whether a sentence is in the lead, and a strike's sentence is all it
    needs past that, so most sentences of a long text are never read."""

    text: str
    spans: Sequence[tuple[int, int]]
    published: date | None
    counted: int
    # The sentences read in order from the headline, until the place in the story reached
    # `counted`, and the others read since.
    roles: list[str] = dataclasses.field(default_factory=list)
    positions: list[int] = dataclasses.field(default_factory=list)
    later: dict[int, str] = dataclasses.field(default_factory=dict)
    # A paragraph's sentences share its line: it is read once.
    by_line: dict[int, str] = dataclasses.field(default_factory=dict)

    @functools.cached_property
    def headline(self) -> str:
        return _bare(self.text[self.spans[0][0] : self.spans[0][1]]) if self.spans else ""

    def role(self, index: int) -> str:
        """One of ROLES."""
        self._read_to(index)
        if index < len(self.roles):
            return self.roles[index]
        if index not in self.later:
            self.later[index] = self._role_of(index, self.counted)
        return self.later[index]

    def position(self, index: int) -> int:
        """The sentence's place in the story (0 for the headline, 1 for the first prose
        sentence), or `counted` if it is further down."""
        self._read_to(index)
        return self.positions[index] if index < len(self.positions) else self.counted

    def _read_to(self, index: int) -> None:
        position = self.positions[-1] if self.positions else 0
        while len(self.roles) <= index and position < self.counted:
            role = self._role_of(len(self.roles), position)
            if role == "prose":
                position += 1
            self.roles.append(role)
            self.positions.append(position)

    def _role_of(self, index: int, position: int) -> str:
        """The role of a sentence after `position` prose sentences."""
        if index == 0:
            return "headline"
        text = self.text
        start, end = self.spans[index]
        line_start = text.rfind("\n", 0, start) + 1
        role = self.by_line.get(line_start, "")
        if not role:
            line_end = text.find("\n", end)
            line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
            role = _role(line)
            headline = self.headline
            if role == "prose" and len(line) < 2 * len(headline) + 20 and _bare(line) == headline:
                role = "meta"  # the headline again, as pages print it over the story
            self.by_line[line_start] = role
        if role in ("prose", "meta"):
            # After the lede, an earlier strike is context; a short line may be a caption or a
            # link ("Related: Rockets hit Aleppo").
            sentence = text[start:end]
            context = lead.context_of(sentence, self.published)
            if context == lead.BACKGROUND and (role == "meta" or not position):
                # The lede is the lead whatever it recalls, unless it dates its events well
                # before publication ("the attack of April 4 2017" in a July story).
                context = context if role == "prose" and lead.context_of(sentence) is None else None
            if context is not None:
                role = str(context)
        return role


def _role(line: str) -> str:
    words = len(line.split())
    if (words < _META_WORDS and not line.endswith(tuple(_ENDS))) or (
        _BYLINE.match(line) and words < 16
    ):
        return "meta"
    return "prose"


def _bare(line: str) -> str:
    return " ".join(re.findall(r"\w+", line.lower()))


# Between two clauses: strong punctuation, a dash set off by spaces, or a conjunction that
# starts a clause of its own. A comma alone is no boundary ("the Pentagon, denying reports
# that its jets struck Raqqa, said") unless a conjunction follows it.
_BREAK = re.compile(
    r"[;:()\[\]]|\s[-–—]\s|[–—]"
    r"|(?:^|[\s,])(?:while|whereas|but|although|though|meanwhile|however|after|before|"
    r"since|because|as well as|adding|and then)(?=\s)"
    r"|,\s*(?:and|or|as|when|which|who|where)\s"
    # A participle after a comma starts a clause of its own: ", endangering a ceasefire"; so
    # does the speech verb after a parenthesis: "officials, who asked not to be named, said".
    r"|,\s*[a-z]+ing\s|,\s*(?:said|says|say|told|added|according)\b",
    re.IGNORECASE,
)


def same_clause(text: str, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Whether nothing between two spans of text starts another clause."""
    if first[0] > second[0]:
        first, second = second, first
    if second[0] <= first[1]:
        return True
    return _BREAK.search(text, first[1], second[0]) is None


def clause_end(text: str, start: int, end: int) -> int:
    """Where the clause that holds text[start] ends: at the next clause boundary before `end`,
    else at `end`."""
    boundary = _BREAK.search(text, start, end)
    return boundary.start() if boundary else end
