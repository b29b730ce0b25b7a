"""Attacks and hostage-takings told without a named doer ("They attacked a police station in
Kabul", "they seized hundreds of hostages"): the object says the physical sense, so no actor need
be named; the institution's words, crime, sport and animals stay quiet. Fighters named by whom
they fight for ("government fighters", "fighters loyal to the government") are armed actors."""

from __future__ import annotations

import pytest

from schemas.common import EventType, Modality
from tests.detection.conftest import signals_of


def _assaults(text: str) -> list:
    return [s for s in signals_of(text) if s.type == EventType.ASSAULT]


@pytest.mark.parametrize(
    ("text", "trigger", "target"),
    [
        ("They attacked a police station in Kabul on Monday.", "attacked a police station", "AFG"),
        ("Late on Friday they were attacking a convoy of trucks.", "attacking a convoy", None),
        ("Residents said the men stormed a military base near Kidal overnight.", "stormed a military base", None),
    ],
)
def test_an_attack_on_a_place_armed_men_attack_needs_no_named_doer(text: str, trigger: str, target: str | None) -> None:
    found = _assaults(text)
    assert [s.evidence.trigger for s in found] == [trigger], [(s.type.value, s.evidence.trigger) for s in signals_of(text)]
    assert found[0].modality == Modality.ASSERTED
    assert found[0].detector == "rules:assault.site_attacked"
    if target:
        assert target in {a.code for a in found[0].actors.target}


def test_a_named_doer_keeps_the_attack_verb_as_its_trigger() -> None:
    """The attack rules that name the doer keep their trigger (the evidence and alert keys do not move)."""
    found = _assaults("Taliban fighters have attacked a checkpoint in the northern province of Jawzjan.")
    assert [s.evidence.trigger for s in found] == ["attacked"]


@pytest.mark.parametrize(
    "text",
    [
        "The senator attacked the embassy's statement on Monday.",
        "Critics attacked the hospital's management over waiting times.",
        "Opposition leaders attacked the government over the convoy of trucks protest.",
        "The robbers attacked a bank in the village.",
        "The dog attacked a child in the village.",
        "She stormed out of the police station after the interview.",
        "The striker stormed into the box and attacked the near post.",
        "The product stormed the market last year.",
    ],
)
def test_words_crime_animals_and_sport_near_such_places_are_no_attack(text: str) -> None:
    assert not _assaults(text), [(s.type.value, s.evidence.trigger) for s in signals_of(text)]


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("They took hundreds of hostages in a hospital.", Modality.ASSERTED),
        ("In 1995, they seized hundreds of hostages in hospitals.", Modality.HISTORICAL),
    ],
)
def test_a_hostage_taking_needs_no_named_doer(text: str, modality: Modality) -> None:
    found = _assaults(text)
    assert [(s.mode, s.modality) for s in found] == [("abduction", modality)]


@pytest.mark.parametrize(
    "text",
    [
        "Government fighters retook the town of Sirte.",
        "Fighters loyal to the government retook the town of Sirte.",
    ],
)
def test_fighters_named_by_whom_they_fight_for_are_the_armed_forces(text: str) -> None:
    coerce = [s for s in signals_of(text) if s.type == EventType.COERCE]
    assert coerce, [(s.type.value, s.evidence.trigger) for s in signals_of(text)]
    assert [(a.code, a.sector) for a in coerce[0].actors.source] == [("LBY", "MIL")]


@pytest.mark.parametrize(
    ("text", "mode", "source"),
    [
        ("The government imposed a curfew in Khartoum.", "curfew", "SDN"),
        ("A curfew was imposed in Srinagar on Monday.", "curfew", "IND"),
        ("The government imposed a curfew in Colombo after deadly riots.", "curfew", "LKA"),
    ],
)
def test_a_curfew_put_on_a_named_place_is_the_states_coercion(text: str, mode: str, source: str) -> None:
    """"The government" and "authorities" name no state; the place the curfew is put on does."""
    coerce = [s for s in signals_of(text) if s.type == EventType.COERCE]
    assert [(s.mode, s.modality) for s in coerce] == [(mode, Modality.ASSERTED)]
    assert source in {a.code for a in coerce[0].actors.source}


@pytest.mark.parametrize(
    "text",
    [
        "The governor declared a state of emergency in Lagos after the floods.",
        "The government declared a state of emergency over the coronavirus outbreak in Manila.",
        "Parents imposed a curfew on their teenagers in London.",
    ],
)
def test_curfews_of_disasters_epidemics_and_households_are_no_coercion(text: str) -> None:
    assert EventType.COERCE not in {s.type for s in signals_of(text)}


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        ("Unidentified armed men have gunned down a doctor in northern Baghlan province.",
         ("AFG", "UAF"), ("AFG", "CVL")),
        ("Gunmen kidnapped 30 students in Kebbi state.", ("NGA", "UAF"), ("NGA", "CVL")),
    ],
)
def test_an_unnamed_doer_takes_the_country_of_the_province(
    text: str, source: tuple[str, str], target: tuple[str, str]
) -> None:
    """A province names the state an unnamed doer and its victims belong to (CAMEO's AFGUAF)."""
    found = _assaults(text)
    assert found, [(s.type.value, s.evidence.trigger) for s in signals_of(text)]
    assert [(a.code, a.sector) for a in found[0].actors.source] == [source]
    assert [(a.code, a.sector) for a in found[0].actors.target] == [target]
    assert found[0].location is not None and found[0].location.country == source[0]


@pytest.mark.parametrize(
    "text",
    [
        "Over 40 sadhus were arrested in Ayodhya on Friday morning.",
        "over 40 sadhus led by the vhp's provincial leader were arrested from the nyas office on friday morning.",
        "Dozens of opposition supporters have been detained since the vote.",
        "According to police sources, the army apprehended the man who was brandishing a revolver.",
    ],
)
def test_people_arrested_in_the_plural_or_by_soldiers_are_a_detention(text: str) -> None:
    coerce = [s for s in signals_of(text) if s.type == EventType.COERCE]
    assert [(s.mode, s.modality) for s in coerce] == [("detention", Modality.ASSERTED)], [
        (s.type.value, s.evidence.trigger) for s in signals_of(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Two men were arrested for stealing cattle.",
        "Two people were arrested over the theft of paintings from the museum.",
        "The suspects were arrested on Friday.",
        "Several fans were arrested after the match.",
        "The patients were detained under the Mental Health Act.",
        "They had been abducted by armed men and were detained for 30 hours against their will.",
    ],
)
def test_crime_sport_health_and_captors_make_no_detention(text: str) -> None:
    assert EventType.COERCE not in {s.type for s in signals_of(text)}


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("The sanctions have crippled Iran's economy.", "IRN"),
        ("The sanctions regime against North Korea has many holes.", "PRK"),
    ],
)
def test_a_measure_named_as_one_in_place_is_a_standing_sanction(text: str, target: str) -> None:
    """Counted (recall counts every modality), no alert: nothing is imposed now."""
    found = [s for s in signals_of(text) if s.type == EventType.SANCTION]
    assert [s.modality for s in found] == [Modality.HISTORICAL], [(s.evidence.trigger, s.modality) for s in found]
    assert target in {a.code for a in found[0].actors.target}


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("Thousands of fighters laid down their arms in Borno.", Modality.ASSERTED),
        ("More than 200 rebels handed over their weapons on Monday in Goma.", Modality.ASSERTED),
    ],
)
def test_fighters_giving_up_their_arms_surrender(text: str, modality: Modality) -> None:
    found = [s for s in signals_of(text) if s.type == EventType.RETREAT]
    assert [(s.mode, s.modality) for s in found] == [("surrender", modality)]


def test_an_appeal_to_lay_down_arms_is_no_surrender() -> None:
    found = signals_of("The government urged the rebels to lay down their arms.")
    assert not [s for s in found if s.type == EventType.RETREAT and s.modality == Modality.ASSERTED]


@pytest.mark.parametrize(
    ("text", "etype", "trigger"),
    [
        ("They seized the town after heavy fighting.", EventType.COERCE, "seized the town"),
        ("They took control of the airport on Sunday.", EventType.COERCE, "took control of the airport"),
        ("The convoy came under fire near the border.", EventType.ASSAULT, "convoy came under fire"),
        ("Heavy clashes were reported in the north.", EventType.ASSAULT, "Heavy clashes"),
    ],
)
def test_ground_taken_fire_and_fighting_need_no_named_party(text: str, etype: EventType, trigger: str) -> None:
    found = [s for s in signals_of(text) if s.type == etype]
    assert [s.evidence.trigger for s in found] == [trigger], [(s.type.value, s.evidence.trigger) for s in signals_of(text)]


@pytest.mark.parametrize(
    "text",
    [
        "The film captured the city's imagination.",
        "The party seized control of the city council in the election.",
        "The minister came under fire from critics over his remarks.",
        "The company came under fire for its pricing.",
        "Fierce clashes between the two candidates marked the debate.",
    ],
)
def test_captures_fire_and_clashes_in_other_senses_are_none(text: str) -> None:
    assert not {s.type for s in signals_of(text)} & {EventType.COERCE, EventType.ASSAULT}


@pytest.mark.parametrize(
    "text",
    [
        "He threatened to attack the city if talks failed.",
        "They threatened to kill the hostages.",
        "The group threatened further attacks.",
    ],
)
def test_violence_threatened_needs_no_named_party(text: str) -> None:
    found = [s for s in signals_of(text) if s.type == EventType.THREATEN]
    assert found and found[0].modality == Modality.ASSERTED, [(s.type.value, s.evidence.trigger) for s in signals_of(text)]


@pytest.mark.parametrize(
    "text",
    [
        "The man threatened to kill his neighbour with a knife.",
        "The striker threatened to kill the referee.",
        "The company threatened to sue the newspaper.",
    ],
)
def test_threats_in_a_household_sport_or_business_are_none(text: str) -> None:
    assert EventType.THREATEN not in {s.type for s in signals_of(text)}
