"""A sports body's penalty is no state's sanction, and hearsay with no source named reports no
act. The learned sense model adds no SANCTION in a sentence that names a sport or a body that
governs one ("the athletics federation had been provisionally suspended"); the rules' modality
reads an unsourced hearsay formula ("many people are saying that", "rumour has it that") as
speculative, as it reads "rumours", and so an act someone "has talked of" or there "is talk of".
Beside each, the plain report still alerts."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from service.detection import detect
from service.detection.sense import SenseModel
from tests.detection.conftest import article, signals_of
from tests.detection.conftest import seen as _seen

PUBLISHED = "2016-10-20"


def suspend_model() -> SenseModel:
    """Two classes: "suspended" is a strong SANCTION cue, whatever the body that suspends."""
    return SenseModel({
        "name": "tiny", "version": "0", "classes": ["SANCTION", "NONE"], "bias": [0.0, 0.0],
        "weights": {"u:suspended": [4.0, -2.0]},
        "veto_threshold": 1.01, "recall_thresholds": {"SANCTION": 0.8},
        "cues": {"SANCTION": {"suspended": 3.0}}, "intensity": {"SANCTION": -5.0},
    })


@pytest.mark.parametrize(
    "text",
    [
        "The IAAF council said in London that the Kenyan athletics federation had been provisionally "
        "suspended over the doping scandal.",
        "FIFA said in Zurich that the Kuwait Football Association had been suspended with immediate effect.",
        "The World Anti-Doping Agency said in Montreal that Russia's laboratory had been suspended.",
    ],
)
def test_the_model_adds_no_sanction_in_a_sports_bodys_sentence(text: str) -> None:
    added = [s for s in detect(article(text), sense_model=suspend_model()) if s.detector.startswith("model:")]
    assert added == [], _seen(added)


def test_the_model_still_adds_a_states_suspension() -> None:
    plain = "The European Union said in Brussels that trade preferences for Belarus had been suspended."
    added = [s for s in detect(article(plain), sense_model=suspend_model()) if s.detector.startswith("model:")]
    assert [(s.type, s.evidence.trigger) for s in added] == [(EventType.SANCTION, "suspended")], _seen(added)


@pytest.mark.parametrize(
    ("hearsay", "plain"),
    [
        ("Many people are saying that the army shelled the village.",
         "The army shelled the village on Tuesday, residents said."),
        ("Rumour has it that troops killed the rebel commander.",
         "Troops killed the rebel commander on Friday, the military said."),
        ("Some say the army shelled the village.",
         "Local people said the army shelled the village on Tuesday."),
        ("There was talk of a ground invasion of Gaza in the cabinet, ministers said.",
         "Israeli troops launched a ground invasion of Gaza on Friday, the army said."),
        ("He has talked of resuming acts seen as torture, curbing the press and leaving alliances.",
         "Guards tortured the detainees at the prison on Friday, a rights group said."),
    ],
)
def test_unsourced_hearsay_and_talk_report_no_attack(hearsay: str, plain: str) -> None:
    told = [s for s in signals_of(hearsay, PUBLISHED) if s.type == EventType.ASSAULT]
    assert told and all(s.modality == Modality.SPECULATIVE for s in told), _seen(told)
    reported = [s for s in signals_of(plain, PUBLISHED) if s.type == EventType.ASSAULT]
    assert [s for s in reported if s.modality in ALERT_WORTHY_MODALITIES], _seen(reported)
