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
from typing import Any, Protocol

from service.stream.processing import Outbound, Record

log = logging.getLogger("escalert.stream")

SEND_RETRY_SECONDS = (0.5, 1, 2, 5, 10)  # then every 10 s, logged each time: Kafka is down

Pair = tuple[Record, Outbound]
Failure = tuple[Record, Outbound, BaseException]
# (transactional id or None, topic, partition or None: aiokafka's key -> partition choice)
Route = tuple[str | None, str, int | None]


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
                for builder, chunk in _packed(prod, its):
                    jobs.append(self.kafka.send_batch(prod, tid, builder, topic, p))
                    job_pairs.append(chunk)
        return jobs, job_pairs

    def _by_partition(self, prod: Any, topic: str, part: int | None, items: list[Pair]) -> dict[int, list[Pair]]:
        if part is not None:
            return {part: items}
        choose = self.kafka.partitioner(prod, topic)
        key_partition: dict[bytes | None, int] = {}  # an article's signals share one key
        by_part: dict[int, list[Pair]] = {}
        for record, ob in items:
            p = key_partition.get(ob.key)
            if p is None:
                p = key_partition[ob.key] = choose(ob.key)
            by_part.setdefault(p, []).append((record, ob))
        return by_part


def _packed(prod: Any, items: list[Pair]) -> list[tuple[Any, list[Pair]]]:
    """``items`` in as few record batches as fit (a full batch starts the next one)."""
    out: list[tuple[Any, list[Pair]]] = []
    builder = prod.create_batch()
    chunk: list[Pair] = []
    for record, ob in items:
        if chunk and builder.append(timestamp=None, key=ob.key, value=ob.value) is None:
            out.append((builder, chunk))
            builder, chunk = prod.create_batch(), []
            builder.append(timestamp=None, key=ob.key, value=ob.value)
        elif not chunk:
            builder.append(timestamp=None, key=ob.key, value=ob.value)
        chunk.append((record, ob))
    out.append((builder, chunk))
    return out


async def _raise(exc: BaseException) -> None:
    raise exc
