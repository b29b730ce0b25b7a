"""Dedupe marks: the first-seen times of article ids and content hashes, in a Faust table.

Value of a key: ``[first_seen_epoch_seconds, partition]``. The partition lets the purge delete a
key under an event of the right partition (the table is partitioned like the articles topic).

Table reads and writes find their partition in Faust's *current event*; the worker takes
messages, not events, so :class:`PartitionScope` makes one event per partition and switches to
it when the partition changes.

Under ``exactly_once`` the table's in-memory/rocksdb state is not transactional: a mark of the
open transaction is held in :class:`PendingMarks` and applied to the table only once Faust
committed the partition's offsets past it, so an aborted transaction (a rebalance, a crash)
never leaves marks behind that would suppress the re-processing of its records.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from faust.events import Event

from service.faust_private import reset_current_event, set_current_event

log = logging.getLogger("escalert.stream")

PURGE_LIMIT = 10_000  # keys forgotten per purge at most


def event_of(app: Any, message: Any) -> Event:
    """A Faust event for ``message``, for the table: its reads and writes find their partition
    in the current event's message (the intake hands the agent messages, not events)."""
    return Event(app, message.key, message.value, None, message)


@contextlib.contextmanager
def as_current_event(event: Any) -> Iterator[None]:
    """Make ``event`` Faust's current event in this task only (a context variable, so other
    tasks are not affected)."""
    token = set_current_event(weakref.ref(event))
    try:
        yield
    finally:
        reset_current_event(token)


class PartitionScope:
    """Faust's current event for table reads and writes, switched only when the partition changes.

    Faust's fetch loop hands out partitions round-robin, so one event (and its weak reference)
    is made per partition and batch, and each switch is one context-variable write. Set in the
    finishing task's own context; :meth:`close` restores it.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.partition: int | None = None
        # partition -> (event, weak reference to it): the context variable only holds the
        # reference, so the event is kept alive here.
        self.events: dict[int, tuple[Event, Any]] = {}
        self.token: Any = None

    def enter(self, message: Any) -> None:
        partition = message.partition
        if partition != self.partition:
            held = self.events.get(partition)
            if held is None:
                event = event_of(self.app, message)
                held = self.events[partition] = (event, weakref.ref(event))
            token = set_current_event(held[1])
            if self.token is None:
                self.token = token
            self.partition = partition

    def close(self) -> None:
        if self.token is not None:
            reset_current_event(self.token)
        self.token = self.partition = None
        self.events.clear()


@dataclass
class PendingMarks:
    """Dedupe marks of the open transactions (``exactly_once``), per source partition.

    ``by_partition``: {partition: (highest marked offset, {key: (value, message)})}.
    """

    by_partition: dict[int, tuple[int, dict[str, tuple[Any, Any]]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_partition)

    def get(self, partition: int, key: str) -> Any | None:
        """The pending value of ``key`` in ``partition``, or None."""
        held = self.by_partition.get(partition)
        if held is None:
            return None
        mark = held[1].get(key)
        return None if mark is None else mark[0]

    def add(self, partition: int, offset: int, key: str, value: Any, message: Any) -> None:
        top, marks = self.by_partition.get(partition, (-1, {}))
        marks[key] = (value, message)
        self.by_partition[partition] = (max(top, offset), marks)

    def committed(self, committed_offset: Callable[[int], int | None],
                  write: Callable[[str, Any, Any], None]) -> None:
        """Apply (``write(key, value, message)``) the marks of every partition whose committed
        offset is past its highest marked offset, and forget them."""
        for partition in list(self.by_partition):
            top, marks = self.by_partition[partition]
            offset = committed_offset(partition)
            if offset is None or offset <= top:
                continue
            for key, (value, message) in marks.items():
                write(key, value, message)
            del self.by_partition[partition]

    def forget(self, partitions: Any) -> None:
        """Drop the marks of revoked partitions: Faust aborts their transactions, their records
        come again, and their marks must not make them look like duplicates."""
        for partition in partitions:
            self.by_partition.pop(partition, None)


@dataclass
class DedupeMarks:
    """The dedupe table with the marks of open transactions and the purge schedule.

    ``data`` is the table's store (``table.data``), read and written directly (the changelog
    records are produced with the batch's other sends, see agents.py).
    """

    app: Any
    table: Any
    window_seconds: float
    transactional: bool
    pending: PendingMarks = field(default_factory=PendingMarks)
    next_purge: float = 0.0

    def __post_init__(self) -> None:
        self.next_purge = time.monotonic() + self.purge_interval()

    def purge_interval(self) -> float:
        return min(max(self.window_seconds / 10, 60.0), 3600.0)

    def seen(self, scope: PartitionScope, partition: int, message: Any, key: str) -> float | None:
        """First-seen time of ``key`` (its pending mark first), or None."""
        if self.transactional:
            value = self.pending.get(partition, key)
            if value is not None:
                return value[0]  # type: ignore[no-any-return]
        scope.enter(message)
        hit = self.table.data.get(key)
        return hit[0] if hit else None

    def mark(self, scope: PartitionScope, partition: int, offset: int, key: str, value: Any, message: Any) -> None:
        if self.transactional:
            self.pending.add(partition, offset, key, value, message)
        else:
            scope.enter(message)
            self.table.data[key] = value

    def apply_committed(self, committed_offset: Callable[[int], int | None]) -> None:
        """After an offset commit: apply the marks whose transaction committed."""
        if self.pending:
            self.pending.committed(committed_offset, self._write)

    def _write(self, key: str, value: Any, message: Any) -> None:
        with as_current_event(event_of(self.app, message)):
            self.table.data[key] = value

    def purge_due(self) -> bool:
        if self.window_seconds > 0 and time.monotonic() >= self.next_purge:
            self.next_purge = time.monotonic() + self.purge_interval()
            return True
        return False

    def purge(self, messages: list[Any], now_ts: float, limit: int = PURGE_LIMIT) -> int:
        """Forget keys older than the window, for the partitions seen in ``messages``."""
        per_partition = {msg.partition: event_of(self.app, msg) for msg in messages}
        expired = []
        for key, value in self.table.items():
            if value and now_ts - value[0] >= self.window_seconds and value[1] in per_partition:
                expired.append((key, value[1]))
                if len(expired) >= limit:
                    break
        for key, partition in expired:
            with as_current_event(per_partition[partition]):
                del self.table[key]
        if expired:
            log.info("dedupe: forgot %d keys older than %ss", len(expired), self.window_seconds)
        return len(expired)
