"""Wordings of agreements, talks, protests, custody and fire that wire copy uses with no party
named as a state: an agreement signed or brokered in the passive or by its parties named as sides,
talks told by their course, a protest held or turning violent, people gathered to demand, ground lost by
an armed group or a force, gunfire and crossfire in a place, a bombing or an attack at a site it hit, aid told by its
arrival or by whom it goes to, a crackdown named by whom it takes, sanctions named by a bloc, the killing of a conflict named
by its noun and its place, a threat named by its noun and what it threatens,
a country called war-torn, the wounded named as people, people held in a prison or in solitary confinement. Each form is found
with the modality its words carry (standing states as history, raising no alert), and the
look-alike beside it (a takeover deal, merger or pay talks, crossfire of a trade war, fireworks
that sound like gunfire, a meeting held in a city) is no event of that type."""

from __future__ import annotations

import pytest

from schemas.common import EventType, Modality
from tests.detection.conftest import alerting as _alerts
from tests.detection.conftest import seen as _seen
from tests.detection.conftest import typed


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # an agreement signed, brokered or ratified in the passive, or signed by sides
        ("The deal was signed by both governments in Vienna on Monday.", EventType.AGREE),
        ("The accord was signed in Paris on Saturday.", EventType.AGREE),
        ("The ceasefire was brokered by Russia and Turkey.", EventType.AGREE),
        ("The two countries signed the deal on Monday.", EventType.AGREE),
        # talks told by their course
        ("The negotiations in Geneva resumed on Tuesday.", EventType.CONSULT),
        # a protest held or turning violent
        ("A demonstration was held outside the embassy on Friday.", EventType.PROTEST),
        ("The protest turned violent when police used tear gas.", EventType.PROTEST),
        # people gathered to demand or to denounce
        ("Crowds gathered in Tahrir Square to demand Mubarak's ouster on Friday.", EventType.PROTEST),
        ("Hundreds assembled outside the court in Karachi chanting slogans against the government.",
         EventType.PROTEST),
        # ground lost by an armed group or a force
        ("The army abandoned its positions near Mosul on Monday.", EventType.RETREAT),
        ("The rebels lost control of eastern Aleppo on Monday.", EventType.RETREAT),
        # gunfire and crossfire in a place
        ("Heavy gunfire was heard across Juba on Sunday.", EventType.ASSAULT),
        ("Civilians were caught in the crossfire in Aleppo on Monday.", EventType.ASSAULT),
        ("Gunfire erupted near the presidential palace in Bangui.", EventType.ASSAULT),
        # an attack named by its noun where the place it hit says it is an attack
        ("A bombing hit a checkpoint in Baghdad on Friday.", EventType.ASSAULT),
        ("An attack hit a checkpoint in Baghdad on Friday.", EventType.ASSAULT),
        # aid told by its arrival or by whom it goes to
        ("Humanitarian aid reached Madaya on Monday.", EventType.AID),
        ("Aid convoys entered the besieged town of Madaya on Monday.", EventType.AID),
        ("U.S. aid to Egypt totals $1.3 billion a year.", EventType.AID),
        # a crackdown named by whom it takes
        ("The crackdown on protesters drew criticism on Monday.", EventType.COERCE),
        ("The government's crackdown on dissent intensified after the coup attempt.", EventType.COERCE),
        # talks told as held
        ("The talks were held in Geneva on Monday.", EventType.CONSULT),
        # a threat named by its noun and the force or move it threatens
        ("North Korea's threat of a nuclear strike alarmed Seoul.", EventType.THREATEN),
        ("Iran's threat to close the Strait of Hormuz alarmed Washington.", EventType.THREATEN),
        # the wounded named as people
        ("Hospitals in Aleppo were overwhelmed with the wounded on Monday.", EventType.ASSAULT),
        ("Wounded civilians were evacuated from eastern Aleppo on Thursday.", EventType.ASSAULT),
    ],
)
def test_the_wording_reports_the_event(text: str, etype: EventType) -> None:
    found = _alerts(typed(text, etype))
    assert found, _seen(typed(text, etype))


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Residents of the war-torn country fled to Turkey.", EventType.ASSAULT),
        ("The journalist is being held in Evin prison.", EventType.COERCE),
        ("The regime held him in solitary confinement.", EventType.COERCE),
        ("The activist was held in a detention centre in Cairo for months.", EventType.COERCE),
        ("Western sanctions have hurt Russia's economy.", EventType.SANCTION),
        ("The killings in Burundi have alarmed the U.N.", EventType.ASSAULT),
        ("The bloodshed in Syria must stop, Ban said.", EventType.ASSAULT),
        ("He said Russia was intent on allowing the killing to continue.", EventType.ASSAULT),
    ],
)
def test_a_standing_state_is_found_as_history(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as news of the day"
    assert all(s.modality == Modality.HISTORICAL for s in found), _seen(found)


def test_a_mob_feared_just_in_case_is_no_fact() -> None:
    text = "Shopkeepers armed themselves, just in case a mob makes a mistake and they end up caught in the crossfire."
    assert not _alerts(typed(text, EventType.ASSAULT)), _seen(typed(text, EventType.ASSAULT))


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("The takeover deal was signed by both companies on Monday.", EventType.AGREE),
        ("The record deal was signed in Los Angeles.", EventType.AGREE),
        ("Both clubs signed the agreement on the transfer fee.", EventType.AGREE),
        ("A trade agreement was reached between the two firms.", EventType.AGREE),
        ("Merger talks between the two banks collapsed on Friday.", EventType.CONSULT),
        ("Contract talks between the union and the carmaker resumed.", EventType.CONSULT),
        ("Nurses will strike unless pay talks are opened, the union said.", EventType.CONSULT),
        ("The meeting was held in Geneva.", EventType.COERCE),
        ("Water is held in the cells of the plant.", EventType.COERCE),
        ("The campaign rally was held in Ohio.", EventType.PROTEST),
        ("Small businesses are caught in the crossfire of the US-China trade war.", EventType.ASSAULT),
        ("Fireworks that sounded like gunfire startled residents of Paris.", EventType.ASSAULT),
        ("The war-torn economy of the company needs restructuring.", EventType.ASSAULT),
        ("The film is set in war-torn Europe.", EventType.ASSAULT),
        ("His wartime diaries were published last year.", EventType.ASSAULT),
        ("The wounded from the bus crash were taken to hospital.", EventType.ASSAULT),
        ("The wounded from the earthquake were taken to hospital.", EventType.ASSAULT),
        ("Hundreds of wounded were treated after the train derailed in Bihar.", EventType.ASSAULT),
        ("The wounded striker will miss the match against Arsenal.", EventType.ASSAULT),
        ("He suffered a heart attack at a market in Lagos.", EventType.ASSAULT),
        ("Hearing aid sales reached a record in Germany.", EventType.AID),
        ("Student aid reached record levels in the United States.", EventType.AID),
        ("Legal aid to asylum seekers in Britain was cut.", EventType.AID),
        ("Police launched a crackdown on drug dealers in Manila.", EventType.COERCE),
        ("The FDA's crackdown on e-cigarettes hit vapers.", EventType.COERCE),
        ("The league's crackdown on diving angered fans.", EventType.COERCE),
        ("The talks were held at the company's headquarters.", EventType.CONSULT),
        ("The killings in Chicago rose again last year, police said.", EventType.ASSAULT),
        ("Iran's threat to regional stability worries Riyadh.", EventType.THREATEN),
        ("Climate change is a threat to national security.", EventType.THREATEN),
        ("Fans gathered outside the stadium to demand the coach's sacking.", EventType.PROTEST),
        ("Investors gathered in New York to demand higher dividends.", EventType.PROTEST),
        ("The rebels lost control of the debate in parliament.", EventType.RETREAT),
        ("Government troops lost control of their emotions, the coach said.", EventType.RETREAT),
        ("Ministers gathered in Brussels to demand a ceasefire.", EventType.PROTEST),
        ("The council's threat to close the library angered residents.", EventType.THREATEN),
        ("The carnage in the kitchen was unbelievable, the chef said.", EventType.ASSAULT),
        ("A photo shooting at a wedding in Paris went viral.", EventType.ASSAULT),
    ],
)
def test_the_look_alike_is_no_event(text: str, etype: EventType) -> None:
    assert not typed(text, etype), _seen(typed(text, etype))
