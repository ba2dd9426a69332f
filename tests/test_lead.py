"""The lead strike of a document and the fields taken from its own sentences (issue #11):
datelines, captions, "Related" lines and background paragraphs are context; reference places
are kept apart from the places hit; numbers written as words count. Texts written for these
tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from watcher.detection import Detection, default_rules, detect, fields, lead, load_rules
from watcher.detection.lead import (
    BACKGROUND,
    CAPTION,
    RELATED,
    RESPONSE,
    dateline_end,
    read_lead,
)


def _detected(title: str, text: str, published: datetime | None = None) -> Detection:
    found = detect(title, text, default_rules(), published)
    assert found is not None, "the fixture must be detected"
    return found


@pytest.mark.parametrize(
    ("sentence", "dateline"),
    [
        ("ERBIL, Kurdistan Region — Drones struck a car in Sinjar.", "ERBIL, Kurdistan Region — "),
        ("BAGHDAD (Reuters) - Rockets hit a base.", "BAGHDAD (Reuters) - "),
        ("NAJAF, Iraq (AP) — A mortar round fell.", "NAJAF, Iraq (AP) — "),
        ("Beirut, Lebanon (AFP) – Jets struck Homs.", "Beirut, Lebanon (AFP) – "),
        ("BAGHDAD: US jets bombed Ramadi.", "BAGHDAD: "),
        ("Damascus, The Daily Courier: Jets hit Homs.", "Damascus, The Daily Courier: "),
        ("US jets bombed Ramadi on Monday.", ""),
        ("ISIS fighters - about 40 of them - were hit.", ""),
    ],
)
def test_a_dateline_is_read_off_the_start_of_the_lede(sentence: str, dateline: str) -> None:
    assert sentence[: dateline_end(sentence)] == dateline


def test_captions_related_lines_and_background_are_context() -> None:
    sentences = [
        "Jets strike two towns in Anbar",
        "US aircraft struck targets in Qaim and Rawa on Friday, killing three fighters.",
        "Relatives attend the funeral of a commander in Baghdad, Iraq, March 2, 2024.",
        "Smoke rises over the town (Photo: AFP)",
        "Related: Rockets hit a base in Erbil",
        "Last month, a drone strike in Baghdad killed one commander.",
        "On March 2, another strike hit a depot near Kirkuk.",
        "The Pentagon said the strikes hit weapons depots.",
    ]
    lead = read_lead(sentences, datetime(2024, 4, 12, tzinfo=UTC))
    assert lead.context == {
        2: CAPTION,
        3: CAPTION,
        4: RELATED,
        5: BACKGROUND,
        6: BACKGROUND,
    }
    # Without a publication date, "On March 2" cannot be told from the day of the strike.
    assert 6 not in read_lead(sentences).context


def test_a_paragraph_tying_the_strike_to_an_earlier_attack_is_background() -> None:
    sentences = [
        "Jets strike Qaim",
        "Jets struck a depot in Qaim on Sunday.",
        "The raid comes days after a rocket attack in Erbil killed two people.",
        "Officials said a bombing last week killed six.",
        "Earlier in the week, troops took over an air base near Homs.",
        "Earlier this week, militias fired rockets at a base in Erbil.",
        "Over the past few weeks, drones attacked power stations in Hasakah.",
    ]
    assert read_lead(sentences).context == {
        2: BACKGROUND,
        3: BACKGROUND,
        4: BACKGROUND,
        5: BACKGROUND,
        6: BACKGROUND,
    }


def test_the_lede_is_never_background() -> None:
    sentences = ["Strike hits Mosul", "A drone struck a car in Mosul, weeks after a raid there."]
    assert read_lead(sentences).context == {}


def test_the_strike_back_told_in_a_report_of_the_attack_is_context() -> None:
    sentences = [
        "Rocket attack on a base near Erbil wounds two soldiers",
        "Rockets hit a base near Erbil on Monday, wounding two soldiers, officials said.",
        "The army responded to the attack by shelling villages near Zakho.",
        "Hours later, jets retaliated with air strikes on depots in Sinjar.",
        "In retaliation for Monday's attack, drones struck a convoy near Dohuk.",
        "The soldiers were taken to hospital.",
        # An attack first told here is an earlier one, which the strike of the sentence answers.
        "The missiles hit a depot near Mosul in response to a chemical attack.",
    ]
    assert read_lead(sentences).context == {2: RESPONSE, 3: RESPONSE, 4: RESPONSE}


@pytest.mark.parametrize(
    ("headline", "lede"),
    [
        # The headline or the lede tells the strike back: its later sentences are its own.
        ("US retaliates against militias in Syria", "US jets struck depots on Friday."),
        ("US jets strike militias in Syria", "In response to a mortar attack, jets struck depots."),
    ],
)
def test_a_report_of_the_strike_back_keeps_its_own_sentences(headline: str, lede: str) -> None:
    sentences = [headline, lede, "The strikes in retaliation hit depots near Mayadin."]
    assert read_lead(sentences).context == {}


def test_the_strike_back_gives_no_place_to_a_report_of_the_attack() -> None:
    found = _detected(
        "Drone kills contractor at a base near Hasakah",
        "A drone struck a coalition base near Hasakah on Thursday, killing a contractor.\n"
        "The Pentagon said the drone was of foreign origin.\n"
        "The US retaliated with air strikes on depots in Mayadin the next night.",
    )
    places = [place.name for place in found.fields.places]
    assert "Mayadin" not in places
    assert places[0] == "near Hasakah"


@pytest.mark.parametrize(
    ("title", "text", "origin"),
    [
        (
            "Drone strike hits Qaryatayn",
            "On Tuesday a drone that took off from the direction of the Tiyas air base hit "
            "a depot in Qaryatayn.",
            "Tiyas",
        ),
        ("Rockets hit Aleppo", "Rockets fired from Idlib hit Aleppo on Monday.", "Idlib"),
        (
            "Jets strike Idlib",
            "Jets that took off from Hmeimim air base struck a market in Idlib on Monday.",
            "Hmeimim",
        ),
    ],
)
def test_where_a_strike_came_from_is_not_where_it_struck(
    title: str, text: str, origin: str
) -> None:
    places = [place.name for place in _detected(title, text).fields.places]
    assert places
    assert not any(origin in name for name in places)


def test_a_headline_mourning_the_victims_of_another_strike_gives_not_its_place() -> None:
    found = _detected(
        "Families mourn Aleppo rocket dead as Russian jets strike Idlib",
        "Russian jets struck a bakery in Idlib on Sunday, killing three people, as families "
        "buried those killed in the rocket attack on Aleppo.",
    )
    places = [place.name for place in found.fields.places]
    assert places[0] == "Idlib"
    assert "Aleppo" not in places


def test_the_victims_mourned_give_the_place_when_no_other_strike_is_told() -> None:
    found = _detected(
        "Aleppo buries rocket victims",
        "Families buried on Sunday the victims of the rocket attack on a police college in Aleppo.",
    )
    assert found.fields.places[0].name == "Aleppo"


def test_a_caption_about_an_earlier_strike_gives_no_field() -> None:
    found = _detected(
        "US strikes hit two towns in western Iraq",
        "Mourners attend the funeral of a fighter killed in an earlier US air strike in "
        "Baghdad (AFP)\n"
        "US aircraft struck militia positions in Qaim and Rawa on Friday, killing two fighters "
        "and wounding two others, officials said.\n"
        "The Pentagon said the targets were weapons depots.",
    )
    places = [place.name for place in found.fields.places]
    assert places[0] in ("Qaim", "Rawa")
    assert "Baghdad" not in places
    assert (found.fields.killed, found.fields.wounded) == (2, 2)


def test_a_background_paragraph_gives_no_place_and_no_toll() -> None:
    found = _detected(
        "Drone strike hits car in Sinjar",
        "A drone struck a car in Sinjar on Tuesday, killing one fighter, a local official said.\n"
        "The group said it would respond.\n"
        "Last month, Turkish air strikes on Mosul killed nine people.",
        datetime(2024, 6, 12, tzinfo=UTC),
    )
    assert found.fields.places[0].name == "Sinjar"
    assert all(place.name != "Mosul" for place in found.fields.places)
    assert found.fields.killed == 1


def test_a_cue_does_not_take_its_place_from_a_background_sentence() -> None:
    # "Many of the strikes ..." reads its place from the sentence before, which tells an
    # earlier strike.
    found = _detected(
        "Israel strikes Syria",
        "Israeli strikes hit an army position in southern Syria overnight, a war monitor said. "
        "The strikes came after Israel had previously bombed a consulate building in Damascus. "
        "Many of the strikes were repelled, state media said.",
    )
    assert [place.name for place in found.fields.places] == ["Syria"]


def test_a_place_near_which_another_attack_was_does_not_lead_over_the_country() -> None:
    found = _detected(
        "US strikes militia sites in Iraq",
        "US jets struck five militia sites in Iraq on Sunday, officials said. "
        "The militia is blamed for the death of a contractor at a compound near Kirkuk on "
        "Friday.",
    )
    assert found.fields.places[0].name == "Iraq"
    # Where a governorate bounds the strike, the town it was near says more.
    found = _detected(
        "Drone bombs militia base",
        "A drone bombed a militia base in Salahuddin province on Friday, officials said. "
        "The base lies near the town of Amerli.",
    )
    assert found.fields.places[0].name == "near Amerli"


@pytest.mark.parametrize(
    ("title", "text", "first"),
    [
        (
            "غارات جوية على الرقة",
            "شنت طائرات حربية غارات جوية على مواقع في مدينة الرقة فجر اليوم.",
            "Raqqa",
        ),
        ("قصف قرية في زاخو", "قصفت طائرات مسيرة قرية في زاخو بمحافظة دهوك.", "Zakho"),
        ("AIR STRIKES HIT RAQQAH", "Jets bombed targets in RAQQAH on Monday.", "Raqqa"),
    ],
)
def test_a_place_written_in_arabic_or_capitals_takes_the_press_name(
    title: str, text: str, first: str
) -> None:
    # Not GeoNames' transliterations "Ar Raqqah" and "Zaxo".
    assert _detected(title, text).fields.places[0].name == first


def test_a_dateline_does_not_lead() -> None:
    found = _detected(
        "Drone strike kills two in Sinjar",
        "ERBIL, Kurdistan Region — A drone strike on a car in Sinjar killed two people on "
        "Monday, local officials said.",
    )
    assert found.fields.places[0].name == "Sinjar"
    assert all(place.name != "ERBIL" for place in found.fields.places)


def test_a_region_does_not_lead_when_a_town_inside_it_is_named() -> None:
    found = _detected(
        "Drone strike in Kurdistan Region",
        "A drone struck a checkpoint in Iraq's Kurdistan region on Sunday. "
        "Two guards were wounded in the attack near Sulaymaniyah, officials said.",
    )
    assert found.fields.places[0].name != "Kurdistan region"
    assert "Sulaymaniyah" in found.fields.places[0].name


@pytest.mark.parametrize(
    ("title", "text", "first"),
    [
        # A point to measure from comes after the place hit.
        (
            "Air strike hits Tikrit",
            "Jets struck a depot in Tikrit, north of Baghdad, on Monday.",
            "Tikrit",
        ),
        # Where the text gives nothing else, the alert says where the strike was near.
        (
            "Air strikes hit village",
            "Jets struck a village south of Mosul on Monday, officials said.",
            "south of Mosul",
        ),
        ("Drone strike near Qaim", "", "near Qaim"),
        # Where a monitor is based is no place of the strike.
        (
            "Strikes hit Idlib town",
            "Air strikes hit the town of Saraqib on Monday, the London-based Syrian "
            "Observatory for Human Rights said.",
            "Saraqib",
        ),
        # In a clause about another attack, a place is not the lead strike's.
        (
            "Jets hit rebel city",
            "Iraqi jets bombed Tikrit on Thursday, hours after mortars crashed into a "
            "checkpoint in Samarra.",
            "Tikrit",
        ),
        # A district inside the city named with it leads.
        (
            "Israeli missiles hit Damascus",
            "Israeli missiles struck a building in the Mezzeh district of Damascus on Sunday.",
            "Mezzeh",
        ),
        # Where no town is named, the country with its direction.
        ("Jets strike militants in eastern Syria", "", "eastern Syria"),
        # A later strike sentence that names the town says more than the country.
        (
            "US drone targets militant leader in Syria",
            "A US drone targeted a senior militant leader in Syria on Thursday. "
            "Officials said they were confident he was hit. "
            "The group has lost several commanders this year. "
            "Its fighters are thought to number in the hundreds. "
            "Analysts said the group would choose a new leader. "
            "The drone strike in Raqqa hit his car as he left a meeting.",
            "Raqqa",
        ),
        # Where the teller is is no place of the strike.
        (
            "Jets strike camp in Idlib",
            "According to a source in neighbouring Latakia, jets struck a camp near Salqin.",
            "near Salqin",
        ),
        # A city that names its governorate stands for it: the town in it leads.
        (
            "Turkish drone raid hits farms in Iraq's Sulaymaniyah",
            "Late on Thursday a Turkish drone struck an orchard by a village of Penjwen district.",
            "Penjwen",
        ),
        # A town the press names by its short form ("Koya" for Koysinjaq) inside the region.
        (
            "Iranian missiles strike Iraqi Kurdistan",
            "Missiles struck the offices of an exiled party in Koya on Wednesday, officials said.",
            "Koya",
        ),
        # An oil or gas field, a site the gazetteer's towns do not hold.
        (
            "Drone attack stops oil pumping in Kurdistan region",
            "A drone hit a pumping station at the Sarsang oil field early on Sunday, a "
            "company spokesman said.",
            "Sarsang oil field",
        ),
        # A mountain area of villages inside the governorate the lede names.
        (
            "Russian jets bomb rebel villages",
            "Russian air strikes hit targets in Latakia governorate on Monday morning. "
            "The strikes fell on villages of Jebel Akrad, residents said.",
            "Jebel Akrad",
        ),
        # A site noun written as one word ("airbase") as well as two.
        (
            "Israeli jets pound Syrian bases",
            "Israeli jets struck military bases across Syria overnight, state media said. "
            "The strikes hit the T4 airbase in Homs province. "
            "Earlier in the week, troops took control of Tiyas air base, a monitor said.",
            "T4 airbase",
        ),
        # "the capital" of the country the story is about, named or not.
        (
            "Violence sweeps Iraq",
            "BAGHDAD (AP) - Dozens were killed across Iraq on Monday as mortar barrages rocked "
            "the capital.",
            "Baghdad",
        ),
        (
            "Shelling near the Syrian capital kills five",
            "Five people were killed on Monday in shelling near the Syrian capital.",
            "near Damascus",
        ),
    ],
)
def test_the_first_place_is_a_place_the_strike_hit(title: str, text: str, first: str) -> None:
    assert _detected(title, text).fields.places[0].name == first


@pytest.mark.parametrize(
    ("sentence", "killed", "wounded"),
    [
        ("Jets hit two towns, killing two fighters and wounding two others.", 2, 2),
        ("At least twenty-three people were killed and dozens wounded.", (23, None), (24, None)),
        ("The strike killed between five and seven people.", (5, 7), None),
        ("The raid killed three to five civilians and injured eleven.", (3, 5), 11),
        ("A dozen soldiers were killed in the shelling.", 12, None),
        ("The strike killed seven women and 11 others.", 18, None),
        ("At least one woman lost her life and three of her neighbours were hurt.", (1, None), 3),
        ("Officials said 12 militia fighters had died in the raids.", 12, None),
        ("Eleven villagers, including a teacher, died in the shelling.", 11, None),
        ("Two members of the Border Guards (BG) were killed by a drone.", 2, None),
        ("One guard was killed and 7 others wounded in the raids.", 1, 7),
        ("The drone strike killed a senior commander of the group.", 1, None),
        ("The rockets hit a warehouse but caused no injuries.", 0, 0),
        ("Six guards were injured when the drone hit the compound.", 0, 6),
        ("Over 100 fighters were estimated to have been killed in the raid.", (100, None), None),
    ],
)
def test_numbers_written_as_words_count(
    sentence: str, killed: fields.Count | None, wounded: fields.Count | None
) -> None:
    assert fields.casualties([(sentence, 0)]) == (killed, wounded)


@pytest.mark.parametrize(
    ("title", "text", "actor"),
    [
        # The target's name is no striker: "attacks US air bases".
        ("Iran fires rockets at a US base in Iraq's Anbar", "", "Iran"),
        # A struck country named before the strike words is the place: "Syria airstrikes".
        (
            "Senators demand answers on Syria airstrikes",
            "On Friday the United States bombed two depots near Mayadin, the Pentagon said.",
            "United States",
        ),
        # A name that qualifies the strike words is the striker, after "in" too.
        (
            "Shelling kills three in Hama",
            "Three residents died in rebel shelling on a Hama neighbourhood on Saturday.",
            "rebels",
        ),
        # After "in" and before no strike word, a state is a place.
        (
            "Jets strike Deir ez-Zor",
            "Israeli jets struck a depot in Deir ez-Zor in Syria, the monitor said.",
            "Israel",
        ),
        # The victims named before "were killed" are no striker; the strike words' own
        # qualifier after "in" is.
        (
            "Two PKK members were killed in Turkish drone strikes near Amadiya on Sunday",
            "",
            "Turkey",
        ),
        (
            "An Iranian adviser was killed in an Israeli strike near Damascus",
            "",
            "Israel",
        ),
        # A name after a targeting verb is the target.
        ("Jets pounded Islamic State with 20 air strikes near Mosul", "", None),
        ("US jets pounded Islamic State with 20 air strikes near Mosul", "", "United States"),
        # A name after a count is the toll.
        (
            "Four militants die in air strike near Mosul",
            "",
            None,
        ),
        # An upper-case dateline is no striker.
        ("SYRIA: drone strike hits a car near Qamishli, killing two", "", None),
        # A state's adjective before a monitor's name is part of the source.
        (
            "Drone attack on a US base in eastern Syria",
            "Syrian opposition activists say Iran-backed groups launched a drone attack on a US"
            " base in Deir ez-Zor province.",
            "militia",
        ),
        # The people killed or hurt are victims, and the state whose air defences fired is the
        # one struck.
        ("Turkish soldiers killed in rocket attack on a base in northern Iraq", "", None),
        ("US forces killed a senior commander in a drone strike in Idlib", "", "United States"),
        ("Syrian air defences confronted missiles that hit an airport near Damascus", "", None),
        # An area named after "around" is a place.
        ("Sites around Damascus hit in an Israeli missile strike", "", "Israel"),
        # Slug headlines write the country in lower case; a continent is not it.
        ("america bombs militia depots near the iraqi border", "", "United States"),
        ("Latin America: jets strike a depot near Raqqa", "", None),
    ],
)
def test_the_actor_is_who_struck(title: str, text: str, actor: str | None) -> None:
    assert _detected(title, text).fields.actor == actor


# One sentence per branch of the caption and background patterns, and the same with a character
# an ignore-case pattern reads as an ASCII letter (long s, dotless i): the quick word tests that
# skip those patterns must never skip a sentence they match.
_PATTERN_SENTENCES = [
    "Smoke over the town (Photo: local media)",
    "Image caption A destroyed car in the square",
    "FILE PHOTO of a convoy on the road",
    "File - a checkpoint near the river",
    "Mourners at the funeral, via Getty Images",
    "Pictured is the damaged bridge.",
    "A fighter near the front line / AFP / Getty",
    "The damaged clinic seen from the road (Reuters)",
    "It was the second such strike, after an earlier one hit the depot.",
    "Earlier this month drones hit the base.",
    "Rockets hit the same base last week.",
    "The base was previously struck by drones.",
    "The attack comes two days after a drone strike on the base.",
    "Three weeks ago a drone hit the same depot.",
    "The group seized the town in mid-2015 and held it.",
    "Coalition jets have struck the area since 2014.",
    "Several strikes, the last of which killed four, hit the area.",
    "Dozens of strikes hit the area in the past months.",
    "The coalition has long carried out raids there.",
    "Turkey has conducted similar operations.",
    "Drones hit the base in January, officials said.",
    "Drones hit the base on August 20, officials said.",
    "A drone hit the base on 3 Sept 2016, officials said.",
    "Drones hit the bridge laſt week.",
    "Dozens of strikes hit the area in the paſt years.",
    "FıLE - the convoy on the road",
]


@pytest.mark.parametrize("sentence", _PATTERN_SENTENCES)
def test_the_quick_word_tests_agree_with_the_patterns(sentence: str) -> None:
    day = datetime(2024, 3, 10, tzinfo=UTC).date()
    matched = (
        lead._CREDIT.search(sentence)
        or (lead._SCENE.match(sentence) and lead._PICTURE_END.search(sentence))
        or lead._EARLIER.search(sentence)
        or lead._older_date(sentence, day)
    )
    assert matched, sentence  # each sentence exercises a pattern
    expected = (
        CAPTION
        if lead._CREDIT.search(sentence)
        or (lead._SCENE.match(sentence) and lead._PICTURE_END.search(sentence))
        else BACKGROUND
    )
    assert lead.context_of(sentence, day) == expected


@pytest.mark.parametrize(
    ("title", "text", "absent"),
    [
        # "the capital" of a city named just after or before it is that city, nothing more.
        ("Rockets hit Iraq", "Rockets hit the capital Erbil on Monday, police said.", "Baghdad"),
        ("Rockets hit Iraq", "Rockets hit Erbil, the capital of the Kurdistan Region.", "Baghdad"),
        # The capital of a country whose capital the gazetteer does not know is no place.
        (
            "Jets strike Syria and Lebanon",
            "Jets struck a depot in Syria on Monday. In Lebanon, drones circled over the capital.",
            "Damascus",
        ),
    ],
)
def test_the_capital_is_read_only_where_no_name_says_which(
    title: str, text: str, absent: str
) -> None:
    names = [place.name for place in _detected(title, text).fields.places]
    assert names and absent not in names


def test_the_capital_is_named_as_its_city_in_alerts() -> None:
    found = _detected("Missiles hit the Iraqi capital", "Two missiles struck the Iraqi capital.")
    assert [place.name for place in found.fields.places][:1] == ["Baghdad"]


_ANSWERED = (
    "Iraqi jets bombed Tikrit on Thursday, {} a mortar attack that killed four guards in Samarra."
)
_MOURNED = (
    "Villagers {} Aleppo rocket {} as jets strike Idlib",
    "Jets struck a bakery in Idlib on Sunday, killing three people.",
)


@pytest.mark.parametrize(
    ("key", "words", "title", "text", "shipped", "edited"),
    [
        # A clause about an earlier strike: its toll is not the lead's.
        (
            "follows",
            ["in the wake of"],
            "Jets hit Tikrit",
            _ANSWERED.format("in the wake of"),
            4,
            None,
        ),
        (
            "answers",
            ["payback for"],
            "Jets hit Tikrit",
            _ANSWERED.format("as payback for"),
            4,
            None,
        ),
        (
            "strike_nouns",
            ["ambush"],
            "Jets hit Tikrit",
            _ANSWERED.format("after").replace("mortar attack", "sniper ambush"),
            4,
            None,
        ),
        # The dead of an earlier strike mourned: a place told only there is that strike's.
        ("mourning", ["honour"], _MOURNED[0].format("honour", "victims"), _MOURNED[1], True, False),
        (
            "dead",
            ["casualties"],
            _MOURNED[0].format("mourn", "casualties"),
            _MOURNED[1],
            True,
            False,
        ),
    ],
)
def test_the_words_of_a_clause_about_an_earlier_strike_are_the_rules_earlier_words(
    key: str, words: list[str], title: str, text: str, shipped: object, edited: object
) -> None:
    assert not set(words) & set(getattr(default_rules().earlier_words, key))
    rules, problems = load_rules({"earlier_words": {key: words}}, "c.toml")
    assert problems == []
    read = []
    for ruleset in (default_rules(), rules):
        found = detect(title, text, ruleset)
        assert found is not None
        places = [place.name for place in found.fields.places]
        read.append("Aleppo" in places if key in ("mourning", "dead") else found.fields.killed)
    assert read == [shipped, edited]


# A suburb is near its city: "X, a suburb of Y" and "the Y suburb of X" put the strike by Y,
# not in it, whether or not the gazetteer knows X (issue #11).
@pytest.mark.parametrize(
    ("title", "text", "named"),
    [
        (
            "Air strike kills four near the capital",
            "An air strike hit Beit Sahem, a suburb of Damascus, on Monday, killing four people.",
            "near Damascus",
        ),
        (
            "Missiles hit Syrian capital's outskirts",
            "Israeli missiles struck a building in Qudsaya, a northern suburb of Damascus, "
            "early on Sunday.",
            "near Damascus",
        ),
        (
            "Rockets hit Baghdad suburbs",
            "Rockets struck the southern suburbs of Baghdad on Friday, wounding three people.",
            "near Baghdad",
        ),
        (
            "Shelling kills two",
            "Shells landed in the Damascus suburb of Jaramana on Friday, killing two people.",
            "Jaramana",
        ),
        (
            "Shelling kills two",
            "Shells landed in the suburb of Jaramana on Friday, killing two people, state media "
            "said.",
            "Jaramana",
        ),
        (
            "Rockets hit suburbs",
            "Rockets struck the eastern suburbs of Zamalka and Arbeen on Wednesday, killing five "
            "people.",
            "Zamalka",
        ),
    ],
)
def test_a_suburb_puts_the_strike_near_its_city(title: str, text: str, named: str) -> None:
    names = [p.name for p in _detected(title, text).fields.places]
    assert named in names, names
    if named.startswith("near "):
        assert named.removeprefix("near ") not in names, names
    else:
        assert names[0] == named, names


# The place hit, described by the town it is near: "Umm Jaris, a village near Qaim". The
# gazetteer does not know the village; the alert names it first, in the country and at the
# point of the place it is near, and that place as "near" (issue #11).
@pytest.mark.parametrize(
    ("title", "text", "first", "second"),
    [
        (
            "Drone strike kills two in western Iraq",
            "A drone strike hit a car in Umm Jaris, a village near Qaim, on Sunday, killing two "
            "fighters.",
            "Umm Jaris",
            "near Qaim",
        ),
        (
            "Air strike kills four near the capital",
            "An air strike hit Beit Sahem, a suburb of Damascus, on Monday, killing four people.",
            "Beit Sahem",
            "near Damascus",
        ),
        (
            "Rockets hit Iraqi town",
            "Rockets struck Tal Zawiya, a small town 20 km south of Mosul, on Tuesday.",
            "Tal Zawiya",
            "south of Mosul",
        ),
        (
            "Shelling kills three",
            "Government forces shelled Khirbet Zaid, a village in Hama province, on Friday, "
            "killing three.",
            "Khirbet Zaid",
            "Hama province",
        ),
        # Not a name: the words before the comma open the sentence.
        (
            "Drone strike near Qaim",
            "Separately, a village near Qaim was hit by a drone strike on Sunday, officials said.",
            "near Qaim",
            None,
        ),
        (
            "Drone strike near Qaim",
            "On Monday, a village near Qaim was hit by a drone strike, officials said.",
            "near Qaim",
            None,
        ),
    ],
)
def test_a_place_described_by_the_town_it_is_near_leads(
    title: str, text: str, first: str, second: str | None
) -> None:
    places = _detected(title, text).fields.places
    expected = [first] if second is None else [first, second]
    assert [p.name for p in places][: len(expected)] == expected, [p.name for p in places]
    if second is not None:
        assert places[0].country == places[1].country
        assert (places[0].lat, places[0].lon) == (places[1].lat, places[1].lon)
