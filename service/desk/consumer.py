"""The store's own consumer group: signals, events, alerts and the delivery ledger into the store.

One thread polls Kafka (kafka-python), turns each message into rows (``service.desk.rows``),
writes the batch in one transaction, then commits the offsets: at least once, and since every
write is an upsert keyed by the message's id, a message read twice leaves the same rows. After
each batch ``on_batch`` gets what arrived (the web page's live feed).

``rebuild=True`` deletes every row and reads every topic again from its earliest offset: the
store is a view of the topics, and a replay gives the same rows.

Topics: the configured ``signals`` and ``alerts`` topics, ``events`` (``ESCALERT_EVENTS_TOPIC``)
and the delivery ledger's compacted changelog
(``<app id>-<ledger table>-changelog``). A topic that does not exist yet is picked up when it
appears (the consumer re-reads metadata); the desk never creates topics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.desk.rows import BadMessage, Rows, alert_rows, event_rows, ledger_rows, signal_rows
from service.desk.store import Store, cutoff

log = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 600.0
RETRY_MAX_SECONDS = 30.0


def desk_topics(settings: Any) -> dict[str, str]:
    """Topic name -> kind (signal, event, alert, ledger) for these settings."""
    from service.stream.topics import changelog_name

    t = settings.topics
    events = getattr(settings, "events", None)  # the event stage's settings (ESCALERT_EVENTS_*)
    out = {t.signals: "signal", getattr(events, "topic", "events"): "event"}
    alerts = getattr(settings, "alerts", None)
    if alerts is not None:
        out[t.alerts] = "alert"
        out[changelog_name(settings, alerts.ledger_table)] = "ledger"
    return out


def topic_pattern(topics: dict[str, str]) -> str:
    """A regular expression matching exactly these topic names."""
    import re

    return "^(" + "|".join(re.escape(t) for t in sorted(topics)) + ")$"


def to_rows(kind: str, key: bytes | None, value: bytes | None, timestamp_ms: int | None = None
            ) -> Rows | None:
    """One message's rows; None for what writes nothing (a ledger tombstone, an empty value)."""
    received = (datetime.fromtimestamp(timestamp_ms / 1000, UTC).replace(tzinfo=None)
                if timestamp_ms is not None and timestamp_ms >= 0 else None)
    if kind == "ledger":
        return ledger_rows(key, value, received)
    if value is None:
        return None
    if kind == "signal":
        return signal_rows(value, received)
    if kind == "alert":
        return alert_rows(value, received)
    if kind == "event":
        return event_rows(value, received)
    raise ValueError(f"unknown kind {kind!r}")


@dataclass
class Arrival:
    """What the live feed is told about one stored message."""

    kind: str
    doc: dict[str, Any]


def arrivals(rows: list[tuple[str, Rows]]) -> list[Arrival]:
    out = []
    for kind, r in rows:
        if kind == "ledger":
            out.append(Arrival("delivery", {"alert_id": r.key, "targets": [
                {k: row[k] for k in ("target_id", "state", "attempts")} for row in r.main]}))
        else:
            out.append(Arrival(kind, r.main[0]["doc"]))
    return out


class DeskConsumer:
    """Feeds ``store`` from Kafka until :meth:`stop`; run it in a thread (:meth:`start`)."""

    def __init__(self, settings: Any, desk: Any, store: Store, *,
                 on_batch: Callable[[list[Arrival]], None] = lambda a: None,
                 rebuild: bool = False, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
                 ) -> None:
        self.settings = settings
        self.desk = desk
        self.store = store
        self.on_batch = on_batch
        self.rebuild = rebuild
        self.clock = clock
        self.topics = desk_topics(settings)
        self.group_id = desk.group_id or f"{settings.app_id}-desk"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stored = 0
        self.rejected = 0
        self.ready = threading.Event()  # set once partitions are assigned
        self.error: BaseException | None = None

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self._run_logged, name="desk-consumer", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run_logged(self) -> None:
        """``run`` until stopped; after a failure (the database or the broker gone) wait and
        start again: what was not committed is read again, and writes are idempotent."""
        delay = 1.0
        while not self._stop.is_set():
            try:
                self.run()
                return
            except Exception as exc:  # noqa: BLE001 - reported in /api/health and the log
                self.error = exc
                log.error("desk consumer failed, starting again in %.0f s: %s", delay, exc)
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)

    def _consumer(self) -> Any:
        from kafka import ConsumerRebalanceListener

        from service.stream.clients import consumer

        desk = self
        c = consumer(
            self.settings, group_id=self.group_id, enable_auto_commit=False,
            auto_offset_reset="earliest", isolation_level="read_committed",
            allow_auto_create_topics=False, fetch_max_wait_ms=100,
            metadata_max_age_ms=5000,
            # Room for a busy machine: a member that misses heartbeats is dropped from the
            # group and rejoins, and nothing is read meanwhile.
            session_timeout_ms=30_000, heartbeat_interval_ms=3_000,
        )

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked: Any) -> None:
                pass

            def on_partitions_assigned(self, assigned: Any) -> None:
                if desk.rebuild and assigned:
                    c.seek_to_beginning(*assigned)
                desk.ready.set()

        # A pattern, not a list: kafka-python asks the broker to create a listed topic that does
        # not exist (allow_auto_create_topics notwithstanding); a pattern only matches topics
        # that exist, and picks up one that appears later (metadata is re-read every 5 s).
        c.subscribe(pattern=topic_pattern(self.topics), listener=Listener())
        return c

    def run(self) -> None:
        if self.rebuild:
            self.store.clear()
            log.info("desk store cleared; reading every topic from its earliest offset")
        c = self._consumer()
        next_prune = 0.0
        try:
            while not self._stop.is_set():
                polled = c.poll(timeout_ms=self.desk.poll_ms, max_records=self.desk.batch_max)
                if polled:
                    self._write(polled)
                    c.commit()
                    self.rebuild = False
                    self.error = None
                if time.monotonic() >= next_prune:
                    self._prune()
                    next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        finally:
            c.close()

    def _write(self, polled: dict[Any, list[Any]]) -> None:
        batch: list[tuple[str, Rows]] = []
        for tp, messages in polled.items():
            kind = self.topics.get(tp.topic)
            if kind is None:
                continue
            for m in messages:
                try:
                    rows = to_rows(kind, m.key, m.value, m.timestamp)
                except BadMessage as exc:
                    self.rejected += 1
                    log.warning("desk: %s[%d]@%d skipped: %s", tp.topic, tp.partition, m.offset, exc)
                    continue
                if rows is not None:
                    batch.append((kind, rows))
        if batch:
            self.store.ingest(r for _, r in batch)
            self.stored += len(batch)
            try:
                self.on_batch(arrivals(batch))
            except Exception as exc:  # noqa: BLE001 - the live feed never stops the store
                log.warning("desk: live feed update failed: %s", exc)

    def _prune(self) -> None:
        before = cutoff(self.clock().replace(tzinfo=None), self.desk.retention_days)
        if before is not None:
            gone = self.store.prune(before)
            if any(gone.values()):
                log.info("desk retention: deleted %s", gone)
