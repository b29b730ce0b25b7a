"""Messages to rows: pure functions from one topic message to the rows the store writes.

``received_at`` is the Kafka record's timestamp (naive UTC); without one (tests, files) the
message's own time stands in. Each returns the main row (with the message itself as ``doc``) and the rows of its child tables.
Deterministic: the same message always gives the same rows, so a replay from the earliest offset
rebuilds the same store. A message that does not validate raises :class:`BadMessage`, naming the
topic's contract and the reason; the consumer logs it and goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from schemas.alert import Alert
from schemas.signal import Signal


class BadMessage(ValueError):
    """A message that is not what its topic carries; the text says which contract and why."""


@dataclass
class Rows:
    """What one message writes: ``main`` rows of ``table`` and child rows per child table.

    ``replace`` lists child tables whose rows for this key are replaced (an updated event may
    have fewer codes than its earlier version); the others only ever grow.
    """

    table: str
    key: str
    main: list[dict[str, Any]]
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    replace: tuple[str, ...] = ()


def utc_naive(value: datetime | str | None) -> datetime | None:
    """An aware time (or ISO text) as naive UTC, the store's time format."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _why(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"]) or "message"
    return f"{where}: {err['msg']}" + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")


def signal_rows(raw: bytes | str | dict[str, Any], received_at: datetime | None = None) -> Rows:
    try:
        sig = Signal.model_validate(raw) if isinstance(raw, dict) else Signal.model_validate_json(raw)
    except ValidationError as exc:
        raise BadMessage(f"not a Signal: {_why(exc)}") from None
    doc = sig.model_dump(mode="json")
    published = utc_naive(sig.article.published_at)
    country = sig.location.country.upper() if sig.location and sig.location.country else None
    place = sig.location.name if sig.location else ""
    codes: dict[str, str] = {}
    for a in sig.actors.source:
        codes.setdefault(a.code.upper(), "source")
    for a in sig.actors.target:
        codes.setdefault(a.code.upper(), "target")
    if country:
        codes.setdefault(country, "place")
    main = {
        "signal_id": sig.signal_id,
        "article_id": sig.article_id,
        "type": sig.type.value,
        "modality": sig.modality.value,
        "severity": sig.severity,
        "intensity": sig.intensity,
        "published_at": published,
        "event_date": sig.event_date,
        "country": country,
        "text": f"{sig.article.title}\n{sig.evidence.sentence}\n{place}".lower(),
        "doc": doc,
        "received_at": received_at or published,
    }
    child = [{"code": c, "signal_id": sig.signal_id, "role": r, "published_at": published,
              "type": sig.type.value}
             for c, r in sorted(codes.items())]
    return Rows("signals", sig.signal_id, [main], {"signal_codes": child})


def alert_rows(raw: bytes | str | dict[str, Any], received_at: datetime | None = None) -> Rows:
    try:
        al = Alert.model_validate(raw) if isinstance(raw, dict) else Alert.model_validate_json(raw)
    except ValidationError as exc:
        raise BadMessage(f"not an Alert: {_why(exc)}") from None
    doc = al.model_dump(mode="json", exclude={"message"})
    main = {
        "alert_id": al.alert_id,
        "subscription": al.subscription,
        "kind": al.kind,
        "status": al.status,
        "severity": al.severity,
        "silenced_by": al.silenced_by,
        "created_at": utc_naive(al.created_at),
        "text": al.title.lower(),
        "doc": doc,
        "received_at": received_at or utc_naive(al.created_at),
    }
    links = sorted({s.signal_id for s in al.signals})
    child = [{"alert_id": al.alert_id, "signal_id": s, "subscription": al.subscription} for s in links]
    return Rows("alerts", al.alert_id, [main], {"alert_signals": child})


def event_rows(raw: bytes | str | dict[str, Any], received_at: datetime | None = None) -> Rows:
    """An event version from the ``events`` topic (schemas/event.py): the newest version of an
    id replaces the row, its codes and its link to the representative signal."""
    from schemas.event import Event

    try:
        ev = Event.model_validate(raw) if isinstance(raw, dict) else Event.model_validate_json(raw)
    except ValidationError as exc:
        raise BadMessage(f"not an Event: {_why(exc)}") from None
    doc = ev.model_dump(mode="json")
    last = utc_naive(ev.last_seen)
    country = ev.location.country.upper() if ev.location and ev.location.country else None
    codes: dict[str, str] = {}
    for a in ev.actors.source:
        codes.setdefault(a.code.upper(), "source")
    for a in ev.actors.target:
        codes.setdefault(a.code.upper(), "target")
    if country:
        codes.setdefault(country, "place")
    rep = ev.representative
    place = ev.location.name if ev.location else ""
    main = {
        "event_id": ev.event_id,
        "type": ev.type.value,
        "status": ev.status,
        "schedule": ev.schedule,
        "severity": ev.severity,
        "first_seen": utc_naive(ev.first_seen),
        "last_seen": last,
        "event_date": ev.event_date,
        "country": country,
        "scheduled": ev.schedule is not None,
        "text": f"{rep.article.title}\n{rep.evidence.sentence}\n{place}".lower(),
        "doc": doc,
        "received_at": received_at or utc_naive(ev.updated_at),
    }
    child_codes = [{"code": c, "event_id": ev.event_id, "role": r, "last_seen": last}
                   for c, r in sorted(codes.items())]
    links = [{"event_id": ev.event_id, "signal_id": rep.signal_id}]
    return Rows("events", ev.event_id, [main], {"event_codes": child_codes, "event_signals": links},
                replace=("event_codes", "event_signals"))


def ledger_rows(key: bytes | str | None, raw: bytes | str | dict[str, Any] | None,
                received_at: datetime | None = None) -> Rows | None:
    """A delivery-ledger changelog record (``{alert_id: {targets: {...}}}``); None for a
    tombstone (the ledger forgot a finished alert; the desk keeps its history)."""
    import json

    if raw is None:
        return None
    try:
        alert_id = json.loads(key) if isinstance(key, bytes | str) else None
        value = raw if isinstance(raw, dict) else json.loads(raw)
        targets = value["targets"]
        updated = utc_naive(value.get("updated_at")) or utc_naive(value.get("created_at"))
    except (ValueError, TypeError, KeyError) as exc:
        raise BadMessage(f"not a delivery-ledger record: {exc}") from None
    if not isinstance(alert_id, str) or not isinstance(targets, dict) or updated is None:
        raise BadMessage("not a delivery-ledger record: key or targets missing")
    rows = []
    for target_id, t in sorted(targets.items()):
        rows.append({
            "alert_id": alert_id,
            "target_id": str(target_id),
            "state": str(t.get("state", "pending")),
            "attempts": int(t.get("attempts") or 0),
            "sent_at": utc_naive(t.get("sent_at")),
            "last_attempt_at": utc_naive(t.get("last_attempt_at")),
            "error": scrub(t.get("error")),
            "updated_at": updated,
            "received_at": received_at or updated,
        })
    return Rows("deliveries", alert_id, rows)


def scrub(text: str | None) -> str | None:
    """An error text with anything URL-like reduced to its scheme (delivery already redacts;
    this makes sure a target URL with a password never reaches a page)."""
    if not text:
        return text
    import re

    return re.sub(r"\b([a-zA-Z][a-zA-Z0-9+.-]*)://\S+", r"\1://…", str(text))
