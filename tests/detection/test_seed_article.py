"""The sample Reuters article: the signals the issue requires, field by field.

The article is dated 14 April 2024 (a Sunday), so year-less dates in future-tense sentences
resolve to the next January.
"""

from __future__ import annotations

from datetime import date

from schemas.common import EventType, Modality
from schemas.signal import Signal
from tests.detection.conftest import codes


def find(signals: list[Signal], etype: EventType, modality: Modality, **want) -> Signal:
    for s in signals:
        if s.type != etype or s.modality != modality:
            continue
        if "event_date" in want and s.event_date != want["event_date"]:
            continue
        if "actors" in want and not want["actors"] <= codes(s):
            continue
        return s
    got = [(s.type.value, s.modality.value, sorted(codes(s)), s.event_date) for s in signals]
    raise AssertionError(f"no {etype.value}/{modality.value} {want} in {got}")


def test_us_russia_talks_in_geneva_on_jan_10(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.CONSULT, Modality.SCHEDULED, event_date=date(2025, 1, 10), actors={"USA", "RUS"})
    assert s.location is not None and s.location.name == "Geneva"
    assert s.location.country == "CHE" and s.location.lat is not None
    assert "January 10" in s.evidence.sentence
    assert s.evidence.trigger.lower() == "meet"
    assert "will" in s.evidence.cues


def test_russia_nato_meeting_in_brussels_on_jan_12(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.CONSULT, Modality.SCHEDULED, event_date=date(2025, 1, 12), actors={"RUS", "NATO"})
    assert s.location is not None and s.location.name == "Brussels"
    assert any("Brussels" in e.sentence for e in [s.evidence, *s.related_evidence])


def test_osce_talks_on_jan_13(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.CONSULT, Modality.SCHEDULED, event_date=date(2025, 1, 13))
    assert "OSCE" in codes(s)


def test_russian_troops_massed_near_ukraine(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.MOBILIZE, Modality.ASSERTED)
    assert [a.code for a in s.actors.source] == ["RUS"]
    assert "UKR" in codes(s)
    assert s.mode == "troops"
    assert s.severity >= 4


def test_assault_plans_denied(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.ASSAULT, Modality.DENIED)
    assert s.evidence.sentence.startswith("Russia has denied plans for an assault")
    assert "denied" in s.evidence.cues
    assert [a.code for a in s.actors.source] == ["RUS"]


def test_russia_threatens_unspecified_military_action(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.THREATEN, Modality.ASSERTED, actors={"RUS"})
    assert [a.code for a in s.actors.source] == ["RUS"]
    assert s.mode == "military action"
    assert "military action" in s.evidence.trigger


def test_us_threatens_russia_with_sanctions(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.THREATEN, Modality.ASSERTED, actors={"USA"})
    assert [a.code for a in s.actors.source] == ["USA"]
    assert [a.code for a in s.actors.target] == ["RUS"]
    assert s.mode == "sanctions"
    # The threatened sanctions are not also reported as imposed sanctions.
    assert not [x for x in seed_signals if x.type == EventType.SANCTION and x.modality == Modality.ASSERTED]


def test_us_aid_to_ukraine(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.AID, Modality.ASSERTED)
    assert [a.code for a in s.actors.source] == ["USA"]
    assert [a.code for a in s.actors.target] == ["UKR"]
    assert "$300 million" in s.evidence.trigger


def test_crimea_annexation_is_history(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.COERCE, Modality.HISTORICAL)
    assert s.location is not None and s.location.name == "Crimea"
    assert s.event_date == date(2014, 1, 1) and s.event_date_end == date(2014, 12, 31)
    assert [a.code for a in s.actors.source] == ["RUS"]


def test_2015_ceasefire_is_history(seed_signals: list[Signal]) -> None:
    s = find(seed_signals, EventType.AGREE, Modality.HISTORICAL)
    assert s.mode == "ceasefire"
    assert s.event_date is not None and s.event_date.year == 2015


def test_no_alert_worthy_assault_on_hypotheticals(seed_signals: list[Signal]) -> None:
    """'may be poised for a new attack' and 'if Russia attacks' are not attacks."""
    speculative = [s for s in seed_signals if s.type == EventType.ASSAULT and s.modality == Modality.SPECULATIVE]
    assert len(speculative) == 2


def test_evidence_offsets_point_into_the_article(seed_signals: list[Signal]) -> None:
    from service.inputs import read_articles
    from tests.detection.conftest import SEED

    (parsed,) = list(read_articles([str(SEED)]))
    body = parsed.article.body
    for s in seed_signals:
        text = body if s.evidence.field == "body" else parsed.article.title
        assert text[s.evidence.start:s.evidence.end] == s.evidence.sentence
        assert text[s.evidence.trigger_start:s.evidence.trigger_end] == s.evidence.trigger


def test_signal_ids_are_deterministic_and_unique(seed_signals: list[Signal]) -> None:
    from service.detection import detect
    from service.inputs import read_articles
    from tests.detection.conftest import SEED

    (parsed,) = list(read_articles([str(SEED)]))
    again = detect(parsed.article)
    assert [s.signal_id for s in again] == [s.signal_id for s in seed_signals]
    assert len({s.signal_id for s in seed_signals}) == len(seed_signals)


def test_signals_are_valid_json_messages(seed_signals: list[Signal]) -> None:
    """Signals are built without re-validation for speed: prove the wire form validates."""
    for s in seed_signals:
        assert Signal.model_validate_json(s.model_dump_json()) == Signal.model_validate(s.model_dump())
