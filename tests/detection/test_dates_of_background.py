"""Dates that make a mention background: a time adjunct that opens the sentence dates its main
clause, "last March" is a month like "in March", and a noun dated by a year later than the
publication's was told after it happened. The mention is still found (recall counts every
modality); only the alert goes. The sense model reads a long sentence in parts and does not cut
it at the period of an abbreviation."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from service.detection.sense import _narrowed
from service.detection.text import Span
from tests.detection.conftest import signals_of

PUBLISHED = "2016-10-20"


def _typed(text: str, etype: EventType, published: str = PUBLISHED) -> list:
    return [s for s in signals_of(text, published) if s.type == etype]


def _seen(found: list) -> list:
    return [(s.evidence.trigger, s.modality.value, s.evidence.cues, s.event_date) for s in found]


# ----------------------------------------------------------------- a date that opens the sentence


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("In March, the European Union imposed new sanctions on Iran.", EventType.SANCTION),
        ("“ In June, gunmen attacked a checkpoint in Kabul, ” the minister said.", EventType.ASSAULT),
        # a day's date is found without its preposition, which still opens the sentence
        ("On 13 September 1974, troops attacked the town.", EventType.ASSAULT),
        ("On September 13, 2014, the United States imposed sanctions on Russia.", EventType.SANCTION),
    ],
)
def test_a_month_that_opens_the_sentence_dates_its_main_clause(text: str, etype: EventType) -> None:
    """The comma sets the opening adjunct apart as a clause of its own; it still dates the clause
    after it, and a month months before the publication makes the mention history."""
    found = _typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert [s.modality for s in found] == [Modality.HISTORICAL], _seen(found)


def test_an_opening_date_is_shared_by_every_act_of_its_clause() -> None:
    text = ("In April, more than two dozen soldiers were killed in IS attacks in Homs, prompting Russian "
            "airstrikes, the monitor said.")
    found = _typed(text, EventType.ASSAULT)
    assert found and all(s.modality == Modality.HISTORICAL for s in found), _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        "In October, the European Union imposed new sanctions on Iran.",
        "On Tuesday, gunmen attacked a checkpoint in Kabul.",
        "On 18 October 2016, gunmen attacked a checkpoint in Kabul.",
    ],
)
def test_an_opening_date_of_the_day_or_month_is_news(text: str) -> None:
    found = [s for s in signals_of(text, PUBLISHED) if s.modality in ALERT_WORTHY_MODALITIES]
    assert found, _seen(signals_of(text, PUBLISHED))
    assert all(s.event_date is not None for s in found), _seen(found)


def test_an_opening_date_does_not_date_what_is_reported() -> None:
    """A verb of saying or a "that" ends the opening date's reach: the date is the report's."""
    text = ("On Tuesday, Russian Deputy Foreign Minister Sergei Ryabkov confirmed the dates and expressed "
            "confidence that the discussions in Geneva with the US would kick off a process.")
    found = _typed(text, EventType.CONSULT)
    assert found and all(s.event_date is None for s in found), _seen(found)
    text = ("In May, a report by the think tank American Action Forum estimated that finding, detaining, legally "
            "processing and deporting everyone who is in the country illegally would cost up to $300 billion.")
    assert all(s.event_date is None for s in _typed(text, EventType.COERCE)), _seen(_typed(text, EventType.COERCE))


# ------------------------------------------------------------------------------- "last March"


def test_last_and_a_month_dates_the_act() -> None:
    old = _typed("Russian jets carried out airstrikes on two hospitals in Aleppo last March.", EventType.ASSAULT)
    assert [s.modality for s in old] == [Modality.HISTORICAL], _seen(old)
    recent = _typed("Russian jets carried out airstrikes on two hospitals in Aleppo last September.",
                    EventType.ASSAULT)
    assert [(s.modality, str(s.event_date)) for s in recent] == [(Modality.ASSERTED, "2016-09-01")], _seen(recent)


# ------------------------------------------------- a year after the publication's is not history


def test_a_noun_dated_by_a_year_after_the_publication_is_not_made_history() -> None:
    """A year later than the publication date is the future, or a date the text does not carry
    (the evaluation sets read undated text as published in 2000); the rules do not turn either
    into history, which would hide a real article's news."""
    found = _typed("Many of the emails relate to the 2012 attack on the US consulate in Benghazi.",
                   EventType.ASSAULT, "2000-01-01")
    assert found and all("later year" not in s.evidence.cues for s in found), _seen(found)


# ------------------------------------------------ a long sentence read in parts, abbreviations kept


def test_a_long_sentence_is_not_cut_at_an_abbreviation() -> None:
    text = ("— He violated election laws by emailing foreign officials — His employees violated a U.S. trade "
            "embargo by pursuing commercial activities in Cuba. And more.")
    lower = text.lower()
    part = _narrowed(text, lower, Span(0, len(text)), lower.index("embargo"))
    assert text[part.start:part.end] == text[:text.index(" And")], text[part.start:part.end]


# ----------------------------------------------------------------- a record measured from a date


@pytest.mark.parametrize(
    ("text", "etype", "modality", "day"),
    [
        ("The deadliest attack on U.S. soil since Sept. 11, 2001, should convince our leaders.",
         EventType.ASSAULT, Modality.ASSERTED, None),
        ("Gunmen attacked a bar in Kabul on Sunday, killing five, the worst attack since 2001.",
         EventType.ASSAULT, Modality.ASSERTED, "2016-10-16"),
        ("Russia and the United States will hold their first talks since 2018 in Geneva on Jan. 10.",
         EventType.CONSULT, Modality.SCHEDULED, "2017-01-10"),
    ],
)
def test_a_date_a_record_is_measured_from_is_not_the_events_own(text: str, etype: EventType, modality: Modality,
                                                                 day: str | None) -> None:
    """"The deadliest attack since 2001" is news: the year bounds the comparison."""
    found = _typed(text, etype)
    assert [(s.modality, s.event_date and s.event_date.isoformat()) for s in found] == [(modality, day)], _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        # the look-alikes: "since" dates a state that began then, with no record before it, or
        # with the record in a clause of its own
        "Rebels have besieged the city since March 2014.",
        "It was the worst winter in decades, and rebels have besieged the town since 2014.",
    ],
)
def test_a_date_after_since_with_no_record_still_dates_the_event(text: str) -> None:
    found = [s for s in signals_of(text, PUBLISHED) if s.type in (EventType.ASSAULT, EventType.COERCE)]
    assert found and all(s.modality not in ALERT_WORTHY_MODALITIES for s in found), _seen(found)


# ----------------------------------------------------------------- a year that is a noun's attribute


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Turkey detained 50 soldiers over links to the 2016 coup attempt.", EventType.COERCE),
        ("Egypt sentenced 75 people to death over the 2013 sit-in.", EventType.COERCE),
        ("Russian troops attacked Ukrainian positions near the site of the 2014 battle on Monday.",
         EventType.ASSAULT),
        ("Israel struck Hamas targets in Gaza, a year after the 2023 attack.", EventType.ASSAULT),
        ("Police arrested 20 protesters marking the anniversary of the 2011 uprising.", EventType.COERCE),
    ],
)
def test_a_year_that_names_another_event_does_not_date_the_act(text: str, etype: EventType) -> None:
    """"the 2016 coup attempt" is dated, the detention over it is the news."""
    first = _typed(text, etype, "2024-10-20")[0]
    assert first.modality == Modality.ASSERTED, _seen([first])
    assert first.event_date is None or first.event_date.year == 2024, _seen([first])


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Israel captured the West Bank, East Jerusalem and Gaza in the 1967 Middle East war.", EventType.COERCE),
        ("A suicide bomber blew himself up at the 2017 concert in Manchester.", EventType.ASSAULT),
        ("The 2014 annexation of Crimea was illegal, the UN said.", EventType.COERCE),
        ("Thousands marched on the anniversary of the massacre.", EventType.ASSAULT),
    ],
)
def test_a_year_or_an_anniversary_that_frames_or_names_the_act_still_makes_it_history(
    text: str, etype: EventType
) -> None:
    found = _typed(text, etype, "2024-10-20")
    assert found and found[0].modality == Modality.HISTORICAL, _seen(found)
