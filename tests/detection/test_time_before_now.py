"""Events news copy places before now by words of time rather than by a date: a time counted back
("a year ago", "months earlier"), an earlier century or an adverb of history, a ruler's reign or
a term of office, a time anchor measured from an event ("two years after the coup"), what someone
is known for, and "in the past" with no span after it. The mention is kept (recall counts every modality) but is history,
so it raises no alert; the plain report of the same kind, and a clause the time words do not
reach, still alert."""

from __future__ import annotations

import pytest

from schemas.common import EventType, Modality
from tests.detection.conftest import alerting as _alerts
from tests.detection.conftest import seen as _seen
from tests.detection.conftest import typed


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # time counted back
        ("A year ago, Russian jets bombed the hospital.", EventType.ASSAULT),
        ("Russia bombed the hospital a year ago.", EventType.ASSAULT),
        ("The Bataclan massacre months earlier had shaken the country.", EventType.ASSAULT),
        # an earlier century, an adverb of history
        ("U.S. troops crushed Filipinos resisting the imperial invasion at the last century's outset.",
         EventType.ASSAULT),
        ("Historically, the Soviet Union massed troops on the Chinese border.", EventType.MOBILIZE),
        # a reign, a term of office
        ("The documents were dried by journalists; some offer details on Manafort's role in "
         "Yanukovych's reign, helping to coordinate an inquiry into Yanukovych's arrest of a "
         "political opposition leader.", EventType.COERCE),
        ("In his first term, Bush invaded Iraq.", EventType.ASSAULT),
        # a time anchor governs the event it measures from
        ("Two years after the coup, the army still controls the capital.", EventType.COERCE),
        ("The city marked five years since the massacre.", EventType.ASSAULT),
        ("Months after the bombing, the city is still rebuilding.", EventType.ASSAULT),
        # a reputation rests on a record
        ("He is best known for leading the invasion of Grenada.", EventType.ASSAULT),
        ("The general, notorious for the massacre of villagers, died on Monday.", EventType.ASSAULT),
        # "in the past" before the mention, or right after it
        ("In the past, Russian jets have bombed hospitals in Aleppo.", EventType.ASSAULT),
        ("The warship had been used by the US navy in several military operations in the past.",
         EventType.ASSAULT),
    ],
)
def test_time_before_now_makes_history(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as news"
    assert not _alerts(found), _seen(found)
    assert all(s.modality == Modality.HISTORICAL for s in found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Russian jets bombed the hospital on Tuesday, killing 12 people.", EventType.ASSAULT),
        # the anchor governs its own event, not the clause it opens
        ("Five years after the revolution, rival militias clashed in Tripoli on Tuesday.", EventType.ASSAULT),
        # a span that reaches now; a contrast with the past
        ("Russian jets bombed two hospitals in the past 24 hours.", EventType.ASSAULT),
        ("Russian jets bombed more hospitals on Tuesday than in the past.", EventType.ASSAULT),
        # "in the past" further on tells another verb's time
        ("Britain's security services face questions after it emerged the ringleader of Saturday's "
         "terror attack in the heart of London was known to them and had been interrogated in the past.",
         EventType.ASSAULT),
        # what those known for a record do now
        ("Militants known for attacks on police stormed a checkpoint in Kabul.", EventType.ASSAULT),
        # words that read a history cue otherwise: a way of ruling, a degree, a state
        ("Boko Haram's reign of terror continued as militants killed 30 villagers in Borno.", EventType.ASSAULT),
        ("Russia launched a historically large barrage of missiles at Kyiv on Monday.", EventType.ASSAULT),
        ("Jets bombed the formerly rebel-held town.", EventType.ASSAULT),
        # a time counted back dates its own clause only, not a later one in a run-on sentence
        ("the deadline fixed by the council about a year ago for the temple ended on tuesday and the "
         "district police said that 28 activists were arrested on tuesday while trying to enter the city.",
         EventType.COERCE),
    ],
)
def test_news_of_now_still_alerts(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert _alerts(found), _seen(found)
