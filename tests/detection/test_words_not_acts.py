"""Attack words that report no act: an attack in words on a politician or on a person's
standing, an act advocated, pledged or promised, and an act another is only likened to. The
plain report of the same kind still alerts."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from tests.detection.conftest import WIRE_PUBLISHED as PUBLISHED
from tests.detection.conftest import seen as _seen
from tests.detection.conftest import signals_of
from tests.detection.conftest import typed as _typed

# ------------------------------------------------------------------------------ attacks in words


@pytest.mark.parametrize(
    "text",
    [
        "Julian Assange has launched a vicious attack on Hillary Clinton, branding her a demon in Moscow.",
        "Manafort said the Times chose to attack my character and reputation rather than report from Kiev.",
        "The senator attacked Trump in Ohio on Monday, saying he had praised Putin.",
    ],
)
def test_an_attack_in_words_on_a_politician_is_no_assault(text: str) -> None:
    found = _typed(text, EventType.ASSAULT)
    assert not [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        "Gunmen attacked Trump's motorcade in Ohio on Monday.",
        "Gunmen attacked Hillary Clinton in Ohio on Monday, police said.",
        "Russian jets attacked Aleppo on Monday.",
    ],
)
def test_violence_against_a_politician_or_a_place_still_alerts(text: str) -> None:
    found = _typed(text, EventType.ASSAULT)
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)


# ------------------------------------------------------------- an act advocated, pledged, promised


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("On the campaign trail, Mr Trump has advocated killing the families of terrorists and invading Syria.",
         EventType.ASSAULT),
        ("He repeated his pledge to advance the use of torture in Syria.", EventType.ASSAULT),
        ("The minister repeated his promise to deploy troops to the border with Syria.", EventType.MOBILIZE),
    ],
)
def test_an_act_advocated_or_promised_is_not_done(text: str, etype: EventType) -> None:
    found = _typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert all(s.modality == Modality.SPECULATIVE for s in found), _seen(found)


def test_an_act_done_after_a_promise_still_alerts() -> None:
    found = _typed("The minister deployed troops to the border with Syria on Monday, as he had promised.",
                   EventType.MOBILIZE)
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)


# ---------------------------------------------------------------------- an act only likened to


@pytest.mark.parametrize(
    "text",
    [
        "Forced anal examinations in Egypt are humiliating, intrusive, and akin to torture.",
        "Human rights groups say the policy in Myanmar is tantamount to ethnic cleansing.",
    ],
)
def test_an_act_only_likened_to_is_no_act(text: str) -> None:
    assert not _typed(text, EventType.ASSAULT)


def test_an_act_beside_a_likening_still_alerts() -> None:
    found = _typed("Police tortured detainees in Cairo, in what rights groups called akin to a purge.",
                   EventType.ASSAULT)
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)


# ------------------------------------------------- a standing practice, a stance, a call coordinated


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Legislation has stifled critics of his rule in Russia, putting opponents in prison, where they are "
         "routinely tortured.", EventType.ASSAULT),
        ("Troops on rotation in Poland hold war games regularly.", EventType.MOBILIZE),
        ("Police in Egypt frequently detain activists without charge.", EventType.COERCE),
        ("Putin has repeatedly threatened to use nuclear weapons.", EventType.THREATEN),
    ],
)
def test_a_practice_told_by_how_often_it_happens_is_standing(text: str, etype: EventType) -> None:
    found = _typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert [s.modality for s in found] == [Modality.HISTORICAL], _seen(found)
    assert found[0].evidence.cues[-1] in text.lower(), "the cue is the frequency word"


def test_an_act_done_repeatedly_on_a_day_still_alerts() -> None:
    found = _typed("Russian jets repeatedly bombed Aleppo on Monday.", EventType.ASSAULT)
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("A Republican who has broadly rejected military intervention in Syria has been spurned by defense "
         "leaders.", EventType.ASSAULT),
        ("Germany opposed sanctions on Russia.", EventType.SANCTION),
        ("She has called for the creation of a no-fly zone in Syria, as well as more airstrikes there.",
         EventType.ASSAULT),
    ],
)
def test_an_act_rejected_opposed_or_called_for_is_not_done(text: str, etype: EventType) -> None:
    found = _typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert all(s.modality == Modality.SPECULATIVE for s in found), _seen(found)


def test_an_act_a_party_rejects_the_blame_for_still_alerts() -> None:
    found = _typed("Russian jets bombed Aleppo on Monday; Moscow rejected the accusations.", EventType.ASSAULT)
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)


# ------------------------------------------------------------------ someone asked to act


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Poland pressed Washington to impose sanctions on Russia.", EventType.SANCTION),
        ("Kiev asked NATO to deploy troops to Ukraine.", EventType.MOBILIZE),
        ("Iran encouraged Houthi rebels to attack Saudi positions.", EventType.ASSAULT),
        ("She pushed the United States to invade Libya.", EventType.ASSAULT),
    ],
)
def test_an_act_someone_is_asked_to_do_is_not_done(text: str, etype: EventType) -> None:
    found = _typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert all(s.modality == Modality.SPECULATIVE for s in found), _seen(found)


@pytest.mark.parametrize(
    "text",
    [
        "Rebels pushed into the city to attack government positions.",
        "Kiev asked the UN to investigate the shelling of Donetsk on Monday.",
    ],
)
def test_a_move_or_the_topic_of_a_request_still_alerts(text: str) -> None:
    found = [s for s in signals_of(text, PUBLISHED) if s.type == EventType.ASSAULT]
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)


# ------------------------------------------------------------------------- a movement named


def test_a_movement_named_by_its_measure_is_standing() -> None:
    text = ("The French prime minister plans to intensify restrictions on free speech targeting the boycott, "
            "divestment and sanctions (BDS) movement against Israel.")
    found = _typed(text, EventType.SANCTION)
    assert found, "the mention is still found, only not as a fact"
    assert [(s.modality, s.evidence.cues) for s in found] == [(Modality.HISTORICAL, ["movement"])], _seen(found)


def test_troops_moving_attacked_still_alerts() -> None:
    found = _typed("Syrian artillery pounded the movements of a group of militants near Idlib on Monday.",
                   EventType.ASSAULT)
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)


# ------------------------------------------------------------------ a war that is no fighting


@pytest.mark.parametrize(
    "text",
    [
        "Russia PM warns of a new cold war amid Syria accusations.",
        "China warns of a trade war with the United States.",
    ],
)
def test_a_warning_of_a_war_that_is_no_fighting_is_no_threat(text: str) -> None:
    assert not _typed(text, EventType.THREATEN)


def test_a_warning_of_war_is_still_a_threat() -> None:
    found = _typed("Russia warned Turkey of war over Syria.", EventType.THREATEN)
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)
