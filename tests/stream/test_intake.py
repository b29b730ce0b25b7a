"""The batch intake (service/stream/intake.py): Faust's fetch loop, delivering one topic in bulk.

The loop runs here against a stand-in consumer (its attributes are the ones the copied loop
reads); tests/integration runs it inside real workers against the broker.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pytest
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from service.faust_private import drain_messages, faust_drain_mismatch
from service.stream.intake import Intake

ARTICLES = "articles"


def message(topic: str, partition: int, offset: int, generation: int = 1) -> ConsumerMessage:
    tp = TP(topic, partition)
    return ConsumerMessage(topic, partition, offset, 0.0, 0, [], b"k", b"v%d" % offset, None, 1, 2,
                           tp, generation_id=generation)


class FakeConsumer:
    """What ``_drain_messages`` reads of Faust's consumer; ``batches`` are what getmany returns."""

    def __init__(self, batches: list[list[ConsumerMessage]]) -> None:
        self.batches = batches
        self.flow = True
        self.app = SimpleNamespace(
            consumer=self, consumer_generation_id=1, should_stop=False,
            flow_control=SimpleNamespace(is_active=lambda: self.flow),
            topics=SimpleNamespace(acks_enabled_for=lambda topic: True),
        )
        self.transport = SimpleNamespace(app=self.app)
        self.unacked: weakref.WeakSet[Any] = weakref.WeakSet()
        self._stopped = asyncio.Event()
        self._read_offset: defaultdict[TP, int | None] = defaultdict(lambda: None)
        self._commit_every = None
        self._n_acked = 0
        self.diag = SimpleNamespace(set_flag=lambda flag: None, unset_flag=lambda flag: None)
        self.should_stop = False
        self.suspend_flow = asyncio.Event()
        self.consumer_stopped_errors = ()
        self.fetcher = SimpleNamespace(_stopped=asyncio.Event())
        self.through_conductor: list[ConsumerMessage] = []
        self.gaps: list[tuple[TP, int, int]] = []

    async def callback(self, msg: ConsumerMessage) -> None:
        self.through_conductor.append(msg)

    def getmany(self, timeout: float) -> Any:
        batch = self.batches.pop(0) if self.batches else []
        if not self.batches:
            self.fetcher._stopped.set()  # the loop ends after this batch

        async def records() -> Any:
            for msg in batch:
                yield msg.tp, msg

        return records()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def wait_first(self, *waits: Any) -> None:
        tasks = [asyncio.ensure_future(w) for w in waits]
        _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        self.gaps.append((tp, offset_from, offset_to))


def drain(consumer: FakeConsumer, intake: Intake) -> Any:
    return drain_messages(consumer, consumer.fetcher, {intake.topic: intake})


async def test_articles_go_to_the_intake_in_order_and_other_topics_to_the_conductor() -> None:
    a0, a1, a2 = message(ARTICLES, 0, 0), message(ARTICLES, 1, 0), message(ARTICLES, 0, 1)
    other = message("signals", 0, 7)
    consumer = FakeConsumer([[a0, other, a1, a2]])
    intake = Intake(consumer.app, ARTICLES, limit=100)
    await drain(consumer, intake)
    assert intake.messages == [a0, a1, a2]
    assert consumer.through_conductor == [other]
    assert set(consumer.unacked) == {a0, a1, a2}  # tracked: Faust commits no offset past them
    assert all(m.tracked for m in (a0, a1, a2))
    assert consumer._read_offset[TP(ARTICLES, 0)] == 1
    assert consumer._read_offset[TP("signals", 0)] == 7
    assert intake.arrived.is_set()


async def test_each_registered_topic_goes_to_its_own_intake_and_the_rest_to_the_conductor() -> None:
    """Several topics with an intake each (detection's articles, the event stage's hops): one
    fetch loop routes each message to its topic's intake, in order; others go to Faust."""
    sig, keys, events = "signals", "app-event-keys", "events"
    consumer = FakeConsumer([])
    intakes = {t: Intake(consumer.app, t, limit=100) for t in (ARTICLES, sig, keys, events)}
    batch = [message(ARTICLES, 0, 0), message(sig, 1, 0), message(keys, 0, 0), message("alerts", 0, 3),
             message(events, 2, 0), message(sig, 1, 1), message(keys, 3, 5), message("trajectory", 0, 0)]
    consumer.batches = [batch]
    await drain_messages(consumer, consumer.fetcher, intakes)
    for topic, intake in intakes.items():
        assert intake.messages == [m for m in batch if m.topic == topic]
        assert intake.arrived.is_set()
    assert consumer.through_conductor == [batch[3], batch[7]]
    assert set(consumer.unacked) == {m for m in batch if m.topic in intakes}
    assert consumer._read_offset[TP(keys, 3)] == 5


async def test_one_full_intake_holds_back_the_loop_until_it_has_room() -> None:
    consumer = FakeConsumer([[message("signals", 0, 0), message("signals", 0, 1), message(ARTICLES, 0, 0)]])
    small, articles = Intake(consumer.app, "signals", limit=1), Intake(consumer.app, ARTICLES, limit=100)
    loop = asyncio.ensure_future(drain_messages(consumer, consumer.fetcher,
                                                {"signals": small, ARTICLES: articles}))
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(small) == 1 and len(articles) == 0 and not loop.done()  # articles wait too
    assert [m.offset for m in small.take(10)] == [0]
    for _ in range(20):
        await asyncio.sleep(0)
    assert [m.offset for m in small.messages] == [1] and len(articles) == 0 and not loop.done()
    small.take(10)
    await asyncio.wait_for(loop, 5)
    assert len(articles) == 1


async def test_messages_from_before_a_rebalance_are_neither_delivered_nor_tracked() -> None:
    stale = message(ARTICLES, 0, 0, generation=0)
    paused = message(ARTICLES, 0, 1)
    consumer = FakeConsumer([[stale]])
    intake = Intake(consumer.app, ARTICLES, limit=100)
    await drain(consumer, intake)
    consumer.flow = False  # flow control suspended (a rebalance in progress)
    consumer.batches = [[paused]]
    consumer.fetcher._stopped.clear()
    await drain(consumer, intake)
    assert intake.messages == []
    assert len(consumer.unacked) == 0  # Faust seeks back to the committed offset: they come again
    assert not intake.arrived.is_set()


async def test_a_gap_in_offsets_is_recorded_as_faust_does() -> None:
    consumer = FakeConsumer([[message(ARTICLES, 0, 3), message(ARTICLES, 0, 9)]])
    intake = Intake(consumer.app, ARTICLES, limit=100)
    await drain(consumer, intake)
    assert consumer.gaps == [(TP(ARTICLES, 0), 4, 9)]


async def test_the_fetch_loop_holds_back_while_the_intake_is_full() -> None:
    msgs = [message(ARTICLES, 0, i) for i in range(5)]
    consumer = FakeConsumer([msgs])
    intake = Intake(consumer.app, ARTICLES, limit=2)
    loop = asyncio.ensure_future(drain(consumer, intake))
    for _ in range(20):
        await asyncio.sleep(0)
    assert intake.messages == msgs[:2] and not loop.done()  # waits for room
    assert intake.take(10) == msgs[:2]
    for _ in range(20):
        await asyncio.sleep(0)
    assert intake.messages == msgs[2:4] and not loop.done()
    consumer.suspend_flow.set()  # a rebalance releases the wait, as it does Faust's own
    await asyncio.wait_for(loop, 5)
    assert intake.messages == msgs[2:]


async def test_take_within_returns_a_full_batch_at_once_and_a_partial_one_when_time_is_up() -> None:
    consumer = FakeConsumer([])
    intake = Intake(consumer.app, ARTICLES, limit=100)
    for i in range(3):
        intake.put(message(ARTICLES, 0, i))
    assert [m.offset for m in await asyncio.wait_for(intake.take_within(2, 60), 5)] == [0, 1]
    assert [m.offset for m in await intake.take_within(5, 0.05)] == [2]
    assert not intake.arrived.is_set() and len(intake) == 0

    async def late() -> None:
        await asyncio.sleep(0.02)
        intake.put(message(ARTICLES, 0, 3))
        intake.put(message(ARTICLES, 0, 4))

    task = asyncio.ensure_future(late())
    got = await asyncio.wait_for(intake.take_within(2, 60), 5)  # waits for the first, then a second
    await task
    assert [m.offset for m in got] == [3, 4]


def test_installed_faust_is_the_one_the_loop_was_copied_from() -> None:
    # If this fails, Faust was upgraded: compare its Consumer._drain_messages with faust_private.py's
    # copy, carry its changes over, then update FAUST_DRAIN_SHA256.
    assert faust_drain_mismatch(AIOKafkaConsumer) is None


def test_another_fetch_loop_keeps_the_intake_out(caplog: pytest.LogCaptureFixture) -> None:
    class OtherConsumer:
        async def _drain_messages(self, fetcher: Any) -> None:
            """Not Faust 0.15.3's."""

    consumer = OtherConsumer()
    original = consumer._drain_messages
    app = SimpleNamespace(consumer=consumer)
    assert "is not the one the intake copies" in (faust_drain_mismatch(OtherConsumer) or "")
    with caplog.at_level(logging.WARNING, logger="escalert.stream"):
        assert Intake(app, ARTICLES, limit=10).install() is False
    assert consumer._drain_messages == original
    assert "batch intake off" in caplog.text


def test_install_replaces_the_fetch_loop_once() -> None:
    consumer = AIOKafkaConsumer.__new__(AIOKafkaConsumer)  # no transport needed: never started
    app = SimpleNamespace(consumer=consumer)
    intake = Intake(app, ARTICLES, limit=10)
    assert intake.install() is True
    installed = consumer._drain_messages
    assert installed.__qualname__.startswith("install_fetch_loop")
    assert intake.install() is True and consumer._drain_messages is installed


def test_partition_scope_gives_each_message_its_partitions_event() -> None:
    """Table reads and writes under the finisher find their partition in Faust's current event;
    messages come round-robin over partitions, and each switch must point at the right one."""
    import faust
    from faust.streams import current_event

    from service.stream.dedupe import PartitionScope

    app = faust.App("intake-scope-test", store="memory://")
    scope = PartitionScope(app)
    before = current_event()
    seen = []
    for msg in [message(ARTICLES, 0, 0), message(ARTICLES, 1, 0), message(ARTICLES, 0, 1)]:
        scope.enter(msg)
        event = current_event()
        assert event is not None and event.message.partition == msg.partition
        seen.append(event)
    assert seen[0] is seen[2]  # one event per partition and batch
    scope.close()
    assert current_event() is before


def test_the_intakes_state_is_in_health_and_metrics() -> None:
    """Whether the batch intake is on, and why not, is served (/health/ready, a metric)."""
    from service.config import load_settings
    from service.stream.app import create_app
    from service.stream.web import readiness, refresh_metrics

    s = load_settings(app_id="unit-intake-state", brokers="127.0.0.1:1")  # nothing listens on port 1
    app = create_app(s, detect=lambda a: [], with_alerts=False)
    parts = app.escalert

    def served() -> tuple[str, bytes]:
        refresh_metrics(parts)
        line = [ln for ln in parts.metrics.render().splitlines() if ln.startswith(b"escalert_batch_intake ")]
        return readiness(app, parts)[1]["batch_intake"], line[0]

    assert served() == ("off: its agent has not started", b"escalert_batch_intake 0.0")
    assert parts.intake.install() is True  # the app's consumer runs faust-streaming 0.15.3's loop
    assert served() == ("on", b"escalert_batch_intake 1.0")
    parts.intake.installed_on = None
    parts.intake.app = SimpleNamespace(consumer=object())
    assert parts.intake.install() is False
    state, metric = served()
    assert state.startswith("off: cannot read Faust's fetch loop") and metric == b"escalert_batch_intake 0.0"


def test_a_topic_another_agent_reads_keeps_fausts_path() -> None:
    """An intake takes its topic's messages away from the conductor: while another agent also
    reads the topic (signals: the event stage and the alert agents), Faust's path serves both."""
    import faust

    from service.faust_private import installed_intakes

    app = faust.App("intake-readers-test", store="memory://")
    shared, own = app.topic("sig", value_serializer="raw"), app.topic("keys", value_serializer="raw")

    @app.agent(shared, name="events-key")
    async def key(stream: Any) -> None:
        pass  # pragma: no cover - never started

    @app.agent(shared, name="alerts-route")
    async def route(stream: Any) -> None:
        pass  # pragma: no cover

    @app.agent(own, name="events-consolidate")
    async def consolidate(stream: Any) -> None:
        pass  # pragma: no cover

    signals = Intake(app, "sig", limit=10, reader="events-key")
    assert signals.install() is False
    assert signals.state == "off: sig is also read by alerts-route"
    assert installed_intakes(app.consumer) is None
    keys = Intake(app, "keys", limit=10, reader="events-consolidate")
    assert keys.install() is True and keys.state == "on"
    assert installed_intakes(app.consumer) == {"keys": keys}
