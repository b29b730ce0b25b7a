"""The open events of one consolidation key (event type), in memory, found by their actors.

An entry is what matching needs of an event (:func:`~service.events.consolidate.summary_of`'s
fields, then the event's first and last article times, the end of its window and its calendar
state: positions ``SRC`` ... ``SCHED`` of :mod:`service.events.consolidate`). :class:`OpenIndex`
files each entry under the actor keys a signal that can join it must share:

- directed types: ``("d", s, t)`` for every source-target pair, ``("s", s)`` and ``("t", t)``
  for every code of a side, and ``("s0", s)`` / ``("t0", t)`` for an event that names one side
  only;
- symmetric types (direction ignored; two parties shared when both name two or more):
  ``("p", a, b)`` for every pair of its codes, ``("a", c)`` for every code, and ``("a1", c)``
  for an event that names one party.

:meth:`OpenIndex.candidates` gives the entries a signal could join (a superset: the matching
rules still decide), from the fewest keys that hold them all: an event with source RUS and target
UKR is found under ``("d", "RUS", "UKR")`` by a signal naming both, not among every event that
involves Russia. Entries whose window ended more than a window before the newest event time
(:attr:`OpenIndex.last`) are closed: :meth:`OpenIndex.prune` drops them and matching ignores
them, so what matches is a function of the entries alone.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import combinations
from typing import Any

SRC, TGT, LAST, UNTIL = 0, 1, 9, 10  # positions in an entry (service.events.consolidate)


def _keys(entry: tuple, symmetric: bool) -> list[tuple[str, ...]]:
    """The actor keys an entry is filed under (module docstring)."""
    src, tgt = entry[SRC], entry[TGT]
    if symmetric:
        codes = sorted(set(src) | set(tgt))
        keys: list[tuple[str, ...]] = [("a", c) for c in codes]
        if len(codes) == 1:
            keys.append(("a1", codes[0]))
        keys += [("p", a, b) for a, b in combinations(codes, 2)]
        return keys
    if src and tgt:
        return ([("s", c) for c in src] + [("t", c) for c in tgt]
                + [("d", s, t) for s in src for t in tgt])
    if src:
        return [("s", c) for c in src] + [("s0", c) for c in src]
    return [("t", c) for c in tgt] + [("t0", c) for c in tgt]


def _lookups(sig: list, symmetric: bool) -> list[tuple[str, ...]]:
    """The actor keys under which every entry a signal summary could join is filed."""
    src, tgt = sig[SRC], sig[TGT]
    if symmetric:
        codes = sorted(set(src) | set(tgt))
        if len(codes) == 1:
            return [("a", codes[0])]  # one party: one code shared is enough
        # Two or more parties: two shared with an event that names two or more, one with an
        # event that names one.
        return [("p", a, b) for a, b in combinations(codes, 2)] + [("a1", c) for c in codes]
    if src and tgt:
        # An event naming both sides shares a code on each; one naming one side shares it.
        return ([("d", s, t) for s in src for t in tgt] + [("t0", c) for c in tgt]
                + [("s0", c) for c in src])
    if src:
        return [("s", c) for c in src]
    return [("t", c) for c in tgt]  # no actors at all: no keys (nothing to share)


class OpenIndex:
    """The open events of one event type: event id -> entry, filed by actor keys."""

    def __init__(self, symmetric: bool, window: float) -> None:
        self.symmetric = symmetric
        self.window = window
        self.entries: dict[str, tuple] = {}
        self.by_key: dict[tuple[str, ...], dict[str, tuple]] = {}
        self.last = float("-inf")  # the newest article time of any entry
        self._ends: list[tuple[float, str]] = []  # (window end, event id), a heap

    @property
    def cutoff(self) -> float:
        """Entries whose window ended before this are closed."""
        return self.last - self.window

    def put(self, event_id: str, entry: tuple) -> bool:
        """File ``entry`` for the event (replacing its earlier one); False when unchanged."""
        old = self.entries.get(event_id)
        if old == entry:
            return False
        if old is not None:
            self._unfile(event_id, old)
        self.entries[event_id] = entry
        for k in _keys(entry, self.symmetric):
            self.by_key.setdefault(k, {})[event_id] = entry
        if entry[LAST] > self.last:
            self.last = entry[LAST]
        elif old is not None and old[LAST] == self.last > entry[LAST]:
            # The newest event moved back (built again from an older signal): the newest time
            # is that of the entries held, as when they are read from the state.
            self.last = max(e[LAST] for e in self.entries.values())
        if old is None or old[UNTIL] != entry[UNTIL]:
            heapq.heappush(self._ends, (entry[UNTIL], event_id))
        return True

    def _unfile(self, event_id: str, entry: tuple) -> None:
        for k in _keys(entry, self.symmetric):
            held = self.by_key.get(k)
            if held is not None:
                held.pop(event_id, None)
                if not held:
                    del self.by_key[k]

    def prune(self) -> list[str]:
        """Drop the closed entries; their event ids."""
        cutoff, ends, gone = self.cutoff, self._ends, []
        while ends and ends[0][0] < cutoff:
            until, event_id = heapq.heappop(ends)
            entry = self.entries.get(event_id)
            if entry is not None and entry[UNTIL] == until:  # else a later end was pushed
                del self.entries[event_id]
                self._unfile(event_id, entry)
                gone.append(event_id)
        return gone

    def candidates(self, sig: list) -> Iterator[tuple[str, tuple]]:
        """(event id, entry) of the entries ``sig`` could join (some more than once)."""
        by_key = self.by_key
        for k in _lookups(sig, self.symmetric):
            held = by_key.get(k)
            if held:
                yield from held.items()


def load(symmetric: bool, window: float, entries: Iterator[tuple[str, Any]]) -> OpenIndex:
    """An index of the (event id, entry) pairs, closed ones dropped."""
    index = OpenIndex(symmetric, window)
    for event_id, entry in sorted(entries):  # (as read from JSON: lists; as built: tuples)
        index.put(event_id, (tuple(entry[SRC]), tuple(entry[TGT]), *entry[TGT + 1:]))
    index.prune()
    return index
