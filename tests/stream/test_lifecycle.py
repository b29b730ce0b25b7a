"""The broker watch (pure), local tables of another cluster, and the stop deadline."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

import pytest
from aiokafka.consumer.fetcher import Fetcher
from aiokafka.errors import KafkaConnectionError

from service import faust_private
from service.faust_private import install_fetcher_close_fix
from service.stream import lifecycle
from service.stream.lifecycle import (
    BrokerWatch,
    Probe,
    Worker,
    adopt_cluster,
)

UP = Probe("cluster-a", frozenset({"articles", "signals"}))


def test_an_outage_gives_one_notice_at_once_then_one_every_ten_seconds():
    w = BrokerWatch("127.0.0.1:29092")
    assert w.observe(UP, 0.0).messages == []
    said = []
    for tick in range(0, 61, 2):  # probes every 2 s for a minute
        said += w.observe(None, 100.0 + tick).messages
        assert not w.up
    assert [m for _, m in said] == [
        f"waiting for the Kafka broker at 127.0.0.1:29092 (down for {n} s)" for n in (0, 10, 20, 30, 40, 50, 60)
    ]
    assert w.health() == {"reachable": False, "down_for_seconds": 60.0, "at": "127.0.0.1:29092"}
    back = w.observe(UP, 165.0)
    assert back.exit_reason is None and w.up
    assert back.messages == [(logging.INFO, "the Kafka broker at 127.0.0.1:29092 is back after 65 s")]


def test_a_wiped_broker_is_a_new_cluster_and_a_reason_to_exit():
    w = BrokerWatch("h:1")
    w.observe(UP, 0)
    w.observe(None, 1)
    verdict = w.observe(Probe("cluster-b", frozenset()), 5)
    assert verdict.exit_reason is not None
    assert "new cluster (id cluster-b, was cluster-a)" in verdict.exit_reason


def test_a_vanished_topic_is_a_reason_to_exit_and_new_ones_are_learnt():
    w = BrokerWatch("h:1")
    w.observe(Probe("cluster-a", frozenset({"articles"})), 0)
    assert w.observe(UP, 1).exit_reason is None  # signals appeared: learnt
    verdict = w.observe(Probe("cluster-a", frozenset({"articles"})), 2)
    assert verdict.exit_reason and "signals vanished" in verdict.exit_reason


def test_local_tables_of_another_cluster_are_deleted(tmp_path):
    state = tmp_path / "app"
    assert adopt_cluster(state, "one") is None
    (state / "v1").mkdir()
    (state / "v1" / "table").write_text("x")
    assert adopt_cluster(state, "one") is None and (state / "v1" / "table").exists()
    said = adopt_cluster(state, "two")
    assert said and "cluster one" in said and "cluster two" in said
    assert not (state / "v1").exists()
    assert (state / "kafka-cluster-id").read_text().strip() == "two"
    assert adopt_cluster(state, None) is None  # unknown id: nothing touched


def test_a_stop_that_hangs_is_cut_short_after_the_grace(monkeypatch):
    """The deadline thread starts with the first stop request and exits the process itself."""
    exited = threading.Event()
    codes = []
    monkeypatch.setattr("service.stream.lifecycle.os._exit", lambda code: (codes.append(code), exited.set()))
    scheduled = []
    monkeypatch.setattr("faust.worker.Worker._schedule_shutdown", lambda self, s: scheduled.append(s))
    w = Worker.__new__(Worker)  # only the stop logic: no app, no event loop
    w.grace, w.exit_reason, w.exit_code, w._deadline = 0.2, None, 0, None
    w.stop_because("broker wiped")
    assert scheduled == [signal.SIGTERM]
    assert exited.wait(10), "the deadline never fired"
    assert codes == [3]


def test_a_stop_that_finishes_cancels_the_deadline(monkeypatch):
    codes = []
    monkeypatch.setattr("service.stream.lifecycle.os._exit", codes.append)
    monkeypatch.setattr("faust.worker.Worker._schedule_shutdown", lambda self, s: None)
    w = Worker.__new__(Worker)
    w.grace, w.exit_reason, w.exit_code, w._deadline = 0.3, None, 0, None
    w._schedule_shutdown(signal.SIGTERM)
    w.finish()
    w._deadline.join(5)
    assert codes == []


class _FakeFetcher:
    """What aiokafka's Fetcher.close touches, with one fetch cancelled during its back-off."""

    def __init__(self) -> None:
        self._fetch_task = asyncio.ensure_future(asyncio.sleep(30))
        self._fetch_waiters: set = set()
        self._pending_tasks = [asyncio.ensure_future(self._fetch_failing())]
        self._closed = False

    async def _fetch_failing(self) -> bool:
        # aiokafka's _proc_fetch_request while no broker answers: an error, then a back-off
        # sleep outside its `except CancelledError`.
        try:
            raise KafkaConnectionError("no broker")
        except KafkaConnectionError:
            await asyncio.sleep(30)
            return False

    def _notify(self, waiter) -> None: ...


async def test_closing_the_fetcher_during_an_outage_does_not_raise():
    install_fetcher_close_fix()
    original = faust_private.replaced["Fetcher.close"]
    broken = _FakeFetcher()
    await asyncio.sleep(0)  # both tasks reach their sleep
    with pytest.raises(asyncio.CancelledError):  # what stopped the consumer thread mid-shutdown
        await original(broken)
    for task in broken._pending_tasks:
        task.cancel()
    fixed = _FakeFetcher()
    await asyncio.sleep(0)
    await Fetcher.close(fixed)
    assert fixed._closed and all(t.done() for t in fixed._pending_tasks)


async def test_a_cancelled_close_still_propagates():
    install_fetcher_close_fix()
    f = _FakeFetcher()
    await asyncio.sleep(0)
    closing = asyncio.ensure_future(Fetcher.close(f))
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    for task in (f._fetch_task, *f._pending_tasks):
        task.cancel()


def test_an_exception_that_ends_a_thread_is_one_log_record(caplog):
    t = threading.Thread(target=lambda: 1 / 0, name="doomed")
    previous = threading.excepthook
    threading.excepthook = lifecycle._log_thread_exception
    try:
        with caplog.at_level(logging.ERROR, logger="escalert.worker"):
            t.start()
            t.join(10)
    finally:
        threading.excepthook = previous
    records = [r for r in caplog.records if r.name == "escalert.worker"]
    assert len(records) == 1 and "doomed" in records[0].getMessage() and records[0].exc_info


def test_readiness_is_503_while_the_broker_is_away_and_says_so():
    from types import SimpleNamespace

    from service.stream.web import readiness

    app = SimpleNamespace(rebalancing=False,
                          consumer=SimpleNamespace(assignment=lambda: {SimpleNamespace(topic="articles", partition=0)}))
    watch = BrokerWatch("127.0.0.1:29092")
    parts = SimpleNamespace(state={"recovered": True}, broker=watch)
    watch.observe(UP, 0)
    assert readiness(app, parts)[0] is True
    watch.observe(None, 10)
    watch.observe(None, 14)
    ready, details = readiness(app, parts)
    assert ready is False and details["recovered"] is True
    assert details["broker"] == {"reachable": False, "down_for_seconds": 4.0, "at": "127.0.0.1:29092"}
    watch.observe(UP, 20)
    assert readiness(app, parts)[0] is True
