"""The ingester's memory, in a compacted Kafka topic (``ingest-state`` by default), so it survives restarts
and every instance sees it.

Keys and values (JSON):

- ``source/<name>``: :class:`SourceHealth`: conditional-GET validators, when it is next due, and
  its health (last success, last error, consecutive failures, items seen, articles published);
- ``seen/<article id>``: :class:`Seen`: the article's content hash and revision, and the
  fingerprint of the feed entry last seen for it, so an unchanged entry costs no page fetch;
- ``guid/<guid key>``: the article id a feed GUID was published under (so a GUID whose link
  changed keeps its id).

Ownership: instances join one consumer group on this topic; an instance polls the sources whose
``source/<name>`` key falls in a partition assigned to it (:func:`partition_of`), so adding an
instance splits the sources like adding a worker splits ``articles``. Every instance reads all
partitions (``read_committed``) to know what has been seen.
"""

from __future__ import annotations

import json
import threading
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any


def partition_of(key: str, partitions: int) -> int:
    """Which partition a key is written to (and so which instance owns a source): stable CRC32,
    the same in every process and language."""
    return zlib.crc32(key.encode("utf-8")) % partitions


@dataclass(slots=True)
class SourceHealth:
    etag: str | None = None
    last_modified: str | None = None
    next_due: float = 0.0
    last_poll: float | None = None
    last_success: float | None = None
    last_error: str | None = None
    last_error_reason: str | None = None
    last_error_at: float | None = None
    consecutive_failures: int = 0
    items_seen: int = 0
    articles_published: int = 0
    updates_published: int = 0
    dead_letters: int = 0
    redirected_to: str | None = None  # where the source's URL last redirected to
    cursor: str | None = None  # GDELT: the last events export read
    warning: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceHealth:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(slots=True)
class Seen:
    content_hash: str
    revision: int = 0
    fingerprint: str = ""
    url: str = ""
    first_seen: float = 0.0
    sources: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Seen:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def encode(value: Any) -> bytes:
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")


class StateView:
    """What this process knows of the topic: filled by :meth:`apply` from the reader, and by the
    runner right after its own transaction commits (so it never waits on its own writes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sources: dict[str, SourceHealth] = {}
        self.seen: dict[str, Seen] = {}
        self.guids: dict[str, str] = {}

    def apply(self, key: str, value: bytes | None) -> None:
        kind, _, name = key.partition("/")
        with self._lock:
            table: dict[str, Any] = {"source": self.sources, "seen": self.seen, "guid": self.guids}.get(kind, {})
            if value is None:
                table.pop(name, None)
                return
            data = json.loads(value)
            if kind == "source":
                self.sources[name] = SourceHealth.from_json(data)
            elif kind == "seen":
                self.seen[name] = Seen.from_json(data)
            elif kind == "guid":
                self.guids[name] = str(data)
