"""Recall on general forms of news English, each with the modality it should have: deaths and
wounds told before the violence that caused them, the dead counted with the wounded, fighting told
by where it is, attacks told by their claim, arms and money given to a side of a war, retreats
from a place, custody of people held for politics (taken, or held as a state), meetings named by
office or by talk with someone named, protests told by their purpose, police killings, the
standing states (a war on an armed group, a measure named by its target or by the participle that
imposed it, hostages held) that count without an alert, sanctions imposed in the passive, acts
warned or voted against, and equipment sent into a state rather than to it."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType
from tests.detection.conftest import signals_of


def _of(text: str, etype: EventType) -> list:
    return [s for s in signals_of(text) if s.type == etype]


def _rules(text: str, etype: EventType) -> set[str]:
    return {s.detector.split("+")[0] for s in _of(text, etype)}


@pytest.mark.parametrize(
    "text",
    [
        "Dozens of civilians were killed in the fighting in Aleppo last week.",
        "Hundreds of people have been injured in the unrest in Kashmir.",
        "Three soldiers died in the ambush near the border.",
        "Dozens were wounded in the rioting in Srinagar on Friday.",
    ],
)
def test_deaths_told_before_the_violence_that_caused_them_are_an_attack(text: str) -> None:
    signals = _of(text, EventType.ASSAULT)
    assert signals and signals[0].modality in ALERT_WORTHY_MODALITIES
    assert "rules:assault.casualties_in" in _rules(text, EventType.ASSAULT)


@pytest.mark.parametrize(
    "text",
    [
        "He was killed in a car crash in Ohio.",
        "Three people were killed in gun violence in Chicago over the weekend.",
        "Four workers were killed in an explosion at the chemical plant.",
        "She died in the hospital after a long illness.",
    ],
)
def test_deaths_in_accidents_crime_or_illness_are_no_attack(text: str) -> None:
    assert not _of(text, EventType.ASSAULT)


def test_an_attack_noun_keeps_its_words_and_its_doer() -> None:
    """Airstrikes, shelling and bombings are read by their own rules, with the doer in the noun."""
    text = "More Syrian civilians were killed in the latest US airstrike near Manbij."
    assert _rules(text, EventType.ASSAULT) == {"rules:assault.air"}


def test_the_dead_counted_with_the_wounded_report_an_attack() -> None:
    text = "Three people were killed and 12 wounded in Kabul on Tuesday."
    assert _rules(text, EventType.ASSAULT) == {"rules:assault.killed_wounded"}


def test_the_dead_and_wounded_of_a_dated_attack_give_way_to_it() -> None:
    """The count beside the bombing that caused them is that bombing's, with its date: history."""
    text = ("The Cafeteria Rolando bombing was an attack on 13 September 1974 at the Rolando cafe in "
            "Madrid, Spain which killed 13 people and wounded 71.")
    signals = _of(text, EventType.ASSAULT)
    assert signals and all(s.modality not in ALERT_WORTHY_MODALITIES for s in signals)
    assert "rules:assault.killed_wounded" not in _rules(text, EventType.ASSAULT)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("The fighting in eastern Ukraine has killed more than 9,000 people.", "rules:assault.fighting_placed"),
        ("A drone killed the Taliban leader in Pakistan.", "rules:assault.strikers_kill"),
        ("ISIS claimed responsibility for the killings.", "rules:assault.claimed"),
        ("The regime has used barrel bombs against civilians.", "rules:assault.barrel_bombs"),
        ("A Palestinian knife attack wounded two Israelis.", "rules:assault.knife_attack"),
        ("Alton Sterling was fatally shot by police in Baton Rouge.", "rules:assault.police_killing"),
        ("Dozens of Yazidi women were murdered by Islamic State fighters.", "rules:assault.armed_killing"),
        ("The insurgents executed three hostages.", "rules:assault.armed_killing"),
    ],
)
def test_attacks_told_by_place_weapon_claim_or_police(text: str, rule: str) -> None:
    assert rule in _rules(text, EventType.ASSAULT)


@pytest.mark.parametrize(
    "text",
    [
        "She has been fighting corruption in Ukraine for years.",
        "Fighting in the UFC in Las Vegas, he won by knockout.",
        "The hacker group claimed responsibility for the cyber attack on Sony.",
        "The rebels executed a perfect plan to win the vote.",
    ],
)
def test_fights_and_claims_outside_war_are_no_attack(text: str) -> None:
    assert not _of(text, EventType.ASSAULT)


def test_a_claim_beside_the_attack_it_claims_gives_way_to_it() -> None:
    text = "The Taliban claimed responsibility for the bombing in Kabul on Monday."
    assert "rules:assault.claimed" not in _rules(text, EventType.ASSAULT)
    assert _of(text, EventType.ASSAULT)


@pytest.mark.parametrize(
    "text",
    [
        "Turkey is a member of the coalition fighting the Islamic State in Iraq and Syria.",
        "The fight against Boko Haram has displaced millions.",
        "It is also battling ISIS and the U.S government supplied the group with money.",
    ],
)
def test_a_war_on_an_armed_group_counts_as_a_standing_attack_without_alert(text: str) -> None:
    """The group's name is also a gazetteer name: its words still name the armed group."""
    signals = [s for s in _of(text, EventType.ASSAULT) if s.detector.startswith("rules:assault.war_on_group")]
    assert signals and all(s.modality not in ALERT_WORTHY_MODALITIES for s in signals)


def test_a_measure_named_by_its_target_is_a_standing_sanction() -> None:
    signals = _of("The embargo on Cuba has hurt its economy.", EventType.SANCTION)
    assert signals and all(s.modality not in ALERT_WORTHY_MODALITIES for s in signals)
    imposed = _of("The US imposed new sanctions on Russia over its actions in Ukraine.", EventType.SANCTION)
    assert imposed and imposed[0].modality in ALERT_WORTHY_MODALITIES


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Sanctions were imposed on Russia after the annexation of Crimea.", "RUS"),
        ("New sanctions have been imposed on North Korea, the U.N. said on Tuesday.", "PRK"),
        ("New sanctions will be imposed on Iran next week, the EU said.", "IRN"),
    ],
)
def test_a_sanction_imposed_in_the_passive_is_an_act_on_its_target(text: str, target: str) -> None:
    """The measure is the passive's subject, the verb after it: the act the active voice tells."""
    signals = _of(text, EventType.SANCTION)
    assert signals and signals[0].modality in ALERT_WORTHY_MODALITIES
    assert target in {a.code for a in signals[0].actors.target}


@pytest.mark.parametrize(
    "text",
    [
        "The sanctions imposed on Russia after its annexation of Crimea have hurt its economy.",
        "The embargo imposed on Cuba in 1962 is still in force.",
    ],
)
def test_a_measure_named_by_the_participle_that_imposed_it_is_standing(text: str) -> None:
    signals = _of(text, EventType.SANCTION)
    assert signals and all(s.modality not in ALERT_WORTHY_MODALITIES for s in signals)


def test_a_sanction_verb_after_other_words_is_no_sanction() -> None:
    # the look-alike: "imposed" after "sanctions" with no passive and no measure named by it
    assert not _of("The company said sanctions imposed costs on its business.", EventType.SANCTION)


@pytest.mark.parametrize(
    ("text", "holder"),
    [
        ("Hamas is holding more than 100 hostages in Gaza.", "HAMAS"),
        ("Hamas still holds 120 hostages.", "HAMAS"),
        ("The rebels are holding 30 captives.", "REB"),
    ],
)
def test_hostages_held_are_a_standing_detention(text: str, holder: str) -> None:
    """Counted (recall counts every modality) without an alert: the taking was the event."""
    signals = _of(text, EventType.COERCE)
    assert signals and all(s.modality not in ALERT_WORTHY_MODALITIES for s in signals)
    assert holder in {a.code for a in signals[0].actors.source}


@pytest.mark.parametrize(
    "text",
    [
        "Republicans are holding the budget hostage.",
        "Negotiators are holding meetings with the hostages' families.",
        "Qatar will hold talks on the hostages held by Hamas.",
        "The talks were held in Doha to free the hostages.",
    ],
)
def test_holding_a_thing_hostage_or_a_meeting_about_hostages_is_no_detention(text: str) -> None:
    assert not _of(text, EventType.COERCE)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Russia warned NATO against sending troops to Ukraine.", EventType.MOBILIZE),
        ("China cautioned Washington against imposing new sanctions.", EventType.SANCTION),
        ("Parliament voted against sending troops to Mali.", EventType.MOBILIZE),
        ("The U.S. warned against attacks on shipping in the Red Sea.", EventType.ASSAULT),
    ],
)
def test_an_act_warned_or_voted_against_is_not_done(text: str, etype: EventType) -> None:
    signals = _of(text, etype)
    assert signals and all(s.modality not in ALERT_WORTHY_MODALITIES for s in signals)


@pytest.mark.parametrize(
    "text",
    [
        # the look-alikes: "against" a force that attacks, with no verb of advice or decision
        "Kyiv defended itself against attacking Russian forces on Tuesday.",
        "The U.S. warned against attacks on shipping after Houthi rebels attacked a tanker.",
    ],
)
def test_an_act_done_beside_a_warning_still_alerts(text: str) -> None:
    assert any(s.modality in ALERT_WORTHY_MODALITIES for s in _of(text, EventType.ASSAULT))


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("China sent 30 warplanes into Taiwan's air defence zone.", EventType.MOBILIZE),
        ("Russia sent tanks into Georgia.", EventType.MOBILIZE),
        ("Germany sent tanks to Ukraine.", EventType.AID),  # the look-alike: handed to a state
    ],
)
def test_equipment_sent_into_a_state_is_an_incursion_not_aid(text: str, etype: EventType) -> None:
    assert [s.type for s in signals_of(text) if s.type in (EventType.MOBILIZE, EventType.AID)] == [etype]


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Erdogan has purged tens of thousands of soldiers and judges.", "MIL"),
        ("The government purged the army of Gulen supporters.", "MIL"),
    ],
)
def test_a_purge_told_in_the_past_is_coercion(text: str, target: str) -> None:
    signals = _of(text, EventType.COERCE)
    assert signals and signals[0].mode == "purge" and target in {a.code for a in signals[0].actors.target}


def test_data_purged_is_no_purge() -> None:
    assert not _of("Google purged the data of millions of users.", EventType.COERCE)


def test_foreign_troops_ordered_to_leave_are_no_deployment() -> None:
    assert not _of("Niger ordered French troops to leave the country.", EventType.MOBILIZE)
    assert _of("Russia ordered troops to the border on Monday.", EventType.MOBILIZE)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Washington has sent arms to the Kurdish fighters.", "rules:aid.arms"),
        ("The CIA has been arming moderate rebels in Syria.", "rules:aid.arms"),
        ("Qatar has funded the rebel groups fighting Assad.", "rules:aid.fund_armed"),
        ("Iran has been supporting the Houthi rebels with weapons and money.", "rules:aid.support_with"),
        ("Saudi Arabia contributed $10 million to the Clinton Foundation.", "rules:aid.contribute"),
    ],
)
def test_arms_and_money_given_to_a_side_are_aid(text: str, rule: str) -> None:
    assert rule in _rules(text, EventType.AID)
    assert not _of(text, EventType.MOBILIZE)  # arms sent are no troops moved


@pytest.mark.parametrize(
    "text",
    [
        "After arming themselves with hockey sticks, residents guarded their homes.",
        "Supply chain issues and the war are all contributing to rising food prices.",
        "Health professionals should be trained and equipped to detect the infection.",
        "Opposition parties called the violence state sponsored terrorism.",
    ],
)
def test_self_arming_causes_and_accusations_are_no_aid(text: str) -> None:
    assert not _of(text, EventType.AID)


@pytest.mark.parametrize(
    "text",
    [
        "The Taliban withdrew from Kunduz after the government counterattack.",
        "ISIS fighters fled Manbij after weeks of fighting.",
        "The jihadists abandoned Palmyra as Syrian troops closed in.",
        "Kiev agreed to pull back heavy weapons from the front line.",
    ],
)
def test_a_party_leaving_ground_retreats(text: str) -> None:
    assert _of(text, EventType.RETREAT)


@pytest.mark.parametrize(
    "text",
    [
        "Thousands of residents fled Aleppo as the bombing intensified.",
        "The company pulled out of Russia last year.",
        "The U.S. would withdraw from the treaty the moment Europe recovered.",
    ],
)
def test_people_firms_and_treaties_left_are_no_retreat(text: str) -> None:
    assert not _of(text, EventType.RETREAT)


@pytest.mark.parametrize(
    "text",
    [
        "More than 1,000 people were detained during the protests.",
        "The blogger was locked up for criticising the king.",
        "The journalists were thrown in jail.",
    ],
)
def test_custody_for_politics_by_any_verb_is_coercion(text: str) -> None:
    signals = _of(text, EventType.COERCE)
    assert signals and signals[0].modality in ALERT_WORTHY_MODALITIES


def test_people_held_for_politics_told_as_a_state_raise_no_alert() -> None:
    text = "EU foreign policy chief Josep Borrell ruled out lifting sanctions on Belarus while political prisoners remained behind bars."
    coerce = _of(text, EventType.COERCE)
    assert coerce and all(s.modality not in ALERT_WORTHY_MODALITIES for s in coerce)


@pytest.mark.parametrize(
    "text",
    [
        "The two leaders held a bilateral meeting in Hangzhou.",
        "The delegations sat down for talks in Geneva.",
        "Trump spoke with Putin on Monday about Syria.",
        "Kerry sat down with Lavrov on the sidelines of the conference.",
    ],
)
def test_meetings_named_by_office_or_by_talk_with_someone(text: str) -> None:
    assert _of(text, EventType.CONSULT)


def test_contact_broken_off_is_no_meeting() -> None:
    assert not _of("The Saudis reacted by completely breaking off diplomatic contact with Iran.", EventType.CONSULT)


@pytest.mark.parametrize(
    "text",
    [
        "Colin Kaepernick knelt during the national anthem to protest police brutality.",
        "Mr Roslovtsev says he is protesting over the laws cited in his arrests.",
        "Hundreds of people held a vigil in front of parliament to denounce the law.",
    ],
)
def test_a_protest_told_by_its_purpose(text: str) -> None:
    assert "rules:protest.purpose" in _rules(text, EventType.PROTEST)


def test_innocence_protested_is_no_protest() -> None:
    assert not _of("The defendant protested his innocence in court.", EventType.PROTEST)


@pytest.mark.parametrize(
    "text",
    [
        "The killing of Osama bin Laden was a triumph for Obama.",
        "The deaths of 20 civilians in the raid sparked outrage.",
    ],
)
def test_a_killing_named_by_its_noun_and_victims_is_told_as_history(text: str) -> None:
    signals = [s for s in _of(text, EventType.ASSAULT) if s.detector.startswith("rules:assault.killing_of")]
    assert signals and all(s.modality not in ALERT_WORTHY_MODALITIES for s in signals)


def test_the_death_of_an_illness_is_no_killing() -> None:
    assert not _of("The deaths of 20 patients in the hospital were caused by the flu.", EventType.ASSAULT)
