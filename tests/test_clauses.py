"""Sentence roles and clause boundaries (watcher/detection/clauses.py) on texts written here."""

from __future__ import annotations

from datetime import date

import pytest

from watcher.detection.clauses import SentenceRoles, clause_end, same_clause, sentence_roles

TITLE = "Air strikes hit Saraqeb"
BODY = [
    "By a staff writer | 3 March",  # a byline
    "Air strikes hit Saraqeb",  # the headline printed again
    "Share",  # a button
    "Warplanes struck the town of Saraqeb in Idlib on Monday, killing six people.",  # the lede
    "Rescue workers searched the rubble.",
    "FILE PHOTO: Smoke rises over Saraqeb, Syria, January 5, 2020. REUTERS/Staff",  # a caption
    "Related: Rockets hit Aleppo",  # a link
    "Last month, a strike on a market in the town killed nine.",  # background after the lede
    "The monitor said the toll could rise.",
]


def _story() -> tuple[str, list[tuple[int, int]]]:
    """TITLE and BODY as a page's text, each line one sentence."""
    text = TITLE + "\n\n" + "\n".join(BODY)
    spans = [(0, len(TITLE))]
    start = len(TITLE) + 2
    for line in BODY:
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return text, spans


def test_each_line_has_its_role_and_the_prose_is_counted() -> None:
    text, spans = _story()
    roles = sentence_roles(text, spans, date(2020, 3, 3))
    assert roles.roles == (
        "headline",
        "meta",
        "meta",
        "meta",
        "prose",
        "prose",
        "caption",
        "related",
        "background",
        "prose",
    )
    # The lede is the first prose sentence, whatever stands above it.
    assert roles.positions == (0, 0, 0, 0, 1, 2, 2, 2, 2, 3)


@pytest.mark.parametrize("counted", [1, 2, 3])
@pytest.mark.parametrize("order", ["forward", "backward"])
def test_roles_read_on_first_use_are_the_same_and_places_stop_at_counted(
    counted: int, order: str
) -> None:
    text, spans = _story()
    every = sentence_roles(text, spans, date(2020, 3, 3))
    lazy = SentenceRoles(text, spans, date(2020, 3, 3), counted)
    indexes = range(len(spans)) if order == "forward" else range(len(spans) - 1, -1, -1)
    read = {index: (lazy.role(index), lazy.position(index)) for index in indexes}
    assert [read[index][0] for index in range(len(spans))] == list(every.roles)
    assert [read[index][1] for index in range(len(spans))] == [
        min(position, counted) for position in every.positions
    ]
    # Past the lead, a sentence asked for alone is read alone.
    alone = SentenceRoles(text, spans, date(2020, 3, 3), 1)
    assert alone.role(8) == "background"
    assert len(alone.roles) == 5


@pytest.mark.parametrize(
    ("text", "first", "second", "same"),
    [
        ("The Pentagon denied that its jets struck the village.", "denied", "struck", True),
        ("Russia denied it, while US jets struck Raqqa.", "denied", "struck", False),
        ("Russia denied it; US jets struck Raqqa.", "denied", "struck", False),
        ("Officials, who asked not to be named, said jets struck Raqqa.", "asked", "struck", False),
        ("Jets struck Raqqa, killing six, the monitor said.", "struck", "said", False),
        ("Jets that could strike again struck Raqqa.", "could", "strike", True),
    ],
)
def test_same_clause(text: str, first: str, second: str, same: bool) -> None:
    a, b = text.index(first), text.index(second)
    assert same_clause(text, (a, a + len(first)), (b, b + len(second))) is same


@pytest.mark.parametrize(
    ("text", "start", "rest"),
    [
        ("hours after rockets hit a base, killing two", "rockets", ", killing two"),
        ("after a raid that left three dead; jets then struck", "raid", "; jets then struck"),
        ("a day after a raid on the town", "raid", ""),
    ],
)
def test_clause_end(text: str, start: str, rest: str) -> None:
    assert text[clause_end(text, text.index(start), len(text)) :] == rest
