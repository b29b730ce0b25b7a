"""Escalation trajectories (pure): what counts, baseline and spike, ladder steps, charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from service.events.trajectory import (
    Trajectories,
    TrajectoryConfig,
    baseline,
    series_of,
    sparkline,
    svg_chart,
)

D0 = date(2025, 3, 1)


def ev(n: int, day: date, *, type: str = "ASSAULT", intensity: float = -8.0, sources: int = 2,
       modality: str = "asserted", src: str = "RUS", tgt: str = "UKR", country: str | None = "UKR") -> dict:
    return {"event_id": f"ev-{n}", "type": type, "intensity": intensity, "corroboration": sources,
            "modality": modality, "status": "active", "event_date": day.isoformat(),
            "first_seen": f"{day.isoformat()}T12:00:00+00:00",
            "actors": {"source": [{"code": src}], "target": [{"code": tgt}]},
            "location": {"name": "x", "country": country} if country else None}


def test_only_corroborated_asserted_active_events_count_and_only_once():
    t = Trajectories(config=TrajectoryConfig(min_sources=2))
    assert t.add(ev(1, D0, sources=1)) == [] and t.state == {}
    assert t.add(ev(2, D0, modality="scheduled")) == [] and t.state == {}
    t.add(ev(3, D0))
    t.add(ev(3, D0))  # a later version of the same event
    assert t.state["s|dyad:RUS>UKR"]["days"][D0.isoformat()] == [8.0, 0.0]
    assert t.state["s|country:UKR"]["days"][D0.isoformat()] == [8.0, 0.0]
    t.add(ev(4, D0, type="AID", intensity=4.0))
    assert t.state["s|dyad:RUS>UKR"]["days"][D0.isoformat()] == [8.0, 4.0]


def test_series_are_directed_dyads_and_the_place_country():
    assert series_of(ev(1, D0, src="USA", tgt="RUS", country="CHE")) == ["dyad:USA>RUS", "country:CHE"]
    assert series_of(ev(1, D0, country=None)) == ["dyad:RUS>UKR"]


def test_baseline_counts_quiet_days_as_zero():
    days = {(D0 - timedelta(days=1)).isoformat(): [6.0, 0.0], (D0 - timedelta(days=2)).isoformat(): [0.0, 3.0]}
    mean, std = baseline(days, D0, 3)
    assert mean == 2.0 and round(std, 3) == 2.828


def test_spike_against_the_baseline_once_per_day():
    t = Trajectories(config=TrajectoryConfig(spike_min=10.0, spike_sigma=3.0))
    moves = []
    for i in range(30):  # a month of one small incident every third day
        if i % 3 == 0:
            moves += t.add(ev(i, D0 + timedelta(days=i), type="ACCUSE", intensity=-3.0))
    assert [m for m in moves if m.kind == "spike"] == []
    spike_day = D0 + timedelta(days=30)
    moves = t.add(ev(100, spike_day, intensity=-8.0)) + t.add(ev(101, spike_day, intensity=-8.0))
    spikes = [m for m in moves if m.kind == "spike"]
    assert [(m.series, m.day) for m in spikes] == [("dyad:RUS>UKR", spike_day), ("country:UKR", spike_day)]
    assert spikes[0].events == ["ev-100", "ev-101"] and spikes[0].value == 16.0
    assert len(spikes[0].chart) == 30 and spikes[0].chart[-1] == (spike_day.isoformat(), 16.0, 0.0)
    assert [m for m in t.add(ev(102, spike_day)) if m.kind == "spike"] == []  # once per day


def test_ladder_steps_up_in_the_window_only_the_first_time():
    t = Trajectories(config=TrajectoryConfig(spike_min=1000))
    assert t.add(ev(1, D0, type="THREATEN", intensity=-4.0)) == []
    [step] = t.add(ev(2, D0 + timedelta(days=3), type="MOBILIZE", intensity=-6.0, country=None))
    assert step.kind == "ladder" and step.summary.startswith("first MOBILIZE after THREATEN")
    assert t.add(ev(3, D0 + timedelta(days=4), type="MOBILIZE", intensity=-6.0, country=None)) == []
    [step] = t.add(ev(4, D0 + timedelta(days=5), type="ASSAULT", country=None))
    assert step.summary.startswith("first ASSAULT after MOBILIZE")
    t2 = Trajectories(config=TrajectoryConfig(spike_min=1000, ladder_days=14))
    t2.add(ev(1, D0, type="THREATEN", intensity=-4.0, country=None))
    assert t2.add(ev(2, D0 + timedelta(days=20), type="MOBILIZE", intensity=-6.0, country=None)) == []


def test_charts():
    chart = [(f"d{i}", float(i % 5), 2.0 if i == 3 else 0.0) for i in range(30)]
    assert len(sparkline(chart)) == 30 and sparkline(chart)[4] == "█"
    root = ET.fromstring(svg_chart(chart, "RUS > UKR & co"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == sum(1 for _, c, k in chart if c) + 1
