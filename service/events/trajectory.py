"""Escalation trajectories: a daily index per directed dyad and per country, spikes and ladder steps.

Pure and clock-free (days come from the events): ``Trajectories(state).add(event) ->
list[Move]`` folds one event version in and returns the moves it causes.

- **What counts**: an event that happened (modality ``asserted``) and is corroborated by at least
  ``min_sources`` independent outlets counts once, on its day (its date, else the day it was
  first seen), in the series of each of its directed dyads (``dyad:RUS>UKR``) and of its place's
  country (``country:UKR``). Its weight is its intensity: conflictual (< 0) and cooperative (> 0)
  are summed apart, as positive numbers.
- **Baseline**: the mean and standard deviation of the conflict index over the ``baseline_days``
  before the day (days without events count as 0).
- **Spike**: the day's conflict index reaches ``spike_min`` and ``mean + spike_sigma * std``;
  one move per series and day.
- **Ladder step**: the first event of a rung within ``ladder_days`` after an event of the rung
  below it (THREATEN -> MOBILIZE -> ASSAULT): "first MOBILIZE after THREATEN".

Each move carries the last 30 days of the series (for :func:`svg_chart` and :func:`sparkline`)
and the events behind the move.

State (JSON-able values, re-assigned on change): ``s|<series>`` -> {"days": {day: [conflict,
cooperation]}, "rungs": {type: [day, event_id]}, "events": {day: [event ids]}, "spiked": [days]};
``t|<series>|<event_id>`` -> counted (so a new version never counts twice).
"""

from __future__ import annotations

import statistics
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

LADDER = ("THREATEN", "MOBILIZE", "ASSAULT")
KEEP_DAYS = 120
CHART_DAYS = 30
MAX_EVENTS_PER_DAY = 20


@dataclass(frozen=True, slots=True)
class TrajectoryConfig:
    min_sources: int = 2
    baseline_days: int = 30
    spike_sigma: float = 3.0
    spike_min: float = 10.0
    ladder_days: int = 14


@dataclass(frozen=True, slots=True)
class Move:
    """A trajectory alert to send: ``kind`` is ``spike`` or ``ladder``."""

    kind: str
    series: str
    day: date
    summary: str
    value: float
    baseline: float
    events: list[str]
    chart: list[tuple[str, float, float]] = field(default_factory=list)  # (day, conflict, coop)


def event_day(event: dict) -> date:
    if event.get("event_date"):
        return date.fromisoformat(event["event_date"])
    return datetime.fromisoformat(event["first_seen"]).date()


def series_of(event: dict) -> list[str]:
    """``dyad:SRC>TGT`` for each directed pair with both sides known, ``country:XXX`` of its place."""
    src = sorted({a["code"].upper() for a in event["actors"]["source"]})
    tgt = sorted({a["code"].upper() for a in event["actors"]["target"]})
    out = [f"dyad:{s}>{t}" for s in src for t in tgt if s != t]
    country = ((event.get("location") or {}).get("country") or "").upper()
    if country:
        out.append(f"country:{country}")
    return out


def chart_days(days: dict[str, list[float]], end: date, n: int = CHART_DAYS) -> list[tuple[str, float, float]]:
    out = []
    for i in range(n - 1, -1, -1):
        d = (end - timedelta(days=i)).isoformat()
        conflict, coop = days.get(d, [0.0, 0.0])
        out.append((d, conflict, coop))
    return out


def baseline(days: dict[str, list[float]], day: date, n: int) -> tuple[float, float]:
    values = [days.get((day - timedelta(days=i)).isoformat(), [0.0, 0.0])[0] for i in range(1, n + 1)]
    return statistics.fmean(values), statistics.pstdev(values)


class Trajectories:
    def __init__(self, state: MutableMapping[str, Any] | None = None,
                 config: TrajectoryConfig | None = None) -> None:
        self.state: MutableMapping[str, Any] = {} if state is None else state
        self.config = config or TrajectoryConfig()

    def counts(self, event: dict) -> bool:
        """Does this event version count (happened, corroborated, not retracted)?"""
        return (event.get("status") == "active" and event.get("modality") == "asserted"
                and event.get("corroboration", 0) >= self.config.min_sources)

    def add(self, event: dict) -> list[Move]:
        """Count an event version (once per event) in all its series; the moves it causes."""
        if not self.counts(event):
            return []
        moves: list[Move] = []
        for name in series_of(event):
            moves.extend(self.add_series(name, event))
        return moves

    def add_series(self, name: str, event: dict) -> list[Move]:
        """Count an event in one series (once); the worker calls this in the series' partition."""
        if not self.counts(event):
            return []
        tkey = f"t|{name}|{event['event_id']}"
        if tkey in self.state:
            return []
        self.state[tkey] = True
        return self._count(name, event)

    def _count(self, name: str, event: dict) -> list[Move]:
        cfg = self.config
        day = event_day(event)
        key = f"s|{name}"
        rec = self.state.get(key) or {"days": {}, "rungs": {}, "events": {}, "spiked": []}
        rec = {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in rec.items()}
        d = day.isoformat()
        conflict, coop = rec["days"].get(d, [0.0, 0.0])
        weight = abs(float(event["intensity"]))
        if event["intensity"] < 0:
            conflict += weight
        else:
            coop += weight
        rec["days"][d] = [conflict, coop]
        rec["events"][d] = [*rec["events"].get(d, []), event["event_id"]][:MAX_EVENTS_PER_DAY]
        moves = []
        step = self._ladder_step(rec, event, day)
        if step is not None:
            moves.append(self._move("ladder", name, day, step, conflict, rec, [event["event_id"]]))
        mean, std = baseline(rec["days"], day, cfg.baseline_days)
        if conflict >= cfg.spike_min and conflict >= mean + cfg.spike_sigma * std and d not in rec["spiked"]:
            rec["spiked"] = [*rec["spiked"], d][-KEEP_DAYS:]
            what = (f"conflict index {conflict:.1f} on {d} against a {cfg.baseline_days}-day "
                    f"baseline of {mean:.1f} (sd {std:.1f})")
            moves.append(self._move("spike", name, day, what, conflict, rec, rec["events"][d], mean))
        horizon = (day - timedelta(days=KEEP_DAYS)).isoformat()
        rec["days"] = {k: v for k, v in rec["days"].items() if k >= horizon}
        rec["events"] = {k: v for k, v in rec["events"].items() if k >= horizon}
        self.state[key] = rec
        return moves

    def _ladder_step(self, rec: dict, event: dict, day: date) -> str | None:
        kind = event["type"]
        if kind not in LADDER:
            return None
        rung = LADDER.index(kind)
        window = timedelta(days=self.config.ladder_days)
        previous = rec["rungs"].get(kind)
        rec["rungs"][kind] = [day.isoformat(), event["event_id"]]
        if rung == 0:
            return None
        below = rec["rungs"].get(LADDER[rung - 1])
        if below is None or not day - window <= date.fromisoformat(below[0]) <= day:
            return None
        if previous is not None and day - window <= date.fromisoformat(previous[0]) <= day:
            return None  # not the first of its rung in the window
        return f"first {kind} after {LADDER[rung - 1]} (on {below[0]}) within {self.config.ladder_days} days"

    def _move(self, kind: str, name: str, day: date, summary: str, value: float, rec: dict,
              events: list[str], base: float = 0.0) -> Move:
        return Move(kind, name, day, summary, value, base, list(events), chart_days(rec["days"], day))


# --- charts ----------------------------------------------------------------------------------------

_BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(chart: list[tuple[str, float, float]]) -> str:
    """The conflict index as Unicode blocks, one per day (renders in every client, email included)."""
    top = max((c for _, c, _ in chart), default=0.0) or 1.0
    return "".join(_BLOCKS[min(8, round(c / top * 8))] for _, c, _ in chart)


def svg_chart(chart: list[tuple[str, float, float]], title: str, width: int = 300, height: int = 80) -> str:
    """A small bar chart (conflict up in red, cooperation down in blue), standalone SVG 1.1."""
    from xml.sax.saxutils import escape

    top = max([c for _, c, _ in chart] + [k for _, _, k in chart] + [1.0])
    mid = height / 2
    bar = width / max(1, len(chart))
    rects = []
    for i, (day, conflict, coop) in enumerate(chart):
        x = i * bar
        if conflict:
            h = conflict / top * (mid - 2)
            rects.append(f'<rect x="{x:.1f}" y="{mid - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                         f'fill="#c0392b"><title>{day}: conflict {conflict:.1f}</title></rect>')
        if coop:
            h = coop / top * (mid - 2)
            rects.append(f'<rect x="{x:.1f}" y="{mid:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                         f'fill="#2e86c1"><title>{day}: cooperation {coop:.1f}</title></rect>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>'
            f'<line x1="0" y1="{mid}" x2="{width}" y2="{mid}" stroke="#999" stroke-width="1"/>'
            + "".join(rects) + "</svg>")
