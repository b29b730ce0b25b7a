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
