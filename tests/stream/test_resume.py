"""Stream partitions resumed during a rebalance fetch only after the seek, and changelog partitions
Faust holds paused are not fetched (service/stream/resume.py).

Faust's own end of recovery runs here against a consumer that is never started: its seek is
replaced by a probe of the partitions the fetch loop would fetch at that moment. For the
changelog partitions, a real aiokafka consumer (assigned by hand, never connected) stands in
for the one Faust's consumer thread runs, and that thread's event loop is the test's.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from faust.types import TP

from service.stream import resume

SIGNALS = {TP("signals", 0), TP("signals", 1)}


@pytest.fixture
def app() -> Any:
    resume.install()  # as create_app does
    app = faust.App("resume-test", store="memory://", autodiscover=False)
    app.consumer.assignment = lambda: set(SIGNALS)  # type: ignore[method-assign]
    app.__dict__["_fetcher"] = SimpleNamespace(maybe_start=lambda: asyncio.sleep(0))
    return app


def _in_recovery(app: Any) -> None:
    """Where Faust's recovery stands when the changelogs are read: a rebalance under way, the
    stream partitions paused, the consumer's flow on (it was turned on to read the changelogs)."""
    app.on_rebalance_start()
    app.consumer._active_partitions = set()
    app.consumer.pause_partitions(SIGNALS)
    app.consumer.resume_flow()


async def test_faust_recovery_seeks_the_stream_partitions_before_they_fetch(app: Any) -> None:
    consumer = app.consumer
    fetching_at: dict[str, set[TP]] = {}

    async def perform_seek() -> None:
        fetching_at["seek"] = set(consumer._get_active_partitions())

    consumer.perform_seek = perform_seek
    resume_buffers = app.flow_control.resume

    def clear_buffers() -> None:
        fetching_at["buffers cleared"] = set(consumer._get_active_partitions())
        resume_buffers()

    app.flow_control.resume = clear_buffers
    _in_recovery(app)
    await app.tables.recovery.on_recovery_completed(generation_id=app.consumer_generation_id)
    # Records fetched before the seek would be delivered, then thrown away with the buffers,
    # and their offsets skipped when they come again from the committed offset: nothing of the
    # stream may be fetched until both are done.
    assert fetching_at == {"seek": set(), "buffers cleared": set()}
    assert consumer._get_active_partitions() == SIGNALS  # and then everything is
    assert not app.rebalancing


async def test_a_partition_paused_before_the_flow_resumes_stays_paused(app: Any) -> None:
    consumer = app.consumer
    _in_recovery(app)
    consumer.resume_partitions(SIGNALS)
    consumer.pause_partitions({TP("signals", 1)})  # e.g. a new rebalance pauses it again
    assert consumer._get_active_partitions() == set()
    consumer.resume_flow()
    assert consumer._get_active_partitions() == {TP("signals", 0)}


async def test_outside_a_rebalance_a_partition_resumes_at_once(app: Any) -> None:
    consumer = app.consumer
    consumer._active_partitions = set()
    consumer.pause_partitions(SIGNALS)
    assert not app.rebalancing
    consumer.resume_partitions(SIGNALS)
    assert consumer._get_active_partitions() == SIGNALS
    assert SIGNALS.isdisjoint(consumer._paused_partitions)


def test_install_is_idempotent_and_keeps_fausts_methods() -> None:
    from faust.transport.consumer import Consumer

    resume.install()
    resume.install()
    assert Consumer.resume_flow is resume.resume_flow
    assert resume._original["resume_flow"] is not resume.resume_flow
    assert resume._original["resume_flow"].__module__ == "faust.transport.consumer"


CHANGELOG = {TP("resume-test-state-changelog", 0), TP("resume-test-state-changelog", 1)}


@pytest.fixture
async def with_table(app: Any) -> Any:
    """``app`` with a table, assigned its changelog partitions too, over a real aiokafka
    consumer whose pause state the test reads."""
    resume.register(app)  # as create_app does
    app.Table("state", partitions=2)
    assigned = SIGNALS | CHANGELOG
    app.consumer.assignment = lambda: set(assigned)  # type: ignore[method-assign]
    aio = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:9")  # never started: no connection
    aio.assign([TopicPartition(tp.topic, tp.partition) for tp in assigned])
    thread = app.consumer._thread
    thread.thread_loop.close()
    thread._consumer, thread.thread_loop = aio, asyncio.get_running_loop()
    yield app
    await aio.stop()


def paused_in_aiokafka(app: Any) -> set[TP]:
    return {TP(tp.topic, tp.partition) for tp in app.consumer._thread._consumer.paused()}


async def test_changelog_partitions_faust_holds_paused_are_not_fetched(with_table: Any) -> None:
    app, consumer = with_table, with_table.consumer

    async def perform_seek() -> None:
        return None

    consumer.perform_seek = perform_seek
    # A rebalance: Faust pauses everything assigned; no changelog has anything to recover, so
    # the end of the recovery resumes the stream partitions only.
    app.on_rebalance_start()
    consumer._active_partitions = set()
    consumer.pause_partitions(SIGNALS | CHANGELOG)
    await asyncio.sleep(0)
    # Meanwhile aiokafka fetches them (Faust's exactly-once recovery takes a changelog's end,
    # its last stable offset, from aiokafka's fetches).
    assert paused_in_aiokafka(app) == set()
    await app.tables.recovery.on_recovery_completed(generation_id=app.consumer_generation_id)
    await asyncio.sleep(0)  # the consumer thread's loop applies the pause
    assert consumer._get_active_partitions() == SIGNALS
    # Faust never takes these partitions' records, and aiokafka, waiting for them to be taken,
    # would hold back every fetch from the broker for 0.1 s the first time the worker's own
    # table writes show up there: they are not fetched at all.
    assert paused_in_aiokafka(app) == CHANGELOG


async def test_a_changelog_partition_faust_resumes_is_fetched_again(with_table: Any) -> None:
    app, consumer = with_table, with_table.consumer
    consumer.pause_partitions(CHANGELOG)
    await asyncio.sleep(0)
    assert paused_in_aiokafka(app) == CHANGELOG
    standby = TP("resume-test-state-changelog", 1)
    consumer.resume_partitions({standby})  # e.g. the recovery reads it, or follows it as a standby
    await asyncio.sleep(0)
    assert paused_in_aiokafka(app) == CHANGELOG - {standby}
    assert standby in consumer._get_active_partitions()


async def test_the_livelock_check_leaves_out_the_partitions_not_fetched_on_purpose(with_table: Any) -> None:
    consumer = with_table.consumer
    consumer.pause_partitions(CHANGELOG)
    checked: list[TP] = []
    consumer.verify_event_path = lambda now, tp: checked.append(tp)
    await consumer.verify_all_partitions_active()
    # (Faust's check would log "Aiokafka has not sent fetch request for TP ... since start"
    # every 2.5 s for each of them once the worker has run 5 minutes.)
    assert set(checked) == SIGNALS
