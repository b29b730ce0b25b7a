"""Past events told as background are historical, not alerts: a clause dated by a year, a named
past war; and the look-alikes that are no event of their type (a campaign's verbal attacks, a war
that "threatens to become" wider, sanctions named as a standing condition)."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from tests.detection.conftest import signals_of

PUBLISHED = "2016-10-20"


def typed(text: str, etype: EventType, published: str = PUBLISHED) -> list:
    return [s for s in signals_of(text, published) if s.type == etype]


def alerts(text: str, etype: EventType, published: str = PUBLISHED) -> list:
    return [s for s in typed(text, etype, published) if s.modality in ALERT_WORTHY_MODALITIES]


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Paiboon, a senior member of the junta that seized power in a 2014 coup, said Thailand would build "
         "more prisons.", EventType.COERCE),
        ("Humayun, an Army captain who was killed in a 2004 car bombing in Iraq, was his son.", EventType.ASSAULT),
        ("Zarqawi was killed in 2006 by a US airstrike.", EventType.ASSAULT),
        ("In March 1942, just months after the Japanese bombed the harbour, the U.S. Army began to build a road.",
         EventType.ASSAULT),
        ("Trump, in condemning the Iraq invasion, declared in his speech that the world must know.",
         EventType.ASSAULT),
    ],
)
def test_a_past_event_told_as_background_is_historical(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, text
    assert all(s.modality == Modality.HISTORICAL for s in found), [(s.evidence.trigger, s.modality) for s in found]


@pytest.mark.parametrize(
    "text", ["The junta seized power in 2014.", "Government forces besieged the city in February 2014."]
)
def test_a_past_year_makes_history_even_when_the_publication_date_is_earlier(text: str) -> None:
    # An undated text read as published in 2000: a past-tense clause dated 2014 is still background.
    found = [s for s in signals_of(text, "2000-01-01") if s.type == EventType.COERCE]
    assert found and all(s.modality == Modality.HISTORICAL for s in found), [(s.evidence.trigger, s.modality) for s in found]


@pytest.mark.parametrize(
    "text",
    [
        "Rebels attacked an army post in Aleppo on Monday, killing 12 soldiers.",
        "In 2016, rebels attacked an army post in Aleppo on Monday.",
    ],
)
def test_news_of_the_day_stays_asserted(text: str) -> None:
    assert alerts(text, EventType.ASSAULT), text


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Trump said the Khans had viciously attacked him at the Democratic convention.", EventType.ASSAULT),
        ("With the execution, the proxy war between the Saudis and Iran has threatened to become a direct conflict.",
         EventType.THREATEN),
        ("Two of the men are on the U.S. sanctions list.", EventType.SANCTION),
        ("North Korea has been under UN sanctions since 2006.", EventType.SANCTION),
        ("Related: 7 things that are harder to get than an assault weapon.", EventType.ASSAULT),
        ("The warships of Europe and the United States practised amphibious assaults in the Baltic.",
         EventType.ASSAULT),
    ],
)
def test_look_alikes_raise_no_alert(text: str, etype: EventType) -> None:
    assert not alerts(text, etype), [(s.evidence.trigger, s.modality) for s in alerts(text, etype)]


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Iran threatened to close the Strait of Hormuz on Monday.", EventType.THREATEN),
        ("The EU imposed new sanctions on Russia on Monday.", EventType.SANCTION),
        ("Gunmen attacked a police station in Peshawar on Tuesday, killing four officers.", EventType.ASSAULT),
    ],
)
def test_the_real_event_next_to_a_look_alike_still_alerts(text: str, etype: EventType) -> None:
    assert alerts(text, etype), text
