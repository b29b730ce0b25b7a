"""Mentions that are no alert-worthy event of their type: what is called for or allowed ("to be
jailed"), an aim ("trying to overthrow"), a tally over a period, a risk warned of, a crime arrest,
an office's name, an obligation, background named after the last event told, sanctions the rules
read as lifted. Each class beside a real event of the same kind that still alerts."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from tests.detection.conftest import WIRE_PUBLISHED as PUBLISHED
from tests.detection.conftest import seen as _seen
from tests.detection.conftest import typed


def alerts(text: str, etype: EventType, published: str = PUBLISHED) -> list:
    return [s for s in typed(text, etype, published) if s.modality in ALERT_WORTHY_MODALITIES]


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # a passive infinitive: what is called for or allowed, not what happened
        ("The prosecution in Moscow has called for Ukrainian pilot Savchenko to be jailed for 23 years.",
         EventType.COERCE),
        ("He was filmed protesting against a controversial Russian statute which allows people who breach "
         "protest laws to be jailed for up to five years.", EventType.COERCE),
        # an aim, not the act
        ("Armed groups that are trying to overthrow the government of President Bashar Assad fight the Islamic "
         "State militant group.", EventType.COERCE),
        # a prospect, across the clauses it governs
        ("Police and the military are believed to be concerned about the prospect of terrorists modifying "
         "small, off-the-shelf drones to launch attacks on British soil.", EventType.ASSAULT),
        # a tally over a period
        ("Coalition drones and warplanes unleashed 49,917 bombs and missiles against ISIS targets through June "
         "30, according to new official figures.", EventType.ASSAULT),
        # a risk warned of, not a threat made
        ("The enraged host, Evgeny Kiselyov, blasted America's impudent behaviour and spent two hours warning "
         "that a conflict could take nuclear dimensions.", EventType.THREATEN),
        # an arrest for a crime
        ("ANDOVER (CBS) – A woman was arrested after she allegedly vandalized a resident's Donald Trump "
         "campaign sign and nearly ran over the homeowner.", EventType.COERCE),
        # an office named after what it opposes
        ("It is hard to see how a practice that has been harshly condemned by the UN Special Rapporteur on "
         "Torture can continue to be authorized in Kenya.", EventType.ASSAULT),
        # an obligation under a deal (the learned model read it as a sanction)
        ("For example, the U.S. is obligated to end all secondary sanctions, meaning those imposed on other "
         "countries to prohibit their business with Iran.", EventType.SANCTION),
        # sanctions the rules read as being lifted (the learned model read them as imposed)
        ("Iran emerged from years of economic isolation this month when the United Nations ' nuclear watchdog "
         "ruled it had curbed its nuclear program, clearing the way for the lifting of U.N., U.S., and "
         "European Union sanctions.", EventType.SANCTION),
    ],
)
def test_no_alert_for_what_is_no_event_of_its_type(text: str, etype: EventType) -> None:
    assert not alerts(text, etype), _seen(alerts(text, etype))


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Ten Kurdish activists are believed to be detained in Ankara.", EventType.COERCE),
        ("Police arrested 30 opposition activists in Minsk on Monday.", EventType.COERCE),
        ("Saudi warplanes dropped 40 bombs on Sanaa on Monday, killing 12 people.", EventType.ASSAULT),
        # a count in the thousands on one day is that day's news
        ("Russian jets carried out 1,200 air strikes in Syria on Monday, the ministry said.", EventType.ASSAULT),
        ("Russia warned that it would use military force against Georgia.", EventType.THREATEN),
    ],
)
def test_the_real_event_of_the_same_kind_still_alerts(text: str, etype: EventType) -> None:
    assert alerts(text, etype), _seen(typed(text, etype))


@pytest.mark.parametrize(
    ("text", "etype", "published"),
    [
        # "ever since" names the start of a period: background
        ("Ever since the June 28, 2009, coup that deposed Honduras's democratically elected president, José "
         "Manuel Zelaya, the country has been descending deeper into a human rights and security abyss.",
         EventType.COERCE, PUBLISHED),
        # a reference back to the event the sentence before named last, as history ("similar to")
        ("All three attackers at Ataturk airport opened fire and then detonated explosives, similar to the mass "
         "shootings and suicide bombings at Paris' Bataclan concert hall in November. ISIS claimed "
         "responsibility for that massacre, which left 89 people dead.", EventType.ASSAULT, PUBLISHED),
        # ... or by a past year (read as the real-news sets are, with no publication date)
        ("“ The Ukrainian crisis was not our fault. It was not us who supported the anti - constitutional coup "
         "in Ukraine, ” Putin said, apparently referring to the U.S. endorsement of the 2014 revolution. The "
         "coup prompted both the uprising and Crimea’s voluntary crossover to Russia, Putin added.",
         EventType.COERCE, "2000-01-01"),
    ],
)
def test_background_named_before_is_history(text: str, etype: EventType, published: str) -> None:
    found = typed(text, etype, published)
    last = [s for s in found if s.evidence.sentence.startswith(("Ever", "ISIS", "The coup"))]
    assert last, _seen(found)
    assert all(s.modality == Modality.HISTORICAL for s in last), _seen(last)


def test_a_reference_back_to_the_news_of_the_day_stays_asserted() -> None:
    text = ("Gunmen attacked a checkpoint near Kabul on Monday, killing five soldiers in what officials called "
            "the worst attack this year. The attack was claimed by the Taliban.")
    assert all(s.modality == Modality.ASSERTED for s in typed(text, EventType.ASSAULT)), _seen(
        typed(text, EventType.ASSAULT))


RETROSPECTIVE = ("There have been many terrible events in the history of Northern Ireland's conflict, but few "
                 "have seared the collective consciousness of its people as those of Bloody Friday. By the end of "
                 "the day, the IRA's Belfast brigade had detonated at least 20 bombs across the city. At Oxford "
                 "Street, the busiest bus station in Northern Ireland, four bus workers and two soldiers were killed.")


def test_a_text_that_opens_on_history_retells_it() -> None:
    found = typed(RETROSPECTIVE, EventType.ASSAULT)
    assert found and all(s.modality == Modality.HISTORICAL for s in found), _seen(found)


def test_a_text_whose_first_sentence_reports_news_is_no_retrospective() -> None:
    text = ("Three attackers opened fire at Ataturk airport and then detonated explosives, similar to the mass "
            "shootings at the Bataclan concert hall. The attacks killed 41 people, officials said.")
    assert alerts(text, EventType.ASSAULT), _seen(typed(text, EventType.ASSAULT))


def test_a_standing_stance_in_the_first_sentence_makes_no_retrospective() -> None:
    text = ("Rights groups have long accused the army of abuses in the north. Soldiers opened fire on protesters "
            "in Kano, killing three, witnesses said.")
    assert alerts(text, EventType.ASSAULT), _seen(typed(text, EventType.ASSAULT))
