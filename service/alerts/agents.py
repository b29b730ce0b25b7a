"""The alert agents in the Faust worker: signals -> routing/noise -> ``alerts`` -> delivery.

``register(app, settings)`` (called by ``service.stream.app.create_app`` when
``ESCALERT_ALERTS_SUBSCRIPTIONS`` is set) adds:

- topics ``alerts`` (key: the subscription name, value: :class:`~schemas.alert.Alert` JSON) and
  ``alerts-dlq`` (key: the alert id, value: :class:`~schemas.deadletter.DeadLetter` JSON);
- table ``alert-noise``: the state of :class:`~service.alerts.noise.NoiseControl` (open group
  windows, repeat intervals, digest and quiet-hours buffers);
- table ``alert-delivery-ledger``: the :class:`~service.alerts.ledger.Ledger`;
- agent ``alerts-route``: each signal through the router and noise control, alerts to ``alerts``;
- agent ``alerts-deliver``: each alert into the ledger, then delivered in the background;
- timers: ``flush_due`` (group windows, digests, quiet-hours ends), the subscriptions/silences
  reload, and the ledger scan that resumes pending deliveries (after a restart too).

Why the tables are kept in memory, whatever ``ESCALERT_STORE`` says, and partitioned by key
(:func:`stable_partition`): the timers and the background deliveries write them outside stream
iteration, which Faust's RocksDB store refuses (it picks the partition from the current event).
Durability comes from the changelog topics (compacted), replayed into memory when the worker
starts; agents do not process anything before that. The table class (:func:`_table_class`)
chooses the memory store itself: Faust keeps a ``store="memory://"`` argument as a ``yarl.URL``,
which is false for a URL with neither host nor path, and then falls back to the app's store.

Why a delivery waits for its ledger record (``AlertTable.persisted``): a table write only
queues a changelog message. A confirmed send is final only once its ``sent`` record is
acknowledged by Kafka; until then it still counts as in flight (it holds its target's
concurrency slot), so a crash repeats at most the sends in flight per target.

Why routing stages its state: NoiseControl decides and records ("group alerted at t") in one
call. The records are applied to the table only after the alerts they produced are acknowledged
by Kafka, so a crash in between re-emits the alert (same deterministic id, de-duplicated by the
ledger) instead of remembering an alert that was never published.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import zlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from schemas.alert import Alert
from schemas.deadletter import DeadLetter
from schemas.signal import Signal

log = logging.getLogger(__name__)

NOISE_TABLE = "alert-noise"


class Staged(MutableMapping[str, Any]):
    """A copy-on-write view of a mapping: changes stay here until :meth:`commit`."""

    _GONE = object()

    def __init__(self, base: MutableMapping[str, Any]) -> None:
        self.base = base
        self.changes: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self.changes:
            value = self.changes[key]
            if value is self._GONE:
                raise KeyError(key)
            return value
        return self.base[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.changes[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.changes[key] = self._GONE

    def __contains__(self, key: object) -> bool:
        if key in self.changes:
            return self.changes[key] is not self._GONE  # type: ignore[index]
        return key in self.base

    def __iter__(self) -> Iterator[str]:
        for key in self.base:
            if key not in self.changes:
                yield key
        for key, value in self.changes.items():
            if value is not self._GONE:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def commit(self) -> None:
        for key, value in self.changes.items():
            if value is self._GONE:
                if key in self.base:
                    del self.base[key]
            else:
                self.base[key] = value
        self.changes.clear()


@dataclass
class AlertParts:
    """What :func:`register` built (tests and the web views look inside)."""

    alerts_topic: Any
    dlq_topic: Any
    noise_table: Any
    ledger_table: Any
    noise: Any
    deliverer: Any
    reloader: Any
    lock: asyncio.Lock


def _signals_topic(app: Any, settings: Any) -> Any:
    parts = getattr(app, "escalert", None)
    if parts is not None and getattr(parts, "signals", None) is not None:
        return parts.signals
    return app.topic(
        settings.topics.signals,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
    )


def _as_text(value: Any) -> str:
    """A topic value as JSON text, whatever Faust handed over (bytes, str, or decoded JSON)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def stable_partition(key: Any, partitions: int) -> int:
    """The changelog partition of a table key: the same key always lands in the same one."""
    return zlib.crc32(json.dumps(key, sort_keys=True).encode()) % max(1, partitions)


MEMORY_STORE = "memory://"


@functools.cache
def _table_class() -> type:
    """The alert tables' class (built on first use: importing faust is slow)."""
    from service.faust_private import memory_table_class

    class AlertTable(memory_table_class()):  # type: ignore[misc]
        """A changelog-backed table in memory, writable outside stream iteration.

        - The store is always memory (see the module docstring for why ``store=`` is not enough).
        - The changelog partition of a key is :func:`stable_partition` of the key.
        - :meth:`persisted` waits until the last write of a key is acknowledged by Kafka.
        """

        def partition_for_key(self, key: Any) -> int | None:
            return stable_partition(key, self.partitions or 1)

        def send_changelog(self, partition: int | None, key: Any, value: Any, *args: Any, **kw: Any) -> Any:
            fut = super().send_changelog(partition, key, value, *args, **kw)
            writes = self.__dict__.setdefault("_unacked", {})
            writes[key] = fut

            def acked(done: Any, key: Any = key) -> None:
                if writes.get(key) is done:
                    del writes[key]

            fut.add_done_callback(acked)
            return fut

        async def persisted(self, key: Any) -> None:
            """Return once the last change of ``key`` is in the changelog (acknowledged).

            The changelog partition keeps the producer's order, so this write's acknowledgement
            covers every earlier write of the key. Raises what the producer raised.
            """
            fut = self.__dict__.get("_unacked", {}).get(key)
            if fut is not None:
                await asyncio.shield(fut)

    return AlertTable


def _table(app: Any, name: str, partitions: int) -> Any:
    """A changelog-backed table that may be written outside stream iteration.

    Faust picks a changelog partition from the current event, or (``use_partitioner``) from the
    producer's partitioner, which needs the changelog topic's metadata already cached and fails
    on the first write after start-up when it is not. Timers and background deliveries write
    these tables, so the partition is derived from the key itself (:func:`stable_partition`):
    a key always goes to one partition, which is what compaction and recovery need.
    """
    import faust

    table = _table_class()(
        app,
        name=name,
        partitions=partitions,
        store=MEMORY_STORE,  # for Faust's labels; _new_store decides
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
        beacon=app.tables.beacon,
    )
    return app.tables.add(table)


def _registry(app: Any) -> Any:
    """The stream worker's Prometheus registry (served by its web view), or None for a new one."""
    metrics = getattr(getattr(app, "escalert", None), "metrics", None)
    return getattr(metrics, "registry", None)


def tables_ready(app: Any) -> bool:
    """Tables recovered and no rebalance under way: safe to read the ledger and noise state."""
    recovery = app.tables.recovery
    return recovery.completed.is_set() and not recovery.in_recovery and not app.rebalancing


class AlertAgents:
    """The alert side of one worker: what it holds, and what its agents and timers do.

    State, all declared here: ``reloader`` (the subscriptions, reloaded on a timer),
    ``silences``; the topics ``alerts_topic`` and ``dlq_topic``; the tables ``noise_table``
    and ``ledger_table``; ``noise`` (routing and noise control over ``noise_table``);
    ``deliverer`` (the ledger and the background deliveries); ``lock`` (routing, flushing and
    reloading change the noise state one at a time); ``last_prune`` (when the ledger was last
    pruned).
    """

    def __init__(self, app: Any, settings: Any) -> None:
        from service.alerts.delivery import AppriseSender, Deliverer, DeliveryMetrics
        from service.alerts.ledger import Ledger
        from service.alerts.noise import NoiseControl
        from service.alerts.silences import SilenceStore, default_store_path
        from service.alerts.subscriptions import SubscriptionsReloader

        self.app = app
        self.settings = settings
        cfg = self.cfg = settings.alerts
        n = settings.partitions
        self.reloader = SubscriptionsReloader(cfg.subscriptions, file_root=cfg.file_root)
        self.silences = SilenceStore(cfg.silences_path or default_store_path(cfg.subscriptions))
        raw = dict(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
        self.alerts_topic = app.topic(settings.topics.alerts, partitions=n, **raw)
        self.dlq_topic = app.topic(settings.topics.alerts_dlq, partitions=n, **raw)
        self.noise_table = _table(app, NOISE_TABLE, n)
        self.ledger_table = _table(app, cfg.ledger_table, n)
        self.noise = NoiseControl(self.reloader.current, self.noise_table, silences=self.silences.poll)
        self.deliverer = Deliverer(
            Ledger(self.ledger_table),
            AppriseSender(timeout=cfg.delivery.send_timeout),
            self.resolve,
            self.publish_dead_letter,
            cfg.delivery,
            format_for=self.format_for,
            max_pending=cfg.max_pending_deliveries,
            metrics=DeliveryMetrics(_registry(app)),
        )
        self.lock = asyncio.Lock()
        self.last_prune = datetime.now(UTC)

    def parts(self) -> AlertParts:
        return AlertParts(self.alerts_topic, self.dlq_topic, self.noise_table, self.ledger_table,
                          self.noise, self.deliverer, self.reloader, self.lock)

    # -- what the deliverer asks --------------------------------------------------------

    def resolve(self, subscription: str, target_id: str) -> str | None:
        return dict(self.reloader.current.targets(subscription)).get(target_id)

    def format_for(self, subscription: str) -> Any:
        sub = self.reloader.current.get(subscription)
        return sub.format if sub is not None else None

    async def publish_dead_letter(self, dl: DeadLetter) -> None:
        # force=True: publish now. Without it Faust "attaches" a send made inside an agent to
        # the event's offset and publishes only at commit, and awaiting it would deadlock.
        fut = await self.dlq_topic.send(
            key=(dl.key or "").encode(), value=dl.model_dump_json().encode(), force=True
        )
        await fut  # acknowledged by Kafka before the ledger says "failed"

    # -- routing ------------------------------------------------------------------------

    async def publish_alerts(self, alerts: list[Alert]) -> None:
        futures = [
            await self.alerts_topic.send(
                key=a.subscription.encode(), value=a.model_dump_json().encode(), force=True
            )
            for a in alerts
        ]
        for fut in futures:
            await fut

    async def bad_input(self, topic: str, value: Any, error: str, key: bytes | None) -> None:
        await self.publish_dead_letter(
            DeadLetter(
                reason="schema",
                error=error,
                payload=_as_text(value),
                source_topic=topic,
                key=key.decode("utf-8", errors="replace") if key else None,
                failed_at=datetime.now(UTC),
            )
        )

    async def decode(self, event: Any, model: Any) -> Any:
        """The event's value as ``model``, or None after dead-lettering what is not one."""
        try:
            return model.model_validate_json(_as_text(event.value))
        except ValidationError as exc:
            article = "an" if model.__name__[0] in "AEIOU" else "a"
            await self.bad_input(event.message.topic, event.value, f"not {article} {model.__name__}: {exc}",
                                 event.key)
            return None

    async def staged(self, fn: Any) -> None:
        """Run a NoiseControl call on a staged state; publish, then commit."""
        async with self.lock:
            view = Staged(self.noise_table)
            self.noise.state = view
            try:
                alerts = fn()
            finally:
                self.noise.state = self.noise_table
            if alerts:
                await self.publish_alerts(alerts)
            view.commit()

    # -- agents and timers --------------------------------------------------------------

    async def route(self, stream: Any) -> None:
        """Agent ``alerts-route``: each signal through the router and noise control."""
        async for event in stream.events():
            value = event.value
            signal = await self.decode(event, Signal)
            if signal is None:
                continue
            try:
                await self.staged(lambda signal=signal: self.noise.process(signal))
            except Exception as exc:  # a routing bug must not stop the worker
                log.exception("routing failed for signal %s", signal.signal_id)
                await self.bad_input(event.message.topic, value, f"routing failed: {exc}", event.key)

    async def deliver(self, stream: Any) -> None:
        """Agent ``alerts-deliver``: each alert into the ledger, then delivered in the background."""
        async for event in stream.events():
            alert = await self.decode(event, Alert)
            if alert is not None:
                await self.deliverer.submit(alert)

    async def flush(self) -> None:
        if tables_ready(self.app):
            await self.staged(lambda: self.noise.flush_due(datetime.now(UTC)))

    async def reload(self) -> None:
        if self.reloader.poll():
            async with self.lock:
                self.noise.update(self.reloader.current)

    async def resume(self) -> None:
        if not tables_ready(self.app):
            return
        started = await self.deliverer.resume_pending()
        if started:
            log.info("resumed %d pending deliveries from the ledger", started)
        now = datetime.now(UTC)
        if now - self.last_prune > timedelta(hours=1):
            self.last_prune = now
            gone = self.deliverer.ledger.prune(now - timedelta(seconds=self.cfg.ledger_retention))
            if gone:
                log.info("pruned %d finished alerts from the ledger", gone)


def register(app: Any, settings: Any) -> AlertParts:
    """Add the alert topics, tables, agents and timers to ``app`` (see the module docstring).

    Raises ``SubscriptionsError`` when the subscriptions file is invalid at start-up: the worker
    must not start with no rules (later reloads keep the last good version instead).
    """
    agents = AlertAgents(app, settings)
    cfg = settings.alerts

    @app.agent(_signals_topic(app, settings), name="alerts-route")
    async def route(stream: Any) -> Any:
        await agents.route(stream)

    @app.agent(agents.alerts_topic, name="alerts-deliver")
    async def deliver(stream: Any) -> Any:
        await agents.deliver(stream)

    @app.timer(cfg.flush_interval, name="alerts-flush")
    async def flush() -> None:
        await agents.flush()

    @app.timer(cfg.reload_interval, name="alerts-reload")
    async def reload() -> None:
        await agents.reload()

    @app.timer(cfg.resume_interval, name="alerts-resume")
    async def resume() -> None:
        await agents.resume()

    parts = agents.parts()
    app.escalert_alerts = parts  # type: ignore[attr-defined]
    return parts
