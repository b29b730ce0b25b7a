"""Grouped event alerts: several event alerts of a subscription, one message (as Alertmanager).

Pure and clock-injected: ``EventGrouper(subscriptions, state)``; ``add(alerts, now)`` takes the
event alerts :class:`~service.events.alerting.EventAlerting` decided and returns what is to be
published now; ``flush_due(now)`` returns the messages whose time has come.

Per subscription, the event alerts that agree on ``events.group_by`` (``type``, ``dyad``,
``country``; empty: all of them) form a group:

- the first alert of a group opens it; it waits ``group_wait`` for others, then one message
  lists them all (reason ``event_group``; a group of one is sent as the event alert itself);
- alerts that arrive after a message wait until ``group_interval`` after it, then go out
  together; nothing is dropped, each event alert reaches the subscriber once;
- **routine** alerts (first reports and updates of events at or below ``routine_severity``:
  consultations, statements, agreements; not updates of a scheduled event) wait
  ``routine_interval`` after a message instead, unless an alert that is not routine joins
  them; a quiet group's first message still waits only ``group_wait``;
- a newer alert about an event still waiting replaces the older one (a first report and its
  update before anything was sent: one first report with the latest state), except a
  correction, which follows what it corrects (every event that alerted is told once);
- **quiet hours**: a message due during the subscription's quiet hours whose highest severity
  is below ``breakthrough_severity`` is recorded as ``held`` and waits for their end (reason
  ``quiet_hours_end``);
- **digests**: a subscription with ``digest`` gets its event alerts in one message per digest
  period (kind ``digest``); a digest due during quiet hours waits for their end.

Silenced and inhibited alerts (records) and trajectory alerts (they carry a chart) pass
through unchanged. Message ids are deterministic (the subscription, the group and the ids of
the alerts in it), so a replay gives the same ids and the delivery ledger drops repeats.

State: ``g|<subscription>|<group>`` -> {sub, gk, due, last, held, items: [alert JSON]} in the
event-alert table; JSON-able values, re-assigned on change.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from schemas.alert import Alert, EventNotice
from schemas.subscription import EventAlerts, Subscription
from service.alerts.noise import DueIndex, digest_due, in_quiet_hours, quiet_end
from service.alerts.router import alert_id
from service.alerts.subscriptions import SubscriptionSet

GROUPED_REASONS = frozenset({"event_new", "event_update", "correction", "reminder", "no_report"})
RESCAN_SECONDS = 60.0
_DEFAULT = EventAlerts()


def options(sub: Subscription) -> EventAlerts:
    """The subscription's grouping options (the defaults for a calendar-only subscription)."""
    return sub.events or _DEFAULT


def event_group_key(alert: Alert, fields: list[str]) -> str:
    """``ASSAULT|RUS>UKR|UKR``: the values of ``fields`` for the event the alert is about."""
    sig = alert.signals[0]
    parts = []
    for f in fields:
        if f == "type":
            parts.append(sig.type.value)
        elif f == "dyad":
            src = ",".join(sorted({a.code.upper() for a in sig.actors.source})) or "-"
            tgt = ",".join(sorted({a.code.upper() for a in sig.actors.target})) or "-"
            parts.append(f"{src}>{tgt}")
        elif f == "country":
            loc = sig.location
            parts.append((loc.country or "-") if loc else "-")
    return "|".join(parts)


def _ts(dt: datetime) -> float:
    return dt.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def merge_pending(items: list[dict], alert: Alert) -> list[dict]:
    """Add ``alert`` to a group's waiting alerts; a newer alert about the same event replaces
    the older (see the module docstring)."""
    doc = alert.model_dump(mode="json")
    old = next((i for i in items if i["event_id"] == alert.event_id), None)
    if old is None:
        return [*items, doc]
    rest = [i for i in items if i is not old]
    if alert.reason == "correction":
        return [*items, doc]  # the report, then what no longer holds: both, in this order
    if old["reason"] == "event_new" and alert.reason == "event_update":
        doc = {**doc, "reason": "event_new", "title": alert.title.removeprefix("Update: "),
               "alert_id": old["alert_id"]}
    return [*rest, doc]


def is_routine(opt: EventAlerts, item: dict) -> bool:
    """A first report or update of an event at or below ``routine_severity`` (a waiting alert's
    JSON); an update of a scheduled event (held, postponed, moved, a new date) is about a date
    and never routine."""
    if opt.routine_severity is None or item["severity"] > opt.routine_severity:
        return False
    if item["reason"] == "event_update":
        return item["signals"][0]["modality"] != "scheduled"
    return item["reason"] == "event_new"


def _interval(opt: EventAlerts, items: list[dict]) -> float:
    """Seconds a group's next message waits after its last: ``routine_interval`` while every
    waiting alert is routine, else ``group_interval``."""
    if items and all(is_routine(opt, i) for i in items):
        return max(opt.routine_interval, opt.group_interval).total_seconds()
    return opt.group_interval.total_seconds()


class EventGrouper:
    """Grouping, quiet hours and digests of event alerts over a state mapping."""

    def __init__(self, subscriptions: SubscriptionSet,
                 state: MutableMapping[str, Any] | None = None) -> None:
        self.index = DueIndex({} if state is None else state, interval=RESCAN_SECONDS, prefix="g|")
        self.update(subscriptions)

    @property
    def state(self) -> MutableMapping[str, Any]:
        """The groups (``g|<subscription>|<group key>``; a Faust table or a staged view of it)."""
        return self.index.state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self.index.state = value

    def update(self, subscriptions: SubscriptionSet) -> None:
        self.subs = subscriptions

    # -- public API --------------------------------------------------------------------------------

    def add(self, alerts: list[Alert], now: datetime) -> list[Alert]:
        """The alerts to publish now: records and trajectory alerts as they are; event alerts
        into their groups (and out again when a group is due at once)."""
        out: list[Alert] = []
        for a in alerts:
            sub = self.subs.get(a.subscription)
            if a.status != "deliver" or a.reason not in GROUPED_REASONS or sub is None or not a.signals:
                out.append(a)
                continue
            out.extend(self._add(sub, a, now))
        return out

    def flush_due(self, now: datetime) -> list[Alert]:
        """The messages of every group due at ``now``."""
        out: list[Alert] = []
        for key, rec in self.index.due(_ts(now)):
            out.extend(self._close(key, rec, now))
        return out

    def next_due(self) -> datetime | None:
        t = self.index.next_due()
        return None if t is None else _dt(t)

    def rescan(self, now: datetime) -> None:
        """Rebuild the index of due groups from the state; forget idle ones."""
        self.index.rescan(_ts(now))

    # -- internals ---------------------------------------------------------------------------------

    def _add(self, sub: Subscription, alert: Alert, now: datetime) -> list[Alert]:
        opt = options(sub)
        gk = "digest" if sub.digest is not None else event_group_key(alert, list(opt.group_by))
        key = f"g|{sub.name}|{gk}"
        rec = self.state.get(key) or {"sub": sub.name, "gk": gk, "due": None, "last": None,
                                       "held": False, "items": []}
        if any(i["alert_id"] == alert.alert_id for i in rec["items"]):
            return []  # the same decision again (a replay)
        rec = {**rec, "items": merge_pending(rec["items"], alert)}
        t = _ts(now)
        last = rec["last"] if rec["last"] is not None else float("-inf")
        # group_wait from now, and the interval after the last message its alerts call for
        earliest = max(t + opt.group_wait.total_seconds(), last + _interval(opt, rec["items"]))
        if rec["due"] is None:
            if sub.digest is not None:
                rec["due"] = _ts(digest_due(sub, self._tz(sub), now)[1])
            elif opt.group_wait <= timedelta(0):
                rec["due"] = t
            else:
                rec["due"] = earliest
        elif sub.digest is None and not rec["held"] and not is_routine(opt, rec["items"][-1]):
            rec["due"] = min(rec["due"], earliest)  # routine alerts go with one that is not, sooner
        if opt.urgent_severity is not None and alert.severity >= opt.urgent_severity and not rec["held"]:
            rec["due"] = min(rec["due"], t + opt.group_wait.total_seconds())
        quiet = sub.quiet_hours
        if rec["held"] and quiet is not None and alert.severity >= quiet.breakthrough_severity:
            rec["due"] = t  # breaks through the quiet hours, with what waited for their end
        if not rec["items"]:
            rec["due"] = None
        self.index.put(key, rec)
        return self._close(key, rec, now) if rec["due"] is not None and rec["due"] <= t else []

    def _tz(self, sub: Subscription) -> ZoneInfo:
        return ZoneInfo(sub.timezone or self.subs.file.defaults.timezone)

    def _close(self, key: str, rec: dict, now: datetime, *, force: bool = False) -> list[Alert]:
        sub = self.subs.get(rec["sub"])
        if sub is None:
            self.index.delete(key)
            return []
        items = [Alert.model_validate(i) for i in rec["items"]]
        t = _ts(now)
        quiet = sub.quiet_hours
        if (not force and quiet is not None and in_quiet_hours(sub, self._tz(sub), now)
                and (sub.digest is not None or max(a.severity for a in items) < quiet.breakthrough_severity)):
            first_hold = not rec["held"]
            self.index.put(key, {**rec, "held": True, "due": _ts(quiet_end(sub, self._tz(sub), now))})
            if first_hold and sub.digest is None:
                return [self._message(sub, rec, items, now, status="held")]
            return []
        opt = options(sub)
        cap = opt.max_events_per_message
        sent, rest = items[:cap], rec["items"][cap:]
        remember = max(opt.group_interval, opt.routine_interval).total_seconds()
        self.index.put(key, {**rec, "items": rest, "held": False, "last": t,
                        "due": t + _interval(opt, rest) if rest else None, "expires": t + remember})
        if len(sent) == 1 and sub.digest is None and not rec["held"] and not rest:
            return [sent[0].model_copy(update={"created_at": now})]
        return [self._message(sub, rec, sent, now, status="deliver", more=len(rest))]

    def _message(self, sub: Subscription, rec: dict, items: list[Alert], now: datetime, *,
                 status: str, more: int = 0) -> Alert:
        items = sorted(items, key=lambda a: (-a.severity, a.signals[0].article.published_at, a.alert_id))
        n = len(items) + more
        what = f"{n} event alert{'s' if n != 1 else ''}"
        if sub.digest is not None:
            kind, reason, title = "digest", "digest", f"Digest for {sub.name}: {what}"
        elif rec["held"] or status == "held":
            kind, reason = "alert", "quiet_hours_end"
            title = f"Held during quiet hours for {sub.name}: {what}"
        else:
            kind, reason = "alert", "event_group"
            title = f"{what}: {items[0].title}" + (f" and {n - 1} more" if n > 1 else "")
        ids = [a.alert_id for a in items]
        note = f"{more} more follow in the next message." if more else None
        period: dict[str, Any] = {}
        if sub.digest is not None:
            start, end = digest_due(sub, self._tz(sub), now - timedelta(seconds=1))
            period = {"period_start": start, "period_end": min(end, now)}
        return Alert(
            alert_id=alert_id(sub.name, "event_group", rec["gk"], status, *sorted(ids)),
            subscription=sub.name,
            kind=kind,  # type: ignore[arg-type]
            reason=reason,  # type: ignore[arg-type]
            group_key=f"events:{rec['gk']}" if rec["gk"] else "events",
            severity=max(a.severity for a in items),
            title=title,
            signals=[a.signals[0] for a in items],
            signal_count=len(items),
            source_count=max(1, max(a.source_count for a in items)),
            matched=list(dict.fromkeys(m for a in items for m in a.matched)),
            status=status,  # type: ignore[arg-type]
            created_at=now,
            target_ids=self.subs.target_ids(sub.name),
            note=note,
            events=[EventNotice(alert_id=a.alert_id, event_id=a.event_id or "", reason=a.reason,
                                title=a.title, severity=a.severity, source_count=a.source_count,
                                note=a.note) for a in items],
            **period,
        )
