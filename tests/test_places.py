"""Places of a document by sentence (watcher/detection/places.py): read sentence by sentence
with their surroundings, or the whole text at once, they are the same places."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from watcher.detection import default_rules, load_rules, places
from watcher.detection.gazetteer import Place, joined_runs, load_gazetteer, read_places
from watcher.detection.phrases import tokenize
from watcher.detection.places import SentencePlaces
from watcher.detection.sentences import read_document
from watcher.detection.word_lists import EARLIER_WORD_KEYS, PLACE_WORD_KEYS

TEXTS = [
    (
        "Air strikes hit Deir ez-Zor",
        "Warplanes struck positions near Al-Bukamal, in Deir ez-Zor province, on Monday. "
        "Iraqi officials in Baghdad said the strikes were close to the border with Iraq. "
        "Syrian state media said Turkish drones also hit a car outside Qamishli. "
        "The Syrian Observatory, a London-based monitor, said six people were killed.",
    ),
    (
        "غارة على البوكمال",
        "قتل ثلاثة أشخاص بغارة نفذتها طائرة مسيرة على سيارة قرب البوكمال في ريف دير الزور. "
        "وقالت مصادر محلية إن الطائرة أطلقت صاروخين على السيارة قرب مدخل المدينة.",
    ),
]


def _places(title: str, text: str) -> list[list[tuple[int, int, str]]]:
    rules = default_rules()
    joined = f"{title}\n\n{text}"
    doc = read_document(joined, len(title), tokenize(joined), rules, None)
    found = SentencePlaces(doc, rules)
    return [
        [(place.start, place.end, place.ref.id) for place in found.of(sentence)]
        for sentence in range(len(doc.sentences))
    ]


@pytest.mark.parametrize(("title", "text"), TEXTS)
def test_a_short_text_read_whole_gives_the_places_its_sentences_give(
    title: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(text) < places._READ_WHOLE
    whole = _places(title, text)
    assert sum(map(len, whole)) >= 3
    monkeypatch.setattr(places, "_READ_WHOLE", 0)
    assert _places(title, text) == whole


def _where_struck(table: dict[str, object], text: str) -> list[str]:
    """The places of the text that can say where a strike fell, under the rules `table` makes:
    those found, without reference points (places.is_reference)."""
    rules, problems = load_rules(table, "c.toml")
    assert problems == []
    joined = f"Strikes\n\n{text}"
    doc = read_document(joined, len("Strikes"), tokenize(joined), rules, None)
    found = SentencePlaces(doc, rules)
    found.read_all()
    return [
        place.text
        for place in found.found()
        if not places.is_reference(doc, rules.place_words, place, rules.rules[0])
    ]


@pytest.mark.parametrize(
    ("key", "word", "text", "place"),
    [
        # A country that speaks is an actor, not a place.
        ("speaks", "insisted", "Lebanon insisted the raid hit Homs.", "Lebanon"),
        # A country that names a force's nation.
        ("affiliation", "trained", "Jets hit a Jordan-trained unit in Homs.", "Jordan"),
        # Where a projectile came from.
        ("origin", "off", "Missiles fired off Lebanon hit Homs.", "Lebanon"),
        ("origin_over", "beyond", "Missiles fired from beyond Lebanon hit Homs.", "Lebanon"),
        ("origin_within", "northern", "Rockets fired from northern Lebanon hit Homs.", "Lebanon"),
        # Who is faulted struck.
        ("accuses", "fault*", "Damascus faulted Lebanon for the strike on Homs.", "Lebanon"),
    ],
)
def test_the_words_read_around_a_place_are_the_rules_place_words(
    key: str, word: str, text: str, place: str
) -> None:
    assert word not in getattr(default_rules().place_words, key)
    assert place in _where_struck({}, text)
    assert place not in _where_struck({"place_words": {key: [word]}}, text)
    assert "Homs" in _where_struck({"place_words": {key: [word]}}, text)


def test_without_the_shipped_rules_no_words_make_a_place_a_reference() -> None:
    text = "Syria said rockets fired from Lebanon hit an Iran-backed militia in Homs."
    assert _where_struck({}, text) == ["Homs"]
    rules, _ = load_rules({"defaults": False}, "c.toml")
    assert rules.place_words.speaks == ()
    # An empty list matches nothing (not everything).
    assert rules.place_words.origin_before.search("fired from ") is None


@pytest.mark.parametrize(
    ("table", "keys"), [("place_words", PLACE_WORD_KEYS), ("earlier_words", EARLIER_WORD_KEYS)]
)
def test_every_word_list_is_shipped_with_its_explanation(table: str, keys: tuple[str, ...]) -> None:
    shipped = (Path(places.__file__).parent / "default_rules.toml").read_text("utf-8")
    assert tuple(tomllib.loads(shipped)[table]) == keys
    comments = "\n".join(re.findall(r"^#.*", shipped, re.MULTILINE))
    for key in keys:
        # Each list follows a comment that says what it is for, or a comment names it.
        follows = re.search(rf"^#.*\n{key} = \[", shipped, re.MULTILINE)
        assert follows or f"`{key}`" in comments, key


# --- the quick test before detection reads a text (places.may_name) ---------------------------

IRAQ_SYRIA = frozenset({"IQ", "SY"})


def _names_a_place_there(text: str) -> bool:
    return any(
        isinstance(found.entry, Place) and found.entry.country in IRAQ_SYRIA
        for found in load_gazetteer().places_in(text)
    )


def _may_name(text: str) -> bool:
    return places.may_name(tokenize(text), default_rules(), IRAQ_SYRIA)


# Places written as the gazetteer folds them: apostrophes inside a name, possessives, capitals,
# accents, hyphens, and words that are places only with a capital and a locative ("in Hit").
WRITTEN = [
    "Drones struck a convoy near Al-Qa’im on Sunday.",
    "Drones struck a convoy near al-Qa'im's market on Sunday.",
    "JETS POUND TARGETS IN DEIR EZ-ZOR",
    "Shelling reported in Dayr az Zawr countryside.",
    "Rockets landed in Hit, a town on the Euphrates.",
    "Rockets landed in Ḥomṣ overnight.",
    "Abu Kamal’s border crossing was hit.",
    "Smoke rose over the T-4 air base.",
    "A strike hit the outskirts of Raqqa’s old city.",
    # Letters that fold to more than a letter: "and Baghdad" in presentation forms, which no
    # test for Arabic sees, is "و" before "بغداد"; an Arabic mark's isolated form folds to a
    # space, so "ez\ufe70zor" is two words of "Dayr ez Zor".
    "Drones struck a convoy in \ufeed\ufe91\ufed0\ufeaa\ufe8d\ufea9 on Sunday.",
    "Jets pounded Dayr ez\ufe70Zor overnight.",
]
ELSEWHERE = [
    "Workers strike in Paris over pensions, and trains stop in Lyon.",
    "Israeli strikes hit Gaza City; residents said they didn’t expect it.",
    "Russian drones hit Kharkiv's power plant as fighting goes on.",
    "The union’s strike hit as many as 40 hospitals, at the height of flu season.",
]


@pytest.mark.parametrize("text", WRITTEN)
def test_may_name_wherever_the_gazetteer_finds_a_place_there(text: str) -> None:
    assert _names_a_place_there(text)
    assert _may_name(text)


@pytest.mark.parametrize("text", ELSEWHERE)
def test_a_text_naming_no_place_there_is_told_apart_without_reading_it(text: str) -> None:
    assert not _names_a_place_there(text)
    assert not _may_name(text)


def test_may_name_for_every_alias_of_a_place_in_iraq_or_syria() -> None:
    """Every packaged alias, written as the data spell it, with a possessive, and in capitals:
    where the gazetteer finds a place of Iraq or Syria, may_name says it may be there."""
    missed = []
    checked = 0
    for place, aliases, _ in read_places(
        resources.files("watcher.detection")
        .joinpath("data", "places.tsv")
        .read_text("utf-8")
        .splitlines()
    ):
        if place.country not in IRAQ_SYRIA:
            continue
        for alias in aliases:
            for text in (
                f"Strikes hit targets in {alias} on Monday",
                f"Strikes hit {alias}’s outskirts",
                f"STRIKES HIT {alias.upper()}",
            ):
                if _names_a_place_there(text):
                    checked += 1
                    if not _may_name(text):
                        missed.append(text)
    assert checked > 10_000
    assert not missed, missed[:20]


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("they don’t say", [("don", "t")]),
        ("in qa'im and raqqa’s east", [("qa", "im"), ("raqqa", "s")]),
        ("‘quoted’ words", []),
        ("x’’y", None),  # two joiners in a row
        ("x'’y", None),
        ("ma’ar’at", None),  # three runs
        ("qa\u0304im", None),  # a combining mark
    ],
)
def test_joined_runs(text: str, pairs: list[tuple[str, str]] | None) -> None:
    assert joined_runs(text) == pairs
