"""Grouped event alerts (pure, clock injected): group_wait, group_interval, group_by, quiet
hours and digests of event alerts, nothing lost, and what a grouped message says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.alert import Alert
from schemas.subscription import EventAlerts
from service.alerts.render import render
from service.events.alerting import EventAlerting
from service.events.consolidate import Consolidator
from service.events.grouping import is_routine, merge_pending
from tests.alerts.conftest import T0, make_signal, make_subs, sub

STORIES = [  # three different events (other dyads, places and types)
    dict(type="MOBILIZE", source=("RUS",), target=("UKR",), country="UKR", place="Kharkiv"),
    dict(type="ASSAULT", source=("ISR",), target=("LBN",), country="LBN", place="Beirut",
         sentence="Israeli jets struck targets in Beirut overnight.", trigger="struck",
         title="Strikes on Beirut", mode=None),
    dict(type="THREATEN", source=("PRK",), target=("KOR",), country="KOR", place="Seoul",
         sentence="North Korea threatened Seoul with a nuclear strike.", trigger="threatened",
         title="Threat to Seoul", mode=None),
]


def story(n: int, i: int, at: datetime, **kw) -> object:
    return make_signal(n, published_at=at, outlet=f"outlet{n}", **{**STORIES[i], **kw})


def run(events: dict, signals_at: list, *, until: datetime | None = None, **subkw) -> list[Alert]:
    """Replay (signal, arrival) pairs through consolidation, alerting and grouping, with the
    grouper's timer firing at every due moment; the delivered and held messages in order."""
    c = Consolidator()
    ea = EventAlerting(make_subs({"subscriptions": [sub("ev", events=events, **subkw)]}))
    g = ea.grouper
    out: list[Alert] = []

    def drain(limit: datetime | None) -> None:
        for _ in range(1000):
            due = g.next_due()
            if due is None or (limit is not None and due > limit):
                return
            out.extend(g.flush_due(due))

    for signal, at in signals_at:
        drain(at)
        for v in c.fold(signal):
            out.extend(g.add(ea.process(v, at), at))
    drain(until)
    return out


def test_event_alerts_within_group_wait_are_one_message_listing_each_event():
    arrivals = [(story(i + 1, i, T0), T0 + timedelta(seconds=10 * i)) for i in range(3)]
    [msg] = run({}, arrivals)
    assert (msg.reason, msg.kind, msg.status) == ("event_group", "alert", "deliver")
    assert msg.created_at == T0 + timedelta(minutes=1)  # group_wait from the first
    assert [n.reason for n in msg.events] == ["event_new"] * 3
    assert [s.type.value for s in msg.signals] == [n.title.split(":")[0].split(" ")[0] for n in msg.events]
    assert len({n.event_id for n in msg.events}) == 3 and msg.title.startswith("3 event alerts: ")


def test_a_group_of_one_is_the_event_alert_itself():
    [msg] = run({}, [(story(1, 0, T0), T0)])
    assert msg.reason == "event_new" and not msg.events and msg.created_at == T0 + timedelta(minutes=1)


def test_later_alerts_wait_for_group_interval_and_none_is_lost():
    arrivals = [(story(1, 0, T0), T0), (story(2, 1, T0), T0 + timedelta(minutes=5)),
                (story(3, 2, T0), T0 + timedelta(minutes=50))]
    first, second = run({"group_interval": "1h"}, arrivals)
    assert first.created_at == T0 + timedelta(minutes=1) and first.reason == "event_new"
    # the two later events: together, an hour after the first message
    assert second.created_at == T0 + timedelta(minutes=61)
    assert [s.type.value for s in second.signals] == ["ASSAULT", "THREATEN"]


TALKS = dict(type="CONSULT", source=("USA",), target=("RUS",), country="CHE", place="Geneva",
             sentence="U.S. and Russian officials will meet in Geneva.", trigger="meet",
             title="Talks in Geneva", mode=None, severity=1)


def test_routine_alerts_after_a_message_wait_routine_interval():
    arrivals = [(story(1, 0, T0), T0),
                (make_signal(2, outlet="o2", **TALKS), T0 + timedelta(minutes=5))]
    first, second = run({}, arrivals)
    assert first.created_at == T0 + timedelta(minutes=1)
    # the talks (severity 1) wait the shipped 4 h routine_interval, not the 1 h group_interval
    assert second.created_at == T0 + timedelta(minutes=1, hours=4)
    assert second.reason == "event_new" and second.signals[0].type.value == "CONSULT"


def test_an_alert_that_is_not_routine_takes_the_routine_ones_with_it_within_group_interval():
    arrivals = [(story(1, 0, T0), T0),
                (make_signal(2, outlet="o2", **TALKS), T0 + timedelta(minutes=5)),
                (story(3, 1, T0), T0 + timedelta(minutes=30))]
    first, second = run({}, arrivals)
    assert second.created_at == T0 + timedelta(minutes=61)
    assert sorted(s.type.value for s in second.signals) == ["ASSAULT", "CONSULT"]


def test_routine_severity_none_makes_every_alert_wait_group_interval():
    arrivals = [(story(1, 0, T0), T0),
                (make_signal(2, outlet="o2", **TALKS), T0 + timedelta(minutes=5))]
    _, second = run({"routine_severity": None}, arrivals)
    assert second.created_at == T0 + timedelta(minutes=61)


def test_a_quiet_groups_first_routine_alert_waits_only_group_wait():
    [msg] = run({}, [(make_signal(1, **TALKS), T0)])
    assert msg.created_at == T0 + timedelta(minutes=1)


def test_corrections_reminders_no_reports_and_schedule_updates_are_never_routine():
    opt = EventAlerts()
    low = {"severity": 1, "signals": [{"modality": "asserted"}]}
    assert is_routine(opt, {**low, "reason": "event_new"}) and is_routine(opt, {**low, "reason": "event_update"})
    assert not any(is_routine(opt, {**low, "reason": r}) for r in ("correction", "reminder", "no_report"))
    assert not is_routine(opt, {**low, "reason": "event_new", "severity": 3})
    # talks postponed, moved or held: an update of a scheduled event is about its date
    talks = {**low, "signals": [{"modality": "scheduled"}]}
    assert is_routine(opt, {**talks, "reason": "event_new"})
    assert not is_routine(opt, {**talks, "reason": "event_update"})


def test_group_wait_zero_sends_each_event_alert_at_once():
    arrivals = [(story(i + 1, i, T0), T0 + timedelta(seconds=i)) for i in range(3)]
    msgs = run({"group_wait": "0s"}, arrivals)
    assert [m.reason for m in msgs] == ["event_new"] * 3
    assert [m.created_at for m in msgs] == [a for _, a in arrivals]


def test_group_by_dyad_makes_one_message_per_dyad():
    arrivals = [(story(1, 0, T0), T0), (story(2, 1, T0), T0),
                (story(3, 0, T0, type="ASSAULT", sentence="Russian forces shelled Kharkiv.",
                       trigger="shelled"), T0)]
    msgs = run({"group_by": ["dyad"]}, arrivals)
    assert len(msgs) == 2
    grouped = [m for m in msgs if m.events]
    single = [m for m in msgs if not m.events]
    assert [m.group_key for m in grouped] == ["events:RUS>UKR"] and len(grouped[0].events) == 2
    assert [m.signals[0].type.value for m in single] == ["ASSAULT"]
    assert single[0].signals[0].actors.source[0].code == "ISR"


def test_a_first_report_and_its_update_before_sending_are_one_first_report():
    arrivals = [(make_signal(1, severity=3), T0),
                (make_signal(2, outlet="AP", severity=5, sentence="A big build-up."), T0 + timedelta(seconds=5))]
    [msg] = run({}, arrivals)
    assert msg.reason == "event_new" and msg.severity == 5 and not msg.title.startswith("Update")


def test_a_correction_follows_the_report_it_corrects():
    new = Alert.model_validate({**_alert("a1", "event_new"), "event_id": "ev-1"})
    correction = Alert.model_validate({**_alert("a2", "correction"), "event_id": "ev-1"})
    items = merge_pending(merge_pending([], new), correction)
    assert [i["reason"] for i in items] == ["event_new", "correction"]


def _alert(alert_id: str, reason: str) -> dict:
    return {"alert_id": alert_id, "subscription": "ev", "kind": "alert", "reason": reason,
            "group_key": "g", "severity": 4, "title": "t", "signals": [make_signal(1)],
            "matched": [], "status": "deliver", "created_at": T0, "target_ids": []}


QUIET = {"timezone": "UTC", "quiet_hours": {"start": "22:00", "end": "07:00", "breakthrough_severity": 5}}
NIGHT = datetime(2024, 4, 14, 23, 0, tzinfo=UTC)


def test_quiet_hours_hold_event_alerts_until_they_end():
    arrivals = [(story(1, 0, NIGHT, severity=4), NIGHT), (story(2, 1, NIGHT, severity=3), NIGHT)]
    held, sent = run({}, arrivals, **QUIET)
    assert held.status == "held" and held.created_at == NIGHT + timedelta(minutes=1)
    assert (sent.status, sent.reason) == ("deliver", "quiet_hours_end")
    assert sent.created_at == datetime(2024, 4, 15, 7, 0, tzinfo=UTC) and len(sent.events) == 2


def test_breakthrough_severity_is_sent_during_quiet_hours():
    [msg] = run({}, [(story(1, 1, NIGHT, severity=5), NIGHT)], **QUIET)
    assert msg.status == "deliver" and msg.created_at == NIGHT + timedelta(minutes=1)


def test_a_digest_subscription_gets_its_event_alerts_in_one_message_per_period():
    arrivals = [(story(i + 1, i, T0), T0 + timedelta(minutes=10 * i)) for i in range(3)]
    [msg] = run({}, arrivals, digest={"every": "daily", "at": "08:00"}, timezone="UTC")
    assert (msg.kind, msg.reason, len(msg.events)) == ("digest", "digest", 3)
    assert msg.created_at == datetime(2024, 4, 15, 8, 0, tzinfo=UTC)
    assert msg.period_end == msg.created_at


def test_replay_gives_the_same_message_ids():
    arrivals = [(story(i + 1, i, T0), T0 + timedelta(seconds=i)) for i in range(3)]
    assert [m.alert_id for m in run({}, arrivals)] == [m.alert_id for m in run({}, arrivals)]


def test_a_grouped_message_shows_each_event_with_evidence_trigger_and_fields():
    arrivals = [(story(i + 1, i, T0), T0) for i in range(3)]
    [msg] = run({}, arrivals)
    now = T0 + timedelta(minutes=1)
    text = render(msg, "text", now).body
    for phrase in ("*struck*", "*threatened*", "*massed troops*", "Who: ", "To whom: ",
                   "Where: Beirut", "When: ", "New: ", "https://news.example/outlet2/2"):
        assert phrase in text, phrase
    md = render(msg, "markdown", now).body
    assert "**struck**" in md and "- **Who:**" in md
    page = render(msg, "html", now).body
    assert page.count("<blockquote") == 3 and "<strong>threatened</strong>" in page


def test_a_restarted_grouper_sends_what_was_waiting_from_the_state():
    c = Consolidator()
    ea = EventAlerting(make_subs({"subscriptions": [sub("ev", events={})]}))
    for i in range(2):
        for v in c.fold(story(i + 1, i, T0)):
            assert ea.grouper.add(ea.process(v, T0), T0) == []
    state = ea.state  # the table survives a restart; the in-memory due index does not
    again = EventAlerting(make_subs({"subscriptions": [sub("ev", events={})]}), state)
    [msg] = again.grouper.flush_due(T0 + timedelta(minutes=1))
    assert len(msg.events) == 2 and again.grouper.flush_due(T0 + timedelta(hours=3)) == []
    assert [k for k in state if k.startswith("g|")] == ["g|ev|"]  # remembered for routine_interval
    assert again.grouper.flush_due(T0 + timedelta(hours=5)) == []
    assert [k for k in state if k.startswith("g|")] == []  # idle past its longest interval: forgotten
