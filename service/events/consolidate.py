"""Event consolidation: signals in, versions of consolidated events out. Pure, no I/O, no clock.

``Consolidator(state).add(signal) -> dict | None`` returns the new version of the event the
signal joined or founded (an :class:`~schemas.event.Event` as a JSON-able dict), or None when
the signal changes nothing (a duplicate). ``retract(article_id)`` removes a withdrawn article
from the events it fed and returns their new versions (``key``: of that event type only).

The rules (README "Events" and docs/events.md):

- **same event**: same type (the consolidation key, so all candidates share one partition);
  actors overlap (source sets and target sets each intersect or one side is unknown, and at
  least one code is shared; for the symmetric types CONSULT, AGREE and COOPERATE direction is
  ignored); place compatible (an unknown place matches any; otherwise the same country, or the
  same name); date compatible (an unknown date matches any; ranges overlap, one day of slack);
  modality compatible (asserted and scheduled together, the others only with themselves);
  within ``window`` of the event's articles (a scheduled event stays open until its date has
  passed by ``window``).
- **follow-ups** of a scheduled event ignore the date (and, when moved, the place) rule: a
  sentence saying it was postponed, cancelled or moved updates the calendar state
  (:mod:`service.events.calendar`).
- **independent sources**: one outlet counts once; an article whose evidence sentence is word
  for word another outlet's (a syndicated copy) is listed but not counted.
- **best evidence**: highest confidence, then severity, then earliest publication, then id.

Time comes from the articles (``published_at``), never from a clock: replaying the same signals
in the same order yields the same events, versions and ids.

State: a ``MutableMapping[str, Any]`` of JSON-able values (a Faust table in the worker, a dict in
tests), re-assigned on change, never mutated in place:

- ``e|<event_id>``: the event record (the public event plus ``_``-prefixed bookkeeping; in
  ``_best``, each article's best signal, the representative's article holds ``"="``: the
  representative is stored once);
- ``o|<type>|<event_id>``: what matching needs of an open event, as a list (``SRC`` ...
  ``SCHED``), written when it changes and deleted when the event closes (its window ended more
  than a window before the newest article time of its type). The consolidator matches from
  these entries held in memory per type (:class:`~service.events.openindex.OpenIndex`, filed
  by actor pair), read from the state at the first signal of a type after :meth:`forget`, so a
  candidate is found without loading its record and without reading an index from the state.
  (``m|`` and ``i|`` keys, per actor indexes of earlier formats, are unread: their events stop
  taking new signals);
- ``a|<type>|<article id>``: the article, as far as events of that type go:
  ``{"events": [...], "revision": n, "withdrawn": bool}``, the events of the type it fed (for
  retractions and revisions), the newest revision of it seen (older revisions' signals are
  ignored; their contributions were taken out of the events), and whether it was withdrawn (its
  late signals are ignored). One read per signal tells all three. Kept per type, as everything
  else here, so that every key lives in the one partition of its type. (``a|<article id>``,
  ``r|`` and ``v|`` keys are earlier formats, unread: articles of before an upgrade are not
  taken out of their events when withdrawn or revised.)

``Consolidator(state, batched=True)`` keeps its writes in memory until
:meth:`Consolidator.flush` (the worker flushes once per batch): a record that many signals of a
batch change is serialised once, not once per signal, and a key is read from the state at most
once per batch. The open events' entries stay in memory across batches. The consolidator must be
its state's only writer while it holds them; :meth:`Consolidator.forget` drops them (the worker
calls it when partitions are assigned or revoked).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from schemas.common import EventType, Genre, Modality
from schemas.signal import Signal
from service.events.calendar import apply_follow_up, follow_up_status
from service.events.openindex import OpenIndex, load
from service.ingest.canon import url_host

SYMMETRIC_TYPES = frozenset({EventType.CONSULT, EventType.AGREE, EventType.COOPERATE})
_SYMMETRIC_KEYS = frozenset(t.value for t in SYMMETRIC_TYPES)
MODALITY_RANK = {"asserted": 5, "scheduled": 4, "speculative": 3, "denied": 2, "historical": 1}
MAX_ARTICLES = 50  # listed in the event (all are counted)
MAX_SIGNAL_IDS = 500  # remembered for de-duplication
MAX_BEST = 20  # per-article best signals kept, so a retraction can pick the next best
_NEW_ARTICLE: dict[str, Any] = {"events": [], "revision": 0, "withdrawn": False}
_REP = "="  # in an event record's ``_best``: that article's best signal is the representative
_SEP = "|"
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class ConsolidationConfig:
    window: timedelta = timedelta(hours=72)
    date_slack_days: int = 1


def event_key(signal: Signal) -> str:
    """The consolidation (partition) key: the event type. Candidates never cross it."""
    return signal.type.value


def event_id_for(key: str, founding_signal_id: str) -> str:
    return "ev-" + hashlib.sha256(f"{key}\x1f{founding_signal_id}".encode()).hexdigest()[:20]


def source_of(signal: Signal) -> str:
    """The outlet key: its name, else the link's host, else the article id."""
    a = signal.article
    if a.source and a.source.strip():
        return a.source.strip().lower()
    host = url_host(a.url) if a.url else ""
    return host or f"article:{a.id}"


def fingerprint(sentence: str) -> str:
    """The evidence sentence with case, punctuation and spacing ignored (syndication check)."""
    words = _WORD.findall(sentence.lower())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


def modality_class(modality: str) -> str:
    return "actual" if modality in ("asserted", "scheduled") else modality


def _ts(dt: datetime) -> float:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# --- matching ------------------------------------------------------------------------------------

# What matching needs of a signal or an indexed event, as a list (an index entry is stored as
# JSON: positions, not names, keep it small). A signal's summary has the first eight fields.
SRC, TGT, COUNTRY, PLACE, D0, D1, M, SCHED_M, FIRST, LAST, UNTIL, SCHED = range(12)


def summary_of(signal: Signal) -> list[Any]:
    """What matching needs of a signal (the first fields of an index entry)."""
    loc = signal.location
    d0 = signal.event_date
    d1 = signal.event_date_end or d0
    return [
        sorted({a.code.upper() for a in signal.actors.source}),
        sorted({a.code.upper() for a in signal.actors.target}),
        (loc.country or "").upper() if loc else "",
        loc.name.strip().lower() if loc else "",
        d0.isoformat() if d0 else "",
        d1.isoformat() if d1 else "",
        modality_class(signal.modality.value),
        signal.modality == Modality.SCHEDULED,
    ]


def actors_compatible(a: list, b: list, symmetric: bool) -> int:
    """How many codes two summaries share (0: not the same actors)."""
    if symmetric:
        # Talks USA-RUS and talks RUS-NATO share Russia but are two meetings: when both name
        # two or more parties, two must be shared.
        x, y = set(a[SRC]) | set(a[TGT]), set(b[SRC]) | set(b[TGT])
        shared = len(x & y)
        return shared if shared >= min(2, len(x), len(y)) else 0
    shared = 0
    for side in (SRC, TGT):
        x, y = a[side], b[side]  # short sorted lists: a scan beats building sets
        if x and y:
            common = sum(1 for c in x if c in y)
            if not common:
                return 0
            shared += common
    # No code shared (no actors at all included): the place alone does not make one event.
    return shared


def place_compatible(a: list, b: list) -> bool:
    if not (a[COUNTRY] or a[PLACE]) or not (b[COUNTRY] or b[PLACE]):
        return True
    if a[COUNTRY] and b[COUNTRY]:
        return a[COUNTRY] == b[COUNTRY]
    return a[PLACE] == b[PLACE]


def dates_compatible(a: list, b: list, slack_days: int) -> bool:
    """Unknown dates match any; ranges overlap with ``slack_days`` of slack, except between
    two scheduled mentions (a meeting on Jan. 12 and one on Jan. 13 are two meetings)."""
    if not a[D0] or not b[D0]:
        return True
    slack = timedelta(days=0 if a[SCHED_M] and b[SCHED_M] else slack_days)
    a0, a1 = (date.fromisoformat(a[D0]), date.fromisoformat(a[D1] or a[D0]))
    b0, b1 = (date.fromisoformat(b[D0]), date.fromisoformat(b[D1] or b[D0]))
    return a0 <= b1 + slack and b0 <= a1 + slack


def match_score(entry: list, sig: list, *, symmetric: bool, follow_up: str | None,
                t: float, cfg: ConsolidationConfig) -> tuple[int, int, float] | None:
    """None when the signal cannot join the indexed event; else a score (higher is better)."""
    if entry[M] != sig[M]:
        return None
    if not entry[FIRST] - cfg.window.total_seconds() <= t <= entry[UNTIL]:
        return None
    shared = actors_compatible(entry, sig, symmetric)
    if not shared:
        return None
    return _score(entry, sig, shared, follow_up, t, cfg.date_slack_days)


def _score(entry: list, sig: list, shared: int, follow_up: str | None, t: float,
           slack_days: int) -> tuple[int, int, float] | None:
    """The rest of :func:`match_score` once type, window and actors agree."""
    # A follow-up of a scheduled event (postponed, moved...) may name another date or place.
    rescheduling = follow_up is not None and entry[SCHED] is not None
    if not rescheduling and not (
        place_compatible(entry, sig) and dates_compatible(entry, sig, slack_days)
    ):
        return None
    exact_date = int(bool(sig[D0]) and sig[D0] == entry[D0])
    return shared, exact_date, -abs(t - entry[LAST])


# --- the consolidator ----------------------------------------------------------------------------


class Consolidator:
    """Joins signals into events over a state mapping (see the module docstring)."""

    def __init__(self, state: MutableMapping[str, Any] | None = None,
                 config: ConsolidationConfig | None = None, *, batched: bool = False) -> None:
        self.state: MutableMapping[str, Any] = {} if state is None else state
        self.config = config or ConsolidationConfig()
        self._window = self.config.window.total_seconds()
        # Writes not yet in ``state`` (see flush): key -> (value, the caller's tag of the last
        # add or retract that wrote it).
        self._pending: dict[str, tuple[Any, Any]] = {}
        # What this batch read from ``state`` (None: absent), so a key is read once per batch.
        self._read: dict[str, Any] = {}
        # The open events of each type (read from the state's ``o|`` keys at first use).
        self._open: dict[str, OpenIndex] = {}
        self._tag: Any = None
        self.batched = batched  # False: every add and retract flushes (writes through)

    # -- public API --------------------------------------------------------------------------------

    def fold(self, signal: Signal, tag: Any = None) -> list[dict]:
        """Fold one signal in: the new versions it causes (a signal of a newer revision of its
        article first takes the older revision out of the events it fed, :meth:`revise`)."""
        out = []
        key = event_key(signal)
        if signal.article.revision > self._article(key, signal.article_id)["revision"]:
            out = self.revise(signal.article_id, signal.article.revision, tag, key=key)
        version = self.add(signal, tag)
        return [*out, version] if version is not None else out

    def add(self, signal: Signal, tag: Any = None) -> dict | None:
        """Fold one signal in; the event's new version (public dict), or None if unchanged.

        A signal of an older revision than one already seen is ignored; see :meth:`fold` for
        a newer one. ``tag`` goes with the writes this makes to :meth:`flush` (the worker
        passes the Faust event of the signal: its partition is the one that holds what the
        signal changes).
        """
        self._tag = tag
        key = event_key(signal)
        article = self._article(key, signal.article_id)
        if article["withdrawn"]:
            return None  # the article was withdrawn (its signals arrived after the tombstone)
        if signal.article.revision < article["revision"]:
            return None  # a late signal of a revision the article has since replaced
        sig = summary_of(signal)
        t = _ts(signal.article.published_at)
        follow = follow_up_status(signal.evidence.sentence)
        found = self._find(key, sig, signal, follow, t)
        if found is None:
            rec = self._new(key, signal, sig)
        else:
            rec = self._load(found)
            if dedupe_id(signal) in rec["_ids"]:
                return None
            rec = (self._join(rec, signal, sig, follow) if rec["_art"]
                   else self._reinstate(rec, key, signal, sig))
        self._store(rec, signal.article_id)
        if not self.batched:
            self.flush()
        return public(rec)

    def flush(self, write: Callable[[str, Any, Any], None] | None = None) -> int:
        """Write the pending event records, open event entries and article records to the
        state; how many.

        With ``batched=True``, :meth:`add`, :meth:`revise` and :meth:`retract` keep the keys
        they change in memory (reads see them) until this is called, so a record changed by
        many signals of a batch is serialised once: call ``flush`` after each batch, before
        publishing its versions. ``write(key, value, tag)`` does the writing (default:
        ``state[key] = value``; a None value deletes the key: a closed event's entry); ``tag``
        is that of the last call that changed the key. Flushing at any point gives the same
        state and versions as flushing after every signal.
        """
        pending, self._pending = self._pending, {}
        self._read = {}
        for k, (value, tag) in pending.items():
            if write is not None:
                write(k, value, tag)  # None: delete the key
            elif value is not None:
                self.state[k] = value
            else:
                self.state.pop(k, None)
        return len(pending)

    def forget(self) -> None:
        """Drop what is held in memory of the state (the worker's partitions changed: another
        worker may have written them, or recovery did). Pending writes are kept."""
        self._read = {}
        self._open = {}

    def revise(self, article_id: str, revision: int, tag: Any = None, *, key: str | None = None
               ) -> list[dict]:
        """The article was republished with changed text (``revision``): take its earlier
        revisions out of every event they fed (of type ``key``; None: of every type; its new
        signals then join as any would); their new versions. Idempotent: a revision already
        taken into account changes nothing."""
        self._tag = tag
        out: list[dict] = []
        for k in _keys(key):
            article = self._article(k, article_id)
            if revision <= article["revision"] or article["withdrawn"]:
                continue
            out += self._remove_article(k, article_id, revised=True)
            self._put(_article_key(k, article_id), {"events": [], "revision": revision, "withdrawn": False})
        if not self.batched:
            self.flush()
        return out

    def _remove_article(self, key: str, article_id: str, *, revised: bool) -> list[dict]:
        out: list[dict] = []
        for event_id in self._article(key, article_id)["events"]:
            rec = self._load(event_id)
            if rec is None or article_id not in rec["_art"]:
                continue
            rec = _without_article(rec, article_id, revised=revised)
            self._store(rec, None)
            out.append(public(rec))
        return out

    def _reinstate(self, rec: dict, key: str, signal: Signal, sig: list) -> dict:
        """An event every article left (withdrawn or revised away) that a new signal joins:
        built again from that signal, under its id, with the next version."""
        fresh = self._new(key, signal, sig)
        return {**fresh, "event_id": rec["event_id"], "version": rec["version"] + 1,
                "changes": ["article_added"]}

    def retract(self, article_id: str, tag: Any = None, *, key: str | None = None) -> list[dict]:
        """Remove a withdrawn article from every event it fed (of type ``key``; None: of every
        type); their new versions."""
        self._tag = tag
        out: list[dict] = []
        for k in _keys(key):
            out += self._remove_article(k, article_id, revised=False)
            article = self._article(k, article_id)
            self._put(_article_key(k, article_id), {**article, "events": [], "withdrawn": True})
        if not self.batched:
            self.flush()
        return out

    def event(self, event_id: str) -> dict | None:
        rec = self._load(event_id)
        return public(rec) if rec is not None else None

    # -- internals ---------------------------------------------------------------------------------

    def _get(self, k: str) -> Any:
        held = self._pending.get(k)
        if held is not None:
            return held[0]
        try:
            return self._read[k]
        except KeyError:
            pass
        value = self._read[k] = self.state.get(k)
        return value

    def _put(self, k: str, value: Any) -> None:
        self._pending[k] = (value, self._tag)

    def _open_events(self, key: str) -> OpenIndex:
        """The open events of type ``key``: in memory, else read from the state's ``o|`` keys
        (with this batch's pending writes over them)."""
        index = self._open.get(key)
        if index is None:
            prefix = _open_key(key, "")
            found = dict(_items_with_prefix(self.state, prefix))
            found.update((k, v) for k, (v, _) in self._pending.items() if k.startswith(prefix))
            entries = ((k[len(prefix):], v) for k, v in found.items() if v is not None)
            index = self._open[key] = load(key in _SYMMETRIC_KEYS, self._window, entries)
        return index

    def _article(self, key: str, article_id: str) -> dict[str, Any]:
        """The article's record for events of type ``key`` (``a|``; the module docstring), or
        that of an article not seen."""
        value = self._get(_article_key(key, article_id))
        return _NEW_ARTICLE if value is None else value

    def _load(self, event_id: str) -> dict | None:
        return self._get(f"e{_SEP}{event_id}")

    def _find(self, key: str, sig: list, signal: Signal, follow: str | None, t: float) -> str | None:
        symmetric = signal.type in SYMMETRIC_TYPES
        best: tuple[tuple[int, int, float], str] | None = None
        earliest = t + self._window
        open_events = self._open_events(key)
        # A closed event (window ended a window before the newest article of its type) is not
        # joined even when it is still held: what matches depends on the open entries only.
        ends_after = max(t, open_events.cutoff)
        m, ss, st = sig[M], sig[SRC], sig[TGT]
        # The signal's codes as sets: an intersection with an entry's short list runs in C
        # (each summary's codes are unique, so its size is the count of shared codes).
        sset, tset = set(ss), set(st)
        slack = self.config.date_slack_days
        for event_id, entry in open_events.candidates(sig):
            # The cheap rejections first: match_score's tests, in the same order, inlined.
            if entry[UNTIL] < ends_after or entry[FIRST] > earliest or entry[M] != m:
                continue
            if symmetric:
                shared = actors_compatible(entry, sig, True)
            else:
                shared = 0
                es, et = entry[SRC], entry[TGT]
                if ss and es:
                    shared = len(sset.intersection(es))
                    if not shared:
                        continue
                if st and et:
                    common = len(tset.intersection(et))
                    if not common:
                        continue
                    shared += common
            if not shared:
                continue
            score = _score(entry, sig, shared, follow, t, slack)
            if score is None:
                continue
            # Highest score wins; among equals the smallest id (deterministic, in any order).
            if best is None or score > best[0] or (score == best[0] and event_id < best[1]):
                best = (score, event_id)
        return best[1] if best else None

    def _new(self, key: str, signal: Signal, sig: list) -> dict:
        dumped = signal.model_dump(mode="json")
        event_id = event_id_for(key, signal.signal_id)
        published = dumped["article"]["published_at"]
        rec: dict[str, Any] = {
            "schema_version": 1,
            "event_id": event_id,
            "version": 1,
            "key": key,
            "type": signal.type.value,
            "mode": signal.mode,
            "modality": signal.modality.value,
            "actors": dumped["actors"],
            "location": dumped["location"],
            "event_date": dumped["event_date"],
            "event_date_end": dumped["event_date_end"],
            "first_seen": published,
            "last_seen": published,
            "articles": [],
            "article_count": 0,
            "sources": [],
            "corroboration": 0,
            "signal_count": 0,
            "severity": signal.severity,
            "intensity": signal.intensity,
            "representative": dumped,
            "status": "active",
            "schedule": None,
            "schedule_history": [],
            "changes": ["new"],
            "updated_at": published,
            "_ids": [],
            "_fp": {},
            "_src": {},
            "_art": {},
            "_best": {},
            "_t": [_ts(signal.article.published_at)] * 2,
        }
        if signal.modality == Modality.SCHEDULED and signal.event_date is not None:
            rec["schedule"] = "announced"
            rec["schedule_history"] = [_change("announced", signal, dumped)]
        return _add_signal(rec, signal, dumped, sig)

    def _join(self, rec: dict, signal: Signal, sig: list, follow: str | None) -> dict:
        rec = dict(rec)
        dumped = signal.model_dump(mode="json")
        rec["version"] += 1
        rec["changes"] = []
        rec["updated_at"] = dumped["article"]["published_at"]
        old_sched = rec["schedule"]
        if old_sched is not None:
            rec = apply_follow_up(rec, signal, dumped, follow)
        else:
            if (signal.modality == Modality.SCHEDULED and signal.event_date is not None
                    and rec["event_date"] is None):
                # "Seoul, Washington set date for talks" then "will meet on March 18": the
                # event is the planned one, a calendar entry.
                rec["schedule"] = "announced"
                rec["schedule_history"] = [_change("announced", signal, dumped)]
            _merge_place_and_date(rec, signal, dumped)
        if rec["schedule"] is not None:
            # A calendar entry is scheduled until a report says it was held.
            modality = "asserted" if rec["schedule"] == "held" else "scheduled"
            changed = modality != rec["modality"]
        else:
            modality = signal.modality.value
            changed = MODALITY_RANK[modality] > MODALITY_RANK[rec["modality"]]
        if changed:
            rec["modality"] = modality
            rec["changes"].append("modality_changed")
        if signal.severity > rec["severity"]:
            rec["severity"] = signal.severity
            rec["changes"].append("severity_rise")
        if abs(signal.intensity) > abs(rec["intensity"]):
            rec["intensity"] = signal.intensity
        rec["actors"] = _union_actors(rec["actors"], dumped["actors"])
        if rec["schedule"] != old_sched:
            rec["changes"].append("schedule_changed")
        return _add_signal(rec, signal, dumped, sig)

    def _store(self, rec: dict, article_id: str | None) -> None:
        kind = rec["key"]
        event_id = rec["event_id"]
        self._put(f"e{_SEP}{event_id}", rec)
        open_events = self._open_events(kind)
        if open_events.put(event_id, _index_entry(rec, self.config)):
            self._put(_open_key(kind, event_id), open_events.entries[event_id])
            # Close the events whose window ended a window before the newest article (only a
            # signal published that late could still have joined them).
            for gone in open_events.prune():
                self._put(_open_key(kind, gone), None)
        if article_id is not None:
            article = self._article(kind, article_id)
            if event_id not in article["events"]:
                self._put(_article_key(kind, article_id), {**article, "events": [*article["events"], event_id]})


def _article_key(key: str, article_id: str) -> str:
    return f"a{_SEP}{key}{_SEP}{article_id}"


def _keys(key: str | None) -> list[str]:
    """The consolidation keys a notice concerns: ``key``, or every event type."""
    return [key] if key is not None else [t.value for t in EventType]


def _open_key(key: str, event_id: str) -> str:
    return f"o{_SEP}{key}{_SEP}{event_id}"


def _items_with_prefix(state: MutableMapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    """The state's (key, value) pairs whose key starts with ``prefix`` (a seek where the state
    offers one: :meth:`~service.events.tables.JsonValues.items_with_prefix`)."""
    scan = getattr(state, "items_with_prefix", None)
    if scan is not None:
        return scan(prefix)
    return ((k, state[k]) for k in list(state) if k.startswith(prefix))


def _index_entry(rec: dict, cfg: ConsolidationConfig) -> tuple[Any, ...]:
    """The event as matching sees it (its ``o|`` entry). A tuple of tuples and scalars: Python's
    cyclic collector stops tracking it after one pass, so thousands of open events held in
    memory do not lengthen every collection."""
    actors = rec["actors"]
    loc = rec["location"]
    d0, d1 = rec["event_date"], rec["event_date_end"] or rec["event_date"]
    until = rec["_t"][1] + cfg.window.total_seconds()
    if rec["schedule"] is not None and d1:
        end = datetime.combine(date.fromisoformat(d1), datetime.min.time(), UTC) + timedelta(days=1)
        until = max(until, end.timestamp() + cfg.window.total_seconds())
    return (
        tuple(sorted({a["code"].upper() for a in actors["source"]})),
        tuple(sorted({a["code"].upper() for a in actors["target"]})),
        ((loc or {}).get("country") or "").upper(),
        (loc or {}).get("name", "").strip().lower(),
        d0 or "",
        d1 or "",
        modality_class(rec["modality"]),
        rec["schedule"] is not None and rec["schedule"] != "held",
        rec["_t"][0],
        rec["_t"][1],
        until,
        rec["schedule"],
    )


def _change(status: str, signal: Signal, dumped: dict) -> dict:
    loc = dumped["location"]
    return {
        "status": status,
        "at": dumped["article"]["published_at"],
        "event_date": dumped["event_date"],
        "place": loc["name"] if loc else None,
        "article_id": signal.article_id,
        "sentence": signal.evidence.sentence,
    }


def _merge_place_and_date(rec: dict, signal: Signal, dumped: dict) -> None:
    """An unknown place or date becomes known silently; a known one that changes is a change."""
    if dumped["location"] is not None and rec["location"] is None:
        rec["location"] = dumped["location"]
    if dumped["event_date"] is not None and rec["event_date"] is None:
        rec["event_date"] = dumped["event_date"]
        rec["event_date_end"] = dumped["event_date_end"]


def _union_actors(a: dict, b: dict) -> dict:
    out = {}
    for side in ("source", "target"):
        codes = {x["code"] for x in a[side]}
        out[side] = list(a[side]) + [x for x in b[side] if x["code"] not in codes]
    return out


def _better(new: dict, old: dict) -> bool:
    """Is ``new`` better evidence than ``old``? (confidence, severity, earlier, smaller id)."""
    kn = (new["confidence"], new["severity"], -_ts(datetime.fromisoformat(new["article"]["published_at"])))
    ko = (old["confidence"], old["severity"], -_ts(datetime.fromisoformat(old["article"]["published_at"])))
    if kn != ko:
        return kn > ko
    return new["signal_id"] < old["signal_id"]


def _add_signal(rec: dict, signal: Signal, dumped: dict, sig: list) -> dict:
    """Count the signal, its article and its outlet; keep the best evidence."""
    rec["_ids"] = [*rec["_ids"], dedupe_id(signal)][-MAX_SIGNAL_IDS:]
    rec["signal_count"] += 1
    t = _ts(signal.article.published_at)
    rec["_t"] = [min(rec["_t"][0], t), max(rec["_t"][1], t)]
    best = _best_of(rec)  # (before the representative changes)
    rec["first_seen"] = datetime.fromtimestamp(rec["_t"][0], UTC).isoformat().replace("+00:00", "Z")
    rec["last_seen"] = datetime.fromtimestamp(rec["_t"][1], UTC).isoformat().replace("+00:00", "Z")
    if _better(dumped, rec["representative"]):
        rec["representative"] = dumped
    source = source_of(signal)
    fp = fingerprint(signal.evidence.sentence)
    fps, srcs = dict(rec["_fp"]), dict(rec["_src"])
    owner = fps.get(fp)
    opinion = signal.article.genre == Genre.OPINION  # commentary: listed, no corroboration
    copy = (owner is not None and owner != source) or opinion
    if not copy:
        fps.setdefault(fp, source)
        if not srcs.get(source):
            srcs[source] = True
            if rec["version"] > 1:
                rec["changes"].append("corroborated")
    else:
        srcs.setdefault(source, False)
    rec["_fp"], rec["_src"] = fps, srcs
    rec["sources"] = sorted(s for s, independent in srcs.items() if independent)
    rec["corroboration"] = len(rec["sources"])
    art = dict(rec["_art"])
    if signal.article_id not in art:
        art[signal.article_id] = {"source": source, "n": 0, "sev": 0, **({"op": True} if opinion else {})}
        if rec["version"] > 1:
            rec["changes"].append("article_added")
        if len(rec["articles"]) < MAX_ARTICLES:
            a = dumped["article"]
            rec["articles"] = [*rec["articles"], {
                "id": a["id"], "source": source, "title": a["title"], "url": a["url"],
                "published_at": a["published_at"], "independent": not copy,
                "genre": a.get("genre", "news")}]
        rec["article_count"] += 1
    info = art[signal.article_id]
    art[signal.article_id] = {**info, "n": info["n"] + 1, "sev": max(info["sev"], signal.severity)}
    rec["_art"] = art
    if signal.article_id in best:
        if _better(dumped, best[signal.article_id]):
            best[signal.article_id] = dumped
    elif len(best) < MAX_BEST:
        best[signal.article_id] = dumped
    rec["_best"] = _packed_best(best, rec["representative"])
    rec["changes"] = list(dict.fromkeys(rec["changes"]))
    return rec


def dedupe_id(signal: Signal) -> str:
    """The id an event remembers a signal by: its id, and the article's revision after the
    first (a revised article's unchanged sentence has the same signal id)."""
    rev = signal.article.revision
    return signal.signal_id if not rev else f"{signal.signal_id}@r{rev}"


def _without_article(rec: dict, article_id: str, *, revised: bool = False) -> dict:
    """The event without one article's signals (a retraction, or the earlier text of a revised
    article); status ``retracted`` if none left."""
    rec = dict(rec)
    rec["version"] += 1
    rec["changes"] = ["retracted"] if len(rec["_art"]) == 1 else []
    if revised:
        rec["changes"].insert(0, "revised")
    art = {k: v for k, v in rec["_art"].items() if k != article_id}
    gone = rec["_art"][article_id]
    rec["_art"] = art
    rec["signal_count"] = max(0, rec["signal_count"] - gone["n"])
    rec["article_count"] = len(art)
    rec["articles"] = [a for a in rec["articles"] if a["id"] != article_id]
    srcs = {}
    for a in rec["articles"]:
        srcs[a["source"]] = srcs.get(a["source"], False) or a["independent"]
    for info in art.values():
        srcs.setdefault(info["source"], not info.get("op", False))
    rec["_src"] = srcs
    rec["sources"] = sorted(s for s, independent in srcs.items() if independent)
    if len(rec["sources"]) < rec["corroboration"]:
        rec["changes"].append("corroborated")
    rec["corroboration"] = len(rec["sources"])
    best = {k: v for k, v in _best_of(rec).items() if k != article_id}
    rec["_best"] = best
    if not art:
        rec["status"] = "retracted"
        return rec
    sev = max(v["sev"] for v in art.values())
    if sev < rec["severity"]:
        rec["changes"].append("severity_rise")  # a change of severity either way is material
    rec["severity"] = sev
    if rec["representative"]["article_id"] == article_id and best:
        candidates = sorted(best.values(), key=lambda s: s["signal_id"])
        top = candidates[0]
        for s in candidates[1:]:
            if _better(s, top):
                top = s
        rec["representative"] = top
    rec["_best"] = _packed_best(best, rec["representative"])
    return rec


def _best_of(rec: dict) -> dict[str, dict]:
    """The record's best signal of each article (``_best``, the representative's entry stored
    as ``_REP``), a new dict."""
    rep = rec["representative"]
    return {k: rep if v == _REP else v for k, v in rec["_best"].items()}


def _packed_best(best: dict[str, dict], representative: dict) -> dict[str, Any]:
    """``best`` as stored: the representative's article's entry, when it is the representative
    (a third of a new event's record), as ``_REP``."""
    article_id = representative["article_id"]
    held = best.get(article_id)
    if held is None or not (held is representative or held == representative):
        return best
    return {**best, article_id: _REP}


def public(rec: dict) -> dict:
    """The event as published (an :class:`~schemas.event.Event` dict): no bookkeeping fields."""
    return {k: v for k, v in rec.items() if not k.startswith("_")}


__all__ = ["ConsolidationConfig", "Consolidator", "event_id_for", "event_key", "fingerprint",
           "public", "source_of"]
