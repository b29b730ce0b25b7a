"""The diplomatic calendar (pure): follow-ups, reminders, no-report, the iCalendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import ics
import pytest

from service.events.calendar import due, effective_status, entry_from, follow_up_status, to_ics
from service.events.consolidate import Consolidator
from tests.alerts.conftest import make_signal

TALKS = dict(type="CONSULT", mode="talks", severity=1, source=("USA",), target=("RUS",),
             place="Geneva", country="CHE", trigger="meet")
JAN10 = date(2025, 1, 10)


def talks(n: int, sentence: str, *, modality: str = "scheduled", event_date: date | None = JAN10,
          outlet: str = "Reuters", hours: float = 0, **kw) -> object:
    args = {**TALKS, **kw}
    return make_signal(n, modality=modality, event_date=event_date, outlet=outlet, sentence=sentence,
                       published_at=datetime(2025, 1, 2, tzinfo=UTC) + timedelta(hours=hours), **args)


ANNOUNCED = "U.S. and Russian officials will meet in Geneva on Jan. 10."


@pytest.mark.parametrize("sentence,status", [
    ("The Geneva talks were postponed to Jan. 20.", "postponed"),
    ("The meeting has been delayed by a week.", "postponed"),
    ("Officials rescheduled the talks.", "postponed"),
    ("The summit was called off on Friday.", "cancelled"),
    ("Moscow cancelled the talks.", "cancelled"),
    ("The talks were moved to Vienna.", "moved"),
    (ANNOUNCED, None),
    ("The officials met in Geneva on Friday.", None),
])
def test_follow_up_words(sentence, status):
    assert follow_up_status(sentence) == status


def test_announced_then_postponed_with_a_new_date():
    c = Consolidator()
    v1 = c.add(talks(1, ANNOUNCED))
    assert v1["schedule"] == "announced"
    v2 = c.add(talks(2, "The Geneva talks between the U.S. and Russia were postponed to Jan. 20.",
                     event_date=date(2025, 1, 20), outlet="AP", hours=24))
    assert v2["event_id"] == v1["event_id"]
    assert v2["schedule"] == "postponed" and v2["event_date"] == "2025-01-20"
    assert {"date_changed", "schedule_changed"} <= set(v2["changes"])
    assert [h["status"] for h in v2["schedule_history"]] == ["announced", "postponed"]


def test_a_new_date_without_a_follow_up_word_is_another_event():
    c = Consolidator()
    v1 = c.add(talks(1, ANNOUNCED))
    v2 = c.add(talks(2, "U.S. and Russian officials will meet in Geneva on Jan. 20.",
                     event_date=date(2025, 1, 20), outlet="AP"))
    assert v2["event_id"] != v1["event_id"]


def test_held_cancelled_moved():
    c = Consolidator()
    c.add(talks(1, ANNOUNCED))
    held = c.add(talks(2, "U.S. and Russian officials met in Geneva on Friday.", modality="asserted",
                       outlet="AP", hours=200))
    assert held["schedule"] == "held" and held["modality"] == "asserted"
    c = Consolidator()
    c.add(talks(1, ANNOUNCED))
    assert c.add(talks(2, "The Geneva talks were cancelled.", outlet="AP", event_date=None))["schedule"] == "cancelled"
    c = Consolidator()
    c.add(talks(1, ANNOUNCED))
    moved = c.add(talks(2, "The talks were moved to Vienna.", outlet="AP", place="Vienna", country="AUT"))
    assert moved["schedule"] == "moved" and moved["location"]["name"] == "Vienna"
    assert "place_changed" in moved["changes"]


def _entry(c: Consolidator, *signals) -> dict:
    entry = None
    for s in signals:
        entry = entry_from(c.add(s), entry)
    return entry


def test_reminder_once_per_date_and_rearmed_by_a_postponement():
    c = Consolidator()
    entry = _entry(c, talks(1, ANNOUNCED))
    subs = [("ops", timedelta(hours=24), timedelta(hours=24))]
    entry, out = due(entry, subs, datetime(2025, 1, 8, 23, tzinfo=UTC))
    assert out == []  # 25 h before
    entry, out = due(entry, subs, datetime(2025, 1, 9, 1, tzinfo=UTC))
    assert [d.kind for d in out] == ["reminder"]
    entry, out = due(entry, subs, datetime(2025, 1, 9, 2, tzinfo=UTC))
    assert out == []
    entry = entry_from(c.add(talks(2, "The talks were postponed to Jan. 20.", outlet="AP",
                                   event_date=date(2025, 1, 20), hours=150)), entry)
    entry, out = due(entry, subs, datetime(2025, 1, 19, 9, tzinfo=UTC))
    assert [d.kind for d in out] == ["reminder"]


def test_no_report_when_the_date_passes_and_not_when_held():
    c = Consolidator()
    entry = _entry(c, talks(1, ANNOUNCED))
    subs = [("ops", timedelta(hours=24), timedelta(hours=12))]
    entry, out = due(entry, subs, datetime(2025, 1, 11, 11, tzinfo=UTC))
    assert out == []  # the day ended 11 h ago
    entry, out = due(entry, subs, datetime(2025, 1, 11, 13, tzinfo=UTC))
    assert [d.kind for d in out] == ["no_report"] and effective_status(entry) == "no_report"
    entry, out = due(entry, subs, datetime(2025, 1, 12, tzinfo=UTC))
    assert out == []
    c = Consolidator()
    entry = _entry(c, talks(1, ANNOUNCED), talks(2, "They met in Geneva.", modality="asserted",
                                                   outlet="AP", hours=190))
    entry, out = due(entry, subs, datetime(2025, 1, 12, tzinfo=UTC))
    assert out == [] and effective_status(entry) == "held"


def test_ics_feed_parses_with_icalendar_and_with_ics():
    c = Consolidator()
    a = _entry(c, talks(1, ANNOUNCED))
    b = _entry(c, talks(2, "NATO and Russia will meet in Brussels on Jan. 12.", source=("RUS",),
                        target=("NATO",), place="Brussels", country="BEL", event_date=date(2025, 1, 12)),
               talks(3, "The NATO-Russia meeting was cancelled.", source=("RUS",), target=("NATO",),
                     place=None, country=None, event_date=None, outlet="AP", hours=5))
    text = to_ics([a, b], name="ops")
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == [f"{a['event']['event_id']}@escalert",
                                               f"{b['event']['event_id']}@escalert"]
    assert events[0].decoded("dtstart") == JAN10 and str(events[0]["status"]) == "TENTATIVE"
    assert str(events[1]["status"]) == "CANCELLED" and int(events[1]["sequence"]) == 2
    assert "Geneva" in str(events[0]["location"])
    other = ics.Calendar(text.decode())
    assert sorted(e.uid for e in other.events) == sorted(str(e["uid"]) for e in events)
    assert {e.begin.date() for e in other.events} == {JAN10, date(2025, 1, 12)}


@pytest.mark.parametrize("sentence,expected", [
    ("The talks, planned for Jan. 10, have been postponed to Jan. 17, officials said.", date(2025, 1, 17)),
    ("The summit was rescheduled for March 3.", date(2025, 3, 3)),
    ("The vote was delayed until Friday, Jan. 24.", date(2025, 1, 24)),
    ("The meeting was postponed to Jan. 5.", date(2026, 1, 5)),  # before the old date: next year
    ("The meeting was postponed indefinitely.", None),
])
def test_new_date_of_a_postponement(sentence, expected):
    from service.events.calendar import new_date

    assert new_date(sentence, JAN10, date(2025, 1, 2)) == expected


def test_postponement_date_from_the_sentence_when_the_detector_kept_the_old_one():
    c = Consolidator()
    c.add(talks(1, ANNOUNCED))
    v = c.add(talks(2, "The Geneva talks, planned for Jan. 10, have been postponed to Jan. 17.",
                    outlet="AFP", hours=30))
    assert v["schedule"] == "postponed" and v["event_date"] == "2025-01-17"


def test_a_headline_about_a_plan_then_its_date_makes_a_calendar_entry():
    c = Consolidator()
    c.add(talks(1, "Seoul, Washington set date for security talks", modality="asserted", event_date=None,
                place=None, country=None))
    v = c.add(talks(2, ANNOUNCED, outlet="AP"))
    assert v["schedule"] == "announced" and v["modality"] == "scheduled" and v["event_date"] == "2025-01-10"
