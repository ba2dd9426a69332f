"""Arabic text as the matcher reads it: letters unified as PyArabic unifies them, proclitics and
endings cut, digits and number words read, a language told per text; and the language
sub-tables of the rules ([lexicons.ar], [guards.NAME.ar])."""

from __future__ import annotations

import re

import pytest
from pyarabic import araby

from watcher.detection import arabic, load_rules
from watcher.detection.phrases import compile_index, find_phrases, tokenize

# Words written as reports write them: short vowels, shadda, tatweel, every hamza carrier,
# alef maqsura and ta marbuta.
WORDS = [
    "مُسَيَّرَةٌ", "غـــارة", "أسقطت", "إضراب", "آلاف", "مسؤول", "طائرات", "مستشفى", "ضربةٍ",
    "القذائفُ", "استُهدِفت", "إسرائيل", "الأنبار", "سُئِل", "ذِكرى",
]  # fmt: skip


def _pyarabic(word: str) -> str:
    """The same unification through PyArabic's own functions, one after the other."""
    word = araby.strip_tatweel(araby.strip_diacritics(word))
    word = araby.normalize_hamza(word, method="tasheel")
    return araby.normalize_teh(word).replace(araby.ALEF_MAKSURA, araby.YEH)


@pytest.mark.parametrize("word", WORDS)
def test_letters_are_unified_as_pyarabic_unifies_them(word: str) -> None:
    assert arabic.normalize(word) == _pyarabic(word)


def test_one_key_for_the_forms_of_a_word() -> None:
    forms = ["غارة", "الغارة", "بغارة", "وغارات", "غاراتها", "وبالغارات", "غارتين", "غـارةٌ"]
    assert {arabic.fold(word) for word in forms} == {arabic.fold("غارة")}
    assert arabic.fold("للعراق") == arabic.fold("العراق") == arabic.fold("والعراق")


def test_adjectives_stay_apart_from_their_country() -> None:
    # "العراقية" (Iraqi) must not read as "العراق" (Iraq): a demonym is weaker than a place.
    assert arabic.fold("العراقية") == arabic.fold("العراقيين") == arabic.fold("عراقي")
    assert arabic.fold("العراقية") != arabic.fold("العراق")


def test_short_words_keep_their_letters() -> None:
    # في، من، قتل: cutting a "proclitic" or an "ending" would leave two letters.
    for word in ("في", "من", "قتل", "بعد", "وقع"):
        assert arabic.fold(word) == arabic.normalize(word)


def test_a_lexicon_word_is_found_with_or_without_the_article() -> None:
    # وزير folds to زير (its و read as "and"); with the article it keeps it: both keys are made.
    keys = arabic.forms("وزير")
    assert arabic.fold("وزير") in keys and arabic.fold("الوزير") in keys


def test_latin_words_are_only_lower_cased() -> None:
    assert arabic.fold("Airstrikes") == "airstrikes"
    assert arabic.forms("Raqqa") == ("raqqa",)


@pytest.mark.parametrize(
    ("word", "number"),
    [("٣", 3), ("۱۲", 12), ("12", 12), ("ثلاثة", 3), ("وثلاثة", 3), ("اثنين", 2), ("عشرة", 10),
     ("عشرات", 20), ("خمسون", 50), ("غارة", None)],
)  # fmt: skip
def test_counts_written_in_digits_or_words(word: str, number: int | None) -> None:
    assert arabic.count_word(word) == number


def test_language_by_script() -> None:
    assert arabic.language("قصفت طائرات حربية مواقع في ريف حلب، بحسب Reuters") == "ar"
    assert arabic.language("Jets struck Aleppo, the agency (سانا) said on Monday") == "en"
    assert arabic.language("2024 - 12") == "en"


@pytest.mark.parametrize(
    "text",
    [
        "", "2024", "ab غا", "abc غا", "ab غا ١٢", "a ـ", "غارة", "Jets “struck” Aleppo",
        "غارة على حلب (AFP) by Reuters staff", "ABCD غارات", "é غ", "Ωμέγα غارة",
    ],
)  # fmt: skip
def test_language_is_the_share_of_letters_that_are_arabic(text: str) -> None:
    letters = sum(map(len, re.findall(r"[^\W\d_]+", text)))
    share = len(arabic.ARABIC_LETTER.findall(text)) / letters if letters else 0.0
    assert arabic.language(text) == ("ar" if share >= 0.5 else "en")


def test_phrases_match_folded_arabic_with_marks_inside_words() -> None:
    index = compile_index(
        {"lexicon:air": [("l[0]", "غارة جوية")], "lexicon:drone": [("l[1]", "مسير*")]}, "t", []
    )
    text = "وشنّت الطائرات المسيَّرة غاراتٍ جويةً على القرية"
    found = find_phrases(index, tokenize(text))
    assert [text[a:b] for a, b in found["lexicon:air"]] == ["غاراتٍ جويةً"]
    assert [text[a:b] for a, b in found["lexicon:drone"]] == ["المسيَّرة"]


def test_language_sub_tables_add_to_the_lists_of_the_same_names() -> None:
    rules, problems = load_rules(
        {
            "lexicons": {"ar": {"air_strike": ["قصف ليلي"]}},
            "guards": {"labour": {"ar": {"terms": ["اعتصام"]}}},
        },
        "mine.toml",
    )
    assert problems == []
    found = find_phrases(rules.index, tokenize("قصف ليلي ثم اعتصام"))
    assert "lexicon:air_strike" in found and "guard:labour" in found


def test_a_bad_language_sub_table_of_a_guard_is_reported_with_its_path() -> None:
    _, problems = load_rules({"guards": {"labour": {"ar": {"term": ["اعتصام"]}}}}, "mine.toml")
    assert [(p.path, p.file) for p in problems] == [("guards.labour.ar", "mine.toml")]


@pytest.mark.parametrize(
    ("sentence", "killed", "wounded"),
    [
        ("أسفرت الغارة عن مقتل ثلاثة مدنيين وإصابة ٧ آخرين", 3, 7),
        ("قتل ما لا يقل عن 12 عنصرا في القصف", (12, None), None),
        ("سقط 4 قتلى و10 جرحى في الهجوم", 4, 10),
        ("خلف القصف خمسة عشر قتيلا", 15, None),
        ("ما أدى إلى مقتل شخص وجرح آخر", 1, None),
        ("استهدفت المسيرة سيارة دون وقوع إصابات", 0, 0),
        ("اقتصرت الأضرار على الماديات", 0, None),
        ("وأصيب جنديان بجروح طفيفة", 0, 2),
        ("أسفر القصف عن مقتل وإصابة 10 أشخاص", None, None),
    ],
)
def test_casualties_written_in_arabic(sentence: str, killed: object, wounded: object) -> None:
    assert arabic.casualties([(sentence, 0)]) == (killed, wounded)


def test_a_toll_later_in_the_text_is_read_when_the_lead_states_none() -> None:
    lead = "قصفت طائرات مسيرة موقعا قرب الحدود"
    whole = f"{lead}. وفي وقت لاحق أعلنت مصادر طبية مقتل اثنين من الحراس."
    assert arabic.casualties([(lead, 0)]) == (None, None)
    assert arabic.casualties([(lead, 0)], whole) == (2, None)


def test_the_agent_is_read_after_the_strike_words() -> None:
    text = "قصفت طائرات حربية روسية مواقع في ريف إدلب"
    end = text.index("طائرات") + len("طائرات")
    assert arabic.agent_follows(text, end, text.index("روسية"))
    # After a verb of targeting, a name is its object; after "على" it is the target's place.
    text = "استهدفت القوات التركية"
    assert not arabic.agent_follows(text, len("استهدفت"), text.index("القوات"))
    text = "غارات على مواقع النظام"
    assert not arabic.agent_follows(text, len("غارات"), text.index("النظام"))


def test_the_arabic_page_fixture_is_extracted_and_detected() -> None:
    # The page bench/articles.py times too: its story, not its sidebar (a labour strike, Gaza).
    from pathlib import Path

    from watcher.articles import decode_html, extract_text
    from watcher.detection import default_rules, detect

    raw = (Path(__file__).parent / "fixtures" / "pages" / "ar-drone-strike.html").read_bytes()
    text = extract_text(decode_html(raw, "text/html"), "https://news.example.org/story")
    assert text is not None and arabic.language(text) == "ar"
    found = detect("", text, default_rules())
    assert found is not None
    assert found.fields.strike_type == "air_drone"
    assert (found.fields.killed, found.fields.wounded) == (3, 2)
    assert [place.name for place in found.fields.places][:1] == ["Albu Kamal"]


def test_the_quick_toll_test_lets_every_toll_word_through() -> None:
    # casualties skips a sentence _ANY_TOLL finds nothing in: it must know every anchor word.
    words = arabic._KILLED | arabic._WOUNDED | arabic._COUNTED_NOUNS | arabic._SUBJECT_FIRST
    assert [word for word in words if not arabic._ANY_TOLL.search(word)] == []


@pytest.mark.parametrize(
    ("sentence", "day"),
    [
        ("قصفت طائرات مسيرة يوم الثلاثاء مواقع قرب سنجار", "2024-03-12"),
        ("أفادت مصادر فجر الأربعاء بسقوط صواريخ", "2024-03-13"),
        ("استهدفت غارة أمس موقعا في ريف دير الزور", "2024-03-12"),
        ("سقطت قذائف صباح اليوم على أطراف المدينة", "2024-03-13"),
        ("أدى المصلون صلاة الجمعة في المسجد", None),
    ],
)
def test_the_day_of_the_strike_in_arabic(sentence: str, day: str | None) -> None:
    from datetime import UTC, date, datetime

    published = datetime(2024, 3, 13, 9, 0, tzinfo=UTC)  # a Wednesday
    found, _ = arabic.event_date([sentence], published)
    assert found == (date.fromisoformat(day) if day else None)


def test_normalize_of_a_long_text_is_the_translation_of_it() -> None:
    # A long text is normalised by replacing each character in turn: the same as translating
    # only while no replacement writes a character that another replaces.
    written = {new for _, new in arabic._REPLACEMENTS}
    assert not {old for old, _ in arabic._REPLACEMENTS} & set("".join(written))
    every = "".join(old for old, _ in arabic._REPLACEMENTS)
    for text in (
        " ".join(WORDS) * 3,
        every + " قُتِلَ ٣ مدنيين و۱٢ جريحاً، ٢٫٥ كم" + every[::-1],
        "Air strikes hit Raqqa; " * 3,
    ):
        assert len(text) >= arabic._REPLACE_FROM
        assert arabic.normalize(text) == text.translate(arabic._LETTERS)
