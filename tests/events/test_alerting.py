"""Alerts on events (pure): first report then material updates, corroboration, inhibition,
corrections, calendar alerts, and signal routing leaving event subscriptions alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from schemas.common import Genre
from schemas.subscription import EventAlerts, SubscriptionsFile
from service.alerts.noise import NoiseControl
from service.events.alerting import EventAlerting
from service.events.calendar import Due, due, entry_from
from service.events.consolidate import Consolidator
from service.events.grouping import is_routine
from tests.alerts.conftest import T0, make_signal, make_subs, sub

NOW = T0 + timedelta(minutes=5)


def run(subs_doc: dict, signals, *, retract: list[str] = ()) -> tuple[EventAlerting, list]:
    c = Consolidator()
    ea = EventAlerting(make_subs(subs_doc))
    out = []
    for s in signals:
        v = c.add(s)
        if v is not None:
            out += ea.process(v, NOW)
    for art in retract:
        for v in c.retract(art):
            out += ea.process(v, NOW)
    return ea, out


def outlets(n: int, **kw):
    return [make_signal(i, outlet=f"outlet{i}", sentence=f"Russia massed troops, outlet {i} said.",
                        published_at=T0 + timedelta(minutes=i), **kw) for i in range(1, n + 1)]


def test_updates_mode_first_report_then_only_material_changes():
    _, alerts = run({"subscriptions": [sub("ev", events={"corroboration_steps": [3, 10]})]}, outlets(12))
    assert [a.reason for a in alerts] == ["event_new", "event_update", "event_update"]
    assert "3 independent sources" in alerts[1].note and "10 independent" in alerts[2].note
    assert len({a.alert_id for a in alerts}) == 3 and {a.event_id for a in alerts} == {alerts[0].event_id}


def test_corroborated_mode_waits_for_n_sources():
    doc = {"subscriptions": [sub("ev", events={"mode": "corroborated", "min_sources": 3,
                                                "corroboration_steps": [10]})]}
    _, alerts = run(doc, outlets(2))
    assert alerts == []
    _, alerts = run(doc, outlets(4))
    assert [a.reason for a in alerts] == ["event_new"] and alerts[0].source_count == 3


def test_severity_rise_is_an_update_and_event_subscriptions_get_no_signal_alerts():
    doc = {"subscriptions": [sub("ev", events={}, group_wait="0s"), sub("plain", group_wait="0s")]}
    _, alerts = run(doc, [make_signal(1, severity=3), make_signal(2, outlet="AP", severity=5,
                                                                   sentence="A big build-up.")])
    assert [(a.subscription, a.reason) for a in alerts] == [("ev", "event_new"), ("ev", "event_update")]
    assert "severity rose from 3 to 5" in alerts[1].note
    signal_alerts = NoiseControl(make_subs(doc), {}, clock=lambda: NOW).process(make_signal(3))
    assert [a.subscription for a in signal_alerts] == ["plain"]


def test_inhibition_assault_mutes_mobilize_for_the_same_dyad_only():
    doc = {"subscriptions": [sub("ev", events={})],
           "inhibit_rules": [{"source_types": ["ASSAULT"], "target_types": ["MOBILIZE", "THREATEN"],
                              "duration": "12h"}]}
    assault = make_signal(1, type="ASSAULT", mode="attack", severity=5, sentence="Russia attacked.")
    mob = make_signal(2, sentence="Russia mobilized troops.")
    other = make_signal(3, source=("BLR",), sentence="Belarus mobilized troops.")
    _, alerts = run(doc, [assault, mob, other])
    assert [(a.reason, a.status) for a in alerts] == [
        ("event_new", "deliver"), ("event_new", "silenced"), ("event_new", "deliver")]
    assert alerts[1].silenced_by.startswith("inhibited by ASSAULT RUS>UKR")
    # After the duration the next version of the muted event alerts as a first report.
    ea, _ = run(doc, [assault])
    c = Consolidator()
    c.add(assault)
    v = c.add(mob)
    [late] = ea.process(v, NOW + timedelta(hours=13))
    assert (late.reason, late.status) == ("event_new", "deliver")


def test_retraction_sends_a_correction_only_to_those_who_were_told():
    doc = {"subscriptions": [sub("told", events={}),
                             sub("waiting", events={"mode": "corroborated", "min_sources": 2})]}
    _, alerts = run(doc, [make_signal(1)], retract=["art-1"])
    assert [(a.subscription, a.reason) for a in alerts] == [("told", "event_new"), ("told", "correction")]
    assert "withdrawn" in alerts[1].note


def test_correction_when_a_withdrawn_article_takes_the_severity_below_the_filter():
    doc = {"subscriptions": [sub("high", events={}, filters={"min_severity": 5})]}
    signals = [make_signal(1, severity=5), make_signal(2, outlet="AP", severity=3, sentence="Troops.")]
    _, alerts = run(doc, signals, retract=["art-1"])
    assert [a.reason for a in alerts] == ["event_new", "correction"]


def _column(signal):
    return signal.model_copy(update={"article": signal.article.model_copy(update={"genre": Genre.OPINION})})


def test_an_event_told_only_in_columns_alerts_only_those_who_ask_for_opinion():
    doc = {"subscriptions": [sub("news", events={}), sub("all", events={}, filters={"genres": ["news", "opinion"]})]}
    _, alerts = run(doc, [_column(make_signal(1))])
    assert [(a.subscription, a.reason) for a in alerts] == [("all", "event_new")]
    # the same story then reported as news by another outlet: news subscribers hear of it now
    _, alerts = run(doc, [_column(make_signal(1)), make_signal(2, outlet="AP", sentence="Troops massed.")])
    assert ("news", "event_new") in [(a.subscription, a.reason) for a in alerts]


def test_postponement_alerts_those_who_had_the_entry():
    talks = dict(type="CONSULT", mode="talks", severity=1, source=("USA",), target=("RUS",),
                 place="Geneva", country="CHE", trigger="meet", modality="scheduled")
    doc = {"subscriptions": [sub("talks", events={}, filters={"types": ["CONSULT"]}),
                             sub("war", events={}, filters={"types": ["ASSAULT"]})]}
    first = make_signal(1, event_date=date(2025, 1, 10), sentence="They will meet in Geneva on Jan. 10.", **talks)
    later = make_signal(2, outlet="AP", event_date=date(2025, 1, 20),
                        sentence="The Geneva talks were postponed to Jan. 20.", **talks)
    _, alerts = run(doc, [first, later])
    assert [(a.subscription, a.reason) for a in alerts] == [("talks", "event_new"), ("talks", "event_update")]
    assert "date changed from 2025-01-10 to 2025-01-20" in alerts[1].note and "now postponed" in alerts[1].note
    # and it does not wait as routine news after a message: it is about a date
    assert not is_routine(EventAlerts(), alerts[1].model_dump(mode="json"))


def test_calendar_reminder_and_no_report_alerts_go_to_calendar_subscriptions():
    talks = dict(type="CONSULT", mode="talks", severity=1, source=("USA",), target=("RUS",),
                 place="Geneva", country="CHE", trigger="meet", modality="scheduled")
    doc = {"subscriptions": [sub("cal", calendar={"remind_before": "24h", "no_report_after": "12h"},
                                 filters={"types": ["CONSULT"]}),
                             sub("other", filters={"types": ["ASSAULT"]}, calendar={})]}
    ea = EventAlerting(make_subs(doc))
    v = Consolidator().add(make_signal(1, event_date=date(2025, 1, 10), sentence="Talks on Jan. 10.", **talks))
    subs = ea.calendar_subscriptions(v)
    assert [s[0] for s in subs] == ["cal"]
    entry = entry_from(v, None)
    entry, dues = due(entry, subs, datetime(2025, 1, 9, 12, tzinfo=UTC))
    entry, later = due(entry, subs, datetime(2025, 1, 11, 13, tzinfo=UTC))
    alerts = ea.calendar([*dues, *later], datetime(2025, 1, 11, 13, tzinfo=UTC))
    assert [(a.subscription, a.reason) for a in alerts] == [("cal", "reminder"), ("cal", "no_report")]
    assert alerts[1].title.startswith("No report: CONSULT") and "scheduled for 2025-01-10" in alerts[1].note
    assert ea.calendar([Due("reminder", "x", "gone", v)], NOW) == []


@pytest.mark.parametrize("rule,error", [
    ({"source_types": ["ASSAULT"], "target_types": ["ASSAULT"]}, "cannot inhibit itself"),
    ({"source_types": [], "target_types": ["MOBILIZE"]}, "at least 1"),
])
def test_bad_inhibit_rules_are_refused(rule, error):
    with pytest.raises(ValueError, match=error):
        SubscriptionsFile.model_validate({"subscriptions": [sub("a")], "inhibit_rules": [rule]})


def test_trajectory_moves_alert_the_subscriptions_that_follow_that_series():
    from service.events.trajectory import Trajectories, TrajectoryConfig

    doc = {"subscriptions": [sub("rus", trajectories={}, filters={"actors": ["RUS"]}),
                             sub("sahel", trajectories={}, filters={"countries": ["MLI"]}),
                             sub("spikes-only", trajectories={"kinds": ["spike"]}),
                             sub("no-trajectories")]}
    ea = EventAlerting(make_subs(doc))
    c = Consolidator()
    t = Trajectories(config=TrajectoryConfig(spike_min=1000))
    threat = [make_signal(i, type="THREATEN", outlet=f"o{i}", sentence=f"Russia threatened Ukraine {i}.")
              for i in (1, 2)]
    mobilize = [make_signal(i, outlet=f"o{i}", sentence=f"Russia massed troops {i}.",
                            published_at=T0 + timedelta(days=2), event_date=date(2024, 4, 16))
                for i in (3, 4)]
    moves, last = [], None
    for s in threat + mobilize:
        last = c.add(s)
        moves += t.add(last)
    assert [(m.kind, m.series) for m in moves] == [("ladder", "dyad:RUS>UKR"), ("ladder", "country:UKR")]
    move = moves[0]
    alerts = ea.trajectory(move, last, NOW)
    assert [a.subscription for a in alerts] == ["rus"]
    a = alerts[0]
    assert a.reason == "trajectory" and a.title.startswith("Escalation step: RUS → UKR")
    assert "first MOBILIZE after THREATEN" in a.note and a.chart_svg.startswith("<svg")
    assert a.alert_id == ea.trajectory(move, last, NOW + timedelta(hours=1))[0].alert_id
    assert len(a.chart) == 30 and a.chart[-1].conflict > 0

    # The HTML email draws the chart as table bars: one conflict bar per day with events.
    from html.parser import HTMLParser

    from service.alerts.render import render

    body = render(a, "html", NOW).body
    bars = []

    class Bars(HTMLParser):
        def handle_starttag(self, tag, attrs):
            d = dict(attrs)
            if tag == "td" and d.get("bgcolor") == "#c0392b":
                bars.append(int(d["height"]))

    Bars().feed(body)
    assert len(bars) == sum(1 for d in a.chart if d.conflict) and max(bars) == 40
    assert "Daily conflict (red) and cooperation (blue)" in body


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_event_alerts_render_with_their_note(fmt):
    from service.alerts.render import render

    doc = {"subscriptions": [sub("ev", events={"corroboration_steps": [3]})]}
    _, alerts = run(doc, outlets(3))
    update = alerts[-1]
    assert update.reason == "event_update"
    out = render(update, fmt, NOW)
    assert "now reported by 3 independent sources" in out.body
    assert out.title.startswith("[S4] Update: MOBILIZE")


def test_a_republished_article_corrects_only_the_alerts_that_no_longer_hold():
    doc = {"subscriptions": [sub("strong", events={}, filters={"min_severity": 5}),
                             sub("any", events={})]}
    c = Consolidator()
    ea = EventAlerting(make_subs(doc))
    first = make_signal(1, severity=5)
    told = [a for v in c.fold(first) for a in ea.process(v, NOW)]
    assert sorted((a.subscription, a.reason) for a in told) == [("any", "event_new"), ("strong", "event_new")]
    # republished with changed text: the same mention, severity 3 now
    rev = first.model_copy(update={"severity": 3, "article": first.article.model_copy(update={"revision": 1})})
    versions = c.fold(rev)
    assert len(versions) == 2 and "revised" in versions[0]["changes"]
    # the worker coalesces the versions of one batch: the latest with the changes of both
    last = {**versions[-1], "changes": versions[0]["changes"] + versions[-1]["changes"]}
    after = ea.process(last, NOW)
    assert [(a.subscription, a.reason) for a in after] == [("strong", "correction")]
    assert "republished with changed text" in after[0].note
