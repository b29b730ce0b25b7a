"""Conflict words that report no act of force: an act named as an option, discussed, drafted or
claimed without evidence, a kind of act, a group named by the aim it fights for or by what it is
known for, forces sent to a disaster, weather that pounds, ships that collide, blasts put down
to an accident, wild animals, and idioms ("shot down the resolution", "ambushed by reporters").
A modality rule keeps the mention (recall counts every modality) but raises no alert; the other
senses are no escalation event at all. The plain report of the same kind still alerts."""

from __future__ import annotations

import pytest

from schemas.common import EventType, Modality
from tests.detection.conftest import alerting as _alerts
from tests.detection.conftest import seen as _seen
from tests.detection.conftest import typed

# ------------------------------------------------------------------------ an act named as an option


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The president said sending troops is an option.", EventType.MOBILIZE),
        ("Imposing sanctions on Moscow is on the table, the minister said.", EventType.SANCTION),
        ("An arms embargo is under consideration, diplomats said.", EventType.SANCTION),
        ("Military strikes remain an option, the Pentagon said.", EventType.ASSAULT),
        ("The options include sending more troops to the region.", EventType.MOBILIZE),
    ],
)
def test_an_act_named_as_an_option_is_weighed_not_done(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)
    assert all(s.modality == Modality.SPECULATIVE for s in found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The United States sent more troops to the region on Monday.", EventType.MOBILIZE),
        # a threat worded as an option is the threat's own trigger
        ("All options are on the table, the president warned Iran.", EventType.THREATEN),
    ],
)
def test_an_act_done_or_a_threat_of_options_still_alerts(text: str, etype: EventType) -> None:
    assert _alerts(typed(text, etype)), _seen(typed(text, etype))


# ------------------------------------------------------------------------ a group named by its war aim


@pytest.mark.parametrize(
    "text",
    [
        "Nour al-Din al-Zenki is part of the Levant Front, and its allies the Islamic Front and the "
        "Free Syrian Army are fighting to overthrow the Assad regime.",
        "The Saudis have sponsored the Takfiri militants fighting to conquer the Levant.",
        "The rebels, who are fighting for an independent state, ambushed an army patrol on Tuesday.",
        "Militants fighting in Syria have recruited thousands of foreigners.",
    ],
)
def test_a_group_named_by_the_aim_it_fights_for_is_a_standing_description(text: str) -> None:
    fighting = [s for s in typed(text, EventType.ASSAULT) if "fighting" in s.evidence.trigger]
    assert fighting, "the mention is still found"
    assert all(s.modality == Modality.HISTORICAL for s in fighting), _seen(fighting)
    assert any("war aim" in s.evidence.cues for s in fighting), _seen(fighting)


def test_the_verb_after_a_groups_aim_is_its_own_act() -> None:
    """The aim governs its infinitive ("overthrow"), not the clause's own past verb after it."""
    text = "Rebels fighting to overthrow Assad shelled a suburb of Damascus on Tuesday."
    shelled = [s for s in typed(text, EventType.ASSAULT) if s.evidence.trigger == "shelled"]
    assert shelled and _alerts(shelled), _seen(typed(text, EventType.ASSAULT))


def test_the_act_of_a_group_named_by_its_war_aim_still_alerts() -> None:
    found = typed("The rebels, who are fighting for an independent state, ambushed an army patrol on Tuesday.",
                  EventType.ASSAULT)
    assert [s.evidence.trigger for s in _alerts(found)] == ["ambushed"], _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        "Government troops are fighting to retake the town from rebels.",
        "Rebels fought for control of the town on Monday.",
        "Heavy fighting in Aleppo has killed 50 people since Monday.",
        "Government troops fighting in the north killed 12 rebels on Monday.",
    ],
)
def test_fighting_for_an_objective_on_the_ground_still_alerts(text: str) -> None:
    assert _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))


# ------------------------------------------------------------------------ disasters and accidents


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Troops were deployed to help with the flood relief effort.", EventType.MOBILIZE),
        ("Soldiers were mobilized to evacuate residents after the earthquake.", EventType.MOBILIZE),
        ("After torrential rains in northern Iran, the military forces mobilized efforts to help people "
         "trapped in the flood-affected areas.", EventType.MOBILIZE),
        ("Coast guard vessels were deployed to search for the missing fishermen in the Philippines.",
         EventType.MOBILIZE),
        ("The military deployed helicopters to fight the wildfires in Greece.", EventType.MOBILIZE),
        ("The police shot dead a tiger that had killed three villagers in India.", EventType.COERCE),
        ("Heavy rain pounded the region for three days.", EventType.ASSAULT),
        ("The tanker was struck by a bulk carrier off the coast of Singapore.", EventType.ASSAULT),
        ("The blast at the port was caused by ammonium nitrate stored unsafely, officials said.",
         EventType.ASSAULT),
    ],
)
def test_disasters_and_accidents_raise_no_escalation_alert(text: str, etype: EventType) -> None:
    assert not _alerts(typed(text, etype)), _seen(typed(text, etype))


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Troops were deployed to the border on Monday.", EventType.MOBILIZE),
        ("Artillery pounded the town on Monday, killing five.", EventType.ASSAULT),
        ("The convoy was struck by a car bomb near Kabul on Monday.", EventType.ASSAULT),
        ("The ship was struck by a missile off the coast of Yemen on Monday.", EventType.ASSAULT),
        ("The blast at the checkpoint was caused by a suicide bomber, officials said.", EventType.ASSAULT),
    ],
)
def test_force_used_or_moved_beside_such_words_still_alerts(text: str, etype: EventType) -> None:
    assert _alerts(typed(text, etype)), _seen(typed(text, etype))


# ------------------------------------------------------------------------ measures not yet taken, claims, kinds


@pytest.mark.parametrize(
    ("text", "etype", "modality"),
    [
        ("The EU is discussing new sanctions against Belarus.", EventType.SANCTION, Modality.SPECULATIVE),
        ("Sixty percent of respondents favour imposing sanctions on Russia.", EventType.SANCTION,
         Modality.SPECULATIVE),
        ("Lawmakers introduced a bill that would impose sanctions on Russia.", EventType.SANCTION,
         Modality.SPECULATIVE),
        ("The bill would impose sanctions on Chinese officials.", EventType.SANCTION, Modality.SPECULATIVE),
        ("Trump claimed that Iran attacked the tanker, without offering evidence.", EventType.ASSAULT,
         Modality.SPECULATIVE),
        ("Attacks on civilians are war crimes under international law.", EventType.ASSAULT, Modality.SPECULATIVE),
        ("Airstrikes alone cannot defeat the Islamic State.", EventType.ASSAULT, Modality.SPECULATIVE),
        ("The militia is known for kidnapping foreigners.", EventType.ASSAULT, Modality.HISTORICAL),
        ("Turkey threatened to launch a new offensive in Syria on Monday.", EventType.ASSAULT,
         Modality.SPECULATIVE),
        ("Offenders can be jailed for up to five years under the new law in Russia.", EventType.COERCE,
         Modality.SPECULATIVE),
    ],
)
def test_a_measure_discussed_or_drafted_a_flagged_claim_a_kind_or_a_reputation_is_no_act(
        text: str, etype: EventType, modality: Modality) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert all(s.modality == modality for s in found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The United States imposed sanctions on Chinese officials on Monday.", EventType.SANCTION),
        ("Iran attacked the tanker on Monday, officials said.", EventType.ASSAULT),
        ("Airstrikes killed 20 people in Aleppo on Monday.", EventType.ASSAULT),
        ("Militants who vowed to avenge the killing of their leader attacked an army base on Monday.",
         EventType.ASSAULT),
        ("Turkey threatened to launch a new offensive in Syria on Monday.", EventType.THREATEN),
        ("Iran threatened to retaliate against Israel on Monday.", EventType.THREATEN),
        ("Three opposition activists were jailed in Moscow on Monday.", EventType.COERCE),
        ("The UN Security Council voted in favour of sanctions on North Korea on Monday.", EventType.SANCTION),
        ("Sudan's paramilitary Rapid Support Forces shelled a displacement camp near El Fasher on Saturday.",
         EventType.ASSAULT),
        ("Airstrikes are continuing in the north, residents said.", EventType.ASSAULT),
        ("The airstrikes cannot be justified, the minister said after Monday's raid.", EventType.ASSAULT),
    ],
)
def test_a_measure_taken_or_an_act_reported_still_alerts(text: str, etype: EventType) -> None:
    assert _alerts(typed(text, etype)), _seen(typed(text, etype))


# ------------------------------------------------------------------------ word senses: groups, animals, blasts told before


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Ezzeldin Sambala, the military spokesman for the movement, said in a statement on Friday that its "
         "rebel combatants killed dozens of army members.", EventType.MOBILIZE),
        ("Historically, as Republicans positioned themselves alongside soldiers and cops, Democrats favored "
         "military cutbacks.", EventType.MOBILIZE),
        ("An elephant attacked villagers in Assam, killing two.", EventType.ASSAULT),
        ("The minister was ambushed by reporters outside parliament in London.", EventType.ASSAULT),
        ("Russia shot down the UN resolution on Syria on Monday.", EventType.ASSAULT),
        ("A boiler exploded at a chemical plant in Gujarat on Monday. The blast shattered windows across the "
         "city, officials said.", EventType.ASSAULT),
        ("A fire broke out at a fireworks factory in Sivakasi. The explosion was heard 10 km away, residents "
         "said.", EventType.ASSAULT),
        ("The minister threatened to resign over the budget in Pakistan.", EventType.THREATEN),
    ],
)
def test_an_organisation_a_party_placing_itself_an_animal_or_an_accident_told_before_is_no_escalation(
        text: str, etype: EventType) -> None:
    assert not _alerts(typed(text, etype)), _seen(typed(text, etype))


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Satellite images showed the movement of troops to the border on Monday.", EventType.MOBILIZE),
        ("Russia positioned troops and tanks along the border on Monday.", EventType.MOBILIZE),
        ("Tamil Tigers attacked an army camp in Jaffna on Monday.", EventType.ASSAULT),
        ("Insurgents ambushed a police patrol near Kandahar on Monday.", EventType.ASSAULT),
        ("Turkey shot down a Russian warplane near the Syrian border on Tuesday.", EventType.ASSAULT),
        ("A mob attacked villagers in Assam on Monday, killing two.", EventType.ASSAULT),
        ("A car bomb exploded near a police station in Kabul on Monday. The blast shattered windows across the "
         "city, officials said.", EventType.ASSAULT),
        ("The blast shattered windows across the city, officials said.", EventType.ASSAULT),
    ],
)
def test_forces_moved_a_mob_or_a_blast_not_told_as_an_accident_still_alerts(text: str, etype: EventType) -> None:
    assert _alerts(typed(text, etype)), _seen(typed(text, etype))


@pytest.mark.parametrize(
    "text",
    [
        "The accused protested his innocence in court in Nairobi.",
        "Voters cast a protest vote against the ruling party in France.",
        "The dollar rallied against the euro in London.",
    ],
)
def test_innocence_protested_a_protest_vote_and_a_currency_rally_are_no_protest(text: str) -> None:
    assert not typed(text, EventType.PROTEST), _seen(typed(text, EventType.PROTEST))


@pytest.mark.parametrize(
    "text",
    [
        "Thousands protested against the government in Nairobi on Monday.",
        "Supporters rallied outside the parliament in London on Monday.",
    ],
)
def test_a_crowd_protesting_or_rallying_is_still_a_protest(text: str) -> None:
    assert _alerts(typed(text, EventType.PROTEST)), _seen(typed(text, EventType.PROTEST))


# ------------------------------------------------------------- a weapon named like the weather


@pytest.mark.parametrize(
    "text",
    [
        "Ukraine fired Storm Shadow missiles at a Russian air base in Crimea on Tuesday.",
        "Ukraine struck a Russian air base in Crimea with Storm Shadow missiles on Tuesday.",
    ],
)
def test_a_missile_named_storm_shadow_is_no_storm(text: str) -> None:
    """The disaster class vetoes attack words in a sentence about a storm; a phrase that holds the
    class's word without being one (classes.yaml: class_exceptions) does not count."""
    found = _alerts(typed(text, EventType.ASSAULT))
    assert [(s.actors.source[0].code, s.actors.target[0].code) for s in found] == [("UKR", "RUS")], _seen(found)


def test_a_storm_beside_the_missile_still_vetoes() -> None:
    assert not _alerts(typed("A storm hit the Storm Shadow factory in France, killing 12.", EventType.ASSAULT))
