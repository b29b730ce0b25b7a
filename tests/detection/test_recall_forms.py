"""Recall on forms of news writing that the trigger rules missed: candidates' debates as meetings."""

from __future__ import annotations

import pytest

from schemas.common import EventType
from tests.detection.conftest import signals_of


def _types(text: str) -> set[EventType]:
    return {s.type for s in signals_of(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Millions watched the presidential debate on Monday night.",
        "Pence, Giuliani and Flynn watch the debate from the front row.",
        "The campaign claimed an $18 million windfall after a disappointing debate performance.",
    ],
)
def test_a_candidates_debate_is_a_meeting(text: str) -> None:
    assert EventType.CONSULT in _types(text)


@pytest.mark.parametrize(
    "text",
    [
        "There is a big debate out there about the best way to counter small drones.",
        "The debate over the pension reform has divided the party.",
    ],
)
def test_a_debate_over_a_topic_is_no_meeting(text: str) -> None:
    assert EventType.CONSULT not in _types(text)
