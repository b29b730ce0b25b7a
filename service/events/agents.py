"""The event stage in the Faust worker: signals -> consolidation -> ``events`` -> calendar, alerts.

``register(app, settings)`` (called by ``service.stream.app.create_app`` unless
``ESCALERT_EVENTS_ENABLED=false``) adds:

- topic ``<app id>-event-keys``: the signals again, keyed by the consolidation key (the event
  type, :func:`~service.events.consolidate.event_key`), so that every signal that could join an
  event lands in the partition that holds it. Agent ``events-key`` writes it;
- table ``events`` (the worker's store, ``rocksdb://`` by default): the
  :class:`~service.events.consolidate.Consolidator` state. Agent ``events-consolidate`` is its only
  writer; each write goes to the partition of the ``event-keys`` message being processed
  (Faust's current event, :func:`partition_events`), which is the event's partition;
- agent ``events-retract``: a tombstone on ``articles`` (dead-lettered by detection, see
  :func:`retracted_article`) is sent to every consolidation key as ``{"retract": <article id>}``;
  the events the article fed get a new version without it (``retracted`` when none is left),
  and event alerting sends corrections to the subscribers who were told;
- topic ``events`` (key ``event_id``, value :class:`~schemas.event.Event` JSON): every new
  version of an event. Its one reader, agent ``events-follow``, does per batch, in this order,
  each part isolated from a bug in the others: the calendar, the trajectories' re-keying, and
  (alerts configured) event alerting;
- table ``calendar`` (the worker's store; written by ``events-follow`` and by the calendar
  timer, each write under its event's partition: :mod:`service.events.tables`): one entry per
  scheduled event; served as iCalendar on
  ``GET /calendar.ics`` (query ``type``, ``actor``, ``country`` filter it) and, when alerts are
  configured, ``GET /calendar/<subscription>.ics`` (that subscription's filters);
- topic ``<app id>-trajectory-keys`` and table ``trajectories`` (the worker's store):
  ``events-follow`` re-keys each counted event version by series (directed dyad, country),
  agent ``events-trajectory`` folds it in (:mod:`service.events.trajectory`) and turns
  spikes and ladder steps into alerts for subscriptions with ``trajectories``;
- when alerts are configured: table ``event-alerts`` (likewise); ``events-follow`` passes event
  versions to :class:`~service.events.alerting.EventAlerting`, grouped by
  :class:`~service.events.grouping.EventGrouper`, onto the ``alerts`` topic (delivered by the
  alert agents); the timer that sends grouped messages when due, and the timer that sends
  calendar reminders and no-report alerts.

Delivery: the three busy hops (``signals``, ``event-keys``, ``events``) take their messages in
batches from the batch intake (:mod:`service.stream.intake`), as detection does for
``articles``: Faust's per-message delivery (an event, a queue and a stream step per message and
per reading agent) was most of the stage's cost, four deliveries per signal. A topic another
agent also reads keeps Faust's path (``signals`` when the alert agents run); so do the rarely
busy ``trajectory-keys`` and the dead-letter topic; ``ESCALERT_BATCH_INTAKE=false`` puts every
hop on it. The agent bodies are the same either way (:func:`~service.stream.intake.run_batches`).
Their sends go in Kafka record batches (:class:`~service.stream.producer.TopicSender`), and the
consolidator's batched writes go straight into the table's store with their changelog records
sent alongside (:class:`StoreWrites`). Measured (docs/performance.md, "The event stage on the
batch intake"): 13.1 s of worker CPU for 20,000 signals against 21.0 s on Faust's path; signal
-> event version at 200 signals/s p50 ~30 ms against ~47 ms, p99 103-137 ms against 137-153 ms
(docs/events.md, "Speed").

Sends are forced and awaited per batch (Kafka acknowledged them) before the batch's messages are
acked, so a crash re-processes a batch rather than losing its events; the consolidator
ignores a signal id it already folded in, and alert ids are deterministic (the delivery ledger
drops repeats).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import faust
import pydantic_core
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import ValidationError

from schemas.common import EventType
from schemas.deadletter import DeadLetter
from schemas.signal import Signal
from service.events.calendar import due, entry_from, to_ics
from service.events.consolidate import ConsolidationConfig, Consolidator
from service.events.tables import JsonValues, json_key, scoped_table
from service.faust_private import (
    FaustKafka,
    PartitionDB,
    current_partition,
    reset_current_event,
    rocksdb_partition,
    set_current_event,
)
from service.stream.dedupe import event_of
from service.stream.intake import Intake, run_batches
from service.stream.producer import Plain, TopicSender
from service.stream.store import table_options

log = logging.getLogger(__name__)

BATCH = 500
BATCH_WITHIN = 0.01  # seconds a batch of signals waits to fill
# The later hops take what has arrived, without waiting: their messages come in the previous
# hop's batches, whole in one fetch. Measured at 200 signals/s on the shared 2-core machine
# (load 4.6-6), every hop at 0 against every hop at 10 ms: p50 31-34 ms against 53-54 ms, for
# ~5% more worker CPU; p99 followed the load (145-316 against 176-213 ms).
FOLLOW_WITHIN = 0.0
INTAKE_LIMIT = 2 * BATCH  # messages an intake holds before the fetch loop waits for room


def keys_topic_name(settings: Any) -> str:
    return f"{settings.app_id}-event-keys"


def signal_key(value: bytes) -> str | None:
    """The consolidation key of a signal message (its type), or None when it has none."""
    if not value:
        return None
    try:
        doc = pydantic_core.from_json(value)
    except (ValueError, UnicodeDecodeError):
        return None
    kind = doc.get("type") if isinstance(doc, dict) else None
    return kind if isinstance(kind, str) and kind.isalpha() and kind.isupper() else None


TOMBSTONE_ERROR = "empty payload (null message value)"


def retracted_article(dead_letter: bytes) -> str | None:
    """The article id a dead letter withdraws, or None.

    A tombstone (a null value under an article's key) on ``articles`` is how a producer withdraws
    an article. Detection dead-letters it (nothing to detect) with the key and this error; the
    event stage reads it there, so the detection path needs no second reader of ``articles``.
    """
    try:
        dl = DeadLetter.model_validate_json(dead_letter)
    except (ValidationError, ValueError):
        return None
    if dl.reason == "not_json" and dl.error.endswith(TOMBSTONE_ERROR) and not dl.payload and dl.key:
        return dl.key
    return None


def retraction_message(article_id: str) -> bytes:
    return json.dumps({"retract": article_id}).encode()


def revision_message(article_id: str, revision: int) -> bytes:
    return json.dumps({"revise": article_id, "revision": revision}).encode()


def signal_revision(value: bytes) -> tuple[str, int] | None:
    """(article id, revision) of a signal of a republished article (revision > 0), else None.

    Cheap for the common case: a first publication's signal has ``"revision": 0``."""
    if b'"revision":0' in value or b'"revision"' not in value:
        return None
    try:
        doc = json.loads(value)
        rev = doc["article"].get("revision", 0)
        article_id = doc["article_id"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return (article_id, rev) if isinstance(rev, int) and rev > 0 and isinstance(article_id, str) else None


class RevisionNotices:
    """Which (article, revision) the key agent already announced (bounded; a repeat is harmless:
    the consolidator's revision step is idempotent)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.seen: dict[tuple[str, int], None] = {}

    def first(self, article_id: str, revision: int) -> bool:
        key = (article_id, revision)
        if key in self.seen:
            return False
        self.seen[key] = None
        if len(self.seen) > self.limit:
            del self.seen[next(iter(self.seen))]
        return True


def coalesce(latest: dict[str, tuple[dict, list[float]]], version: dict, timestamp: float | None) -> None:
    """Keep only an event's last version of a batch, with the changes of the ones it replaces
    (the title and the body of one article would otherwise make two updates a second apart)."""
    held = latest.pop(version["event_id"], None)
    stamps = [timestamp] if timestamp else []
    if held is not None:
        version = {**version, "changes": list(dict.fromkeys([*held[0]["changes"], *version["changes"]]))}
        stamps = held[1] + stamps
    latest[version["event_id"]] = (version, stamps)


@contextlib.contextmanager
def current_event(event: Any) -> Iterator[None]:
    """Make ``event`` Faust's current event: table writes go to its partition."""
    token = set_current_event(weakref.ref(event))
    try:
        yield
    finally:
        reset_current_event(token)


class EventMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        r = registry or CollectorRegistry()
        self.signals_in = Counter("escalert_event_signals_in", "Signals consolidated into events.",
                                  registry=r)
        self.versions_out = Counter("escalert_event_versions_out",
                                    "Event versions published on the events topic.", registry=r)
        self.update_seconds = Histogram(
            "escalert_event_update_seconds",
            "From a signal's publication on the signals topic to its event version acknowledged.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r)
        self.calendar_alerts = Counter("escalert_calendar_alerts", "Reminders and no-report alerts.",
                                       ["kind"], registry=r)


@dataclass
class EventParts:
    """What :func:`register` built (tests and the web views look inside)."""

    keys_topic: Any
    events_topic: Any
    table: Any
    calendar_table: Any
    consolidator: Consolidator
    metrics: EventMetrics
    alerting: Any = None
    alert_table: Any = None
    trajectories: Any = None
    publish_alerts: Any = None
    # The follower's parts after the calendar (set when the trajectories and alerts register).
    rekey_series: Any = None
    series_topic: str = ""
    alert_versions: Any = None
    intakes: dict[str, Any] = field(default_factory=dict)  # agent name -> its batch intake
    # topic -> its batch sender (event-keys, events, trajectory-keys)
    senders: dict[str, TopicSender] = field(default_factory=dict)
    handlers: dict[str, Any] = field(default_factory=dict)  # agent name -> its batch handler


def register(app: Any, settings: Any) -> EventParts:
    """Add the event topics, tables, agents, timer and calendar pages (module docstring)."""
    cfg = settings.events
    n = settings.partitions
    stream_parts = app.escalert
    raw = dict(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
               partitions=n)
    keys_topic = app.topic(keys_topic_name(settings), **raw)
    events_topic = app.topic(cfg.topic, **raw)
    # Raw bytes values, JSON-encoded once per write by JsonValues (not twice by Faust's codec).
    table = app.Table(cfg.table, partitions=n, key_type=str, value_type=bytes,
                      schema=faust.Schema(key_serializer="json", value_serializer="raw"),
                      help="Event consolidation state (events, match index, article index).",
                      options=table_options())
    calendar_table = scoped_table(app, cfg.calendar_table, n, "Calendar entries (scheduled events).")
    consolidator = Consolidator(JsonValues(table),
                                ConsolidationConfig(window=timedelta(hours=cfg.window_hours)),
                                batched=True)
    metrics = EventMetrics(getattr(stream_parts.metrics, "registry", None))
    parts = EventParts(keys_topic, events_topic, table, calendar_table, consolidator, metrics)
    for topic in (keys_topic, events_topic):
        parts.senders[topic.get_topic_name()] = TopicSender(FaustKafka(app), topic.get_topic_name())

    async def dead_letter(message: Any, error: str, reason: str = "schema") -> None:
        """Dead-letter a consumed message with its original payload (sent and awaited)."""
        value = message.value
        text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value or "")
        dl = DeadLetter(reason=reason, error=error,  # type: ignore[arg-type]
                        payload=text, source_topic=message.topic,
                        partition=message.partition, offset=message.offset,
                        key=message.key.decode("utf-8", errors="replace") if message.key else None,
                        failed_at=datetime.now(UTC))
        fut = await stream_parts.articles_dlq.send(key=message.key, value=dl.model_dump_json().encode(),
                                                   force=True)
        await fut

    _register_keys(app, settings, parts, stream_parts, dead_letter)
    _register_flow(app, settings, parts, stream_parts, dead_letter)

    _register_pages(app, parts)
    if getattr(app, "escalert_alerts", None) is not None:
        _register_alerts(app, settings, parts)
    _register_trajectories(app, settings, parts)
    _register_follower(app, settings, parts)
    app.escalert_events = parts
    return parts


def intake_agent(app: Any, settings: Any, parts: EventParts, topic: Any, name: str,
                 handle: Callable[[list[Any]], Awaitable[None]], within: float = FOLLOW_WITHIN) -> Intake:
    """Agent ``name`` over ``topic``'s batch intake (:func:`~service.stream.intake.run_batches`):
    ``handle`` gets a batch of consumed messages and returns once its sends are acknowledged;
    then the batch is acked."""
    intake = Intake(app, topic.get_topic_name(), limit=INTAKE_LIMIT, reader=name)
    parts.intakes[name] = intake
    parts.handlers[name] = handle

    @app.agent(topic, name=name)
    async def agent(stream: Any) -> None:
        await run_batches(intake, stream, enabled=settings.batch_intake, size=BATCH,
                          within=within, handle=handle)

    return intake


def _register_keys(app: Any, settings: Any, parts: EventParts, stream_parts: Any, dead_letter: Any) -> None:
    """Agent ``events-key``: each signal to its consolidation key; a revision notice to every key
    after the batch's signals when it holds the first signal seen of a republished article's
    revision."""
    keys = parts.senders[parts.keys_topic.get_topic_name()]
    notices = RevisionNotices()

    async def key_signals(batch: list[Any]) -> None:
        out: list[Plain] = []
        revisions: list[tuple[str, int]] = []
        for msg in batch:
            value = msg.value
            key = signal_key(value)
            if key is None:
                await dead_letter(msg, "not a signal: no event type (a JSON object with 'type')")
                continue
            revised = signal_revision(value)
            if revised is not None and notices.first(*revised):
                revisions.append(revised)
            out.append((key.encode(), value, msg.timestamp))
        # The earlier text may have fed events of any type: every key hears of the revision, after
        # the batch's signals (same producer, so in order per partition). A key that got a signal
        # of the revision has taken the earlier text out already, in the same step as it took the
        # new one in (Consolidator.fold): one version, no correction followed by a first report.
        # The notice only reaches the events no signal of the new text joins.
        for revised in revisions:
            notice = revision_message(*revised)
            out.extend((t.value.encode(), notice, None) for t in EventType)
        await keys.send(out)

    intake_agent(app, settings, parts, stream_parts.signals, "events-key", key_signals, BATCH_WITHIN)


def _register_flow(app: Any, settings: Any, parts: EventParts, stream_parts: Any, dead_letter: Any) -> None:
    """The agents from signals to event versions (module docstring)."""
    keys_topic = parts.keys_topic
    events = parts.senders[parts.events_topic.get_topic_name()]
    consolidator, metrics = parts.consolidator, parts.metrics

    changelog: list[TopicSender] = []  # made once the table has named its changelog topic

    async def consolidate(batch: list[Any]) -> None:
        writes = StoreWrites(parts.table)
        # The versions are encoded and the batch's records dropped before the cyclic collector
        # is back on: its first collection then has the batch's survivors to scan, not them.
        with gc_paused():
            with reading(consolidator.state, writes.read):
                latest, failed = consolidate_batch(consolidator, batch, metrics, partition_events(app),
                                                   writes)
            writes.commit()  # before the sends: what Kafka holds, the store holds
            versions = [(version["event_id"].encode(), writes.version_json(version), None)
                        for version, _ in latest.values()]
            stamps = [s for _, s in latest.values()]
            del latest
            writes.published.clear()
        for msg, error, reason in failed:
            await dead_letter(msg, error, reason)
        if not changelog:
            changelog.append(TopicSender(FaustKafka(app), parts.table.changelog_topic.get_topic_name()))
        await asyncio.gather(changelog[0].send_to(writes.changelog), events.send(versions))
        metrics.versions_out.inc(len(versions))
        now = time.time()
        for signal_stamps in stamps:
            observe_update(metrics, signal_stamps, now)

    intake_agent(app, settings, parts, keys_topic, "events-consolidate", consolidate)

    # The consolidator holds match index entries decoded between batches; what this worker owns
    # may have changed (another worker wrote it, or recovery did): read it again from the table.
    async def forget(sender: Any, *args: Any, **kwargs: Any) -> None:  # (the partitions, if any)
        consolidator.forget()

    for changed in (app.on_partitions_revoked, app.on_partitions_assigned, app.on_rebalance_complete):
        changed.connect(forget)

    @app.agent(stream_parts.articles_dlq, name="events-retract")
    async def retract(stream: Any) -> None:
        async for ev in stream.events():
            article_id = retracted_article(ev.value) if ev.value else None
            if article_id is None:
                continue
            # The article's signals may have fed an event of any type: every key hears of it.
            futures = [await keys_topic.send(key=t.value.encode(), value=retraction_message(article_id),
                                             force=True) for t in EventType]
            await asyncio.gather(*futures)
            log.info("article %s withdrawn: its events are being updated", article_id)


def observe_update(metrics: EventMetrics, stamps: list[float], now: float) -> None:
    """Record the signal -> event version time of each signal behind a version (``stamps``:
    the signals' message timestamps, in seconds as Faust gives them)."""
    for ts in stamps:
        metrics.update_seconds.observe(max(0.0, now - ts))


def update_calendar(calendar_table: Any, versions: list[tuple[Any, dict]]) -> None:
    """The calendar entries of the batch's scheduled events (each write under its event's
    partition: :class:`~service.events.tables.ScopedTable`)."""
    for msg, version in versions:
        try:
            event_id = version.get("event_id")
            previous = calendar_table.get(event_id)
            if version.get("schedule") is not None or previous is not None:
                calendar_table[event_id] = entry_from(version, previous)
        except Exception:  # a calendar bug must not stop the trajectories and the alerts
            log.exception("calendar update failed for event %r", msg.key)


def _register_follower(app: Any, settings: Any, parts: EventParts) -> None:
    """Agent ``events-follow``: the one reader of the ``events`` topic. Per batch of event
    versions: the calendar, then the trajectories' re-keying, then (alerts configured) event
    alerting, each part isolated from the others' bugs; the batch is acked once its sends
    (series, alerts) are acknowledged."""
    calendar_table = parts.calendar_table

    async def follow(batch: list[Any]) -> None:
        versions = []
        for msg in batch:
            try:
                version = pydantic_core.from_json(msg.value)
            except (ValueError, TypeError):
                version = None
            if not isinstance(version, dict):
                log.warning("%s[%d]@%d: not an event version (JSON object): skipped",
                            msg.topic, msg.partition, msg.offset)
                continue
            versions.append((msg, version))
        update_calendar(calendar_table, versions)
        series = parts.rekey_series(versions) if parts.rekey_series is not None else []
        if parts.alert_versions is not None:
            await parts.alert_versions(versions)
        if series:
            await parts.senders[parts.series_topic].send(series)

    intake_agent(app, settings, parts, parts.events_topic, "events-follow", follow)


def _register_alerts(app: Any, settings: Any, parts: EventParts) -> None:
    """Event alerts and calendar alerts, published on the alert agents' ``alerts`` topic."""
    from service.alerts.agents import Staged, tables_ready
    from service.events.alerting import EventAlerting

    cfg = settings.events
    alert_parts = app.escalert_alerts
    reloader = alert_parts.reloader
    table = scoped_table(app, cfg.alerts_table, settings.partitions, "Event alert state.")
    alerting = EventAlerting(reloader.current, table,
                             silences=getattr(alert_parts.noise, "_extra_silences", None))
    parts.alerting, parts.alert_table = alerting, table
    lock = asyncio.Lock()

    async def publish(alerts: list) -> None:
        futures = [await alert_parts.alerts_topic.send(
            key=a.subscription.encode(), value=a.model_dump_json().encode(), force=True)
            for a in alerts]
        for fut in futures:
            await fut

    parts.publish_alerts = publish

    async def staged(fn: Any) -> None:
        """Decide on a staged copy of the state; publish; only then keep the decisions."""
        async with lock:
            if alerting.subs is not reloader.current:
                alerting.update(reloader.current)
            view = Staged(table)
            alerting.state = view
            try:
                alerts = fn()
            finally:
                alerting.state = table
            if alerts:
                await publish(alerts)
            view.commit()

    def decide(version: dict, now: datetime) -> list:
        return alerting.grouper.add(alerting.process(version, now), now)

    @app.timer(settings.alerts.flush_interval, name="events-alerts-flush")
    async def flush_groups() -> None:
        """Grouped event alert messages whose group_wait, group_interval, quiet hours or
        digest period ended."""
        if tables_ready(app):
            await staged(lambda: alerting.grouper.flush_due(datetime.now(UTC)))

    async def alert_versions(versions: list[tuple[Any, dict]]) -> None:
        """Event alerting, one version at a time (the follower's last part)."""
        for msg, version in versions:
            try:
                await staged(lambda v=version: decide(v, datetime.now(UTC)))
            except Exception:  # an alerting bug must not stop the worker
                log.exception("event alerting failed for %r", msg.key)

    parts.alert_versions = alert_versions

    @app.timer(cfg.calendar_interval, name="events-calendar-due")
    async def calendar_due() -> None:
        if not tables_ready(app):
            return
        await calendar_alerts(alerting, parts, publish, lock, datetime.now(UTC))


def _register_trajectories(app: Any, settings: Any, parts: EventParts) -> None:
    """Trajectories: counted event versions re-keyed by series (by the follower agent), then
    folded into the table of that series' partition (so two workers never split one series);
    moves become alerts."""
    from service.events.trajectory import Trajectories, TrajectoryConfig, series_of

    cfg = settings.events
    n = settings.partitions
    raw = dict(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
               partitions=n)
    series_topic = app.topic(f"{settings.app_id}-trajectory-keys", **raw)
    parts.series_topic = series_topic.get_topic_name()
    parts.senders[parts.series_topic] = TopicSender(FaustKafka(app), parts.series_topic)
    table = app.Table(cfg.trajectory_table, partitions=n,
                      schema=faust.Schema(key_serializer="json", value_serializer="json"),
                      help="Escalation trajectories: daily indexes per directed dyad and country.",
                      options=table_options())
    trajectories = Trajectories(table, TrajectoryConfig(
        min_sources=cfg.trajectory_min_sources, baseline_days=cfg.trajectory_baseline_days,
        spike_sigma=cfg.trajectory_spike_sigma, spike_min=cfg.trajectory_spike_min,
        ladder_days=cfg.trajectory_ladder_days))
    parts.trajectories = trajectories

    def rekey_series(versions: list[tuple[Any, dict]]) -> list[Plain]:
        """Each counted version once per series it counts in (the follower's second part):
        the messages for ``<app id>-trajectory-keys``, sent by the follower before its acks."""
        out: list[Plain] = []
        for msg, version in versions:
            try:
                names = series_of(version) if trajectories.counts(version) else []
            except Exception:  # a trajectory bug must not stop the alerts
                log.exception("trajectory re-keying failed for %r", msg.key)
                continue
            out.extend((name.encode(), msg.value, None) for name in names)
        return out

    parts.rekey_series = rekey_series

    @app.agent(series_topic, name="events-trajectory")
    async def fold(stream: Any) -> None:
        async for ev in stream.events():
            try:
                version = json.loads(ev.value)
                with current_event(ev):
                    moves = trajectories.add_series(ev.key.decode(), version)
            except Exception:  # a trajectory bug must not stop the stage
                log.exception("trajectory update failed for %r", ev.key)
                continue
            if moves and parts.alerting is not None and parts.publish_alerts is not None:
                now = datetime.now(UTC)
                alerts = [a for m in moves for a in parts.alerting.trajectory(m, version, now)]
                if alerts:
                    await parts.publish_alerts(alerts)
            for m in moves:
                log.info("trajectory %s: %s %s", m.series, m.kind, m.summary)


async def calendar_alerts(alerting: Any, parts: EventParts, publish: Any, lock: asyncio.Lock,
                          now: datetime) -> int:
    """Send the reminders and no-report alerts due at ``now``; record them in the calendar."""
    sent = 0
    async with lock:
        for event_id, entry in list(parts.calendar_table.items()):
            subs = alerting.calendar_subscriptions(entry["event"])
            new_entry, dues = due(entry, subs, now)
            if not dues:
                continue
            alerts = alerting.grouper.add(alerting.calendar(dues, now), now)
            await publish(alerts)
            parts.calendar_table[event_id] = new_entry
            for d in dues:
                parts.metrics.calendar_alerts.labels(d.kind).inc()
            sent += len(alerts)
    return sent


def calendar_filter(query: Any) -> Any:
    """An event predicate from ``?type=CONSULT&actor=RUS&country=CHE`` (each repeatable)."""
    types = {t.upper() for t in query.getall("type", [])}
    actors = {a.upper() for a in query.getall("actor", [])}
    countries = {c.upper() for c in query.getall("country", [])}

    def accept(event: dict) -> bool:
        codes = {a["code"].upper() for side in ("source", "target") for a in event["actors"][side]}
        country = ((event.get("location") or {}).get("country") or "").upper()
        return ((not types or event["type"] in types) and (not actors or bool(codes & actors))
                and (not countries or country in countries))

    return accept


def partition_events(app: Any) -> Callable[[Any], Any]:
    """message -> a Faust event of its partition (one per partition, for one batch): table
    writes find their partition in Faust's current event, and the agent holds messages."""
    held: dict[int, Any] = {}

    def event_for(message: Any) -> Any:
        event = held.get(message.partition)
        if event is None:
            event = held[message.partition] = event_of(app, message)
        return event

    return event_for


class StoreWrites:
    """The consolidator's batched writes, straight into the table's store (under the current
    event's partition; on RocksDB one write batch per partition database, written by
    :meth:`commit`), their changelog records kept to be sent with the batch's other sends.

    Faust's ``table[key] = value`` sends each changelog record on its own through its producer
    buffer (a Faust send per key); this packs them into the batch's record batches, and the
    batch is acked only once they are acknowledged too. The records are what Faust writes: the
    key through the table's ``json`` key serializer, the value as is (raw bytes)."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.changelog: dict[int, list[Plain]] = {}
        # partition -> its RocksDB database (None: not RocksDB), for this batch only: a
        # rebalance between batches may close it
        self.dbs: dict[int, PartitionDB | None] = {}
        # event id -> (its record written in this batch, the JSON of its public fields)
        self.published: dict[str, tuple[dict, bytes]] = {}

    def __call__(self, key: str, value: Any, event: Any) -> None:
        """Write ``value`` under ``key`` (None: delete the key; the changelog gets a tombstone)."""
        if value is None:
            raw = None
        elif key.startswith("e|") and isinstance(value, dict):
            raw = self._record(key[2:], value)
        else:
            raw = pydantic_core.to_json(value)
        encoded = json_key(key)
        partition = event.message.partition
        db = self._db(partition)
        if db is not None:
            if raw is None:
                db.delete(encoded)
            else:
                db.put(encoded, raw)
        else:
            with current_event(event):
                if raw is None:
                    self.table.data.pop(key, None)
                else:
                    self.table.data[key] = raw
        self.changelog.setdefault(partition, []).append((encoded, raw, None))

    def _record(self, event_id: str, rec: dict) -> bytes:
        """An event record's JSON: its public fields encoded once, for the store and (kept
        under the event id, :meth:`version_json`) for the version published; the bookkeeping
        (``_``-prefixed) fields after them. The record's fields come in that order, so the bytes
        are those of encoding the record whole."""
        public: dict[str, Any] = {}
        private: dict[str, Any] = {}
        for k, v in rec.items():
            (private if k[:1] == "_" else public)[k] = v
        head = pydantic_core.to_json(public)
        self.published[event_id] = (rec, head)
        if not private:
            return head
        return b"".join((head[:-1], b",", pydantic_core.to_json(private)[1:]))

    def version_json(self, version: dict) -> bytes:
        """A version's JSON: the public part of its record written in this batch when the
        version is that record's (same version number and the same changes: :func:`coalesce`
        may have merged earlier changes in), else encoded."""
        held = self.published.get(version["event_id"])
        if held is not None:
            rec, head = held
            if rec.get("version") == version["version"] and rec.get("changes") is version["changes"]:
                return head
        return pydantic_core.to_json(version)

    def read(self, key: str) -> bytes | None:
        """The stored value of ``key`` in the current event's partition (None: absent), read
        from its RocksDB database without Faust's per-key layers (the key serializer registry,
        the current event lookup, the key index: ~8% of the worker's CPU on the stress bench),
        else from the table's store. What :meth:`commit` wrote reads back; what is not yet
        committed the consolidator holds itself."""
        partition = current_partition()
        db = self._db(partition) if partition is not None else None
        if db is not None:
            return db.get(json_key(key))
        try:
            return self.table.data[key]
        except KeyError:
            return None

    def _db(self, partition: int) -> PartitionDB | None:
        try:
            return self.dbs[partition]
        except KeyError:
            db = self.dbs[partition] = rocksdb_partition(self.table.data, partition)
            return db

    def commit(self) -> None:
        """Write the batch's RocksDB writes (one write batch per partition database)."""
        for db in self.dbs.values():
            if db is not None:
                db.commit()


def consolidate_batch(consolidator: Consolidator, batch: list, metrics: EventMetrics,
                      event_for: Callable[[Any], Any],
                      write: Callable[[str, Any, Any], None] | None = None,
                      ) -> tuple[dict[str, tuple[dict, list[float]]], list[tuple[Any, str, str]]]:
    """Fold a batch of ``event-keys`` messages in and write the state once (no awaits).

    Returns the batch's last version of each event it changed (:func:`coalesce`) and the
    messages to dead-letter (message, error, reason). The consolidator keeps the batch's record
    and index writes in memory until the flush at the end, each written under the event
    (``event_for(message)``) of the message whose partition holds it; Python's cyclic
    collector is held off meanwhile (no task runs in between: nothing here awaits), since a
    collection would promote those short-lived objects and then scan the whole heap for them
    (measured: a quarter of the time). ``write(key, value, event)`` writes (default: the
    consolidator's state, under ``event``).
    """
    latest: dict[str, tuple[dict, list[float]]] = {}
    failed: list[tuple[Any, str, str]] = []

    def through_state(key: str, value: Any, ev: Any) -> None:
        with current_event(ev):
            if value is None:
                consolidator.state.pop(key, None)
            else:
                consolidator.state[key] = value

    with gc_paused(), current_events() as enter:
        for msg in batch:
            value = msg.value
            ev = event_for(msg)
            enter(ev)  # the reads and writes below go to its partition
            if value and value.startswith((b'{"retract"', b'{"revise"')):
                try:
                    versions = _notice(consolidator, value, ev, msg.key)
                except (ValueError, KeyError, TypeError) as exc:
                    failed.append((msg, f"not a retraction or revision notice: {exc!r}", "schema"))
                    continue
                for version in versions:
                    coalesce(latest, version, msg.timestamp)
                continue
            try:
                signal = Signal.model_validate_json(value or b"")
            except ValidationError as exc:
                failed.append((msg, f"not a Signal: {exc}", "schema"))
                continue
            try:
                versions = consolidator.fold(signal, ev)
            except Exception as exc:  # a consolidation bug must not stop the stage
                log.exception("consolidation failed for signal %s", signal.signal_id)
                failed.append((msg, f"consolidation failed: {type(exc).__name__}: {exc}",
                               "event_error"))
                continue
            metrics.signals_in.inc()
            for version in versions:
                coalesce(latest, version, msg.timestamp)
        consolidator.flush(write or through_state)
    return latest, failed


def _notice(consolidator: Consolidator, value: bytes, ev: Any, raw_key: Any) -> list[dict]:
    """Apply a retraction (``{"retract": id}``) or revision (``{"revise": id, "revision": n}``)
    notice to the events of its message's key (an event type: each type hears of it under its
    own key); the versions it causes."""
    doc = json.loads(value)
    key = raw_key.decode() if isinstance(raw_key, bytes) and raw_key else None
    if "retract" in doc:
        return consolidator.retract(str(doc["retract"]), ev, key=key)
    return consolidator.revise(str(doc["revise"]), int(doc["revision"]), ev, key=key)


@contextlib.contextmanager
def reading(state: Any, read: Callable[[str], bytes | None]) -> Iterator[None]:
    """``state``'s reads (a :class:`~service.events.tables.JsonValues`) done by ``read``
    meanwhile."""
    if not isinstance(state, JsonValues):
        yield
        return
    state.reader = read
    try:
        yield
    finally:
        state.reader = None


@contextlib.contextmanager
def current_events() -> Iterator[Callable[[Any], None]]:
    """For a stretch that does not await: ``enter(event)`` makes ``event`` Faust's current
    event, setting the context variable only when the event changes (a batch's messages come in
    runs of one partition, whose event :func:`partition_events` gives once); the one the stretch
    began with is restored at its end. (A ``with current_event(...)`` per message cost ~3% of
    the worker's CPU on the stress bench.)"""
    token: Any = None
    held: list[Any] = [None]

    def enter(event: Any) -> None:
        nonlocal token
        if event is held[0]:
            return
        held[0] = event
        ref = weakref.ref(event)
        if token is None:
            token = set_current_event(ref)
        else:
            set_current_event(ref)

    try:
        yield enter
    finally:
        if token is not None:
            reset_current_event(token)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a stretch that does not await."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _register_pages(app: Any, parts: EventParts) -> None:
    ics_type = "text/calendar"  # UTF-8, RFC 5545's default (aiohttp refuses a charset here)

    def entries(accept: Any) -> list[dict]:
        return [e for _, e in sorted(parts.calendar_table.items()) if accept(e["event"])]

    @app.page("/calendar.ics")
    async def calendar_feed(web: Any, request: Any) -> Any:
        accept = calendar_filter(request.query)
        return web.bytes(to_ics(entries(accept)), content_type=ics_type)

    @app.page("/calendar/{name}")
    async def subscription_feed(web: Any, request: Any, name: str) -> Any:
        name = name.removesuffix(".ics")
        alerting = parts.alerting
        if alerting is None or alerting.subs.get(name) is None:
            return web.json({"error": f"no subscription named {name!r}"}, status=404)
        body = to_ics(entries(lambda ev: alerting.accepts(name, ev)), name=f"escalert: {name}")
        return web.bytes(body, content_type=ics_type)
