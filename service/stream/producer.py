"""The batch sender: the worker's outbound messages, packed into Kafka record batches.

Signals, dead letters and the dedupe table's changelog records are bytes we encoded ourselves
(plain JSON, no Faust envelope), so they go straight through the aiokafka producer under Faust's:
one record batch per (producer, topic, partition) instead of one send per message (a send costs
~0.1 ms of event-loop time, four times per article). Transient failures (Kafka unreachable) are
retried until they pass; permanent ones are handed back per message.

Under ``processing_guarantee=exactly_once`` every send goes through the transactional producer
Faust opened for the record's source partition (:meth:`BatchSender.transactional_id`), so the
outputs commit or abort with that partition's offsets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from service.stream.processing import Outbound, Record

log = logging.getLogger("escalert.stream")

SEND_RETRY_SECONDS = (0.5, 1, 2, 5, 10)  # then every 10 s, logged each time: Kafka is down

Pair = tuple[Record, Outbound]
Failure = tuple[Record, Outbound, BaseException]
# (transactional id or None, topic, partition or None: aiokafka's key -> partition choice)
Route = tuple[str | None, str, int | None]
T = TypeVar("T")


def transient(exc: BaseException) -> bool:
    """Whether a failed send is worth retrying (the broker is away, not the message wrong)."""
    if isinstance(exc, asyncio.TimeoutError):
        return True
    return bool(getattr(exc, "retriable", False)) or type(exc).__name__ in (
        "KafkaTimeoutError", "KafkaConnectionError", "NodeNotReadyError", "RequestTimedOutError",
    )


class KafkaSide(Protocol):
    """What the sender needs of Faust's producer (:class:`service.faust_private.FaustKafka`
    is the real one)."""

    async def start(self) -> None:
        ...

    async def producer(self, tid: str | None, topic: str) -> Any:
        """The aiokafka producer of ``tid`` (None: the plain one), with ``topic``'s metadata."""
        ...

    def partitioner(self, prod: Any, topic: str) -> Callable[[bytes | None], int]:
        """aiokafka's key -> partition choice for ``topic``, its partitions looked up once."""
        ...

    async def send_batch(self, prod: Any, tid: str | None, builder: Any, topic: str, partition: int) -> Any:
        ...


@dataclass
class BatchSender:
    """Sends (record, outbound) pairs to ``signals``, the dead-letter topic or the changelog.

    ``changelog_topic`` is read when needed (the table names its topic once it is set up);
    ``transactional_id`` maps a record to its source partition's transactional producer (None
    outside ``exactly_once``).
    """

    kafka: KafkaSide
    signals_topic: str
    dlq_topic: str
    changelog_topic: Callable[[], str]
    transactional_id: Callable[[Record], str | None] = lambda record: None
    retry_seconds: Sequence[float] = SEND_RETRY_SECONDS
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    async def send_all(self, pairs: list[Pair]) -> list[Failure]:
        """Send, retrying transient failures until they pass; return the permanent failures."""
        await self.kafka.start()
        pending = pairs
        attempt = 0
        failed: list[Failure] = []
        while pending:
            jobs, job_pairs = await self._batches(pending)
            outcomes = await asyncio.gather(*jobs, return_exceptions=True)
            retry: list[Pair] = []
            for chunk, outcome in zip(job_pairs, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    if transient(outcome):
                        retry.extend(chunk)
                    else:
                        failed.extend((record, ob, outcome) for record, ob in chunk)
            if retry:
                delay = self.retry_seconds[min(attempt, len(self.retry_seconds) - 1)]
                log.warning("%d sends failed transiently (Kafka unreachable?); retrying in %ss",
                            len(retry), delay)
                await self.sleep(delay)
                attempt += 1
            pending = retry
        return failed

    def route(self, record: Record, ob: Outbound) -> Route:
        """Where one message goes. A changelog record goes to its source record's partition:
        that is where Faust's table recovery (and reads under the record's event) look."""
        tid = self.transactional_id(record)
        if ob.kind == "changelog":
            return (tid, self.changelog_topic(), record.partition)
        return (tid, self.signals_topic if ob.kind == "signal" else self.dlq_topic, None)

    def group(self, pending: list[Pair]) -> dict[Route, list[Pair]]:
        groups: dict[Route, list[Pair]] = {}
        for record, ob in pending:
            groups.setdefault(self.route(record, ob), []).append((record, ob))
        return groups

    async def _batches(self, pending: list[Pair]) -> tuple[list[Awaitable[Any]], list[list[Pair]]]:
        """One send job per record batch, and the pairs each job carries."""
        jobs: list[Awaitable[Any]] = []
        job_pairs: list[list[Pair]] = []
        for (tid, topic, part), items in self.group(pending).items():
            try:
                prod = await self.kafka.producer(tid, topic)
            except Exception as exc:  # noqa: BLE001 - reported per message by the caller
                jobs.append(_raise(exc))
                job_pairs.append(items)
                continue
            for p, its in self._by_partition(prod, topic, part, items).items():
                for builder, chunk in _packed(prod, its, _pair_fields):
                    jobs.append(self.kafka.send_batch(prod, tid, builder, topic, p))
                    job_pairs.append(chunk)
        return jobs, job_pairs

    def _by_partition(self, prod: Any, topic: str, part: int | None, items: list[Pair]) -> dict[int, list[Pair]]:
        if part is not None:
            return {part: items}
        return by_key_partition(self.kafka.partitioner(prod, topic), items, _pair_key)


def _pair_key(pair: Pair) -> bytes | None:
    return pair[1].key


def _pair_fields(pair: Pair) -> tuple[int | None, bytes | None, bytes]:
    return None, pair[1].key, pair[1].value


def by_key_partition(choose: Callable[[bytes | None], int], items: list[T],
                     key_of: Callable[[T], bytes | None]) -> dict[int, list[T]]:
    """``items`` by the partition ``choose`` gives their key, in order within each (a key's
    partition looked up once: an article's signals share one key)."""
    key_partition: dict[bytes | None, int] = {}
    by_part: dict[int, list[T]] = {}
    for item in items:
        key = key_of(item)
        p = key_partition.get(key)
        if p is None:
            p = key_partition[key] = choose(key)
        by_part.setdefault(p, []).append(item)
    return by_part


def _packed(prod: Any, items: list[T],
            fields: Callable[[T], tuple[int | None, bytes | None, bytes]]) -> list[tuple[Any, list[T]]]:
    """``items`` in as few record batches as fit, in order (a full batch starts the next one);
    ``fields(item)`` is its (timestamp in ms or None, key, value)."""
    out: list[tuple[Any, list[T]]] = []
    builder = prod.create_batch()
    chunk: list[T] = []
    for item in items:
        ts_ms, key, value = fields(item)
        if builder.append(timestamp=ts_ms, key=key, value=value) is None:
            if not chunk:
                raise ValueError(f"a message of {len(value)} bytes does not fit a record batch")
            out.append((builder, chunk))
            builder, chunk = prod.create_batch(), []
            builder.append(timestamp=ts_ms, key=key, value=value)
        chunk.append(item)
    out.append((builder, chunk))
    return out


async def _raise(exc: BaseException) -> None:
    raise exc


# (key, value, timestamp in seconds or None: the broker's time of sending)
Plain = tuple[bytes | None, bytes | None, float | None]  # a None value: a tombstone


@dataclass
class TopicSender:
    """Sends (key, value, timestamp) messages to one topic in record batches, partitioned by
    key as aiokafka's default partitioner does (the event stage's hops: a Faust ``topic.send``
    costs ~0.1 ms of event-loop time per message). Transient failures are retried until they
    pass; a permanent one raises, so the caller acks nothing (the batch comes again)."""

    kafka: KafkaSide
    topic: str
    retry_seconds: Sequence[float] = SEND_RETRY_SECONDS
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    async def send(self, messages: list[Plain]) -> None:
        """Send ``messages``; return once Kafka acknowledged every one. A partition's record
        batches go one after the other, so a retry never puts a message after a later one
        (a revision notice must reach the consolidator before the signals that follow it)."""
        if not messages:
            return
        await self.kafka.start()
        prod = await self.kafka.producer(None, self.topic)
        await self.send_to(self._by_partition(prod, messages))

    async def send_to(self, by_partition: dict[int, list[Plain]]) -> None:
        """Send each partition's messages to that partition (a table's changelog records go
        to the partition of the message that wrote them); as :meth:`send` otherwise."""
        pending = {p: items for p, items in by_partition.items() if items}
        if not pending:
            return
        await self.kafka.start()
        attempt = 0
        while pending:
            prod = await self.kafka.producer(None, self.topic)
            outcomes = await asyncio.gather(*(self._in_order(prod, p, items) for p, items in pending.items()))
            retry: dict[int, list[Plain]] = {}
            for p, (unsent, exc) in zip(pending, outcomes, strict=True):
                if exc is not None and not transient(exc):
                    raise exc
                if unsent:
                    retry[p] = unsent
            if retry:
                delay = self.retry_seconds[min(attempt, len(self.retry_seconds) - 1)]
                log.warning("%d sends to %s failed transiently (Kafka unreachable?); retrying in %ss",
                            sum(map(len, retry.values())), self.topic, delay)
                await self.sleep(delay)
                attempt += 1
            pending = retry

    async def _in_order(self, prod: Any, partition: int, items: list[Plain],
                        ) -> tuple[list[Plain], BaseException | None]:
        """Send one partition's record batches in order; what is left unsent from the first
        failure on (with its exception), or ([], None)."""
        batches = _packed(prod, items, _plain_fields)
        for i, (builder, _chunk) in enumerate(batches):
            try:
                await self.kafka.send_batch(prod, None, builder, self.topic, partition)
            except Exception as exc:  # noqa: BLE001 - retried or raised by send()
                return [m for _b, chunk in batches[i:] for m in chunk], exc
        return [], None

    def _by_partition(self, prod: Any, messages: list[Plain]) -> dict[int, list[Plain]]:
        return by_key_partition(self.kafka.partitioner(prod, self.topic), messages, _plain_key)


def _plain_key(msg: Plain) -> bytes | None:
    return msg[0]


def _plain_fields(msg: Plain) -> tuple[int | None, bytes | None, bytes]:
    key, value, ts = msg
    return (None if ts is None else int(ts * 1000)), key, value
