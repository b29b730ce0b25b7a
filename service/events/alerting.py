"""Alerts on events: the first report, then material updates only; inhibition; corrections.

Pure and clock-injected: ``EventAlerting(subscriptions, state).process(event, now)`` returns the
:class:`~schemas.alert.Alert` objects one event version causes; ``calendar(dues, now)`` turns the
calendar's reminders and no-report decisions into alerts. Only subscriptions with ``events`` get
event alerts (and no signal alerts: :class:`~service.alerts.router.Router` skips them); only
those with ``calendar`` get reminders and no-report alerts.

Per (subscription, event) the state remembers what the subscriber was last told (a snapshot:
sources, severity, date, place, schedule, status). A new version alerts when:

- nothing was sent yet and the event qualifies (``updates``: at once; ``corroborated``: once
  ``min_sources`` independent outlets reported it) — reason ``event_new``;
- something listed in ``events.updates`` changed against the snapshot (sources reaching a
  ``corroboration_steps`` count, a higher severity, another date or place, a new calendar
  state) — reason ``event_update``, the ``note`` saying what;
- the event was retracted, or no longer passes the filters (a withdrawn article took its
  severity down) — reason ``correction``, only to subscribers who were told.

Inhibition (``inhibit_rules`` of the file, as in Alertmanager): a delivered alert of a
``source_types`` event for a directed dyad mutes, for ``duration``, that subscription's alerts of
``target_types`` events for the same dyad (emitted with ``status: silenced`` and ``silenced_by:
inhibited by ...``, not remembered as sent). Silences of the file and of ``escalert silence``
apply as to signal alerts.

State: ``x|<event_id>`` -> {subscription: snapshot}; ``h|<subscription>|<SRC>><TGT>`` ->
{until, by, type}. JSON-able values, re-assigned on change (a Faust table in the worker).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from schemas.alert import Alert, ChartDay
from schemas.signal import Signal
from schemas.subscription import Silence, Subscription
from service.alerts.noise import signal_title
from service.alerts.router import Router, alert_id
from service.alerts.silences import first_silence
from service.alerts.subscriptions import SubscriptionSet
from service.events.calendar import Due
from service.events.grouping import EventGrouper


def event_signal(event: dict) -> Signal:
    """The event as one signal (its best evidence with the event's actors, place, date,
    severity and modality), for routing, silences and rendering."""
    rep = event["representative"]
    if any(a.get("genre", "news") == "news" for a in event["articles"]):
        rep = {**rep, "article": {**rep["article"], "genre": "news"}}  # reported as news somewhere
    return Signal.model_validate({
        **rep,
        "severity": event["severity"],
        "modality": event["modality"],
        "actors": event["actors"],
        "location": event["location"],
        "event_date": event["event_date"],
        "event_date_end": event["event_date_end"],
    })


def dyads(event: dict) -> list[str]:
    """Directed dyads ``SRC>TGT`` of an event (``SRC>-`` when no target is known)."""
    src = sorted({a["code"].upper() for a in event["actors"]["source"]}) or ["-"]
    tgt = sorted({a["code"].upper() for a in event["actors"]["target"]}) or ["-"]
    return [f"{s}>{t}" for s in src for t in tgt if (s, t) != ("-", "-")]


def snapshot(event: dict) -> dict:
    loc = event["location"]
    return {
        "version": event["version"],
        "sources": event["corroboration"],
        "severity": event["severity"],
        "date": event["event_date"],
        "place": loc["name"] if loc else None,
        "schedule": event["schedule"],
        "status": event["status"],
    }


def material_changes(sub: Subscription, told: dict, event: dict) -> list[str]:
    """What changed since ``told`` that ``sub`` wants to hear about, as readable phrases."""
    assert sub.events is not None
    wanted = set(sub.events.updates)
    now = snapshot(event)
    out: list[str] = []
    if "corroboration" in wanted:
        steps = [s for s in sub.events.corroboration_steps if told["sources"] < s <= now["sources"]]
        if steps:
            out.append(f"now reported by {now['sources']} independent sources")
    if "severity" in wanted and now["severity"] > told["severity"]:
        out.append(f"severity rose from {told['severity']} to {now['severity']}")
    if "date" in wanted and told["date"] and now["date"] != told["date"]:
        out.append(f"date changed from {told['date']} to {now['date']}")
    if "place" in wanted and told["place"] and now["place"] and now["place"] != told["place"]:
        out.append(f"place changed from {told['place']} to {now['place']}")
    if "schedule" in wanted and told["schedule"] and now["schedule"] != told["schedule"]:
        out.append(f"now {now['schedule']}" + (f" (date {now['date']})" if now["schedule"] == "postponed" else ""))
    if "status" in wanted and now["status"] != told["status"]:
        out.append(f"status {now['status']}")
    return out


class EventAlerting:
    """Event alert decisions over a state mapping (see the module docstring)."""

    def __init__(self, subscriptions: SubscriptionSet, state: MutableMapping[str, Any] | None = None,
                 *, silences: Callable[[], list[Silence]] | None = None) -> None:
        self.grouper = EventGrouper(subscriptions, {} if state is None else state)
        self._extra_silences = silences or (lambda: [])
        self.update(subscriptions)

    @property
    def state(self) -> MutableMapping[str, Any]:
        """The decisions' state, shared with the grouping of their messages."""
        return self.grouper.state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self.grouper.state = value

    def update(self, subscriptions: SubscriptionSet) -> None:
        self.subs = subscriptions
        self.grouper.update(subscriptions)
        self.router = Router(subscriptions, only=lambda s: s.events is not None)
        self.calendar_router = Router(subscriptions, only=lambda s: s.calendar is not None)
        self.rules = list(subscriptions.file.inhibit_rules)

    # -- public API --------------------------------------------------------------------------------

    def process(self, event: dict, now: datetime) -> list[Alert]:
        """The alerts one event version causes at ``now``."""
        key = f"x|{event['event_id']}"
        told: dict[str, dict] = dict(self.state.get(key, {}))
        signal = event_signal(event)
        matches = {m.subscription.name: m for m in self.router.match(signal)}
        out: list[Alert] = []
        for name in sorted(set(matches) | set(told)):
            sub = self.subs.get(name)
            if sub is None or sub.events is None:
                told.pop(name, None)
                continue
            alert = self._decide(sub, matches.get(name), told.get(name), event, signal, now)
            if alert is None:
                continue
            out.append(alert)
            if alert.status != "deliver":
                continue
            if alert.reason == "correction":
                told.pop(name, None)
            else:
                told[name] = snapshot(event)
                self._inhibit(name, event, now)
        if told != self.state.get(key, {}):
            if told:
                self.state[key] = told
            elif key in self.state:
                del self.state[key]
        return out

    def calendar(self, dues: Iterable[Due], now: datetime) -> list[Alert]:
        """Reminders and no-report alerts for the calendar's due decisions."""
        out = []
        for d in dues:
            sub = self.subs.get(d.subscription)
            if sub is None:
                continue
            signal = event_signal(d.event)
            when = d.event["event_date"]
            place = f" in {d.event['location']['name']}" if d.event.get("location") else ""
            if d.kind == "reminder":
                note = f"Reminder: scheduled for {when}{place}."
            else:
                note = (f"No report that it took place: it was scheduled for {when}{place}, and no "
                        "report since said it was held, postponed or cancelled.")
            out.append(self._alert(sub, d.event, signal, d.kind, note, ["calendar"], now))
        return out

    def trajectory(self, move: Any, event: dict, now: datetime) -> list[Alert]:
        """Alerts for one trajectory move, to the subscriptions with ``trajectories`` that want
        its series (their ``actors`` / ``countries`` filters; all series when neither is set)."""
        from service.events.trajectory import sparkline, svg_chart

        kind, _, codes = move.series.partition(":")
        parts = set(codes.split(">"))
        out = []
        for sub in self.subs.subscriptions:
            t = sub.trajectories
            if t is None or not sub.enabled or move.kind not in t.kinds:
                continue
            f = sub.filters
            if (f.actors or f.countries) and not (parts & set(f.actors) or parts & set(f.countries)):
                continue
            label = codes.replace(">", " → ")
            head = "Escalation spike" if move.kind == "spike" else "Escalation step"
            note = (f"{head} for {label} ({kind}): {move.summary}. Last 30 days: "
                    f"{sparkline(move.chart)}. Events: {', '.join(move.events[:10])}.")
            alert = self._alert(sub, event, event_signal(event), "trajectory", note,
                                [f"subscription {sub.name}", f"trajectory {move.series}"], now)
            out.append(alert.model_copy(update={
                "alert_id": alert_id(sub.name, "trajectory", move.series, move.kind, move.day.isoformat()),
                "group_key": f"trajectory:{move.series}",
                "title": f"{head}: {label} — {move.summary}",
                "chart_svg": svg_chart(move.chart, f"{label}: daily conflict (red) and cooperation (blue)"),
                "chart": [ChartDay(day=d, conflict=c, cooperation=k) for d, c, k in move.chart],
            }))
        return out

    def calendar_subscriptions(self, event: dict) -> list[tuple[str, timedelta, timedelta]]:
        """(name, remind_before, no_report_after) of the calendar subscriptions that want it."""
        out = []
        for m in self.calendar_router.match(event_signal(event)):
            cal = m.subscription.calendar
            assert cal is not None
            out.append((m.subscription.name, cal.remind_before, cal.no_report_after))
        return out

    def accepts(self, name: str, event: dict) -> bool:
        """Does subscription ``name`` want this event (its filters; for the calendar feed)?"""
        sub = self.subs.get(name)
        if sub is None:
            return False
        return any(m.subscription.name == name
                   for m in Router([sub], only=lambda s: True).match(event_signal(event)))

    # -- internals ---------------------------------------------------------------------------------

    def _decide(self, sub: Subscription, match: Any, told: dict | None, event: dict,
                signal: Signal, now: datetime) -> Alert | None:
        assert sub.events is not None
        if event["status"] == "retracted" or (match is None and told is not None):
            if told is None:
                return None
            revised = "revised" in event.get("changes", [])
            if event["status"] == "retracted":
                why = ("the report behind it was republished with changed text that no longer says "
                       "this" if revised else "the reports behind it were withdrawn")
            else:
                why = ("it no longer matches this subscription (a report was republished with "
                       "changed text)" if revised else
                       "it no longer matches this subscription (a report was corrected or withdrawn)")
            return self._alert(sub, event, signal, "correction",
                               f"Correction: an earlier alert about this event no longer holds: {why}.",
                               ["correction"], now)
        if match is None:
            return None
        if told is None:
            if sub.events.mode == "corroborated" and event["corroboration"] < sub.events.min_sources:
                return None
            n = event["corroboration"]
            note = f"Reported by {n} independent source{'s' if n != 1 else ''}." if n > 1 else None
            return self._alert(sub, event, signal, "event_new", note, match.matched, now)
        changes = material_changes(sub, told, event)
        if not changes:
            return None
        return self._alert(sub, event, signal, "event_update", "Update: " + "; ".join(changes) + ".",
                           match.matched, now)

    def _alert(self, sub: Subscription, event: dict, signal: Signal, reason: str, note: str | None,
               matched: list[str], now: datetime) -> Alert:
        group = f"event:{event['event_id']}"
        status, by = "deliver", None
        silence = first_silence(self.subs.silences + list(self._extra_silences()), now,
                                subscription=sub.name, signal=signal, group_key=group,
                                severity=event["severity"])
        if silence is not None:
            status, by = "silenced", silence.id
        elif reason in ("event_new", "event_update"):
            by = self._inhibited_by(sub.name, event, now)
            if by is not None:
                status = "silenced"
        head = {"event_update": "Update: ", "correction": "Correction: ", "reminder": "Reminder: ",
                "no_report": "No report: "}.get(reason, "")
        return Alert(
            alert_id=alert_id(sub.name, group, reason, str(event["version"]),
                              str(event.get("event_date"))),
            subscription=sub.name,
            kind="alert",
            reason=reason,  # type: ignore[arg-type]
            group_key=group,
            severity=event["severity"],
            title=head + signal_title(signal),
            signals=[signal],
            signal_count=event["signal_count"],
            source_count=max(1, event["corroboration"]),
            matched=list(matched),
            status=status,  # type: ignore[arg-type]
            silenced_by=by,
            created_at=now,
            target_ids=self.subs.target_ids(sub.name),
            event_id=event["event_id"],
            note=note,
        )

    def _inhibited_by(self, name: str, event: dict, now: datetime) -> str | None:
        if not any(event["type"] in r.target_types for r in self.rules):
            return None
        t = now.timestamp()
        for dyad in dyads(event):
            h = self.state.get(f"h|{name}|{dyad}")
            if h and h["until"] > t and any(
                    h["type"] in r.source_types and event["type"] in r.target_types for r in self.rules):
                return f"inhibited by {h['type']} {dyad} ({h['by']})"
        return None

    def _inhibit(self, name: str, event: dict, now: datetime) -> None:
        rules = [r for r in self.rules if event["type"] in r.source_types]
        if not rules:
            return
        until = (now + max(r.duration for r in rules)).timestamp()
        for dyad in dyads(event):
            key = f"h|{name}|{dyad}"
            old = self.state.get(key)
            if old is None or old["until"] < until:
                self.state[key] = {"until": until, "by": event["event_id"], "type": event["type"]}
