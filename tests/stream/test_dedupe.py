"""Dedupe marks and the batch finish's commit logic (service/stream/dedupe.py, agents.py),
without a broker: a stand-in consumer and Kafka side (tests/integration runs the real ones)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from service.config import load_settings
from service.stream.dedupe import DedupeMarks, PartitionScope, PendingMarks
from service.stream.processing import analyse_payloads
from tests.stream.fakes import two_signals
from tests.stream.test_producer import FakeKafka

UNREACHABLE = "127.0.0.1:1"  # nothing listens on port 1
NOW = datetime(2024, 4, 14, 12, tzinfo=UTC)


def message(partition: int, offset: int, body: bytes) -> ConsumerMessage:
    tp = TP("articles", partition)
    return ConsumerMessage("articles", partition, offset, NOW.timestamp(), 0, [], b"k", body, None,
                           1, len(body), tp, generation_id=1)


def article(id_: str) -> bytes:
    return b'{"id": "%s", "title": "", "body": "Russia massed troops near the border %s."}' % (
        id_.encode(), id_.encode())


def test_pending_marks_wait_for_a_commit_past_their_highest_offset() -> None:
    pending = PendingMarks()
    pending.add(0, 5, "id:a", [1.0, 0], "m5")
    pending.add(0, 3, "id:b", [2.0, 0], "m3")
    pending.add(1, 9, "id:c", [3.0, 1], "m9")
    assert pending.get(0, "id:b") == [2.0, 0] and pending.get(1, "id:b") is None
    written: list[tuple[str, Any, Any]] = []
    committed = {0: 5, 1: None}
    pending.committed(committed.get, lambda *mark: written.append(mark))
    assert written == []  # offset 5 committed means the next to read is 5: not past it yet
    committed[0] = 6
    pending.committed(committed.get, lambda *mark: written.append(mark))
    assert written == [("id:a", [1.0, 0], "m5"), ("id:b", [2.0, 0], "m3")]
    assert pending.get(0, "id:a") is None and pending.get(1, "id:c") == [3.0, 1]
    pending.forget([1])
    assert not pending


def test_a_mark_goes_to_the_table_at_once_unless_transactional() -> None:
    app = faust.App("dedupe-test", store="memory://")
    for transactional, in_table in ((True, [7.0, 0]), (False, [9.0, 0])):
        table = SimpleNamespace(data={"id:a": [7.0, 0]})
        marks = DedupeMarks(app, table, 3600.0, transactional)
        scope = PartitionScope(app)
        marks.mark(scope, 0, 1, "id:a", [9.0, 0], message(0, 1, b"x"))
        assert table.data["id:a"] == in_table
        assert marks.seen(scope, 0, message(0, 2, b"y"), "id:a") == 9.0  # the pending one first
        assert marks.seen(scope, 1, message(1, 2, b"y"), "id:a") == in_table[0]
        scope.close()


class FakeConsumer:
    def __init__(self) -> None:
        self.acked: list[int] = []
        self._committed_offset: dict[TP, int] = {}
        self.commits = 0
        self.acked_at_commit: list[list[int]] = []

    def ack(self, message: Any) -> bool:
        self.acked.append(message.offset)
        return True

    async def commit(self, *args: Any, **kwargs: Any) -> bool:
        self.commits += 1
        self.acked_at_commit.append(list(self.acked))
        return True

    def highwater(self, tp: TP) -> int:
        return 100


@pytest.fixture
def agent(monkeypatch: pytest.MonkeyPatch) -> Any:
    from service.stream.app import create_app

    s = load_settings(app_id="unit-dedupe", brokers=UNREACHABLE, processing_guarantee="exactly_once",
                      store="memory://")  # the table's store is not under test here
    app = create_app(s, detect=two_signals, with_alerts=False)
    agent = app.escalert.detection
    consumer = FakeConsumer()
    monkeypatch.setattr(type(app), "consumer", consumer, raising=False)
    monkeypatch.setattr(app.assignor, "group_for_topic", lambda topic: 0)
    agent.sender.kafka = FakeKafka()
    agent.table.changelog_topic = SimpleNamespace(get_topic_name=lambda: "dedupe-changelog")
    return agent


def finish(agent: Any, messages: list[ConsumerMessage]) -> None:
    analyses = analyse_payloads([m.value for m in messages], detect=two_signals, now=NOW,
                                max_article_bytes=100_000, with_keys=True)
    asyncio.run(agent.finish(messages, analyses, NOW))


def test_exactly_once_marks_reach_the_table_only_after_their_offsets_commit(agent: Any) -> None:
    consumer = agent.app.consumer
    finish(agent, [message(0, 0, article("a")), message(0, 1, article("b"))])
    kafka = agent.sender.kafka
    assert {topic for _tid, topic, _p, _v in kafka.sent} == {"signals", "dedupe-changelog"}
    assert {tid for tid, *_ in kafka.sent} == {"unit-dedupe-0-0"}  # the partition's transaction
    assert consumer.acked == [0, 1]
    assert dict(agent.table.data) == {} and agent.dedupe.pending
    # A redelivery within the transaction is a duplicate (the pending marks are read).
    finish(agent, [message(0, 2, article("a"))])
    assert agent.metrics.duplicates.labels("id")._value.get() == 1
    consumer._committed_offset[TP("articles", 0)] = 3
    assert asyncio.run(consumer.commit()) is True  # the guarded commit applies them
    assert consumer.commits == 1
    assert {key[:3] for key in agent.table.data} == {"id:", "has"}
    assert not agent.dedupe.pending


def test_a_revoked_partitions_marks_are_forgotten(agent: Any) -> None:
    finish(agent, [message(1, 0, article("a"))])
    assert agent.dedupe.pending
    agent.dedupe.pending.forget([1])
    finish(agent, [message(1, 0, article("a"))])  # the aborted record comes again: not a duplicate
    assert agent.metrics.duplicates.labels("id")._value.get() == 0


def test_a_commit_waits_for_the_batch_in_progress(agent: Any) -> None:
    """A commit that fell between a batch's sends and its acks would commit the signals
    without their offsets: it waits for the batch's acks."""
    consumer = agent.app.consumer

    async def scenario() -> None:
        agent.guard_commits()
        send = agent.sender.kafka.send_batch

        async def slow_send(*args: Any) -> Any:
            await asyncio.sleep(0.01)
            return await send(*args)

        agent.sender.kafka.send_batch = slow_send
        msgs = [message(0, 0, article("a"))]
        analyses = analyse_payloads([m.value for m in msgs], detect=two_signals, now=NOW,
                                    max_article_bytes=100_000, with_keys=True)
        batch = asyncio.ensure_future(agent.finish(msgs, analyses, NOW))
        await asyncio.sleep(0)  # the batch holds the lock and waits for its sends
        await asyncio.gather(batch, consumer.commit())

    asyncio.run(scenario())
    assert consumer.acked_at_commit == [[0]]
