"""Escalation words that news copy uses without reporting an act of its own: a measure called for,
a person described by what was once done to him, an account of the past carried on from a
sentence a past year opens, and related-story headlines run into the text. Each mention is
still found where the rules find it (recall counts every modality) but raises no alert; the
plain report of the same kind still alerts."""

from __future__ import annotations

import pytest

from schemas.common import EventType, Modality
from service.detection import detect
from tests.detection.conftest import WIRE_PUBLISHED as PUBLISHED
from tests.detection.conftest import alerting as _alerts
from tests.detection.conftest import article, signals_of, typed
from tests.detection.conftest import seen as _seen
from tests.detection.test_sense import tiny_model


def _model_added(body: str) -> list:
    """(type, modality) of the signals the sense model adds to ``body``."""
    return [(s.type, s.modality) for s in detect(article(body), sense_model=tiny_model())
            if s.detector.startswith("model:")]


# ------------------------------------------------------------------------ a call for a measure


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The European Union called for new sanctions against Russia on Monday.", EventType.SANCTION),
        ("Lawmakers call for sanctions on Iran over its missile programme.", EventType.SANCTION),
        ("Ukraine's president called for an arms embargo on Russia.", EventType.SANCTION),
        ("Poland called for the deployment of NATO troops to the Baltic states.", EventType.MOBILIZE),
        ("Kiev called for air strikes on separatist positions in Donetsk.", EventType.ASSAULT),
    ],
)
def test_a_measure_called_for_is_wanted_not_done(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)
    assert all(s.modality == Modality.SPECULATIVE for s in found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The European Union imposed new sanctions on Russia on Monday.", EventType.SANCTION),
        # the call governs what it asks for, not an attack an adjunct tells after it
        ("The UN called for calm after militants attacked a police station in Kabul.", EventType.ASSAULT),
        # ... nor the act that is the topic of what it asks for
        ("Pakistan called for an investigation into the bombing of a mosque in Peshawar by militants.",
         EventType.ASSAULT),
        ("Human rights groups called for the release of the activists detained by Egyptian police in Cairo.",
         EventType.COERCE),
    ],
)
def test_a_measure_reported_still_alerts(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert _alerts(found), _seen(found)


def test_a_model_signal_for_a_measure_called_for_is_speculative() -> None:
    """The sense model's own signal follows the same frame, for a call and a stance: found
    (recall), no alert."""
    body = "The monks call for a halt to the campaign in Kandahar and for a torched school to be rebuilt."
    assert _model_added(body) == [(EventType.ASSAULT, Modality.SPECULATIVE)]
    stance = "The elders in Kandahar voiced their opposition to torched schools and burned crops."
    assert _model_added(stance) == [(EventType.ASSAULT, Modality.SPECULATIVE)]
    plain = "The monks said insurgents torched a school in Kandahar."
    assert _model_added(plain) == [(EventType.ASSAULT, Modality.ASSERTED)]


# ---------------------------------------------------------------- a person named by a participle


@pytest.mark.parametrize(
    "text",
    [
        "Guccifer 2.0 claimed to be Romanian like the original Guccifer, imprisoned hacker Marcel Lehel, "
        "but wrote to Russian journalists.",
        "Turkey's president met the families of two detained journalists in Ankara.",
        "Iran's jailed opposition leader wrote a letter to the president.",
    ],
)
def test_a_person_described_by_a_detention_is_no_detention_reported(text: str) -> None:
    found = typed(text, EventType.COERCE)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)
    assert all(s.modality == Modality.HISTORICAL and "attributive" in s.evidence.cues for s in found), _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        "Iranian police detained activist Ali Rezaei in Tehran on Monday.",
        "Turkish security forces raided the office, detained journalists and seized computers in Istanbul.",
        "Egyptian police arrested two journalists in Cairo.",
    ],
)
def test_a_detention_told_by_its_verb_still_alerts(text: str) -> None:
    found = typed(text, EventType.COERCE)
    assert _alerts(found), _seen(found)


# ------------------------------------------------------------- an account of the past carried on


# A lede of news first: a text that opens with history is a retrospective, history throughout.
LEDE = "Russian police detained 20 protesters in Makhachkala on Sunday, officials said. "
DAGESTAN = LEDE + ("In August 1999, an Islamic body declared an independent state in parts of Dagestan and Chechnya, "
            "and called on Muslims to take up arms against Russia in a holy war. ")


def test_a_simple_past_sentence_after_one_a_past_year_opens_continues_history() -> None:
    text = DAGESTAN + "Chechen fighters and Russian troops crossed into Dagestan, and the insurrection was suppressed."
    found = typed(text, EventType.MOBILIZE)
    assert found and not _alerts(found), _seen(found)
    assert found[0].modality == Modality.HISTORICAL and "told before" in found[0].evidence.cues


@pytest.mark.parametrize(
    "tail",
    [
        # news of the day comes back with a day, a present or perfect tense, or a future
        "Chechen fighters and Russian troops crossed into Dagestan on Monday, officials said.",
        "Chechen fighters and Russian troops have crossed into Dagestan, officials say.",
    ],
)
def test_news_after_a_past_year_is_not_carried_into_history(tail: str) -> None:
    found = typed(DAGESTAN + tail, EventType.MOBILIZE)
    assert _alerts(found), _seen(found)


# ------------------------------------------------------------------- related-story headlines


def test_related_story_headlines_run_into_the_text_raise_nothing() -> None:
    text = ("Democratic nominee Hillary Clinton Hillary Rodham ClintonGOP fires opening attack on Dem reportedly "
            "running for Heller's Senate seat Trump seeks tech's help for government IT overhaul MORE and "
            "Republican nominee Donald Trump are both opposed to the TPP.")
    assert not [s for s in signals_of(text, PUBLISHED) if s.evidence.trigger_start < text.index("MORE")
                and s.evidence.trigger_end > text.index("ClintonGOP")], _seen(signals_of(text, PUBLISHED))


def test_a_report_outside_related_headlines_still_alerts() -> None:
    text = ("Senator John Cornyn John CornynDems step up pressure on GOP bill MORE said on Monday that Russian "
            "warplanes attacked a hospital in Aleppo.")
    found = typed(text, EventType.ASSAULT)
    assert _alerts(found), _seen(found)


# ------------------------------------------- a requirement, a measure breached, a stance toward an act


@pytest.mark.parametrize(
    ("text", "etype", "modality"),
    [
        # what a course will require is a requirement, not a report
        ("A posture from the Cold War will be required, necessitating a US deterrent presence, with nuclear "
         "submarines carrying ballistic missiles deployed in the Arabian Sea.", EventType.MOBILIZE,
         Modality.SPECULATIVE),
        # a measure broken or evaded was in force before: the news is the breach
        ("North Korea violated the UN arms embargo by shipping rifles to Eritrea, a UN report said.",
         EventType.SANCTION, Modality.HISTORICAL),
        # a stance toward a sanction, or toward a kind of act named by a bare noun, is no act
        ("The senator voiced support for sanctions on Russia.", EventType.SANCTION, Modality.SPECULATIVE),
        ("Critics in Washington cited Trump's vocal support for torture and his harsh rhetoric about Muslims.",
         EventType.ASSAULT, Modality.SPECULATIVE),
    ],
)
def test_a_requirement_a_breach_or_a_stance_is_no_act_reported(text: str, etype: EventType,
                                                               modality: Modality) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)
    assert all(s.modality == modality for s in found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # a particular event supported is still an event
        ("Russia's support for the offensive on Aleppo was decisive, Syrian rebels said.", EventType.ASSAULT),
        # a crackdown defied goes on
        ("Activists are defying Egypt's crackdown on the opposition in Cairo.", EventType.COERCE),
        # the breach of a ceasefire is an attack, and the sanctions it brings are imposed
        ("The US imposed sanctions on Russia for violating the ceasefire in Ukraine.", EventType.SANCTION),
    ],
)
def test_an_event_supported_or_defied_still_alerts(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert _alerts(found), _seen(found)


def test_agreements_struck_are_deals_not_attacks() -> None:
    """A deal noun in the plural is a deal noun: "agreements they had struck" is AGREE, not a strike."""
    text = "Putin accused Obama of concealing the true nature of agreements they had struck with Iran."
    found = signals_of(text, PUBLISHED)
    assert not [s for s in found if s.type == EventType.ASSAULT], _seen(found)
    assert [s.evidence.trigger for s in found if s.type == EventType.AGREE] == ["agreements they had struck"]


def test_a_capital_inside_a_word_and_a_shouted_more_are_no_related_links() -> None:
    """A related link repeats the linked name; "McDonald's ... NO MORE WAR" is no link run."""
    text = "McDonald's said Russian troops attacked its shop in Donetsk on Monday. NO MORE WAR, residents chanted."
    found = typed(text, EventType.ASSAULT)
    assert _alerts(found), _seen(found)


# ------------------------------------ what ought to be done, what is imagined, kinds named as examples


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # a deontic modal governs the verb phrase right after it: what ought to be done
        ("Only 34 percent of respondents said the U.S. should retaliate with economic sanctions.",
         EventType.SANCTION),
        ("The senator said Washington must impose sanctions on Moscow.", EventType.SANCTION),
        ("The senator said Britain ought to impose sanctions on Russia.", EventType.SANCTION),
        # a sentence that asks the reader to imagine
        ("Imagine, too, that the nominee was a feted guest of the cheerleader for Putin's bombing of "
         "U.S.-supported Syrian rebels.", EventType.ASSAULT),
        # a prospect: "a matter of time before", a threat included
        ("I wrote, \"ISIS certainly intends to strike the U.S. homeland, so unless it is annihilated, it's just "
         "a matter of time before it will be able to carry out a domestic attack of the kind it executed in "
         "Paris.\"", EventType.THREATEN),
        # a kind named among examples
        ("The resolution asks states not to shut down the internet during key times such as elections or "
         "terror attacks.", EventType.ASSAULT),
    ],
)
def test_what_ought_to_be_done_or_is_imagined_is_no_act(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)
    assert all(s.modality == Modality.SPECULATIVE for s in found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # what ought to follow an attack does not unmake the attack
        ("Russian jets bombed Aleppo on Monday, and the United States said Moscow must answer for the attack.",
         EventType.ASSAULT),
        ("Those who bombed the embassy in Kabul on Monday should be punished for the bombing, Karzai said.",
         EventType.ASSAULT),
        # a threat worded with a deontic modal is still a threat
        ("Israel should expect that we will retaliate with force, Hezbollah warned.", EventType.THREATEN),
        # a particular event named among examples is still told
        ("Attacks such as the bombing of the Kabul embassy on Monday show the Taliban's reach.",
         EventType.ASSAULT),
    ],
)
def test_an_act_beside_what_ought_to_be_done_still_alerts(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert _alerts(found), _seen(found)


def test_a_model_signal_for_what_ought_to_be_done_is_speculative() -> None:
    """The sense model's own signal follows the same frame: found (recall), no alert."""
    body = "The elders said the army should have torched every school in Kandahar."
    assert _model_added(body) == [(EventType.ASSAULT, Modality.SPECULATIVE)]
    # a subject pronoun opens a clause of its own: what they torched is told
    told = "The elders in Kandahar said the army must rebuild the school they torched."
    assert _model_added(told) == [(EventType.ASSAULT, Modality.ASSERTED)]


# ------------------------------------------------------------------- an event named by its month


def test_an_attack_named_by_an_earlier_month_is_history() -> None:
    """News of the week names an attack by its day; "the November Paris attack" in a story of
    another month names one told before (the mention is kept, as history)."""
    found = typed("After the November Paris attack, the minister said the army would stay on the streets.",
                  EventType.ASSAULT)
    assert [(s.modality, s.evidence.cues) for s in found] == [(Modality.HISTORICAL, ["the november paris"])]


def test_an_attack_named_by_the_publication_month_is_still_news() -> None:
    found = typed("After the October bombing of the embassy in Kabul, the minister said the army would stay.",
                  EventType.ASSAULT)
    assert _alerts(found), _seen(found)


# -------------------------------------------------- a measure that stands, and talk of a measure


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        # living under a measure tells its standing, not its imposition
        ("North Korea has been under an arms embargo imposed by the UN Security Council.", Modality.HISTORICAL),
        ("Iran is still under U.S. sanctions on its oil exports, officials said.", Modality.HISTORICAL),
        # a measure said to be in force
        ("The arms embargo on Syria is still in force, EU diplomats said.", Modality.HISTORICAL),
        ("The EU arms embargo on Libya remains in place.", Modality.HISTORICAL),
        # talk of a measure is a stance, no measure
        ("Trump's talk of sanctions on China worried investors.", Modality.SPECULATIVE),
    ],
)
def test_a_standing_measure_or_talk_of_one_is_no_measure_imposed(text: str, modality: Modality) -> None:
    found = typed(text, EventType.SANCTION)
    assert found, "the mention is still found, only not as a fact"
    assert [s.modality for s in found] == [modality], _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        "Under the new sanctions imposed by the EU on Monday, Russian banks cannot borrow in Europe.",
        "The EU imposed an arms embargo on Syria on Monday, and it is in force from Tuesday.",
    ],
)
def test_a_measure_imposed_still_alerts(text: str) -> None:
    found = typed(text, EventType.SANCTION)
    assert _alerts(found), _seen(found)


# ------------------------------------------------------------- memory frames name a past event


@pytest.mark.parametrize(
    "text",
    [
        "He also invoked Pope Francis, Turkish scholars and other figures who have recognized the massacre "
        "as genocide.",
        "Armenians marched to a memorial to the victims of the massacre.",
    ],
)
def test_an_act_remembered_or_recognised_as_genocide_is_history(text: str) -> None:
    found = typed(text, EventType.ASSAULT)
    assert found, "the mention is still found, only not as a fact"
    assert [s.modality for s in found] == [Modality.HISTORICAL], _seen(found)


def test_an_act_called_a_crime_or_mourned_is_still_news() -> None:
    found = typed("Militants massacred 40 villagers in Borno on Monday, and the UN called the massacre a crime.",
                  EventType.ASSAULT)
    assert _alerts(found), _seen(found)
    found = typed("Crowds mourned the victims of the bombing in Kabul on Monday.", EventType.ASSAULT)
    assert _alerts(found), _seen(found)


def test_a_model_signal_in_a_memory_frame_is_history() -> None:
    body = "The elders gathered at a memorial to the pupils of the torched school in Kandahar."
    assert _model_added(body) == [(EventType.ASSAULT, Modality.HISTORICAL)]


# ------------------------------------------------ a detention system, a move on a list


@pytest.mark.parametrize(
    "text",
    [
        "There are allegations of cruel and unusual punishment throughout Australian immigration detention, "
        "they wrote.",
        "Refugees are held in offshore detention on Nauru.",
    ],
)
def test_a_detention_named_by_its_system_is_standing(text: str) -> None:
    found = typed(text, EventType.COERCE)
    assert found, "the mention is still found, only not as a fact"
    assert [(s.modality, s.evidence.cues) for s in found] == [(Modality.HISTORICAL, ["system"])], _seen(found)


def test_an_option_moved_down_the_list_is_no_move_of_forces() -> None:
    text = ("U.S. officials had considered an airlift, which would require escorts by U.S. warplanes, but it has "
            "been \"moved down the list,\" one official said.")
    assert not typed(text, EventType.MOBILIZE)
    assert _alerts(typed("Russia moved warplanes to its base in Latakia on Monday.", EventType.MOBILIZE))


# ------------------------------------------- what keeps happening, plots and attempts, court frames


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # an adverb of frequency before the mention in its clause, or after it in the same phrase
        ("Militants frequently attack convoys on the highway.", "frequently"),
        ("Taliban fighters often plant roadside bombs along main roads.", "often"),
        ("Opponents are jailed, where they are routinely tortured.", "routinely"),
        ("Militants have attacked convoys in the region for years.", "for years"),
        ("The insurgents use roadside bombs as their weapon of choice.", "weapon of choice"),
        ("Militants in Afghanistan have been using home-made IEDs to target security forces.",
         "have been using"),
        # a period summed up
        ("The United Nations said 2,000 civilians were killed in attacks in the first half of the year.",
         "in the first half of"),
        ("U.S.-led forces in Afghanistan have dropped just over 16,000 bombs in the last six years.",
         "in the last six years"),
        # an event noun counted as many
        ("The republic has seen numerous bombings targeted at the Russian military.", "numerous"),
        ("Residents described daily airstrikes on the city's outskirts.", "daily"),
        ("The area has seen frequent clashes between the army and rebels.", "frequent"),
    ],
)
def test_what_keeps_happening_is_standing_not_news(text: str, cue: str) -> None:
    found = typed(text, EventType.ASSAULT)
    assert found, "the mention is still found, only not as a fact"
    assert [(s.modality, s.evidence.cues) for s in found] == [(Modality.HISTORICAL, [cue])], _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        # a mention dated by its day is one event whatever the adverb near it
        "Troops shelled the often restive town of Idlib on Monday, killing five people.",
        # a count of people is no count of acts, and an adverb in another phrase governs nothing here
        "Numerous witnesses said gunmen attacked a police post in Kandahar.",
        "Gunmen attacked a police post in Kandahar, a province that sometimes sees protests.",
    ],
)
def test_an_act_beside_a_frequency_word_still_alerts(text: str) -> None:
    found = typed(text, EventType.ASSAULT)
    assert _alerts(found), _seen(found)


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        # a plot, and an act foiled: not carried out
        ("Police foiled a plot to bomb the embassy in Nairobi.", Modality.SPECULATIVE),
        ("He was arrested on suspicion of plotting a terrorist attack on the city's subway.", Modality.SPECULATIVE),
        # a device someone tried to plant or set off: no blast told
        ("Three militants tried to plant a roadside bomb to target soldiers.", Modality.SPECULATIVE),
        ("The man attempted to detonate explosives hidden in his shoes aboard the flight.", Modality.SPECULATIVE),
        # an act that failed
        ("The attacker failed to detonate the bomb, police said.", Modality.DENIED),
        # a blast said to be no attack
        ("The blast was not a terror attack, police said.", Modality.DENIED),
    ],
)
def test_a_plot_a_failed_attempt_or_a_blast_said_no_attack_is_no_attack(text: str, modality: Modality) -> None:
    found = typed(text, EventType.ASSAULT)
    assert found, "the mention is still found, only not as a fact"
    assert [s.modality for s in found] == [modality], _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        # "failed to" governs only the verb right after it: the attack not stopped happened
        "Police failed to stop the attack by gunmen on the embassy in Nairobi on Monday.",
        "The army failed to prevent a suicide bombing that killed 20 people in Kabul on Monday.",
        # a bombing said to be no accident is an attack
        "The blast that killed 12 people in a Kabul market on Monday was not an accident, police said.",
        # a plot or an act foiled governs the words right after it, not the fight told later
        "Soldiers thwarted an attack on their base on Monday and killed five militants in the ensuing clash.",
        # an attempt on a life is an attack made
        "Taliban gunmen tried to assassinate the governor of Kandahar on Monday.",
    ],
)
def test_an_attack_not_stopped_or_attempted_on_a_life_still_alerts(text: str) -> None:
    found = typed(text, EventType.ASSAULT)
    assert _alerts(found), _seen(found)


def test_a_bombing_argued_by_defense_lawyers_is_the_past_act_judged() -> None:
    found = typed("His defense lawyers argued that his older brother carried out the bombing.", EventType.ASSAULT)
    assert [(s.modality, s.evidence.cues) for s in found] == [(Modality.HISTORICAL, ["defense lawyers"])], _seen(found)


def test_a_model_signal_for_what_keeps_happening_is_history() -> None:
    """The sense model's own signal follows the habitual frame: found (recall), no alert."""
    assert _model_added("The elders said the army often torched schools in Kandahar.") == [
        (EventType.ASSAULT, Modality.HISTORICAL)]


def test_a_later_mention_with_actors_lent_by_the_sentence_before_is_the_event_told() -> None:
    """"The Taliban denied involvement. Security was tightened after the bombing.": the bombing
    names nobody of its own; the Taliban lent by the sentence before neither make it another
    attack nor join the attack's actors."""
    text = ("A suicide bomber killed at least 12 people at a crowded market in the eastern Afghan city of "
            "Jalalabad on Monday, officials said. The Taliban denied involvement in a statement. Security was "
            "tightened across the city after the bombing.")
    found = _alerts(typed(text, EventType.ASSAULT))
    assert [s.evidence.trigger for s in found] == ["suicide bomber killed"], _seen(found)
    assert [r.trigger for r in found[0].related_evidence] == ["the bombing"]
    assert "TALIBAN" not in {a.code for a in found[0].actors.source + found[0].actors.target}


# ------------------------------------------- requested, proposed, a means, a condition, a posting


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # an act requested is not done
        ("The Iraqi commander requested air strikes on Islamic State positions near Mosul.", EventType.ASSAULT),
        ('"I request an air strike," the pilot told the base before his radio went silent.', EventType.ASSAULT),
        # a proposal names a measure, not one taken
        ("His proposal to impose sanctions on Venezuela's oil sector was debated in Congress.", EventType.SANCTION),
        # a way to do something is a means, not a report
        ("The best way to cut weapons supplies to the rebels was to close the border, the envoy said.",
         EventType.SANCTION),
        # a relative clause on "any" noun is a condition
        ("Moscow vowed to shoot down any foreign jets that attack government forces in Syria.", EventType.ASSAULT),
    ],
)
def test_an_act_requested_proposed_named_as_a_means_or_under_a_condition_is_no_alert(
    text: str, etype: EventType
) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        "About 2,000 Russian troops stationed in the breakaway region guard the border.",
        "Russian S-400 air defence systems stationed at Hmeimim air base cover the whole coast.",
    ],
)
def test_forces_named_with_where_they_are_posted_are_a_standing_posture(text: str) -> None:
    found = typed(text, EventType.MOBILIZE)
    assert [(s.modality, s.evidence.cues) for s in found] == [(Modality.HISTORICAL, ["stationed"])], _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # the request, the proposal, the means and the posting govern their own words only
        ("At the request of Baghdad, US jets carried out air strikes on Islamic State positions on Monday.",
         EventType.ASSAULT),
        ("Russia stationed long-range missiles in Kaliningrad on Monday, the defence ministry said.",
         EventType.MOBILIZE),
        ("Rebels shot down a government helicopter with a shoulder-fired missile near Aleppo on Monday.",
         EventType.ASSAULT),
        ("Militants attacked a checkpoint that any soldier could see from the road on Monday.", EventType.ASSAULT),
    ],
)
def test_a_request_a_posting_or_a_weapons_name_elsewhere_leaves_the_act_told(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert _alerts(found), _seen(found)


def test_a_shoulder_fired_missile_is_a_kind_of_weapon_not_a_launch() -> None:
    text = "Saudi Arabia flooded Aleppo with shoulder - fired, anti - aircraft missiles on Monday."
    assert not _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Turkish troops crossed into Syria on Wednesday to stop Kurdish militias seizing more territory.",
         EventType.COERCE),
        ("Border guards prevented Russian troops from entering the town on Monday.", EventType.MOBILIZE),
    ],
)
def test_an_act_someone_is_stopped_or_prevented_from_doing_is_not_done(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)


def test_stopping_without_an_object_between_leaves_the_act_told() -> None:
    """The move that stops someone is told; and with no object between, the verb is the
    subject's own act ("kept bombing")."""
    assert _alerts(typed("Turkish troops crossed into Syria on Wednesday to stop Kurdish militias seizing "
                         "more territory.", EventType.MOBILIZE))
    assert _alerts(typed("Russian jets kept bombing rebel positions near Aleppo on Monday.", EventType.ASSAULT))


@pytest.mark.parametrize(
    "text",
    [
        "Seven Taliban militants were killed in two accidental explosions in Kandahar province on Friday night.",
        "A police officer was killed in a head-on collision with an army truck near Kandahar on Friday.",
    ],
)
def test_a_death_put_down_to_an_accident_right_after_it_is_no_attack(text: str) -> None:
    assert not _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))


def test_an_attack_rather_than_an_accidental_explosion_is_an_attack() -> None:
    text = ("Three soldiers were killed in an attack by Islamic State on the airbase on Friday, "
            "rather than in an accidental explosion, the army said.")
    assert _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))


@pytest.mark.parametrize(
    "text",
    [
        "Protest movements in the United States have been hurt by recent assaults on democratic rights by the "
        "government.",
        "Opposition parties in Turkey accused the government of a new assault on press freedom.",
    ],
)
def test_an_attack_on_an_abstract_good_is_a_figure_of_speech(text: str) -> None:
    assert not _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))


def test_an_attack_called_an_assault_on_free_speech_some_words_away_is_an_attack() -> None:
    text = ("Gunmen attacked the offices of a satirical weekly in Paris on Wednesday, killing 12 people, in what "
            "the president called an assault on free speech.")
    assert _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))


@pytest.mark.parametrize(
    "text",
    [
        "Iraqi officials said on Tuesday that Islamic State is mobilizing its fighters for attacking Haditha.",
        "Russian media say Washington is massing NATO troops for an attack on Russia.",
    ],
)
def test_an_act_forces_are_mobilised_for_is_not_done_yet(text: str) -> None:
    found = typed(text, EventType.ASSAULT)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)


def test_an_act_something_is_done_to_prevent_is_not_done() -> None:
    text = "Israel and Russia set up a hotline in October to prevent clashes between their air forces over Syria."
    found = typed(text, EventType.ASSAULT)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)


def test_what_has_always_been_condemned_is_a_standing_matter() -> None:
    text = "The occupation of Karabakh by Armenia has always been condemned by Iran, the cleric said."
    found = typed(text, EventType.COERCE)
    assert [s.modality for s in found] == [Modality.HISTORICAL], _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Under Clinton's leadership as secretary of state, the United States backed the Honduran military, "
         "which ousted an elected president.", EventType.COERCE),
        ("During his tenure as defence minister, Turkish troops invaded northern Iraq twice.", EventType.ASSAULT),
    ],
)
def test_an_act_placed_in_a_former_term_of_office_is_history(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as news"
    assert not _alerts(found), _seen(found)


def test_an_act_named_as_what_a_dispute_is_related_to_is_background() -> None:
    text = "Moscow and Kyiv remain at odds related to Russia's takeover of Crimea, the minister said."
    found = typed(text, EventType.COERCE)
    assert found, "the mention is still found, only not as news"
    assert not _alerts(found), _seen(found)


def test_a_history_cue_reaches_its_noun_across_a_dated_phrase() -> None:
    text = ("A writer in the Times put it this way on January 26, 2012: ever since the June 28, 2009, coup in "
            "Honduras, the country has sunk into an abyss.")
    found = typed(text, EventType.COERCE)
    assert found, "the mention is still found, only not as news"
    assert not _alerts(found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Russian troops completed their takeover of Crimea on Saturday, officials said.", EventType.COERCE),
        ("Soldiers ousted the elected president of Niger on Wednesday, the army said.", EventType.COERCE),
    ],
)
def test_a_takeover_or_coup_told_as_news_alerts(text: str, etype: EventType) -> None:
    assert _alerts(typed(text, etype)), _seen(typed(text, etype))


def test_an_attack_followed_by_what_was_said_of_the_person_is_verbal() -> None:
    text = "The senator then attacked Trump, saying he was unfit to lead the armed forces."
    assert not _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))


def test_an_attack_followed_by_who_said_so_is_an_attack() -> None:
    text = "Militants attacked an army post near Kunduz on Tuesday, the ministry said."
    assert _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))
