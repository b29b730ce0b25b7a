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

The pieces: :class:`DetectionAgent` (this module) holds the agent's state and runs the steps
above; :class:`~service.stream.producer.BatchSender` packs and sends step 2's and step 3's
messages; :class:`~service.stream.dedupe.DedupeMarks` holds the dedupe table, the marks of open
transactions and the purge schedule.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import faust

from service.faust_private import FaustKafka, committed_offset, wrap_commit
from service.stream.dedupe import DedupeMarks, PartitionScope
from service.stream.detect_pool import DetectPool
from service.stream.intake import Intake, until_failed
from service.stream.processing import (
    Analysis,
    Detect,
    Outbound,
    Record,
    Result,
    analyse_payloads,
    dead_letter,
    decide,
    load_detector,
)
from service.stream.producer import BatchSender, Failure, Pair
from service.stream.store import table_options
from service.stream.topics import DEDUPE_TABLE, dlq_message_limit

log = logging.getLogger("escalert.stream")

AGENT_NAME = "escalert.detect"


class DetectionAgent:
    """The detection agent of one app: its state, the batch finish and the agent body.

    State, all declared here:

    - ``dedupe``: the dedupe table with the marks of open transactions (:mod:`.dedupe`);
    - ``sender``: the batch sender to ``signals``, the dead-letter topic and the changelog;
    - ``batch_lock``: held by a batch's finish and by Faust's offset commit (see the module
      docstring), installed on the consumer by :meth:`guard_commits` (``commits_guarded``);
    - ``last_offsets``: the last finished offset per (topic, partition), for the lag metric;
    - ``intake``: the articles waiting for detection; ``pool``: the detection processes.
    """

    def __init__(self, app: faust.App, parts: Any, *, detect: Detect | None = None) -> None:
        s = parts.settings
        self.app = app
        self.settings = s
        self.metrics = parts.metrics
        # A detector handed in as a function (unit tests) cannot be sent to a child: in-process then.
        self.processes = 0 if detect is not None else s.detect_process_count
        # With detection processes the worker itself never runs the detector: it does not load it
        # (the children do, and a wrong ESCALERT_DETECTOR stops the worker when they start).
        self.detect: Detect | None = detect or (load_detector(s.detector) if self.processes == 0 else None)
        self.transactional = s.processing_guarantee == "exactly_once"
        self.window = s.dedupe_window_seconds
        self.max_dead_letter_bytes = dlq_message_limit(s)
        self.table = app.Table(
            DEDUPE_TABLE, partitions=s.partitions,
            schema=faust.Schema(key_serializer="json", value_serializer="json"),
            help="First-seen time of article ids and content hashes (duplicate suppression).",
            options=table_options(),
        )
        self.dedupe = DedupeMarks(app, self.table, self.window, self.transactional)
        self.sender = BatchSender(
            FaustKafka(app), s.topics.signals, s.topics.articles_dlq,
            changelog_topic=lambda: self.table.changelog_topic.get_topic_name(),
            transactional_id=self.transactional_id,
        )
        self.batch_lock = asyncio.Lock()
        self.commits_guarded = False
        self.last_offsets: dict[tuple[str, int], int] = {}
        # The articles topic's messages come in bulk from the fetch loop (intake.py), bypassing
        # Faust's per-event path; at most a batch waits before the fetch loop holds back.
        self.intake = Intake(app, s.topics.articles, limit=s.batch_size, reader=AGENT_NAME)
        self.pool: DetectPool | None = None

    # -- Faust's side: commits, producer routing ------------------------------------------

    def guard_commits(self) -> None:
        """Make Faust's offset commits wait for the batch in progress (see module docstring)."""
        if self.commits_guarded:
            return
        app, consumer = self.app, self.app.consumer
        articles = self.settings.topics.articles

        def committed(partition: int) -> int | None:
            return committed_offset(consumer, faust.types.TP(articles, partition))

        def around(original: Any) -> Any:
            async def commit(*args: Any, **kwargs: Any) -> Any:
                async with self.batch_lock:
                    result = await original(*args, **kwargs)
                    if self.transactional:
                        self.dedupe.apply_committed(committed)
                    return result
            return commit

        wrap_commit(consumer, around)

        @app.on_partitions_revoked.connect
        async def _forget_uncommitted(sender: Any, revoked: Any = None, **kwargs: Any) -> None:
            self.dedupe.pending.forget(tp.partition for tp in revoked or ())

        if not self.settings.faust_monitor:
            # Faust's Monitor sensor records every event for Faust's own web stats, which we do
            # not serve (our metrics are Prometheus): measured at ~25% of a do-nothing agent's cost.
            for sensor in list(app.sensors):
                app.sensors.remove(sensor)
        buffer = getattr(app.producer, "buffer", None)
        if buffer is not None:
            # Two dedupe keys per article: Faust's default of 100 buffered table writes would
            # throttle every batch with "producer buffer full" waits.
            buffer.max_messages = max(buffer.max_messages, 4 * self.settings.batch_size)
        self.commits_guarded = True

    def transactional_id(self, record: Record) -> str | None:
        if not self.transactional:
            return None
        group = self.app.assignor.group_for_topic(record.topic)
        return f"{self.app.conf.id}-{group}-{record.partition}"

    # -- one batch ------------------------------------------------------------------------

    async def finish(self, messages: list[Any], analyses: list[Analysis], now: datetime) -> None:
        """Decide, produce, record dedupe marks and ack one batch of consumed messages, under
        the batch lock."""
        self.guard_commits()
        async with self.batch_lock:
            scope = PartitionScope(self.app)
            try:
                await self._finish_in(scope, messages, analyses, now)
            finally:
                scope.close()

    async def _finish_in(self, scope: PartitionScope, messages: list[Any], analyses: list[Analysis],
                         now: datetime) -> None:
        by_record: dict[int, Any] = {}
        records = []
        for msg in messages:
            rec = Record(msg.value, msg.key, msg.topic, msg.partition, msg.offset, msg.timestamp)
            by_record[id(rec)] = msg
            records.append(rec)
        dedupe = self.dedupe

        def seen(record: Record, key: str) -> float | None:
            return dedupe.seen(scope, record.partition, by_record[id(record)], key)

        results = decide(records, analyses, now=now, seen=seen, window_seconds=self.window,
                         max_dead_letter_bytes=self.max_dead_letter_bytes)
        failed = await self.sender.send_all([(r.record, ob) for r in results for ob in r.outbound])
        if failed:
            await self._dead_letter_failed_sends(results, failed, now)
        ts = now.timestamp()
        changelog = self._record_marks(scope, results, by_record, ts)
        if changelog:
            failed = await self.sender.send_all(changelog)
            for record, _ob, exc in failed:  # not fatal: a later duplicate may get through
                log.error("%s: dedupe changelog write failed: %s: %s", record.origin, type(exc).__name__, exc)
        if dedupe.purge_due():
            dedupe.purge(messages, ts)
        buffer = getattr(self.app.producer, "buffer", None)
        if buffer is not None:
            await buffer.flush()  # the changelog writes join this batch's transaction
        consumer = self.app.consumer
        for msg in messages:
            # Acked here, under the lock: the ack that releases its offset for commit (a message
            # that came as an event holds one more reference for this ack: see ``_from_stream``).
            msg.ack(consumer)
        self._observe(results)

    def _record_marks(self, scope: PartitionScope, results: list[Result], by_record: dict[int, Any],
                      ts: float) -> list[Pair]:
        """Record the batch's dedupe marks (signals are durable by now); their changelog records.

        The store is written directly and the changelog records produced with the batch's other
        sends (gathered, not one awaited send per key as Faust's table __setitem__ does: that
        tripled the cost of a batch). The bytes are what Faust's "json" serializer reads back.
        """
        changelog: list[Pair] = []
        raw_values: dict[int, bytes] = {}
        for res in results:
            if not res.marks:
                continue
            partition = res.record.partition
            value = [ts, partition]
            raw_value = raw_values.get(partition)
            if raw_value is None:
                raw_value = raw_values[partition] = json.dumps(value).encode()
            message = by_record[id(res.record)]
            for key in res.marks:
                self.dedupe.mark(scope, partition, res.record.offset, key, value, message)
                changelog.append((res.record, Outbound("changelog", json.dumps(key).encode(), raw_value)))
        return changelog

    async def _dead_letter_failed_sends(self, results: list[Result], failed: list[Failure],
                                        now: datetime) -> None:
        bad_records: dict[int, tuple[Record, BaseException]] = {}
        for record, _ob, exc in failed:
            bad_records.setdefault(id(record), (record, exc))
        retry = []
        for record, exc in bad_records.values():
            msg = f"producing its output failed: {type(exc).__name__}: {exc}"
            log.error("%s: %s", record.origin, msg)
            retry.append((record, dead_letter(record, "delivery_failed", msg, now,
                                              max_bytes=self.max_dead_letter_bytes)))
            self.metrics.dead_letters.labels("delivery_failed").inc()
        for res in results:
            if id(res.record) in bad_records:
                res.marks = []  # not recorded: a redelivery of this article gets another try
        still = await self.sender.send_all(retry)
        for record, _ob, exc in still:
            # Last resort, and loud: the record is neither in signals nor in the DLQ.
            log.critical("%s: could not even dead-letter it (%s: %s); offset will be committed",
                         record.origin, type(exc).__name__, exc)

    def _observe(self, results: list[Result]) -> None:
        m = self.metrics
        done = time.time()
        m.articles_in.inc(len(results))
        m.batch_size.observe(len(results))
        by_type: Counter[str] = Counter()
        for res in results:
            rec = res.record
            self.last_offsets[(rec.topic, rec.partition)] = rec.offset
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
        self.update_lag()

    def update_lag(self) -> None:
        consumer = self.app.consumer
        for (topic, partition), offset in list(self.last_offsets.items()):
            try:
                hw = consumer.highwater(faust.types.TP(topic, partition))
            except Exception:  # not assigned any more, or no metadata yet
                continue
            if hw is not None and hw >= 0:
                self.metrics.lag.labels(topic, str(partition)).set(max(0, hw - offset - 1))

    # -- the agent body -------------------------------------------------------------------

    async def run(self, stream: Any) -> None:
        s = self.settings
        if s.batch_intake:
            bulk = self.intake.install()
        else:
            bulk = False
            self.intake.turned_off("ESCALERT_BATCH_INTAKE=false")
        log.info("%s: messages arrive %s", s.topics.articles,
                 "in bulk (batch intake)" if bulk else "event by event (Faust's stream)")
        feeder = asyncio.ensure_future(self._from_stream(stream))
        try:
            if self.detect is not None:
                await until_failed([asyncio.ensure_future(self._in_process(self.detect)), feeder])
            else:
                await self._pipelined(feeder)
        finally:
            feeder.cancel()
            await asyncio.gather(feeder, return_exceptions=True)

    async def _from_stream(self, stream: Any) -> None:
        """Messages that still arrive as events join the intake too (:meth:`Intake.feed_from`)."""
        s = self.settings
        await self.intake.feed_from(stream, s.batch_size, s.batch_within_seconds)

    async def _in_process(self, detect: Detect) -> None:
        """Detection on the event loop (``ESCALERT_DETECT_PROCESSES=0``), a batch at a time."""
        s = self.settings
        while True:
            batch = await self.intake.take_within(s.batch_size, s.batch_within_seconds)
            now = datetime.now(UTC)
            analyses = analyse_payloads(
                [msg.value for msg in batch], detect=detect, now=now,
                max_article_bytes=s.max_article_bytes, with_keys=self.window > 0)
            await self.finish(batch, analyses, now)

    async def _pipelined(self, feeder: asyncio.Future[None]) -> None:
        """Detection in child processes while the loop keeps taking messages.

        Two tasks: the submitter sends what waits in the intake (up to a batch) to the next idle
        child, so while every child is busy messages pile up, and under load batches get big and
        cheap, while at low rates each goes at once; the finisher finishes batches strictly in
        the order they were taken (offsets, dedupe).
        """
        s, intake = self.settings, self.intake
        pool = self.pool = DetectPool(self.processes, s.detector, max_article_bytes=s.max_article_bytes,
                                      with_keys=self.window > 0, timeout_seconds=s.detect_timeout_seconds)
        await pool.start()
        log.info("detection in %d process(es): %s", self.processes, pool.pids)
        in_flight: asyncio.Queue[tuple[list[Any], datetime, asyncio.Future[list[Analysis]]]] = (
            asyncio.Queue())
        # Batches taken but not finished. Taking waits for a slot, so that while the finisher
        # is behind, messages wait in the intake and make the next batch bigger (one finish per
        # batch: its sends cost round trips to the broker, whatever the batch's size).
        slots = asyncio.Semaphore(self.processes + 1)

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
                await self.finish(batch, await job, now)
                slots.release()

        try:
            await until_failed([asyncio.ensure_future(submitter()), asyncio.ensure_future(finisher()),
                                feeder])
        finally:
            await pool.stop()

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.stop()


def register(app: faust.App, parts: Any, *, detect: Detect | None = None) -> DetectionAgent:
    """Add the dedupe table and the detection agent to ``app`` (fills ``parts``)."""
    agent = DetectionAgent(app, parts, detect=detect)

    @app.agent(parts.articles, name=AGENT_NAME)
    async def detect_articles(stream: Any) -> None:
        await agent.run(stream)

    @app.on_before_shutdown.connect
    async def _stop_detection(sender: Any, **kwargs: Any) -> None:
        await agent.stop()

    parts.dedupe = agent.table
    parts.last_offsets = agent.last_offsets
    parts.intake = agent.intake
    parts.update_lag = agent.update_lag
    parts.finish = agent.finish
    parts.agent = detect_articles
    parts.detection = agent
    return agent
