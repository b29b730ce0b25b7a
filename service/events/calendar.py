"""The diplomatic calendar: scheduled events, their follow-ups, reminders and the iCalendar feed.

Pure: every function takes the time it needs (``now``) instead of reading a clock.

An event founded by a *scheduled* signal with a date ("will meet in Geneva on Jan. 10") is a
calendar entry (``schedule: announced``). Later signals of the same event move it through:

- ``postponed`` — the sentence says postponed / delayed / rescheduled / pushed back; a later
  date in it becomes the event's date;
- ``cancelled`` — cancelled / called off / scrapped;
- ``moved`` — moved / relocated to another place (the new place becomes the event's);
- ``held`` — an *asserted* report of it ("met in Geneva on Monday");
- ``no_report`` — set by :func:`due` (not by a signal): its date has passed by ``grace`` and
  no report said it was held, postponed or cancelled.

:func:`due` also yields the reminders (``lead`` before the date). :func:`to_ics` renders entries
as RFC 5545 with the ``icalendar`` library: one all-day VEVENT per entry, ``UID`` the event id,
``SEQUENCE`` its version, ``STATUS`` TENTATIVE / CONFIRMED / CANCELLED, so a calendar client
that re-reads the feed updates (and strikes through) what it imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from schemas.common import Modality
from schemas.signal import Signal

PENDING = frozenset({"announced", "postponed", "moved"})

_POSTPONED = re.compile(
    r"\b(postpon\w*|delay(?:ed|s)?|reschedul\w*|pushed back|push back|put off|deferred)\b")
_CANCELLED = re.compile(r"\b(cancel+(?:ed|s|ation)?|called off|calls? off|scrapped|scrapp?ing)\b")
_MOVED = re.compile(r"\b(moved|relocated|relocating|switched|shifted)\b(?:\s+\w+){0,3}\s+to\b")


_MONTHS = {m[:3]: i for i, m in enumerate(
    ("january february march april may june july august september october november december").split(), 1)}
_NEW_DATE = re.compile(
    r"\b(?:postpon\w*|delay\w*|reschedul\w*|pushed back|put off|deferred|moved)\b[^.;]*?"
    r"\b(?:to|until|till|for)\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})\b")


def new_date(sentence: str, old: date | None, published: date) -> date | None:
    """The date a postponement sentence gives ("postponed to Jan. 17"), in the year that puts
    it on or after the old date (or the publication date), else None."""
    m = _NEW_DATE.search(sentence.lower())
    if m is None:
        return None
    month, day = _MONTHS[m.group(1)[:3]], int(m.group(2))
    after = old or published
    for year in (after.year, after.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= after:
            return candidate
    return None


def follow_up_status(sentence: str) -> str | None:
    """``postponed``, ``cancelled``, ``moved`` or None, from an evidence sentence."""
    text = sentence.lower()
    if _CANCELLED.search(text):
        return "cancelled"
    if _POSTPONED.search(text):
        return "postponed"
    if _MOVED.search(text):
        return "moved"
    return None


def _history(rec: dict, status: str, signal: Signal, dumped: dict) -> None:
    loc = rec["location"]
    rec["schedule_history"] = [*rec["schedule_history"], {
        "status": status,
        "at": dumped["article"]["published_at"],
        "event_date": rec["event_date"],
        "place": loc["name"] if loc else None,
        "article_id": signal.article_id,
        "sentence": signal.evidence.sentence,
    }]


def apply_follow_up(rec: dict, signal: Signal, dumped: dict, follow: str | None) -> dict:
    """A scheduled event's record after one more signal (the consolidator's follow-up step)."""
    status = rec["schedule"]
    later = dumped["event_date"]
    end = dumped["event_date_end"]
    if follow == "postponed":
        old = date.fromisoformat(rec["event_date"]) if rec["event_date"] else None
        said = new_date(signal.evidence.sentence, old, signal.article.published_at.date())
        if said is not None:
            later, end = said.isoformat(), None
        if later and (rec["event_date"] is None or later > rec["event_date"]):
            rec["event_date"], rec["event_date_end"] = later, end
            rec["changes"].append("date_changed")
        status = "postponed"
    elif follow == "cancelled":
        status = "cancelled"
    elif follow == "moved":
        loc = dumped["location"]
        if loc and (rec["location"] is None or loc["name"] != rec["location"]["name"]):
            rec["location"] = loc
            rec["changes"].append("place_changed")
        status = "moved"
    elif signal.modality == Modality.ASSERTED:
        status = "held"
    else:
        if rec["location"] is None and dumped["location"] is not None:
            rec["location"] = dumped["location"]
    if status != rec["schedule"]:
        rec["schedule"] = status
        _history(rec, status, signal, dumped)
    return rec


# --- entries, reminders, no-report -----------------------------------------------------------------


def effective_status(entry: dict) -> str:
    """The entry's status, ``no_report`` included (recorded by :func:`due` for this date)."""
    event = entry["event"]
    status = event["schedule"]
    last = event["event_date_end"] or event["event_date"]
    if status in PENDING and entry.get("no_report") and entry["no_report"] == last:
        return "no_report"
    return status


def entry_from(event: dict, previous: dict | None) -> dict:
    """The calendar entry of an event version (keeping what was already reminded/reported)."""
    entry = {"event": event, "reminded": {}, "no_report": None}
    if previous is not None:
        entry["reminded"] = dict(previous.get("reminded", {}))
        entry["no_report"] = previous.get("no_report")
    return entry


def starts(event: dict) -> datetime:
    return datetime.combine(date.fromisoformat(event["event_date"]), time(0), UTC)


def ends(event: dict) -> datetime:
    last = event["event_date_end"] or event["event_date"]
    return datetime.combine(date.fromisoformat(last), time(0), UTC) + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Due:
    """A calendar alert to send: ``kind`` is ``reminder`` or ``no_report``."""

    kind: str
    event_id: str
    subscription: str
    event: dict


def due(entry: dict, subscriptions: Iterable[tuple[str, timedelta, timedelta]],
        now: datetime) -> tuple[dict, list[Due]]:
    """Reminders and no-report alerts due at ``now`` for one entry, and the entry after them.

    ``subscriptions``: (name, lead, grace) of each calendar subscription that has the entry.
    A reminder is sent once per subscription and date (a postponement re-arms it); the
    no-report alert once per date.
    """
    event = entry["event"]
    if event["schedule"] not in PENDING or event.get("status") == "retracted" or not event["event_date"]:
        return entry, []
    out: list[Due] = []
    start, end = starts(event), ends(event)
    when = event["event_date"]
    reminded = dict(entry["reminded"])
    last = event["event_date_end"] or when
    reported = entry.get("no_report") == last
    for name, lead, grace in subscriptions:
        if start - lead <= now < start and reminded.get(name) != when:
            reminded[name] = when
            out.append(Due("reminder", event["event_id"], name, event))
        if now >= end + grace and not reported:
            out.append(Due("no_report", event["event_id"], name, event))
    entry = {**entry, "reminded": reminded}
    if any(d.kind == "no_report" for d in out):
        entry["no_report"] = last
    return entry, out


# --- iCalendar -------------------------------------------------------------------------------------


ICS_STATUS = {"announced": "TENTATIVE", "postponed": "TENTATIVE", "moved": "TENTATIVE",
              "no_report": "TENTATIVE", "held": "CONFIRMED", "cancelled": "CANCELLED"}


def summary_line(event: dict) -> str:
    """``CONSULT (meeting): USA, RUS — Geneva`` plus the state when it is not the plan."""
    rep = event["representative"]
    codes = list(dict.fromkeys(a["code"] for side in ("source", "target")
                               for a in event["actors"][side]))
    head = event["type"] + (f" ({event['mode']})" if event.get("mode") else "")
    text = head + (": " + ", ".join(codes) if codes else "")
    if event.get("location"):
        text += f" — {event['location']['name']}"
    status = event["schedule"]
    if status in ("postponed", "moved", "cancelled", "held"):
        text += f" [{status}]"
    return text if codes or event.get("location") else f"{text}: {rep['article']['title']}"


def _description(entry: dict) -> str:
    event = entry["event"]
    rep = event["representative"]
    lines = [f"\u201c{rep['evidence']['sentence']}\u201d", "",
             f"Status: {effective_status(entry)}",
             f"Reported by {event['corroboration']} independent source(s): "
             + ", ".join(event["sources"][:10])]
    for change in event["schedule_history"]:
        lines.append(f"- {change['at'][:10]} {change['status']}"
                     + (f" (date {change['event_date']})" if change.get("event_date") else "")
                     + (f" at {change['place']}" if change.get("place") else ""))
    if rep["article"].get("url"):
        lines += ["", rep["article"]["url"]]
    return "\n".join(lines)


def to_ics(entries: Iterable[dict], name: str = "escalert diplomatic calendar") -> bytes:
    """RFC 5545 text of the entries (one all-day VEVENT each), via the ``icalendar`` library."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//escalert//diplomatic calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for entry in sorted(entries, key=lambda e: (e["event"]["event_date"] or "", e["event"]["event_id"])):
        event = entry["event"]
        if not event["event_date"]:
            continue
        vevent = icalendar.Event()
        vevent.add("uid", f"{event['event_id']}@escalert")
        vevent.add("dtstamp", datetime.fromisoformat(event["updated_at"]))
        vevent.add("last-modified", datetime.fromisoformat(event["updated_at"]))
        vevent.add("sequence", event["version"])
        vevent.add("dtstart", date.fromisoformat(event["event_date"]))
        vevent.add("dtend", ends(event).date())
        vevent.add("summary", summary_line(event))
        vevent.add("description", _description(entry))
        vevent.add("status", ICS_STATUS[effective_status(entry)])
        vevent.add("categories", [event["type"]])
        vevent.add("transp", "TRANSPARENT")
        if event.get("location"):
            vevent.add("location", event["location"]["name"])
        url = event["representative"]["article"].get("url")
        if url and url.startswith(("http://", "https://")):
            vevent.add("url", url)
        cal.add_component(vevent)
    return cal.to_ical()


def entries_matching(entries: Iterable[dict], accept: Any) -> Iterator[dict]:
    """The entries whose event ``accept(event)`` wants (a subscription's filters)."""
    for entry in entries:
        if accept(entry["event"]):
            yield entry
