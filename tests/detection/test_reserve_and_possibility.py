"""What a noun's that-clause holds ("the possibility that ...") and what a government stands ready
to do ("ready to impose sanctions") is not asserted, across everything coordinated in it; the plain
report of the same kind still alerts, and readiness warned of stays a threat."""

from __future__ import annotations

import pytest

from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from tests.detection.conftest import seen as _seen
from tests.detection.conftest import typed


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        # a noun whose that-clause is its content governs the clause, both coordinated verbs included
        ("Analysts raised the possibility that Russian troops had already attacked the port or seized the "
         "airport.", EventType.ASSAULT),
        ("Analysts raised the possibility that Russian troops had already attacked the port or seized the "
         "airport.", EventType.COERCE),
        ("Diplomats discussed the chance that the mayor has already been blackmailed by Putin.",
         EventType.THREATEN),
        # readiness: the measure held in reserve, whatever is coordinated with it
        ("The European Union is ready to impose sanctions or an arms embargo on Russia, officials said.",
         EventType.SANCTION),
        ("We are prepared to look at sanctions, we're prepared to look at an arms embargo, the envoy told "
         "lawmakers.", EventType.SANCTION),
    ],
)
def test_what_a_possibility_or_a_readiness_holds_is_not_asserted(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert found, "the mention is still found, only not as a fact"
    assert not [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)
    assert all(s.modality == Modality.SPECULATIVE for s in found), _seen(found)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Russian troops attacked the port on Monday and seized the airport.", EventType.ASSAULT),
        ("The European Union imposed sanctions and an arms embargo on Russia on Monday.", EventType.SANCTION),
        ("The mayor was blackmailed by Putin, officials said on Monday.", EventType.THREATEN),
        # readiness said as a warning is the threat itself, its cue inside the threat's words
        ("Russia warned that it is ready to impose sanctions on Georgia.", EventType.THREATEN),
    ],
)
def test_the_plain_report_still_alerts(text: str, etype: EventType) -> None:
    found = typed(text, etype)
    assert [s for s in found if s.modality in ALERT_WORTHY_MODALITIES], _seen(found)
