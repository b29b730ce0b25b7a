"""Wordings of custody, fire and assassination that wire and South Asian copy use: people booked
under a special law or for riots, caught by a named force or apprehended, held "in connection
with" a case of political violence or unrest, arrests made, captured by an armed force; fire by armed doers named by their kind in any tense; fire bombs and stones thrown by a
crowd; an armed group's camps and bases taken; raids on the opposition; villages and
schools burned or razed; the hurt of a skirmish or of a battle for a place; Kurdish forces as an
armed group; visa bans on officials; a killing whose object is a head of
state, a minister or a governor. Each form is found with the modality its words carry, and the
look-alike beside it (tickets booked, a moment captured by a photographer, critics who fired at a
plan, a bill killed) is no event."""

from __future__ import annotations

import pytest

from schemas.common import EventType, Modality
from tests.detection.conftest import alerting as _alerts
from tests.detection.conftest import seen as _seen
from tests.detection.conftest import typed


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # booked: a case registered by the police under a special law or for riots
        ("Sixty people, all Muslims, have been booked under POTO.", EventType.COERCE),
        ("The accused were booked for rioting and arson, police said on Monday.", EventType.COERCE),
        ("VHP workers have been booked for mass murder in the Naroda area.", EventType.COERCE),
        # caught by a named force, apprehended
        ("Two activists of the banned group were caught by the Kolkata police while crossing the border.",
         EventType.COERCE),
        ("About 50 kar sevaks were apprehended from the Majha area on Monday.", EventType.COERCE),
        # captured by an armed force, in the passive
        ("Two soldiers were captured by separatists near Donetsk on Monday.", EventType.COERCE),
        ("The pilot was taken prisoner by Taliban fighters on Monday.", EventType.COERCE),
        # fire by armed doers named by their kind, in any tense
        ("Militants shot at the convoy near Kandahar on Monday.", EventType.ASSAULT),
        ("Gunmen were shooting at the police station in Quetta on Monday.", EventType.ASSAULT),
        ("The mob was firing at the police with private firearms.", EventType.ASSAULT),
        # custody over a case of political violence or unrest, told by the police's formula
        ("Three men were held in connection with the bombing.", EventType.COERCE),
        ("Both were caught in connection with the Godhra carnage.", EventType.COERCE),
        ("The administration had made enough arrests to prevent any gathering in the town.", EventType.COERCE),
        # crowds that throw fire bombs or stones at people
        ("Hardcore protesters threw petrol bombs at police in Hong Kong on Sunday.", EventType.ASSAULT),
        ("Rioters hurled Molotov cocktails at police on Sunday.", EventType.ASSAULT),
        ("Youths were throwing stones at the police in Srinagar on Friday.", EventType.ASSAULT),
        # an armed group's camps and bases taken
        ("Soldiers captured two rebel camps in Abra over the weekend.", EventType.COERCE),
        ("Government forces captured a rebel base in the north on Sunday.", EventType.ASSAULT),
        # raids on the opposition, activists or the independent press
        ("Police raided the homes of opposition leaders in Harare on Monday.", EventType.COERCE),
        ("Turkish police raided the offices of an opposition newspaper in Istanbul.", EventType.COERCE),
        # villages, schools and police stations burned or razed
        ("Boko Haram militants razed the village of Baga on Saturday.", EventType.COERCE),
        ("Armed men set fire to a school in northern Mali on Sunday.", EventType.COERCE),
        # the hurt of a fight on a day
        ("Four soldiers were injured in the skirmish on Monday.", EventType.ASSAULT),
        ("Five fighters died in the battle for the airport on Sunday.", EventType.ASSAULT),
        ("One person succumbed to injuries sustained in the violence on Friday.", EventType.ASSAULT),
        # Kurdish forces are an armed group's forces, no state's
        ("Kurdish forces pulled out of Manbij on Tuesday.", EventType.RETREAT),
        # visa bans on officials
        ("Washington imposed visa restrictions on Nigerian officials on Monday.", EventType.SANCTION),
        ("The EU slapped a visa ban on 20 Belarusian officials.", EventType.SANCTION),
        # a killing of an office-holder
        ("Militants tried to kill President Karzai in Kabul on Monday.", EventType.ASSAULT),
    ],
)
def test_the_wording_reports_the_event(text: str, etype: EventType) -> None:
    found = _alerts(typed(text, etype))
    assert found, _seen(typed(text, etype))


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Police foiled a plot to kill the prime minister.", EventType.ASSAULT),
        ("The rebels planned to kill the governor.", EventType.ASSAULT),
        ("Those found indulging in undesirable activities may even be booked under PASA.", EventType.COERCE),
    ],
)
def test_a_planned_or_possible_act_is_found_but_raises_no_alert(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)
    assert all(s.modality == Modality.SPECULATIVE for s in found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Compartments S-6 and S-7 booked for the pilgrims were vacant.", EventType.COERCE),
        ("He booked a room under his own name.", EventType.COERCE),
        ("The police were caught by surprise.", EventType.COERCE),
        ("The moment was captured by a photographer.", EventType.COERCE),
        ("Her lawyer has argued that phone records prove she was captured by rebels before the attack.",
         EventType.COERCE),
        ("A man was held in connection with the death of a woman.", EventType.COERCE),
        ("He was held in connection with a case of domestic violence.", EventType.COERCE),
        ("The ad campaign captured the hearts of the villagers.", EventType.COERCE),
        ("Police raided the homes of suspected drug dealers.", EventType.COERCE),
        ("Tax authorities raided the offices of the company.", EventType.COERCE),
        ("The municipality demolished the old school building.", EventType.COERCE),
        ("His grandfather died in the Battle of the Somme.", EventType.ASSAULT),
        ("He sustained injuries in a road accident.", EventType.ASSAULT),
        ("Fans threw stones at the team bus after the match.", EventType.ASSAULT),
        ("Critics fired at the minister over the budget.", EventType.ASSAULT),
        ("Congress killed the president's health bill.", EventType.ASSAULT),
        ("The president killed the deal.", EventType.ASSAULT),
    ],
)
def test_the_look_alike_raises_no_alert(text: str, etype: EventType) -> None:
    assert not _alerts(typed(text, etype)), _seen(typed(text, etype))
