"""Stream partitions resumed during a rebalance fetch only after the seek (service/stream/resume.py).

Faust's own end of recovery runs here against a consumer that is never started: its seek is
replaced by a probe of the partitions the fetch loop would fetch at that moment.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import faust
import pytest
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
