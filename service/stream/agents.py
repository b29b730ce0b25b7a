"""The detection agent: Faust wiring around the pure core in ``processing.py``.

Messages arrive in bulk: Faust's per-event path (an Event, a queue and a stream step per
message) cost more of the event loop than all our own work, so the articles topic's messages go
from Faust's fetch loop straight into an :class:`~service.stream.intake.Intake` and the agent
takes them a batch at a time. Per batch:

1. analyse every payload (parse, dedupe keys, detect, encode:
   :func:`~service.stream.processing.analyse_payloads`), in a detection process
   (``ESCALERT_DETECT_PROCESSES``, ``detect_pool.py``) while the loop takes the next batches, or
   in-process with 0; then decide dedupe and dead letters in order
   (:func:`~service.stream.processing.decide`: no I/O);
2. produce signals and dead letters straight through the Kafka producer (bytes we encoded
   ourselves: plain JSON, no Faust envelope) and wait until the broker acknowledged them;
3. only then record the dedupe keys in the table (so a crash between 2 and 3 gives duplicates,
   never a loss: a key recorded before its signals were durable would suppress them forever);
4. flush the table's changelog writes and ack the batch's messages, all while holding a lock
   that Faust's periodic offset commit must also take.

With ``processing_guarantee=exactly_once`` the sends of step 2 go through the transactional
producer that Faust opened for the record's source partition, so the signals, dead letters, the
table's changelog and the consumer offsets commit or abort together. The lock matters there:
Faust commits a partition's transaction on a timer, and a commit that fell between our sends
and our acks would commit the signals without their offsets (a duplicate after a crash). Faust's
own ``topic.send`` has that window, and moreover sends outside any transaction when the output
topic is not one of the app's source topics (measured: see docs/stream.md, "Delivery guarantee"); hence our own
routing of sends to the source partition's transactional producer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import weakref
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import faust
from faust.events import Event
from faust.streams import _current_event

from service.stream.detect_pool import DetectPool
from service.stream.intake import Intake
from service.stream.processing import (
    Analysis,
    Detect,
    Outbound,
    Record,
    Result,
    analyse_payloads,
    decide,
    load_detector,
)
from service.stream.topics import DEDUPE_TABLE, dlq_message_limit

log = logging.getLogger("escalert.stream")

SEND_RETRY_SECONDS = (0.5, 1, 2, 5, 10)  # then every 10 s, logged each time: Kafka is down


def event_of(app: faust.App, message: Any) -> Event:
    """A Faust event for ``message``, for the table: its reads and writes find their partition
    in the current event's message (the intake hands the agent messages, not events)."""
    return Event(app, message.key, message.value, None, message)


@contextlib.contextmanager
def as_current_event(event: Any) -> Iterator[None]:
    """Make ``event`` Faust's current event in this task only.

    Table reads and writes find their partition from the current event, so each record's dedupe
    keys must be read and written under its own message's event (a context variable, so other
    tasks are not affected).
    """
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


class PartitionScope:
    """Faust's current event for table reads and writes, switched only when the partition changes.

    A store only needs the current event for its partition. Faust's fetch loop hands out
    partitions round-robin, so one event (and its weak reference) is made per partition and
    batch, and each switch is one context-variable write. Set in the finishing task's own
    context; :meth:`close` restores it.
    """

    def __init__(self, app: faust.App) -> None:
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
            token = _current_event.set(held[1])
            if self.token is None:
                self.token = token
            self.partition = partition

    def close(self) -> None:
        if self.token is not None:
            _current_event.reset(self.token)
        self.token = self.partition = None
        self.events.clear()


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, asyncio.TimeoutError):
        return True
    return bool(getattr(exc, "retriable", False)) or type(exc).__name__ in (
        "KafkaTimeoutError", "KafkaConnectionError", "NodeNotReadyError", "RequestTimedOutError",
    )


def register(app: faust.App, parts: Any, *, detect: Detect | None = None) -> None:
    """Add the dedupe table and the detection agent to ``app`` (fills ``parts.dedupe/agent``)."""
    s = parts.settings
    m = parts.metrics
    # A detector handed in as a function (unit tests) cannot be sent to a child: in-process then.
    processes = 0 if detect is not None else s.detect_process_count
    # With detection processes the worker itself never runs the detector: it does not load it
    # (the children do, and a wrong ESCALERT_DETECTOR stops the worker when they start).
    detect_fn: Detect | None = detect or (load_detector(s.detector) if processes == 0 else None)
    eos = s.processing_guarantee == "exactly_once"
    signals_topic = s.topics.signals
    dlq_topic = s.topics.articles_dlq
    max_dl = dlq_message_limit(s)
    window = s.dedupe_window_seconds
    # Value: [first_seen_epoch_seconds, partition]. The partition lets the purge delete a key
    # under an event of the right partition (tables are partitioned like the articles topic).
    dedupe = app.Table(
        DEDUPE_TABLE, partitions=s.partitions,
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
        help="First-seen time of article ids and content hashes (duplicate suppression).",
    )
    parts.dedupe = dedupe
    last_offsets: dict[tuple[str, int], int] = {}
    parts.last_offsets = last_offsets
    purge_state = {"next": time.monotonic() + min(max(window / 10, 60.0), 3600.0)}
    batch_lock = asyncio.Lock()
    # exactly_once only: dedupe marks of the open transaction, per source partition:
    # {partition: (highest marked offset, {key: (value, message)})}. The table's in-memory/rocksdb
    # state is not transactional; marks are applied to it only once Faust committed the
    # partition's offsets past them, so an aborted transaction (a rebalance, a crash) can never
    # leave marks behind that would suppress the re-processing of its records.
    pending_marks: dict[int, tuple[int, dict[str, tuple[Any, Any]]]] = {}

    def _apply_committed_marks(consumer: Any) -> None:
        for partition in list(pending_marks):
            top, marks = pending_marks[partition]
            committed = consumer._committed_offset.get(faust.types.TP(s.topics.articles, partition))
            if committed is None or committed <= top:
                continue
            for key, (value, message) in marks.items():
                with as_current_event(event_of(app, message)):
                    dedupe.data[key] = value
            del pending_marks[partition]
    patched: dict[str, bool] = {}

    def guard_commits() -> None:
        """Make Faust's offset commits wait for the batch in progress (see module docstring)."""
        consumer = app.consumer
        if patched.get("done"):
            return
        original = consumer.commit

        async def commit(*args: Any, **kwargs: Any) -> Any:
            async with batch_lock:
                result = await original(*args, **kwargs)
                if eos and pending_marks:
                    _apply_committed_marks(consumer)
                return result

        consumer.commit = commit  # type: ignore[method-assign]

        @app.on_partitions_revoked.connect
        async def _forget_uncommitted(sender: Any, revoked: Any = None, **kwargs: Any) -> None:
            # Faust aborts the transactions of revoked partitions: their records come again,
            # and their marks must not make them look like duplicates.
            for tp in revoked or ():
                pending_marks.pop(tp.partition, None)
        if not s.faust_monitor:
            # Faust's Monitor sensor records every event for Faust's own web stats, which we do
            # not serve (our metrics are Prometheus): measured at ~25% of a do-nothing agent's cost.
            for sensor in list(app.sensors):
                app.sensors.remove(sensor)
        buffer = getattr(app.producer, "buffer", None)
        if buffer is not None:
            # Two dedupe keys per article: Faust's default of 100 buffered table writes would
            # throttle every batch with "producer buffer full" waits.
            buffer.max_messages = max(buffer.max_messages, 4 * s.batch_size)
        patched["done"] = True

    def transactional_id(record: Record) -> str | None:
        if not eos:
            return None
        group = app.assignor.group_for_topic(record.topic)
        return f"{app.conf.id}-{group}-{record.partition}"

    async def send_all(pairs: list[tuple[Record, Outbound]]) -> list[tuple[Record, Outbound, BaseException]]:
        """Send, retrying transient failures until they pass; return the permanent failures.

        Messages are packed into one aiokafka record batch per (producer, topic, partition):
        a send per message costs ~0.1 ms of event-loop time, four times per article.
        """
        await app.producer.maybe_start()
        pending = pairs
        attempt = 0
        failed: list[tuple[Record, Outbound, BaseException]] = []
        while pending:
            jobs, job_pairs = await _batches(pending)
            outcomes = await asyncio.gather(*jobs, return_exceptions=True)
            retry = []
            for chunk, outcome in zip(job_pairs, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    if _transient(outcome):
                        retry.extend(chunk)
                    else:
                        failed.extend((record, ob, outcome) for record, ob in chunk)
            if retry:
                delay = SEND_RETRY_SECONDS[min(attempt, len(SEND_RETRY_SECONDS) - 1)]
                log.warning("%d sends failed transiently (Kafka unreachable?); retrying in %ss",
                            len(retry), delay)
                await asyncio.sleep(delay)
                attempt += 1
            pending = retry
        return failed

    def _kafka_producer(tid: str | None) -> Any:
        """The aiokafka producer under Faust's: the transactional one of ``tid`` under EOS."""
        if tid is None:
            return app.producer._ensure_producer()
        return app.producer._transaction_producers[tid]

    async def _batches(pending: list[tuple[Record, Outbound]]) -> tuple[list[Any], list[list[Any]]]:
        groups: dict[tuple[str | None, str, int | None], list[tuple[Record, Outbound]]] = {}
        for record, ob in pending:
            if ob.kind == "changelog":
                # Same partition as the source record: that is where Faust's table recovery
                # (and our reads under the record's event) look for the key.
                key = (transactional_id(record), changelog_topic(), record.partition)
            else:
                key = (transactional_id(record), signals_topic if ob.kind == "signal" else dlq_topic, None)
            groups.setdefault(key, []).append((record, ob))
        jobs: list[Any] = []
        job_pairs: list[list[Any]] = []
        for (tid, topic, part), items in groups.items():
            try:
                prod = _kafka_producer(tid)
                await prod.client._wait_on_metadata(topic)
            except Exception as exc:  # noqa: BLE001 - reported per message by the caller
                jobs.append(_raise(exc))
                job_pairs.append(items)
                continue
            by_part: dict[int, list[tuple[Record, Outbound]]] = {}
            if part is None:
                # aiokafka's own key -> partition choice, with the topic's partitions looked up
                # once per batch instead of once per message (a set built per call).
                # (Same lists, in the same order, as AIOKafkaProducer._partition.)
                cluster = prod._metadata
                all_parts = list(cluster.partitions_for_topic(topic))
                available = list(cluster.available_partitions_for_topic(topic))
                choose = prod._partitioner
                key_partition: dict[bytes | None, int] = {}  # an article's signals share one key
            for record, ob in items:
                p = part
                if p is None:
                    p = key_partition.get(ob.key)
                    if p is None:
                        p = key_partition[ob.key] = choose(ob.key, all_parts, available)
                by_part.setdefault(p, []).append((record, ob))
            for p, its in by_part.items():
                builder, chunk = prod.create_batch(), []
                for record, ob in its:
                    if chunk and builder.append(timestamp=None, key=ob.key, value=ob.value) is None:
                        jobs.append(_send_batch(prod, tid, builder, topic, p))
                        job_pairs.append(chunk)
                        builder, chunk = prod.create_batch(), []
                        builder.append(timestamp=None, key=ob.key, value=ob.value)
                    elif not chunk:
                        builder.append(timestamp=None, key=ob.key, value=ob.value)
                    chunk.append((record, ob))
                jobs.append(_send_batch(prod, tid, builder, topic, p))
                job_pairs.append(chunk)
        return jobs, job_pairs

    async def _raise(exc: BaseException) -> None:
        raise exc

    async def _send_batch(prod: Any, tid: str | None, builder: Any, topic: str, partition: int) -> Any:
        if tid is None:
            fut = await prod.send_batch(builder, topic, partition=partition)
        else:
            async with app.producer._trn_locks[tid]:
                fut = await prod.send_batch(builder, topic, partition=partition)
        return await fut

    def changelog_topic() -> str:
        return dedupe.changelog_topic.get_topic_name()

    async def finish(messages: list[Any], analyses: list[Analysis], now: datetime) -> None:
        """Decide, produce, record dedupe marks and ack one batch of consumed messages, under
        the batch lock."""
        guard_commits()
        async with batch_lock:
            await _finish(messages, analyses, now)

    async def _finish(messages: list[Any], analyses: list[Analysis], now: datetime) -> None:
        scope = PartitionScope(app)
        try:
            await _finish_in(scope, messages, analyses, now)
        finally:
            scope.close()

    async def _finish_in(scope: PartitionScope, messages: list[Any], analyses: list[Analysis], now: datetime) -> None:
        by_record: dict[int, Any] = {}
        records = []
        for msg in messages:
            rec = Record(msg.value, msg.key, msg.topic, msg.partition, msg.offset, msg.timestamp)
            by_record[id(rec)] = msg
            records.append(rec)

        def seen(record: Record, key: str) -> float | None:
            if eos and record.partition in pending_marks:
                mark = pending_marks[record.partition][1].get(key)
                if mark is not None:
                    return mark[0][0]
            scope.enter(by_record[id(record)])
            hit = dedupe.data.get(key)
            return hit[0] if hit else None

        results = decide(records, analyses, now=now, seen=seen, window_seconds=window,
                         max_dead_letter_bytes=max_dl)
        pairs = [(r.record, ob) for r in results for ob in r.outbound]
        failed = await send_all(pairs)
        if failed:
            await _dead_letter_failed_sends(results, failed, now)

        ts = now.timestamp()
        changelog: list[tuple[Record, Outbound]] = []
        raw_values: dict[int, bytes] = {}
        for res in results:
            if res.marks:
                partition = res.record.partition
                value = [ts, partition]
                raw_value = raw_values.get(partition)
                if raw_value is None:
                    raw_value = raw_values[partition] = json.dumps(value).encode()
                message = by_record[id(res.record)]
                for key in res.marks:
                    # The store is written directly and the changelog record produced with the
                    # batch's other sends (gathered, not one awaited send per key as Faust's
                    # table __setitem__ does: that tripled the cost of a batch). The bytes are
                    # what Faust's "json" serializer reads back.
                    if eos:
                        top, marks = pending_marks.get(partition, (-1, {}))
                        marks[key] = (value, message)
                        pending_marks[partition] = (max(top, res.record.offset), marks)
                    else:
                        scope.enter(message)
                        dedupe.data[key] = value
                    changelog.append((res.record, Outbound("changelog", json.dumps(key).encode(), raw_value)))
        if changelog:
            failed = await send_all(changelog)
            for record, _ob, exc in failed:  # not fatal: a later duplicate may get through
                log.error("%s: dedupe changelog write failed: %s: %s", record.origin, type(exc).__name__, exc)
        if window > 0 and time.monotonic() >= purge_state["next"]:
            purge_state["next"] = time.monotonic() + min(max(window / 10, 60.0), 3600.0)
            _purge(messages, ts)
        buffer = getattr(app.producer, "buffer", None)
        if buffer is not None:
            await buffer.flush()  # the changelog writes join this batch's transaction
        consumer = app.consumer
        for msg in messages:
            # Acked here, under the lock: the ack that releases its offset for commit (a message
            # that came as an event holds one more reference for this ack: see ``_from_stream``).
            msg.ack(consumer)
        _observe(results)

    async def _dead_letter_failed_sends(
        results: list[Result], failed: list[tuple[Record, Outbound, BaseException]], now: datetime
    ) -> None:
        from service.stream.processing import dead_letter

        bad_records: dict[int, tuple[Record, BaseException]] = {}
        for record, _ob, exc in failed:
            bad_records.setdefault(id(record), (record, exc))
        retry = []
        for record, exc in bad_records.values():
            msg = f"producing its output failed: {type(exc).__name__}: {exc}"
            log.error("%s: %s", record.origin, msg)
            retry.append((record, dead_letter(record, "delivery_failed", msg, now, max_bytes=max_dl)))
            m.dead_letters.labels("delivery_failed").inc()
        for res in results:
            if id(res.record) in bad_records:
                res.marks = []  # not recorded: a redelivery of this article gets another try
        still = await send_all(retry)
        for record, _ob, exc in still:
            # Last resort, and loud: the record is neither in signals nor in the DLQ.
            log.critical("%s: could not even dead-letter it (%s: %s); offset will be committed",
                         record.origin, type(exc).__name__, exc)

    def _observe(results: list[Result]) -> None:
        done = time.time()
        m.articles_in.inc(len(results))
        m.batch_size.observe(len(results))
        by_type: Counter[str] = Counter()
        for res in results:
            rec = res.record
            last_offsets[(rec.topic, rec.partition)] = rec.offset
            if rec.timestamp:
                m.latency.observe(max(0.0, done - rec.timestamp))
            if res.status == "ok":
                by_type.update(res.signal_types)
            elif res.status == "dead_letter":
                m.dead_letters.labels(res.reason or "unknown").inc()
                log.warning("%s: dead-lettered: %s", rec.origin, res.reason)
            else:
                m.duplicates.labels(res.reason or "id").inc()
                log.info("%s: duplicate of article %s (by %s): no signals", rec.origin,
                         res.article_id, res.reason)
        for t, count in by_type.items():
            m.signals_out.labels(t).inc(count)
        update_lag()

    def update_lag() -> None:
        consumer = app.consumer
        for (topic, partition), offset in list(last_offsets.items()):
            try:
                hw = consumer.highwater(faust.types.TP(topic, partition))
            except Exception:  # not assigned any more, or no metadata yet
                continue
            if hw is not None and hw >= 0:
                m.lag.labels(topic, str(partition)).set(max(0, hw - offset - 1))

    parts.update_lag = update_lag

    def _purge(messages: list[Any], now_ts: float, limit: int = 10_000) -> None:
        """Forget dedupe keys older than the window, for the partitions seen in this batch."""
        per_partition = {msg.partition: event_of(app, msg) for msg in messages}
        expired = []
        for key, value in dedupe.items():
            if value and now_ts - value[0] >= window and value[1] in per_partition:
                expired.append((key, value[1]))
                if len(expired) >= limit:
                    break
        for key, partition in expired:
            with as_current_event(per_partition[partition]):
                del dedupe[key]
        if expired:
            log.info("dedupe: forgot %d keys older than %ss", len(expired), window)

    # The articles topic's messages come in bulk from the fetch loop (intake.py), bypassing
    # Faust's per-event path; at most a batch waits before the fetch loop holds back.
    intake = Intake(app, s.topics.articles, limit=s.batch_size)
    parts.intake = intake

    @app.agent(parts.articles, name="escalert.detect")
    async def detect_articles(stream: Any) -> None:
        bulk = s.batch_intake and intake.install()
        log.info("%s: messages arrive %s", s.topics.articles,
                 "in bulk (batch intake)" if bulk else "event by event (Faust's stream)")
        feeder = asyncio.ensure_future(_from_stream(stream))
        try:
            if detect_fn is not None:
                await _until_failed([asyncio.ensure_future(_in_process(detect_fn)), feeder])
            else:
                await _pipelined(feeder)
        finally:
            feeder.cancel()
            await asyncio.gather(feeder, return_exceptions=True)

    async def _from_stream(stream: Any) -> None:
        """Messages that still arrive as events (Faust's test utilities, or a fetch loop that
        started before the intake was installed) join the intake too."""
        async for events in stream.take_events(s.batch_size, within=s.batch_within_seconds):
            if not intake.room.is_set():
                await intake.room.wait()
            for ev in events:
                # One more reference per message: take_events acks these events as soon as this
                # body returns, and that must not release an offset whose signals are not
                # produced yet; finish()'s ack releases it. Nothing below yields to the loop, so
                # take_events' acks always come first and ours is the one that reaches the consumer.
                ev.message.incref()
                intake.put(ev.message)

    async def _in_process(detect: Detect) -> None:
        """Detection on the event loop (``ESCALERT_DETECT_PROCESSES=0``), a batch at a time."""
        while True:
            batch = await intake.take_within(s.batch_size, s.batch_within_seconds)
            now = datetime.now(UTC)
            analyses = analyse_payloads(
                [msg.value for msg in batch], detect=detect, now=now,
                max_article_bytes=s.max_article_bytes, with_keys=window > 0)
            await finish(batch, analyses, now)

    async def _pipelined(feeder: asyncio.Future[None]) -> None:
        """Detection in child processes while the loop keeps taking messages.

        Two tasks: the submitter sends what waits in the intake (up to a batch) to the next idle
        child, so while every child is busy messages pile up, and under load batches get big and
        cheap, while at low rates each goes at once; the finisher finishes batches strictly in
        the order they were taken (offsets, dedupe).
        """
        pool = DetectPool(processes, s.detector, max_article_bytes=s.max_article_bytes,
                          with_keys=window > 0, timeout_seconds=s.detect_timeout_seconds)
        parts.detect_pool = pool
        await pool.start()
        log.info("detection in %d process(es): %s", processes, pool.pids)
        in_flight: asyncio.Queue[tuple[list[Any], datetime, asyncio.Future[list[Analysis]]]] = (
            asyncio.Queue())
        # Batches taken but not finished. Taking waits for a slot, so that while the finisher
        # is behind, messages wait in the intake and make the next batch bigger (one finish per
        # batch: its sends cost round trips to the broker, whatever the batch's size).
        slots = asyncio.Semaphore(processes + 1)

        async def submitter() -> None:
            while True:
                await slots.acquire()
                await intake.arrived.wait()
                child = await pool.acquire()
                batch = intake.take(s.batch_size)
                now = datetime.now(UTC)
                job = asyncio.ensure_future(pool.analyse([msg.value for msg in batch], now, child))
                in_flight.put_nowait((batch, now, job))

        async def finisher() -> None:
            while True:
                batch, now, job = await in_flight.get()
                await finish(batch, await job, now)
                slots.release()

        try:
            await _until_failed([asyncio.ensure_future(submitter()), asyncio.ensure_future(finisher()),
                                 feeder])
        finally:
            await pool.stop()

    async def _until_failed(tasks: list[asyncio.Future[Any]]) -> None:
        """Run ``tasks`` (each runs forever) until one stops; its exception crashes the agent,
        as an exception in the agent's own body would. The others are cancelled."""
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            raise RuntimeError("a detection pipeline task stopped")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    @app.on_before_shutdown.connect
    async def _stop_detection(sender: Any, **kwargs: Any) -> None:
        pool = getattr(parts, "detect_pool", None)
        if pool is not None:
            await pool.stop()

    parts.agent = detect_articles
    parts.finish = finish
