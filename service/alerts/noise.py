"""Noise control: from matched signals to the few alerts a person should actually get.

Pure and clock-injected: ``NoiseControl(subscriptions, state, clock)``; ``process(signal, now)``
and ``flush_due(now)`` return the :class:`~schemas.alert.Alert` objects decided at ``now``. The
state is a plain ``MutableMapping[str, dict]`` of JSON-able dicts, so a Faust table (changelog
backed, surviving restarts) can hold it in the worker and a dict holds it in tests and the dry
run. Values are always re-assigned, never mutated in place, because a Faust table only records
assignments.

The rules, per subscription (see docs/subscriptions.md for examples):

- **grouping**: a signal opens a group window of ``group_wait`` (key: ``group_by`` fields, by
  default type, actors, place, event date); signals with the same key that arrive before the
  window closes join it; when it closes (``flush_due``) one alert lists them all
  ("reported by 5 sources"). ``group_wait: 0`` sends at once.
- **repeat interval**: after a group was alerted, further signals of that group are *throttled*
  (counted, not sent) until ``repeat_interval`` has passed, unless their severity is higher than
  the alerted one (then a new window opens, reason ``severity_rise``).
- **silences**: an alert matching an active silence is emitted with ``status: silenced``; it does
  not count as sent, so once the silence ends the next signal alerts again.
- **quiet hours**: an alert decided during the subscription's quiet hours (its time zone) below the
  break-through severity is emitted with ``status: held`` (a record, not sent) and its signals are
  buffered; when the quiet hours end, one digest (reason ``quiet_hours_end``) delivers them.
- **digests**: a digest subscription gets no single alerts: its signals are buffered and one
  digest per period (hourly, or daily at ``at`` in its time zone) lists them by type and region,
  with counts. A digest due during quiet hours waits for their end.
- **duplicates**: a signal id already seen in a group or buffer is ignored (upstream is
  at-least-once), and counted.

Alert ids are deterministic (subscription, group key, reason and the window's first signal id, or
the digest period), so replaying the same signals after a crash yields the same ids.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from schemas.alert import Alert
from schemas.signal import Signal
from schemas.subscription import Silence, Subscription
from service.alerts.router import Match, Router, alert_id, signal_country
from service.alerts.silences import first_silence
from service.alerts.subscriptions import SubscriptionSet

Clock = Callable[[], datetime]

MAX_IDS = 500  # signal ids remembered per group/buffer for de-duplication
MAX_BUFFER_SIGNALS = 200  # signals listed in one digest (counts stay complete): Kafka's 1 MB
MAX_SOURCES = 500
DEDUPE_WINDOW = 6 * 3600.0  # an idle group (and its signal ids) is kept at least this long
SIGNAL_CACHE = 20_000  # recent Signal objects kept to avoid re-validating stored dicts

_SEP = "\x1f"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Effective:
    """A subscription's noise settings with the file's defaults filled in."""

    tz: ZoneInfo
    group_by: tuple[str, ...]
    group_wait: timedelta
    repeat_interval: timedelta
    max_signals: int


def effective(sub: Subscription, subs: SubscriptionSet) -> Effective:
    d = subs.file.defaults
    return Effective(
        tz=ZoneInfo(sub.timezone or d.timezone),
        group_by=tuple(sub.group_by or d.group_by),
        group_wait=sub.group_wait if sub.group_wait is not None else d.group_wait,
        repeat_interval=sub.repeat_interval if sub.repeat_interval is not None else d.repeat_interval,
        max_signals=sub.max_signals_per_alert or d.max_signals_per_alert,
    )


def group_key(signal: Signal, fields: Iterable[str]) -> str:
    """``MOBILIZE|RUS>UKR|UKR|2024-04-14``: what makes two signals "the same event" for alerting."""
    parts: list[str] = []
    for f in fields:
        if f == "type":
            parts.append(signal.type.value)
        elif f == "actors":
            src = ",".join(sorted({a.code.upper() for a in signal.actors.source}))
            tgt = ",".join(sorted({a.code.upper() for a in signal.actors.target}))
            parts.append(f"{src}>{tgt}")
        elif f == "place":
            loc = signal.location
            parts.append((loc.country or loc.name.strip().lower()) if loc else "-")
        elif f == "event_date":
            parts.append(signal.event_date.isoformat() if signal.event_date else "-")
        elif f == "modality":
            parts.append(signal.modality.value)
        elif f == "article":
            parts.append(signal.article_id)
    return "|".join(parts)


def region_label(signal: Signal) -> str:
    loc = signal.location
    if loc is None:
        return "unknown place"
    return loc.country or loc.name


def source_key(signal: Signal) -> str:
    a = signal.article
    return (a.source or a.url or a.id).strip().lower()


def signal_title(signal: Signal) -> str:
    """``MOBILIZE (troops): RUS → UKR, near Ukraine, 2024-04-14``."""
    head = signal.type.value + (f" ({signal.mode})" if signal.mode else "")
    src = ", ".join(dict.fromkeys(a.code for a in signal.actors.source))
    tgt = ", ".join(dict.fromkeys(a.code for a in signal.actors.target))
    who = f"{src} → {tgt}" if src and tgt else src or (f"→ {tgt}" if tgt else "")
    bits = [b for b in (who, signal.location.name if signal.location else "",
                        signal.event_date.isoformat() if signal.event_date else "") if b]
    return head + (": " + ", ".join(bits) if bits else "")


# --- time-zone arithmetic ------------------------------------------------------------------------


def _at_local(day: datetime, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), t, tzinfo=tz)


def in_quiet_hours(sub: Subscription, tz: ZoneInfo, now: datetime) -> bool:
    q = sub.quiet_hours
    if q is None:
        return False
    t = now.astimezone(tz).time().replace(tzinfo=None)
    if q.start < q.end:
        return q.start <= t < q.end
    return t >= q.start or t < q.end


def quiet_end(sub: Subscription, tz: ZoneInfo, now: datetime) -> datetime:
    """The next moment (UTC) quiet hours end after ``now``."""
    assert sub.quiet_hours is not None
    local = now.astimezone(tz)
    end = _at_local(local, sub.quiet_hours.end, tz)
    if end <= local:
        end = _at_local(local + timedelta(days=1), sub.quiet_hours.end, tz)
    return end.astimezone(UTC)


def digest_due(sub: Subscription, tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """(period start, period end) of the digest period containing ``now``, in UTC."""
    assert sub.digest is not None
    local = now.astimezone(tz)
    if sub.digest.every == "hourly":
        start = local.replace(minute=0, second=0, microsecond=0)
        end = (start.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)
    else:
        end = _at_local(local, sub.digest.at, tz)
        if end <= local:
            end = _at_local(local + timedelta(days=1), sub.digest.at, tz)
        start = _at_local(end - timedelta(days=1), sub.digest.at, tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _ts(dt: datetime) -> float:
    return dt.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


# --- the state machine ---------------------------------------------------------------------------


class DueIndex:
    """When each record of a state mapping is due, kept beside it so a flush does not read
    the whole state (a Faust table) every second.

    The state holds the truth (a record's ``"due"``, a timestamp, or None); the index is a cache
    of it: ``put``/``delete`` keep both in step, ``rescan`` rebuilds the index from the state
    (at start, every ``interval`` seconds, and when the state changed underneath, as when a
    Faust table recovers newly assigned partitions) and forgets idle records whose ``"expires"``
    has passed. Used by :class:`NoiseControl` and by event grouping.
    """

    def __init__(self, state: MutableMapping[str, dict], *, interval: float = 60.0,
                 prefix: str = "") -> None:
        self.state = state
        self.interval = interval
        self.prefix = prefix  # only keys with it are records with a due time
        self.times: dict[str, float] = {}
        self.rescanned: float | None = None

    def __bool__(self) -> bool:
        return bool(self.times)

    def put(self, key: str, rec: dict) -> None:
        self.state[key] = rec
        if rec.get("due") is not None:
            self.times[key] = rec["due"]
        else:
            self.times.pop(key, None)

    def delete(self, key: str) -> None:
        del self.state[key]
        self.times.pop(key, None)

    def next_due(self) -> float | None:
        return min(self.times.values()) if self.times else None

    def keys_in_due_order(self) -> list[str]:
        return sorted(self.times, key=lambda k: (self.times[k], k))

    def rescan(self, t: float) -> None:
        """Rebuild the index from the state; forget idle records past their ``expires``."""
        self.times = {}
        for key in [k for k in self.state if k.startswith(self.prefix)]:  # values read for these only
            rec = self.state.get(key)
            if rec is None:
                continue
            if rec.get("due") is not None:
                self.times[key] = rec["due"]
            elif rec.get("expires", t + 1) <= t:
                del self.state[key]
        self.rescanned = t

    def due(self, t: float) -> Iterator[tuple[str, dict]]:
        """The (key, record) pairs due at ``t``, in due order then key order (rescanning first
        when ``interval`` seconds have passed); a key whose record is gone or no longer due is
        forgotten."""
        if self.rescanned is None or abs(t - self.rescanned) >= self.interval:
            self.rescan(t)
        times = self.times
        for key in sorted((k for k, d in times.items() if d <= t), key=lambda k: (times[k], k)):
            rec = self.state.get(key)
            if rec is None or rec.get("due") is None:
                times.pop(key, None)
            elif rec["due"] <= t:
                yield key, rec


class NoiseControl:
    """Grouping, repeat intervals, silences, quiet hours and digests over a mapping of dicts.

    ``stats[subscription]`` counts what happened to each matched signal and alert:
    ``matched``, ``grouped`` (joined an open window), ``throttled`` (repeat interval),
    ``duplicate``, ``digested`` (buffered for a digest), ``alerts`` (sent, status deliver),
    ``silenced`` and ``held`` (alerts), ``digests``.
    """

    def __init__(
        self,
        subscriptions: SubscriptionSet,
        state: MutableMapping[str, dict] | None = None,
        clock: Clock = utcnow,
        *,
        silences: Callable[[], list[Silence]] | None = None,
        rescan_interval: float = 60.0,
    ) -> None:
        self.index = DueIndex({} if state is None else state, interval=rescan_interval)
        self.clock = clock
        self._extra_silences = silences or (lambda: [])
        self.stats: dict[str, Counter[str]] = {}
        self._signals: dict[str, Signal] = {}
        self._gk_cache: dict[tuple[str, ...], str] = {}
        self.update(subscriptions)
        self.rescan(self.clock())
        self.index.rescanned = None  # the first flush_due rescans at its own (possibly injected) time

    @property
    def state(self) -> MutableMapping[str, dict]:
        """Windows, buffers and repeat marks (a Faust table in the worker, or a staged view of it)."""
        return self.index.state

    @state.setter
    def state(self, value: MutableMapping[str, dict]) -> None:
        self.index.state = value

    def update(self, subscriptions: SubscriptionSet) -> None:
        """Take a reloaded subscriptions set into use (open windows and buffers are kept)."""
        self.subs = subscriptions
        self.router = Router(subscriptions)
        self._eff = {s.name: effective(s, subscriptions) for s in subscriptions.subscriptions}
        self._by_name = {s.name: s for s in subscriptions.subscriptions}

    def silences(self) -> list[Silence]:
        return self.subs.silences + list(self._extra_silences())

    def _count(self, sub: str, what: str, n: int = 1) -> None:
        c = self.stats.get(sub)
        if c is None:
            c = self.stats[sub] = Counter()
        c[what] += n

    # -- public API --------------------------------------------------------------------------------

    def process(self, signal: Signal, now: datetime | None = None) -> list[Alert]:
        """Route one signal and apply every subscription's noise rules; returns alerts due now."""
        now = now or self.clock()
        matches = self.router.match(signal)
        if not matches:
            return []
        dumped = signal.model_dump(mode="json")
        self._remember(signal)
        self._gk_cache = {}
        out: list[Alert] = []
        for m in matches:
            self._count(m.subscription.name, "matched")
            if m.subscription.digest is not None:
                out.extend(self._to_digest(m, signal, dumped, now))
            else:
                out.extend(self._to_group(m, signal, dumped, now))
        return out

    def flush_due(self, now: datetime | None = None) -> list[Alert]:
        """Close the group windows, digests and quiet-hours buffers that are due at ``now``."""
        now = now or self.clock()
        out: list[Alert] = []
        for key, rec in self.index.due(_ts(now)):
            out.extend(self._close(key, rec, now))
        return out

    def flush_all(self, now: datetime | None = None) -> list[Alert]:
        """Close every open window and buffer now (end of a dry run, shutdown of a replay)."""
        now = now or self.clock()
        self.rescan(now)
        out: list[Alert] = []
        for _ in range(3):  # closing a group in quiet hours opens a quiet buffer: close it too
            for key in self.index.keys_in_due_order():
                rec = self.state.get(key)
                if rec is not None and rec.get("due") is not None:
                    out.extend(self._close(key, rec, now, force=True))
            if not self.index:
                break
        return out

    def next_due(self) -> datetime | None:
        t = self.index.next_due()
        return None if t is None else _dt(t)

    def rescan(self, now: datetime | None = None) -> None:
        """Rebuild the index of due entries from the state and forget idle groups (an idle
        group past its repeat interval). Runs at start, every ``rescan_interval`` seconds from
        ``flush_due``, and should be called when the state changed underneath (a Faust table
        recovering newly assigned partitions)."""
        self.index.rescan(_ts(now or self.clock()))

    def _group_key(self, signal: Signal, fields: tuple[str, ...]) -> str:
        gk = self._gk_cache.get(fields)
        if gk is None:
            gk = self._gk_cache[fields] = group_key(signal, fields)
        return gk

    def _remember(self, signal: Signal) -> None:
        # Closing a window needs Signal objects; re-validating them from the stored dicts is
        # the costliest step, so recent ones are kept (the state stays the source of truth).
        cache = self._signals
        cache[signal.signal_id] = signal
        if len(cache) > SIGNAL_CACHE:
            for k in list(itertools.islice(cache, len(cache) - SIGNAL_CACHE // 2)):
                del cache[k]

    def _signal(self, dumped: dict) -> Signal:
        s = self._signals.get(dumped.get("signal_id", ""))
        return s if s is not None else Signal.model_validate(dumped)

    def _put(self, key: str, rec: dict) -> None:
        self.index.put(key, rec)

    def _del(self, key: str) -> None:
        self.index.delete(key)

    # -- grouping and repeat interval --------------------------------------------------------------

    def _to_group(self, m: Match, signal: Signal, dumped: dict, now: datetime) -> list[Alert]:
        sub = m.subscription
        eff = self._eff[sub.name]
        gk = self._group_key(signal, eff.group_by)
        key = _SEP.join(("g", sub.name, gk))
        rec = self.state.get(key)
        t = _ts(now)
        if rec is not None and signal.signal_id in rec["ids"]:
            self._count(sub.name, "duplicate")
            return []
        pending = rec is not None and rec.get("due") is not None
        sent_at = rec.get("sent_at") if rec else None
        if pending:
            assert rec is not None
            rec = self._add_signal(rec, signal, dumped, eff.max_signals)
            self._put(key, rec)
            self._count(sub.name, "grouped")
            return []
        reason = "new"
        if rec is not None and sent_at is not None and t < sent_at + eff.repeat_interval.total_seconds():
            if signal.severity <= rec.get("sent_severity", 5):
                rec = dict(rec)
                rec["ids"] = (rec["ids"] + [signal.signal_id])[-MAX_IDS:]
                rec["throttled"] = rec.get("throttled", 0) + 1
                rec["sources"] = _add_source(rec.get("sources", []), signal)
                self._put(key, rec)
                self._count(sub.name, "throttled")
                return []
            reason = "severity_rise"
        rec = {
            "kind": "group",
            "sub": sub.name,
            "key": gk,
            "reason": reason,
            "first": signal.signal_id,
            "opened": t,
            "due": t + eff.group_wait.total_seconds(),
            "signals": [],
            "count": 0,
            "severity": 1,
            "sources": [],
            "matched": [],
            "ids": list(rec["ids"]) if rec else [],
            "sent_at": sent_at,
            "sent_severity": rec.get("sent_severity") if rec else None,
            "throttled": rec.get("throttled", 0) if rec else 0,
        }
        rec = self._add_signal(rec, signal, dumped, eff.max_signals)
        self._put(key, rec)
        if eff.group_wait <= timedelta(0):
            return self._close(key, rec, now)
        return []

    @staticmethod
    def _add_signal(rec: dict, signal: Signal, dumped: dict, cap: int) -> dict:
        rec = dict(rec)
        if len(rec["signals"]) < cap:
            rec["signals"] = rec["signals"] + [dumped]
        rec["count"] = rec["count"] + 1
        rec["severity"] = max(rec["severity"], signal.severity)
        rec["ids"] = (rec["ids"] + [signal.signal_id])[-MAX_IDS:]
        rec["sources"] = _add_source(rec["sources"], signal)
        return rec

    # -- digests and quiet-hours buffers -----------------------------------------------------------

    def _to_digest(self, m: Match, signal: Signal, dumped: dict, now: datetime) -> list[Alert]:
        sub = m.subscription
        eff = self._eff[sub.name]
        gk = self._group_key(signal, eff.group_by)
        sil = first_silence(self.silences(), now, subscription=sub.name, signal=signal,
                            group_key=gk, severity=signal.severity)
        if sil is not None:
            self._count(sub.name, "silenced")
            return [self._alert(sub, "alert", "new", gk, [signal], 1, 1, signal.severity, m.matched,
                                now, status="silenced", silenced_by=sil.id,
                                ident=(sub.name, gk, "silenced", signal.signal_id))]
        start, end = digest_due(sub, eff.tz, now)
        key = _SEP.join(("d", sub.name))
        rec = self.state.get(key)
        if rec is not None and signal.signal_id in rec["ids"]:
            self._count(sub.name, "duplicate")
            return []
        if rec is None:
            rec = _new_buffer("digest", sub.name, _ts(start), _ts(end))
        rec = _buffer_add(rec, [(signal, dumped)], eff.max_signals, gk, m.matched)
        self._put(key, rec)
        self._count(sub.name, "digested")
        return []

    def _hold(self, sub: Subscription, rec: dict, now: datetime) -> None:
        """Buffer a closed group's signals for the digest at the end of the quiet hours.

        The group's full count and sources go with them, so the digest says how many there
        really were even when only ``max_signals_per_alert`` are listed.
        """
        eff = self._eff[sub.name]
        key = _SEP.join(("q", sub.name))
        buf = self.state.get(key)
        if buf is None:
            buf = _new_buffer("quiet", sub.name, _ts(now), _ts(quiet_end(sub, eff.tz, now)))
        items = [(self._signal(d), d) for d in rec["signals"]]
        self._put(key, _buffer_add(buf, items, eff.max_signals, rec["key"], rec["matched"],
                                   extra=rec["count"] - len(items), extra_sources=rec["sources"]))

    # -- closing a window or buffer ---------------------------------------------------------------

    def _close(self, key: str, rec: dict, now: datetime, *, force: bool = False) -> list[Alert]:
        sub = self._by_name.get(rec["sub"])
        if sub is None:
            # the subscription was removed or disabled by a reload: nothing to send it to
            self._del(key)
            self._count(rec["sub"], "orphaned", rec.get("count", 0))
            return []
        if rec["kind"] == "group":
            return self._close_group(key, rec, sub, now)
        return self._close_buffer(key, rec, sub, now, force=force)

    def _close_group(self, key: str, rec: dict, sub: Subscription, now: datetime) -> list[Alert]:
        eff = self._eff[sub.name]
        signals = [self._signal(d) for d in rec["signals"]]
        signals.sort(key=lambda s: (-s.severity, s.article.published_at))
        first = next((s for s in signals if s.signal_id == rec["first"]), signals[0])
        signals = [first] + [s for s in signals if s is not first]
        gk, sev = rec["key"], rec["severity"]
        ident = (sub.name, gk, rec["reason"], rec["first"])
        if not rec["matched"]:
            # why it matched, explained once per alert rather than once per signal
            rec = {**rec, "matched": self.router.explain(sub, first)}
        new = dict(rec)
        new["due"] = None
        new["signals"] = []
        sil = first_silence(self.silences(), now, subscription=sub.name, signal=first,
                            group_key=gk, severity=sev)
        common = (sub, "alert", rec["reason"], gk, signals, rec["count"], len(rec["sources"]), sev,
                  rec["matched"], now)
        if sil is not None:
            # not "sent": once the silence ends, the group may alert again
            new["expires"] = _ts(now) + DEDUPE_WINDOW
            self._put(key, new)
            self._count(sub.name, "silenced")
            return [self._alert(*common, status="silenced", silenced_by=sil.id, ident=ident)]
        new["sent_at"] = _ts(now)
        new["sent_severity"] = sev
        new["throttled"] = 0
        new["expires"] = _ts(now) + max(eff.repeat_interval.total_seconds(), DEDUPE_WINDOW)
        self._put(key, new)
        if in_quiet_hours(sub, eff.tz, now) and sev < sub.quiet_hours.breakthrough_severity:  # type: ignore[union-attr]
            self._hold(sub, rec, now)
            self._count(sub.name, "held")
            return [self._alert(*common, status="held", ident=ident)]
        self._count(sub.name, "alerts")
        return [self._alert(*common, status="deliver", ident=ident)]

    def _close_buffer(self, key: str, rec: dict, sub: Subscription, now: datetime,
                      *, force: bool) -> list[Alert]:
        eff = self._eff[sub.name]
        if (
            not force
            and rec["kind"] == "digest"
            and in_quiet_hours(sub, eff.tz, now)
        ):
            # a digest due during quiet hours waits for them to end
            self._put(key, {**rec, "due": _ts(quiet_end(sub, eff.tz, now))})
            return []
        self._del(key)
        signals = [self._signal(d) for d in rec["signals"]]
        if not signals:
            return []
        signals.sort(key=lambda s: (-s.severity, s.type.value, s.article.published_at))
        sev = max(s.severity for s in signals)
        start, end = _dt(rec["start"]), _dt(rec["due"])
        reason = "digest" if rec["kind"] == "digest" else "quiet_hours_end"
        if reason == "digest":
            title = f"Digest for {sub.name}: {rec['count']} signals"
        else:
            title = f"Held during quiet hours for {sub.name}: {rec['count']} signals"
        self._count(sub.name, "digests")
        alert = self._alert(
            sub, "digest", reason, f"{rec['kind']}:{start.isoformat()}", signals, rec["count"],
            len(rec["sources"]), sev, rec["matched"], now, status="deliver",
            ident=(sub.name, reason, str(rec["start"])), title=title,
        )
        return [alert.model_copy(update={"period_start": start, "period_end": min(end, now)
                                         if force else end, "counts": dict(rec["counts"])})]

    def _alert(self, sub: Subscription, kind: str, reason: str, gk: str, signals: list[Signal],
               count: int, sources: int, severity: int, matched: list[str], now: datetime, *,
               status: str, ident: tuple[str, ...], silenced_by: str | None = None,
               title: str | None = None) -> Alert:
        return Alert(
            alert_id=alert_id(*ident),
            subscription=sub.name,
            kind=kind,  # type: ignore[arg-type]
            reason=reason,  # type: ignore[arg-type]
            group_key=gk,
            severity=severity,
            title=title or signal_title(signals[0]),
            signals=signals,
            signal_count=max(count, len(signals)),
            source_count=max(sources, 1),
            matched=list(matched),
            status=status,  # type: ignore[arg-type]
            silenced_by=silenced_by,
            created_at=now,
            target_ids=self.subs.target_ids(sub.name),
        )


def _add_source(sources: list[str], signal: Signal) -> list[str]:
    k = source_key(signal)
    if k in sources or len(sources) >= MAX_SOURCES:
        return sources
    return sources + [k]


def _new_buffer(kind: str, sub: str, start: float, due: float) -> dict:
    return {"kind": kind, "sub": sub, "start": start, "due": due, "signals": [], "count": 0,
            "counts": {}, "per_group": {}, "ids": [], "sources": [], "matched": []}


def _buffer_add(rec: dict, items: list[tuple[Signal, dict]], cap: int, gk: str,
                matched: list[str], *, extra: int = 0, extra_sources: Iterable[str] = ()) -> dict:
    """Add signals to a digest/quiet buffer: counts per type and region stay complete, the kept
    signals are capped per group. ``extra`` signals are represented by the first item (a held
    group's signals beyond the cap), counted under its label."""
    rec = dict(rec)
    signals, counts, per_group = list(rec["signals"]), dict(rec["counts"]), dict(rec["per_group"])
    ids, sources = list(rec["ids"]), list(rec["sources"])
    added = 0
    for signal, dumped in items:
        if rec["kind"] == "digest" and signal.signal_id in ids:
            continue  # a quiet buffer gets whole groups, already de-duplicated
        label = f"{signal.type.value} in {region_label(signal)}"
        counts[label] = counts.get(label, 0) + 1 + (extra if added == 0 else 0)
        if per_group.get(gk, 0) < cap and len(signals) < MAX_BUFFER_SIGNALS:
            per_group[gk] = per_group.get(gk, 0) + 1
            signals.append(dumped)
        ids.append(signal.signal_id)
        sources = _add_source(sources, signal)
        added += 1
    if added:
        rec["count"] += added + extra
        for src in extra_sources:
            if src not in sources and len(sources) < MAX_SOURCES:
                sources.append(src)
    rec.update(signals=signals, counts=counts, per_group=per_group, ids=ids[-MAX_IDS:],
               sources=sources)
    if not rec["matched"]:
        rec["matched"] = list(matched)
    return rec


__all__ = [
    "Clock",
    "DueIndex",
    "Effective",
    "NoiseControl",
    "group_key",
    "in_quiet_hours",
    "quiet_end",
    "digest_due",
    "signal_country",
    "signal_title",
    "utcnow",
]
