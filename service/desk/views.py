"""Pure views over stored messages: names of codes, calendar entries, trajectories, .ics.

No I/O: the API fetches documents from the store and hands them here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from service.alerts.names import name_of

CONFLICT_LABEL = "conflict"
COOPERATION_LABEL = "cooperation"


def _codes_in(doc: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    actors = doc.get("actors") or {}
    if isinstance(actors, dict):
        for role in ("source", "target"):
            for a in actors.get(role) or []:
                if isinstance(a, dict) and a.get("code"):
                    out.add(str(a["code"]).upper())
    loc = doc.get("location") or {}
    if isinstance(loc, dict) and loc.get("country"):
        out.add(str(loc["country"]).upper())
    for s in doc.get("signals") or []:
        if isinstance(s, dict):
            out |= _codes_in(s)
    return out


def names_for(docs: Iterable[dict[str, Any]], extra: Iterable[str] = ()) -> dict[str, str]:
    """``{code: readable name}`` for every actor and country code in ``docs``."""
    codes: set[str] = {c.upper() for c in extra if c}
    for d in docs:
        codes |= _codes_in(d)
    out = {}
    for c in sorted(codes):
        name = name_of(c)
        if name and name.upper() != c:
            out[c] = name
    return out


def _parties(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    actors = doc.get("actors") or {}
    src = sorted({str(a["code"]).upper() for a in actors.get("source") or [] if a.get("code")})
    tgt = sorted({str(a["code"]).upper() for a in actors.get("target") or [] if a.get("code")})
    return src, tgt


def _entry_status(schedule: str | None, day: date, today: date) -> str:
    """What the page shows: upcoming, held, postponed, moved, cancelled, no report (an event
    whose date passed with no report either way) or date passed (a signal, nothing followed)."""
    if schedule in ("held", "postponed", "moved", "cancelled"):
        return schedule
    if schedule == "no_report":
        return "no report"
    if day >= today:
        return "upcoming"
    return "no report" if schedule == "announced" else "date passed"


def _event_entry(ev: dict[str, Any], today: date) -> dict[str, Any]:
    day = date.fromisoformat(str(ev["event_date"])[:10])
    src, tgt = _parties(ev)
    rep = ev.get("representative") or {}
    loc = ev.get("location") or {}
    return {
        "id": ev["event_id"], "kind": "event", "date": day.isoformat(),
        "date_end": ev.get("event_date_end"), "type": ev.get("type"),
        "title": (rep.get("article") or {}).get("title") or "",
        "place": loc.get("name"), "country": loc.get("country"),
        "parties": src + [c for c in tgt if c not in src],
        "status": _entry_status(ev.get("schedule"), day, today),
        "evidence": rep.get("evidence"), "articles": ev.get("articles") or [],
        "history": ev.get("schedule_history") or [], "event_id": ev["event_id"],
        "version": ev.get("version"), "updated_at": ev.get("updated_at"),
        "corroboration": ev.get("corroboration"),
    }


def calendar_entries(events: list[dict[str, Any]], signals: list[dict[str, Any]],
                     today: date) -> list[dict[str, Any]]:
    """One entry per scheduled event (schemas/event.py). Scheduled signals of articles no event
    covers (no event consolidation running) are grouped by date, type, parties and place, so
    several articles announcing the same meeting are one entry."""
    entries = [_event_entry(ev, today) for ev in events if ev.get("status") != "retracted"]
    covered = {(a["id"], ev["type"]) for ev in events for a in ev.get("articles") or []}
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for s in signals:
        if (s["article_id"], s["type"]) in covered:
            continue
        src, tgt = _parties(s)
        loc = s.get("location") or {}
        key = (s["event_date"], s["type"], tuple(sorted(set(src + tgt))), loc.get("name") or "")
        groups.setdefault(key, []).append(s)
    for key, sigs in groups.items():
        first = min(sigs, key=lambda x: (x["article"]["published_at"], x["signal_id"]))
        day = date.fromisoformat(key[0])
        src, tgt = _parties(first)
        loc = first.get("location") or {}
        entries.append({
            "id": "cal-" + hashlib.sha256("\x1f".join(map(str, key)).encode()).hexdigest()[:16],
            "kind": "signals", "date": day.isoformat(), "date_end": first.get("event_date_end"),
            "type": first["type"], "title": first["article"].get("title") or "",
            "place": loc.get("name"), "country": loc.get("country"),
            "parties": src + [c for c in tgt if c not in src],
            "status": _entry_status(None, day, today), "evidence": first["evidence"],
            "articles": _unique_articles(sigs), "history": [], "event_id": None,
            "signal_ids": sorted(x["signal_id"] for x in sigs), "version": None,
            "updated_at": None, "corroboration": None,
        })
    entries.sort(key=lambda e: (e["date"], e["id"]))
    return entries


def _unique_articles(signals: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for s in signals:
        a = s.get("article") or {}
        if a.get("id") and a["id"] not in seen:
            seen[a["id"]] = a
    return sorted(seen.values(), key=lambda a: (a.get("published_at") or "", a["id"]))


def articles_of(signals: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return _unique_articles(signals)


def calendar_ics(entries: list[dict[str, Any]], names: dict[str, str], *,
                 name: str = "escalert diplomatic calendar") -> bytes:
    """RFC 5545 (``icalendar``): one all-day VEVENT per entry; UID and DTSTAMP deterministic."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//escalert//desk//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    status_map = {"cancelled": "CANCELLED", "postponed": "TENTATIVE", "moved": "TENTATIVE",
                  "no report": "TENTATIVE", "upcoming": "CONFIRMED", "held": "CONFIRMED"}
    for e in entries:
        ev = Event()
        ev.add("uid", f"{e['id']}@escalert")
        start = date.fromisoformat(e["date"])
        end = date.fromisoformat(str(e["date_end"])[:10]) if e.get("date_end") else start
        ev.add("dtstart", start)
        ev.add("dtend", end + timedelta(days=1))
        parties = " – ".join(names.get(c, c) for c in e["parties"]) or "?"
        ev.add("summary", f"{e['type']}: {parties}" + (f" ({e['status']})" if e["status"] not in
                                                        ("upcoming", "date passed") else ""))
        if e.get("place"):
            ev.add("location", e["place"])
        lines = []
        if e.get("evidence"):
            lines.append(f"“{e['evidence'].get('sentence', '')}”")
        for a in e.get("articles", [])[:5]:
            lines.append(" · ".join(x for x in (a.get("source"), a.get("title"), a.get("url")) if x))
        ev.add("description", "\n".join(lines))
        stamp = e.get("updated_at") or max(
            (a.get("published_at") or "" for a in e.get("articles", [])), default="")
        ev.add("dtstamp", datetime.fromisoformat(stamp) if stamp else datetime(1970, 1, 1))
        if e.get("version"):
            ev.add("sequence", e["version"])  # a client re-reading the feed updates the entry
        if e["status"] in status_map:
            ev.add("status", status_map[e["status"]])
        cal.add_component(ev)
    return cal.to_ical()


def event_as_point(ev: dict[str, Any]) -> dict[str, Any]:
    """An event in the shape :func:`trajectory` reads (its first report is its day)."""
    rep = ev.get("representative") or {}
    return {"signal_id": (rep.get("signal_id") or ev["event_id"]), "event_id": ev["event_id"],
            "type": ev["type"], "intensity": ev["intensity"], "actors": ev.get("actors") or {},
            "location": ev.get("location"),
            "article": {"published_at": ev["first_seen"], "title": (rep.get("article") or {}).get("title")},
            "evidence": rep.get("evidence") or {"sentence": ""}}


def _day_of(s: dict[str, Any]) -> date:
    return datetime.fromisoformat(s["article"]["published_at"]).date()


def trajectory(signals: list[dict[str, Any]], *, source: str | None, target: str | None,
               country: str | None, start: date, days: int) -> list[dict[str, Any]]:
    """Daily conflict and cooperation from asserted signals (or events, through
    :func:`event_as_point`): per day the sum of the negative intensities (as a positive number)
    and of the positive ones, and what is behind them.

    A dyad (``source``, ``target``) counts signals where ``source`` acts on ``target``; a
    ``country`` counts signals where it is an actor or the place.
    """
    series = [{"date": (start + timedelta(days=i)).isoformat(), CONFLICT_LABEL: 0.0,
               COOPERATION_LABEL: 0.0, "count": 0, "signals": []} for i in range(days)]
    for s in signals:
        src, tgt = _parties(s)
        if source and not (source in src and (target is None or target in tgt)):
            continue
        if country and country not in _codes_in(s):
            continue
        i = (_day_of(s) - start).days
        if not 0 <= i < days:
            continue
        day = series[i]
        x = float(s["intensity"])
        if x < 0:
            day[CONFLICT_LABEL] = round(day[CONFLICT_LABEL] - x, 2)
        else:
            day[COOPERATION_LABEL] = round(day[COOPERATION_LABEL] + x, 2)
        day["count"] += 1
        day["signals"].append({"signal_id": s["signal_id"], "event_id": s.get("event_id"),
                               "type": s["type"],
                               "intensity": s["intensity"], "title": s["article"].get("title"),
                               "sentence": s["evidence"]["sentence"]})
    for day in series:
        day["signals"].sort(key=lambda x: (x["intensity"], x["signal_id"]))
    return series
