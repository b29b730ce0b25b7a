"""Faust tables the event stage writes inside *and* outside stream iteration, on any store.

Faust's RocksDB store (the shipped default) takes a write's partition from the current event,
and refuses a write without one (a timer, a web request). :class:`ScopedTable` sets, around each
read and write, a current event whose partition is the key's own: for an event id, the partition
Kafka's default partitioner gives that id on the ``events`` topic. A calendar entry therefore
lives in the partition of its event, which the worker that consumes that event owns, whether the
write comes from the agent or from the calendar timer; recovery and a second worker agree.
"""

from __future__ import annotations

import contextlib
import json
import weakref
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import faust
import pydantic_core
from aiokafka.partitioner import murmur2
from faust.events import Event
from faust.types import Message

from service.faust_private import reset_current_event, rocksdb_prefix_items, set_current_event
from service.stream.store import table_options


def json_key(key: str) -> bytes:
    """``key`` as the tables' ``json`` key serializer writes it to the store and the changelog."""
    return json.dumps(key).encode()


class JsonValues(MutableMapping[str, Any]):
    """A mapping of JSON documents over a Faust table of raw bytes values.

    Each value is encoded once per write by pydantic-core (Rust) and decoded per read: a table
    with Faust's ``json`` value serializer encodes every write twice (the store's copy and the
    changelog's) with the standard library's encoder, several times slower. Both write plain
    JSON (pydantic-core leaves non-ASCII characters unescaped), so each reads what the other wrote.
    """

    def __init__(self, table: MutableMapping[str, bytes]) -> None:
        self.table = table
        # Where ``get`` reads raw values while set (key -> bytes or None: absent); the
        # consolidation agent reads its partitions' RocksDB databases directly.
        self.reader: Callable[[str], bytes | None] | None = None

    def _store(self) -> MutableMapping[str, bytes]:
        """Where reads go: a Faust table's store (``table.data``), read once per key (the
        table's own ``get`` asks the store whether the key is there, then reads it: two RocksDB
        reads), or the mapping itself."""
        return getattr(self.table, "data", self.table)

    def __getitem__(self, key: str) -> Any:
        return pydantic_core.from_json(self._store()[key])

    def get(self, key: str, default: Any = None) -> Any:
        if self.reader is not None:
            raw = self.reader(key)
            return default if raw is None else pydantic_core.from_json(raw)
        try:
            raw = self._store()[key]
        except KeyError:
            return default
        return pydantic_core.from_json(raw)

    def __setitem__(self, key: str, value: Any) -> None:
        self.table[key] = pydantic_core.to_json(value)

    def items_with_prefix(self, prefix: str) -> Iterator[tuple[str, Any]]:
        """(key, decoded value) of the keys that start with ``prefix``: a RocksDB seek on the
        table's store (keys as its ``json`` key serializer writes them), else a scan of the keys."""
        store = self._store()
        seek = rocksdb_prefix_items(store, json_key(prefix)[:-1])  # no closing quote
        if seek is not None:
            return ((json.loads(k), pydantic_core.from_json(v)) for k, v in seek)
        return ((k, self[k]) for k in list(self) if k.startswith(prefix))

    def __delitem__(self, key: str) -> None:
        del self.table[key]

    def __contains__(self, key: object) -> bool:
        return key in self.table

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.table.keys()))

    def __len__(self) -> int:
        return len(self.table)


def kafka_partition(key: str, partitions: int) -> int:
    """The partition Kafka's default (murmur2) partitioner gives a UTF-8 key."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % max(1, partitions)


def event_partition(key: str, partitions: int) -> int:
    """A table key's partition: that of the event id in it (``x|<event_id>`` or ``<event_id>``)."""
    event_id = key.split("|")[1] if key.startswith("x|") else key
    return kafka_partition(event_id, partitions)


class ScopedTable(MutableMapping[str, Any]):
    """A Faust table whose every access runs under an event of the key's partition."""

    def __init__(self, app: Any, table: Any, partitions: int,
                 partition_of: Callable[[str, int], int] = event_partition) -> None:
        self.app = app
        self.table = table
        self.partitions = partitions
        self.partition_of = partition_of
        self.topic = f"{app.conf.id}-{table.name}-changelog"
        self._events: dict[int, tuple[Event, Any]] = {}

    @contextlib.contextmanager
    def _scope(self, key: str) -> Iterator[None]:
        p = self.partition_of(key, self.partitions)
        held = self._events.get(p)
        if held is None:
            msg = Message(self.topic, p, 0, 0.0, 0, None, None, None, None)
            event = Event(self.app, None, None, None, msg)
            held = self._events[p] = (event, weakref.ref(event))
        token = set_current_event(held[1])
        try:
            yield
        finally:
            reset_current_event(token)

    def __getitem__(self, key: str) -> Any:
        with self._scope(key):
            return self.table[key]

    def __setitem__(self, key: str, value: Any) -> None:
        with self._scope(key):
            self.table[key] = value

    def __delitem__(self, key: str) -> None:
        with self._scope(key):
            del self.table[key]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        with self._scope(key):
            return key in self.table

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.table.keys()))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def scoped_table(app: Any, name: str, partitions: int, help: str) -> ScopedTable:
    """A table on the worker's store (rocksdb:// by default), wrapped in :class:`ScopedTable`."""
    table = app.Table(name, partitions=partitions,
                      schema=faust.Schema(key_serializer="json", value_serializer="json"), help=help,
                      options=table_options())
    return ScopedTable(app, table, partitions)
