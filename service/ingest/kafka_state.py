"""The Kafka edge of the ingester: reading ``ingest-state``, owning sources through a consumer
group, and writing articles, state and dead letters in one transaction (kafka-python, in threads).

Why one transaction per poll: an article on ``articles`` and the ``seen/`` record that stops it
being published again become visible together or not at all, so a kill in the middle of a poll
leaves nothing half-done: the restarted ingester sees the item as new and publishes it once.
Consumers of ``articles`` that read with ``read_committed`` (the worker does under exactly-once;
``escalert tail`` does) never see an aborted copy.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from service.config import Settings
from service.ingest.state import StateView

log = logging.getLogger(__name__)


class StateReader:
    """Reads every partition of ``ingest-state`` into a :class:`StateView`, then keeps tailing it,
    and holds this instance's share of the sources (the partitions the group assigns it)."""

    def __init__(self, settings: Settings, view: StateView, *, group: str | None) -> None:
        topic = settings.topics.ingest_state
        from kafka import KafkaConsumer, TopicPartition

        from service.stream.clients import client_kwargs

        self.view = view
        self.owned: frozenset[int] = frozenset()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        kwargs = client_kwargs(settings)
        self._reader = KafkaConsumer(**kwargs, isolation_level="read_committed", enable_auto_commit=False)
        parts = self._partitions(topic, timeout=30.0)
        self.partitions = len(parts)
        self._tps = [TopicPartition(topic, p) for p in sorted(parts)]
        self._reader.assign(self._tps)
        self._reader.seek_to_beginning(*self._tps)

        self._group: Any = None
        if group is not None:
            self._group = self._join(kwargs, group, topic)
        self._thread: threading.Thread | None = None

    def _join(self, kwargs: dict[str, Any], group: str, topic: str) -> Any:
        """Membership of the ingest group: the partitions it assigns say which sources are ours."""
        from kafka import KafkaConsumer
        from kafka.consumer.subscription_state import ConsumerRebalanceListener

        reader = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked: Any) -> None:
                reader._set_owned(frozenset())

            def on_partitions_assigned(self, assigned: Any) -> None:
                reader._set_owned(frozenset(tp.partition for tp in assigned))
                consumer.pause(*assigned)  # membership only: the reader reads the data

        consumer = KafkaConsumer(**kwargs, group_id=group, enable_auto_commit=False,
                                 session_timeout_ms=10_000, heartbeat_interval_ms=2_000)
        consumer.subscribe([topic], listener=Listener())
        return consumer

    def _partitions(self, topic: str, timeout: float) -> list[int]:
        """The topic's partitions; a topic created a moment ago may take a metadata round to show."""
        deadline = time.monotonic() + timeout
        while True:
            parts = self._reader.partitions_for_topic(topic)
            if parts:
                return sorted(parts)
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {topic} has no partitions in the broker's metadata after {timeout:g} s")
            self._reader.topics()  # asks the broker for fresh metadata
            time.sleep(0.2)

    def _set_owned(self, parts: frozenset[int]) -> None:
        with self._lock:
            self.owned = parts
        log.info("ingest: this instance owns state partitions %s", sorted(parts))

    def load(self, timeout: float = 60.0) -> int:
        """Read up to the current end (last stable offset) of every partition; returns records."""
        end = self._reader.end_offsets(self._tps)
        n = 0
        deadline = time.monotonic() + timeout
        while any(self._reader.position(tp) < end[tp] for tp in self._tps):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read the ingest state to its end within {timeout:g} s")
            n += self._drain(500)
        return n

    def _drain(self, timeout_ms: int) -> int:
        n = 0
        for records in self._reader.poll(timeout_ms=timeout_ms).values():
            for rec in records:
                if rec.key is not None:
                    self.view.apply(rec.key.decode("utf-8"), rec.value)
                    n += 1
        return n

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ingest-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._drain(200)
                if self._group is not None:
                    self._group.poll(timeout_ms=200)
            except Exception as exc:  # noqa: BLE001 - a broker hiccup must not end the reader
                log.warning("ingest: state reader: %s", exc)
                self._stop.wait(1.0)

    def owns(self, partition: int) -> bool:
        with self._lock:
            return partition in self.owned

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._group is not None:
            self._group.close()
        self._reader.close()


class Writer:
    """A transactional producer: :meth:`commit` sends a poll's messages atomically."""

    def __init__(self, settings: Settings, *, transactional_id: str) -> None:
        from kafka import KafkaProducer

        from service.stream.clients import client_kwargs
        from service.stream.topics import article_message_limit

        self._producer = KafkaProducer(
            **client_kwargs(settings), transactional_id=transactional_id, enable_idempotence=True,
            acks="all", max_request_size=article_message_limit(settings),
        )
        self._producer.init_transactions()

    def commit(self, messages: list[tuple[str, bytes, bytes]]) -> None:
        """Send ``(topic, key, value)`` messages in one transaction; raises if it aborts."""
        if not messages:
            return
        self._producer.begin_transaction()
        try:
            futures = [self._producer.send(topic, key=key, value=value) for topic, key, value in messages]
            for fut in futures:
                fut.get(timeout=60)
            self._producer.commit_transaction()
        except Exception:
            self._producer.abort_transaction()
            raise

    def close(self) -> None:
        self._producer.close(timeout=10)
