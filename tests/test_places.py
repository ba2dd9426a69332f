"""Places of a document by sentence (watcher/detection/places.py): read sentence by sentence
with their surroundings, or the whole text at once, they are the same places."""

from __future__ import annotations

import pytest

from watcher.detection import default_rules, places
from watcher.detection.phrases import tokenize
from watcher.detection.places import SentencePlaces
from watcher.detection.sentences import read_document

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
