"""The batch sender (service/stream/producer.py) against a stand-in Kafka: routing, packing,
retries and failures, without a broker (tests/integration runs it against the real one)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.stream.processing import Outbound, Record
from service.stream.producer import BatchSender, KafkaSide, transient


class Builder:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.messages: list[tuple[bytes | None, bytes]] = []

    def append(self, *, timestamp: Any, key: bytes | None, value: bytes) -> Any:
        if len(self.messages) >= self.capacity:
            return None
        self.messages.append((key, value))
        return object()


class Retriable(Exception):
    retriable = True


class FakeKafka(KafkaSide):
    """Sends are recorded as (tid, topic, partition, [values]); ``fail`` holds an exception
    per topic, raised by that many sends (a list, consumed first to last)."""

    def __init__(self, capacity: int = 100, partitions: int = 3) -> None:
        self.capacity = capacity
        self.partitions = partitions
        self.sent: list[tuple[str | None, str, int, list[bytes]]] = []
        self.fail: dict[str, list[BaseException]] = {}
        self.no_producer: set[str] = set()

    async def start(self) -> None:
        pass

    async def producer(self, tid: str | None, topic: str) -> Any:
        if topic in self.no_producer:
            raise RuntimeError(f"no metadata for {topic}")
        return self

    def create_batch(self) -> Builder:
        return Builder(self.capacity)

    def partitioner(self, prod: Any, topic: str) -> Any:
        return lambda key: (key or b"\0")[0] % self.partitions

    async def send_batch(self, prod: Any, tid: str | None, builder: Any, topic: str, partition: int) -> Any:
        failures = self.fail.get(topic)
        if failures:
            raise failures.pop(0)
        self.sent.append((tid, topic, partition, [v for _k, v in builder.messages]))


def rec(partition: int, offset: int) -> Record:
    return Record(b"{}", b"k", "articles", partition, offset)


def sender(kafka: FakeKafka, *, tid: bool = False) -> tuple[BatchSender, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return BatchSender(
        kafka, "signals", "dlq", changelog_topic=lambda: "changelog",
        transactional_id=(lambda r: f"app-0-{r.partition}") if tid else (lambda r: None),
        retry_seconds=(0.5, 1), sleep=sleep,
    ), slept


def test_signals_of_one_key_share_a_partition_and_a_batch() -> None:
    kafka = FakeKafka()
    s, _ = sender(kafka)
    pairs = [(rec(0, i), Outbound("signal", b"A", b"s%d" % i)) for i in range(3)]
    pairs.append((rec(0, 3), Outbound("dead_letter", b"B", b"d")))
    assert asyncio.run(s.send_all(pairs)) == []
    assert sorted(kafka.sent) == [(None, "dlq", ord("B") % 3, [b"d"]),
                                  (None, "signals", ord("A") % 3, [b"s0", b"s1", b"s2"])]


def test_changelog_records_go_to_their_source_records_partition() -> None:
    kafka = FakeKafka()
    s, _ = sender(kafka, tid=True)
    pairs = [(rec(2, 7), Outbound("changelog", b'"id:1"', b"[1, 2]")),
             (rec(1, 8), Outbound("changelog", b'"id:2"', b"[1, 1]"))]
    assert asyncio.run(s.send_all(pairs)) == []
    assert sorted(kafka.sent) == [("app-0-1", "changelog", 1, [b"[1, 1]"]),
                                  ("app-0-2", "changelog", 2, [b"[1, 2]"])]


def test_a_full_record_batch_starts_the_next_in_order() -> None:
    kafka = FakeKafka(capacity=2)
    s, _ = sender(kafka)
    pairs = [(rec(0, i), Outbound("signal", b"A", b"%d" % i)) for i in range(5)]
    assert asyncio.run(s.send_all(pairs)) == []
    assert [values for *_, values in kafka.sent] == [[b"0", b"1"], [b"2", b"3"], [b"4"]]


def test_transient_failures_are_retried_with_back_off_until_they_pass() -> None:
    kafka = FakeKafka()
    kafka.fail["signals"] = [Retriable("broker away"), TimeoutError(), Retriable("again")]
    s, slept = sender(kafka)
    pairs = [(rec(0, 0), Outbound("signal", b"A", b"x"))]
    assert asyncio.run(s.send_all(pairs)) == []
    assert slept == [0.5, 1, 1]  # the last delay repeats
    assert [values for *_, values in kafka.sent] == [[b"x"]]


def test_permanent_failures_come_back_per_message_and_the_rest_is_sent() -> None:
    kafka = FakeKafka()
    kafka.fail["dlq"] = [ValueError("too large")]
    kafka.no_producer.add("changelog")
    s, slept = sender(kafka)
    a, b, c = rec(0, 0), rec(0, 1), rec(0, 2)
    pairs = [(a, Outbound("signal", b"A", b"x")), (b, Outbound("dead_letter", b"B", b"d")),
             (c, Outbound("changelog", b"k", b"v"))]
    failed = asyncio.run(s.send_all(pairs))
    assert [(r, ob.kind, type(e).__name__) for r, ob, e in failed] == [
        (b, "dead_letter", "ValueError"), (c, "changelog", "RuntimeError")]
    assert slept == []
    assert [values for *_, values in kafka.sent] == [[b"x"]]


@pytest.mark.parametrize(("exc", "expected"), [
    (TimeoutError(), True), (Retriable(), True), (ValueError(), False),
    (type("KafkaConnectionError", (Exception,), {})(), True),
])
def test_transient(exc: BaseException, expected: bool) -> None:
    assert transient(exc) is expected


async def test_topic_sender_packs_by_key_in_order_keeps_timestamps_and_retries() -> None:
    """The event stage's sends: one topic, partitioned by key, order kept per partition, each
    message's timestamp (seconds) given to the batch in ms; transient failures retried, a
    permanent one raised (so the caller acks nothing)."""
    from service.stream.producer import TopicSender

    kafka = FakeKafka(capacity=2)
    stamps: list[Any] = []
    original = Builder.append

    def append(self: Builder, *, timestamp: Any, key: bytes | None, value: bytes) -> Any:
        got = original(self, timestamp=timestamp, key=key, value=value)
        if got is not None:
            stamps.append(timestamp)
        return got

    Builder.append = append  # type: ignore[method-assign]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    try:
        kafka.fail["keys"] = [Retriable("leader moved")]
        topic_sender = TopicSender(kafka, "keys", retry_seconds=(0.5,), sleep=sleep)
        await topic_sender.send([(b"a", b"1", 1.5), (b"b", b"2", None), (b"a", b"3", None), (b"a", b"4", 2.0)])
    finally:
        Builder.append = original  # type: ignore[method-assign]
    by_partition: dict[int, list[bytes]] = {}
    for _tid, topic, partition, values in kafka.sent:
        assert topic == "keys"
        by_partition.setdefault(partition, []).extend(values)
    assert by_partition == {ord("a") % 3: [b"1", b"3", b"4"], ord("b") % 3: [b"2"]}
    assert 1500 in stamps and 2000 in stamps and None in stamps
    assert slept == [0.5]
    kafka.fail["keys"] = [ValueError("record too large")]
    with pytest.raises(ValueError, match="too large"):
        await topic_sender.send([(b"a", b"5", None)])
