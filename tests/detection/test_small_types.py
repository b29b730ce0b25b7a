"""Recall of the cooperative and less frequent types where the word names the event without a
party in its sentence: donations and aid named by its noun (AID), peace deals (AGREE)."""

from __future__ import annotations

import pytest

from schemas.common import EventType
from tests.detection.conftest import signals_of


def _types(text: str) -> set[EventType]:
    return {s.type for s in signals_of(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Wealthy individuals kept donating to the foundation at the request of friends.",
        "He pledged to donate the profits of the book to charity.",
        "The donations went to a fund for families displaced by the fighting.",
    ],
)
def test_a_donation_is_aid_whoever_gives_it(text: str) -> None:
    assert EventType.AID in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "He donated a kidney to his brother last spring.",
        "Hospitals asked residents to donate blood after the crash.",
    ],
)
def test_a_donor_of_blood_or_an_organ_gives_no_aid(text: str) -> None:
    assert EventType.AID not in _types(text)


def test_aid_named_by_its_noun_needs_no_named_giver() -> None:
    text = "The primary goal is to provide aid and protection to refugees where they have fled, the official added."
    assert EventType.AID in _types(text)


def test_a_peace_treaty_needs_no_party_in_its_sentence() -> None:
    text = "The two countries have never officially struck a peace treaty, and tensions linger."
    assert EventType.AGREE in _types(text)


def test_a_truce_between_firms_is_no_agreement_of_the_set() -> None:
    text = "The two smartphone makers agreed a truce in their long-running patent war."
    assert EventType.AGREE not in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "If the PYD does not retreat to the east of the Euphrates, Turkey will act, the minister said.",
        "Rebel fighters retreated from the town on Sunday, Syrian state media said.",
    ],
)
def test_a_retreat_told_with_a_party_is_a_retreat(text: str) -> None:
    assert EventType.RETREAT in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "The French president spent the weekend at his mountain retreat near Moscow.",
        "The orchestra was forced to retreat indoors after a thunderstorm in Central Park.",
    ],
)
def test_a_retreat_that_is_a_place_or_a_shelter_from_rain_is_none(text: str) -> None:
    assert EventType.RETREAT not in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "Activists in France called for the boycott of Israeli goods on Tuesday.",
        "Organizations have repeatedly called for boycotts of Myanmar, Russia and China.",
    ],
)
def test_a_boycott_of_goods_or_of_a_state_is_a_sanction(text: str) -> None:
    assert EventType.SANCTION in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "The opposition party said it will boycott Algeria's first multi-party elections.",
        "Unions urged boycotts in solidarity with Palestine across Europe.",
    ],
)
def test_a_boycott_of_a_vote_or_in_solidarity_is_no_sanction(text: str) -> None:
    assert EventType.SANCTION not in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "The United States now incarcerates more people than any other country, including China and Russia.",
        "Egypt's imprisonment of the activist drew protests from the European Union.",
    ],
)
def test_confinement_in_every_form_of_its_verb_and_noun_is_coercion(text: str) -> None:
    assert EventType.COERCE in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "She said she had met with Manafort twice last spring.",
        "I think we would have forced them to the negotiating table.",
        "The envoys were discussing a prisoner exchange in Geneva, Russia's foreign ministry said.",
    ],
)
def test_a_meeting_with_someone_named_or_the_negotiating_table_is_a_consultation(text: str) -> None:
    assert EventType.CONSULT in _types(text)


def test_a_demand_met_is_no_meeting() -> None:
    assert EventType.CONSULT not in _types("The plan met with resistance from the unions.")


@pytest.mark.parametrize(
    "text",
    [
        "Separatist leaders made threats against the election monitors on Monday.",
        "The envoy said the demands amounted to blackmail by Moscow.",
    ],
)
def test_a_threat_named_by_its_noun_where_it_is_made_is_a_threat(text: str) -> None:
    assert EventType.THREATEN in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "The threat of a recession hangs over Europe this winter.",
        "The striker received death threats after the cup final.",
        "Three men were convicted in court for making death threats to the prime minister.",
    ],
)
def test_a_threat_as_a_danger_or_in_sport_or_court_is_none(text: str) -> None:
    assert EventType.THREATEN not in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "The slain officers included two Syrian generals, state media said.",
        "A settler was stabbed to death in her home in the West Bank on Thursday.",
        "Police in Kenya are investigating the fatal shooting of an opposition activist.",
    ],
)
def test_killing_told_by_its_participle_or_a_deadly_act_is_an_assault(text: str) -> None:
    assert EventType.ASSAULT in _types(text)


def test_homicides_counted_raise_no_alert() -> None:
    sigs = signals_of("Homicides in Chicago are up 49 percent, police figures show.")
    assert not [s for s in sigs if s.type == EventType.ASSAULT and s.modality.value in ("asserted", "scheduled")]


def test_a_treaty_is_an_agreement_whoever_the_sentence_names() -> None:
    text = "South Africa was accused of ignoring its treaty obligations last year."
    assert EventType.AGREE in _types(text)


def test_a_licensing_deal_between_firms_is_no_treaty() -> None:
    assert EventType.AGREE not in _types("The two firms signed a licensing pact, the company said in a statement.")


def test_a_measure_lifted_was_imposed_before_by_its_owner_on_whom_it_is_against() -> None:
    sigs = [s for s in signals_of("There is no reason to lift the European Union's sanctions against Russia, Merkel said.")
            if s.type == EventType.SANCTION]
    assert sigs and all(s.modality.value == "historical" for s in sigs)
    assert {a.code for a in sigs[0].actors.source} == {"EU"}
    assert {a.code for a in sigs[0].actors.target} == {"RUS"}


def test_the_lifting_of_an_embargo_tells_the_embargo_without_an_alert() -> None:
    sigs = signals_of("With the lifting of the US arms embargo to Vietnam, Hanoi is seeking new air defences.")
    assert {s.type for s in sigs} >= {EventType.CONCEDE, EventType.SANCTION}
    assert all(s.modality.value == "historical" for s in sigs if s.type == EventType.SANCTION)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The ambulance service provides first aid support at agricultural shows.", EventType.AID),
        ("Musk hinted at job cuts in a meeting with Twitter employees in London.", EventType.CONSULT),
        ("We're going to watch him make a pact with the devil, Lucas said.", EventType.AGREE),
    ],
)
def test_look_alikes_of_the_words_told_without_a_party(text: str, etype: EventType) -> None:
    assert etype not in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Putin's decision to withdraw from the treaty may not have much practical effect.",
        "The United States withdrew from the Iran nuclear deal on Tuesday.",
    ],
)
def test_an_agreement_left_was_made_before_and_raises_no_alert(text: str) -> None:
    sigs = signals_of(text)
    assert EventType.REJECT in {s.type for s in sigs}
    agreed = [s for s in sigs if s.type == EventType.AGREE]
    assert agreed and all(s.modality.value == "historical" and s.event_date is None for s in agreed)


def test_talks_walked_out_of_are_no_agreement_made() -> None:
    assert EventType.AGREE not in _types("The opposition walked out of talks with the government in Geneva.")


def test_a_measure_named_by_its_owner_is_a_sanction_in_place_without_an_alert() -> None:
    text = "Beijing would continue to cooperate with UN sanctions aimed at rolling back North Korea's nuclear weapons program."
    sigs = [s for s in signals_of(text) if s.type == EventType.SANCTION]
    assert sigs and all(s.modality.value == "historical" for s in sigs)


def test_a_measure_imposed_by_its_owner_stays_a_new_sanction() -> None:
    sigs = [s for s in signals_of("Brussels approved new EU sanctions against Moscow on Monday.") if s.type == EventType.SANCTION]
    assert sigs and all(s.modality.value == "asserted" for s in sigs)


def test_prison_threatened_to_a_political_opponent_is_a_threat_beside_a_sports_word() -> None:
    assert EventType.THREATEN in _types("Trump threatened his political opponent with prison.")


@pytest.mark.parametrize(
    "text",
    [
        "The striker threatened his opponent with prison after the match.",
        "The coach threatened his players with expulsion from the squad.",
    ],
)
def test_threats_in_sport_without_a_named_party_stay_no_threat(text: str) -> None:
    assert EventType.THREATEN not in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "The militias in the south are funded by Iran, the report said.",
        "Russian partners, who are funded by the government, seek access to the technology.",
    ],
)
def test_money_given_by_a_state_told_in_the_passive_is_aid(text: str) -> None:
    assert EventType.AID in _types(text)


def test_research_funded_by_an_institute_is_no_aid() -> None:
    assert EventType.AID not in _types("The study was funded by the National Institutes of Health.")


def test_an_outcome_named_as_negotiated_tells_the_negotiations() -> None:
    assert EventType.CONSULT in _types("The UN envoy to Yemen said only a negotiated settlement could end the war.")


@pytest.mark.parametrize("text", ["Read about the Syrian war:", "Small skirmishes between India and Pakistan can trigger big wars."])
def test_a_war_named_by_its_noun_is_the_conflict_told_without_an_alert(text: str) -> None:
    sigs = [s for s in signals_of(text) if s.type == EventType.ASSAULT]
    assert sigs and all(s.modality.value == "historical" for s in sigs)


@pytest.mark.parametrize(
    "text",
    [
        "The trade war between China and the United States hurt exports.",
        "Clinton is a war hawk, Assange said of the American candidate.",
        "North Korea trained hackers capable of launching cyber warfare against South Korea.",
    ],
)
def test_figurative_wars_are_no_conflict(text: str) -> None:
    assert EventType.ASSAULT not in _types(text)


def test_a_war_named_beside_another_event_is_its_setting() -> None:
    sigs = signals_of("The cease-fire agreement between government and rebel forces in Syria's civil war took effect.")
    assert EventType.AGREE in {s.type for s in sigs}
    assert EventType.ASSAULT not in {s.type for s in sigs}


def test_a_war_named_before_does_not_make_a_later_act_history() -> None:
    text = ("This war between the Saudis and Iran has helped Al Qaeda in Yemen. "
            "With the beheading of Nimr, the Saudis have threatened a direct conflict with Iran.")
    assert any(s.type == EventType.ASSAULT and s.modality.value == "asserted" for s in signals_of(text))


@pytest.mark.parametrize(
    "text",
    [
        "Homicides in Chicago are up 49 percent, according to police figures.",
        "They are butting up against the six million victims of the Holocaust.",
    ],
)
def test_killing_named_by_a_crime_or_atrocity_noun_is_told_without_an_alert(text: str) -> None:
    sigs = [s for s in signals_of(text) if s.type == EventType.ASSAULT]
    assert sigs and all(s.modality.value == "historical" for s in sigs)


def test_a_war_with_a_state_names_it_as_the_other_side() -> None:
    sigs = [s for s in signals_of("An orchestrated war with Russia has all of us marked for extinction.") if s.type == EventType.ASSAULT]
    assert sigs and {a.code for a in sigs[0].actors.target} == {"RUS"} and not sigs[0].actors.source


def test_the_people_named_before_an_atrocity_are_its_victims() -> None:
    sigs = [s for s in signals_of("Historians call it the Armenian genocide.") if s.type == EventType.ASSAULT]
    assert sigs and {a.code for a in sigs[0].actors.target} == {"ARM"} and not sigs[0].actors.source


def test_arms_given_by_a_state_told_in_the_passive_are_aid() -> None:
    assert EventType.AID in _types("The rebels in the north are armed by Turkey, the monitor said.")


def test_blackmail_named_beside_politics_is_a_practice_of_coercion_without_an_alert() -> None:
    text = "In Russia, Alperovitch adds, political parties engage in blackmail, hacking, extortion and theft of information."
    sigs = [s for s in signals_of(text) if s.type == EventType.THREATEN]
    assert sigs and all(s.modality.value == "historical" for s in sigs)


def test_blackmail_a_police_report_names_is_a_crime() -> None:
    text = "Police arrested a man for blackmail after he threatened to leak photos of two local politicians."
    assert not [s for s in signals_of(text) if s.type == EventType.THREATEN and s.modality.value == "asserted"]


def test_a_conflict_named_is_the_standing_war_but_a_conflict_of_interest_is_none() -> None:
    sigs = [s for s in signals_of("The conflict in Syria has driven millions of Syrians from their homes.") if s.type == EventType.ASSAULT]
    assert sigs and all(s.modality.value == "historical" for s in sigs)
    assert EventType.ASSAULT not in _types("The senator from Texas denied any conflict of interest.")
