"""Phrase matching's quick tests: the strings every match of a "re:" pattern holds
(phrases.pattern_needs), and that a text without them is matched exactly as one searched in full."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from watcher.detection import default_rules
from watcher.detection.phrases import compile_index, find_phrases, pattern_needs, tokenize

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (
            r"(?i)(?:helicopters?|jets?) (?:had |has )?landed",
            ((("landed",), ("helicopter ", "helicopters ", "jet ", "jets ")), True),
        ),
        # An optional part ends a run of letters; the longer runs are the ones kept.
        (r"[وب]?(?:ال)?قصفا? (?:ال)?صاروخي[اة]?(?!\w)", ((("صاروخي",), ("قصف",)), False)),
        # Alternatives multiply out with what stands next to them, up to eight strings.
        (r"(?i)[Ii]n (?:19|20)[0-9]", ((("in 19", "in 20"),), True)),
        (r"(?i)[a-d][a-d] (?:19|20)[0-9]", (((" 19", " 20"),), True)),
        (r"(?i)strikes? over (?:pay|wages)", (((" over pay", " over wages"), ("strike",)), True)),
        (r"(?:air |drone )?(?i:Strike)s", ((("strikes",),), True)),
        (r"(?:US|UK)(?![\w.])|EU", ((("EU", "UK", "US"),), False)),
        (r"\d+ killed|dead", (((" killed", "dead"),), False)),
        (r"\d+ killed|\w+ dead", (((" dead", " killed"),), False)),
        # Nothing every match must hold: no quick test.
        (r"\d+ killed|[a-z]+", None),
        (r"(?:abc)?", None),
        # re finds the first letter of these as fast as a substring test would.
        (r"US(?![\w.])", None),
        (r"[Ii]n (?:19|20)[0-9]", None),
    ],
)
def test_pattern_needs(
    pattern: str, needs: tuple[tuple[tuple[str, ...], ...], bool] | None
) -> None:
    assert pattern_needs(re.compile(pattern)) == needs


def _texts() -> list[str]:
    texts = []
    for name in ("detection_cases.toml", "detection_cases_ar.toml"):
        for case in tomllib.loads((DATA / name).read_text("utf-8"))["cases"]:
            texts.extend((case["title"], case["text"], case["title"].upper()))
    return texts


def test_every_match_of_a_shipped_pattern_holds_what_it_needs() -> None:
    patterns = default_rules().index.patterns
    matched = 0
    for _, pattern in patterns:
        needs = pattern_needs(pattern)
        if needs is None:
            continue
        groups, folded = needs
        for text in _texts():
            for match in pattern.finditer(text):
                words = match.group().lower() if folded else match.group()
                for held in groups:
                    assert any(word in words for word in held), (pattern.pattern, match.group())
                matched += 1
    assert matched >= 5, "the cases should exercise the shipped patterns"


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("Two helicopters had landed at the base.", [(4, 26)]),
        ("TWO HELICOPTERS HAD LANDED AT THE BASE.", [(4, 26)]),
        ("Two helicopters took off from the base.", []),
        # Letters that an ignore-case search takes for i or s, and str.lower() does not turn
        # into them: the search decides.
        ("Two LANDİNG helicopters.", [(4, 11)]),
        ("Two landıng helicopters.", [(4, 11)]),
        ("Two landing helicopterſ.", [(4, 11)]),
    ],
)
def test_a_pattern_finds_the_same_with_or_without_its_quick_test(
    text: str, spans: list[tuple[int, int]]
) -> None:
    index = compile_index(
        {
            "guard:landing": [
                ("x", r"re:(?i)(?:helicopters?|jets?) (?:had |has )?landed"),
                ("y", r"re:(?i)landing(?= helicopter)"),
            ]
        },
        "rules.toml",
        [],
    )
    assert [needs and needs[0][0] for needs in index.needs] == [("landed",), ("landing",)]
    searched = [m.span() for _, pattern in index.patterns for m in pattern.finditer(text)]
    assert sorted(searched) == spans
    assert find_phrases(index, tokenize(text)).get("guard:landing", []) == spans
