"""Words of custody and force that report no new act: a custody word used as a place ("a
detention centre", "Thai jails"), the act a standing measure was imposed for ("under sanctions
over its annexation of Crimea"), a state that has lasted more than a year, a span of years
opening the sentence ("In the past year, ..."), a kind of act named as a practice ("the practice
of torture", "victims of torture"), sanctions reduced, an act named by a gerund as the subject of "would" ("Bombing Syria
would be a mistake"), a call to act together ("Let's ... seize the town"), a purge of voter rolls, and a
figure of speech the learned sense model would read as an attack ("a
political attack ad"). A modality rule keeps the mention (recall counts every modality) but
raises no alert; the plain report beside each still alerts."""

from __future__ import annotations

import pytest

from schemas.common import EventType, Modality
from service.detection import detect
from service.detection.sense import SenseModel
from tests.detection.conftest import WIRE_PUBLISHED as PUBLISHED
from tests.detection.conftest import alerting as _alerts
from tests.detection.conftest import article, signals_of, typed
from tests.detection.conftest import seen as _seen


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # a custody word as a place or a system
        ("Guards at a detention centre on the island of Nauru described the abuse.", EventType.COERCE),
        ("Lengthy sentences for drug offences are why Thai jails struggle with overcrowding, experts said.",
         EventType.COERCE),
        # the act a standing measure answers: told before the measure
        ("Russia has been under U.S. and EU sanctions over its annexation of Crimea for two years.",
         EventType.COERCE),
        # a state that has lasted, and a span of years opening the sentence
        ("Refugees have been imprisoned for more than a year without trial on Nauru, the report said.",
         EventType.COERCE),
        ("In the past year, we've seen two mass shootings by self-radicalized terrorists in California.",
         EventType.ASSAULT),
        # sanctions reduced: a step back, not a measure imposed
        ("In exchange for Iran's adherence to these terms, the UN Security Council members have agreed to "
         "reduce sanctions on the Islamic Republic.", EventType.SANCTION),
        # a call to act together: every act it names is wanted
        ("Let's get together, my brothers, and seize the town of Kerch from the Russian army, the group's "
         "leader said in a video.", EventType.COERCE),
        # an act named by a gerund as the subject of a conditional
        ("Bombing Syria would be a mistake, the senator said.", EventType.ASSAULT),
        ("In March, a report by the think tank American Policy Forum estimated that finding, detaining, "
         "legally processing and deporting everyone who is in the country illegally would cost up to "
         "$400 billion.", EventType.COERCE),
        # a kind of act named as a practice
        ("Any involvement in the practice of torture is forbidden by the World Medical Association.",
         EventType.ASSAULT),
        ("Doctors have a duty to relieve the suffering of victims of torture, the association said.",
         EventType.ASSAULT),
    ],
)
def test_a_place_a_cause_a_span_or_a_practice_is_no_new_act(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not _alerts(found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Police detained the opposition leader at the airport on Monday.", EventType.COERCE),
        ("Russian jets bombed Syria on Monday, and more strikes could follow, officials said.", EventType.ASSAULT),
        ("Egypt jails activist Alaa Abd el-Fattah for five years.", EventType.COERCE),
        ("A court in Cairo jailed the activist for five years on Monday.", EventType.COERCE),
        ("Russian troops seized the Crimean peninsula on Thursday, officials said.", EventType.COERCE),
        # a measure weighed now may answer news of the day
        ("The European Union is weighing sanctions on Georgian officials over the violent crackdown on "
         "pro-EU protesters, diplomats said.", EventType.COERCE),
        ("ISIS fighters seized the town of Kerch from the Russian army on Monday, the group said in a video.",
         EventType.COERCE),
        ("The EU imposed new sanctions on Iran on Monday.", EventType.SANCTION),
        # the gerund has a verb of its own: the act is told, the modal belongs to another clause
        ("Detaining the activists was a mistake that could hurt the government, the lawyer said.",
         EventType.COERCE),
        ("Erdogan launched a purge of the army after the failed coup, officials said.", EventType.COERCE),
        # a span that reaches now is no history
        ("In the past 24 hours, Russian jets bombed the town of Idlib, killing 12 people.", EventType.ASSAULT),
        ("Soldiers tortured detainees at the base on Monday, witnesses said.", EventType.ASSAULT),
    ],
)
def test_the_plain_report_of_the_same_kind_still_alerts(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert _alerts(found), _seen(found)


def test_in_the_past_opening_a_sentence_is_still_history() -> None:
    found = typed("In the past, Russian jets have bombed hospitals in Idlib.", EventType.ASSAULT)
    assert [s.modality for s in found] == [Modality.HISTORICAL], _seen(found)


def attack_model() -> SenseModel:
    """Two classes: "attack" is a strong ASSAULT cue, whatever its sense."""
    return SenseModel({
        "name": "tiny", "version": "0", "classes": ["ASSAULT", "NONE"], "bias": [0.0, 0.0],
        "weights": {"u:attack": [4.0, -2.0]},
        "veto_threshold": 1.01, "recall_thresholds": {"ASSAULT": 0.8},
        "cues": {"ASSAULT": {"attack": 3.0}}, "intensity": {"ASSAULT": -8.0},
    })


def test_the_model_adds_no_attack_the_rules_read_as_a_figure() -> None:
    """"A political attack ad" is a figure of speech for the rules (the ``figurative`` class); the
    sense model adds no signal on the word either. Beside it, a sentence the rules miss gets the
    model's signal."""
    figure = "The senator's campaign aired a political attack ad in Ohio on Monday, aides said."
    # (a market is a site an attack hits, which the rules now read: a stock exchange is business)
    plain = "Witnesses in Kandahar said the attack left the stock exchange in ruins on Monday."
    added = [s for s in detect(article(figure), sense_model=attack_model()) if s.detector.startswith("model:")]
    assert added == [], _seen(added)
    added = [s for s in detect(article(plain), sense_model=attack_model()) if s.detector.startswith("model:")]
    assert [s.evidence.trigger for s in added] == ["attack"], _seen(added)


def test_a_purge_of_voter_rolls_is_no_repression() -> None:
    text = "Florida's voter purge targets Latino voters in Miami, the U.S. Justice Department said."
    assert not [s for s in signals_of(text, PUBLISHED) if s.evidence.trigger.lower().startswith("purge")]
