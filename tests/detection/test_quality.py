"""Quality floors: the detector's measured quality may not silently regress.

The floors sit a little under the numbers docs/quality-labeled.md reports (`escalert evaluate`), so a change
that costs recall or precision on the labeled set or on the PLOVER gold standard fails here and
has to be argued for (and docs/quality-labeled.md updated).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from service.detection import evaluation

DATA = Path(__file__).resolve().parents[1] / "data"


def test_labeled_set_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["validate.py"])
    ns = runpy.run_path(str(DATA / "labeled" / "validate.py"))
    assert ns["main"]() == 0


@pytest.fixture(scope="module")
def labeled() -> evaluation.LabeledReport:
    return evaluation.evaluate_labeled(DATA / "labeled" / "items.jsonl")


def test_alert_worthy_micro_f1_floor(labeled: evaluation.LabeledReport) -> None:
    assert labeled.micro.f1 >= 0.94, evaluation.format_labeled(labeled)
    assert labeled.micro.precision >= 0.965
    assert labeled.micro.recall >= 0.92


def test_scheduled_meetings_get_their_date(labeled: evaluation.LabeledReport) -> None:
    assert labeled.scheduled_meetings_right / labeled.scheduled_meetings_total >= 0.95


def test_false_alarms_on_lookalikes_denials_and_speculation(labeled: evaluation.LabeledReport) -> None:
    alarms = sum(labeled.alarm_items[c] for c in evaluation.FALSE_ALARM_CATEGORIES)
    items = sum(labeled.category_items[c] for c in evaluation.FALSE_ALARM_CATEGORIES)
    assert alarms / items <= 0.05
    assert labeled.alarm_items["lookalike"] == 0


def test_plover_gold_standard_recall_floor() -> None:
    report = evaluation.evaluate_plover(DATA / "plover-gsr" / "PLOVER_GSR_CAMEO.txt")
    found = sum(report.per_type_found.values())
    assert found / report.records >= 0.55
