"""The delivery ledger: idempotent recording, the state machine, restart work list, pruning."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from service.alerts.ledger import Ledger


def _alert(alert_id: str = "a1") -> dict:
    return {"alert_id": alert_id, "subscription": "ops", "status": "deliver"}


class _Recording(dict):
    """A dict that counts whole-value writes, like a Faust table writes its changelog."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def __setitem__(self, key, value) -> None:
        self.writes += 1
        super().__setitem__(key, value)


def test_record_is_idempotent_and_returns_only_pending(clock) -> None:
    ledger = Ledger({}, clock)
    assert ledger.record(_alert(), ["t1", "t2"]) == ["t1", "t2"]
    ledger.begin_attempt("a1", "t1", 1)
    ledger.mark_sent("a1", "t1")
    # A replay of the same alert after a restart: t1 was confirmed, only t2 is left.
    assert ledger.record(_alert(), ["t1", "t2"]) == ["t2"]
    assert ledger.state("a1", "t1") == "sent"
    assert ledger.is_done("a1", "t1") and not ledger.is_done("a1", "t2")


def test_every_change_is_a_whole_value_write(clock) -> None:
    store = _Recording()
    ledger = Ledger(store, clock)
    ledger.record(_alert(), ["t1"])
    before = store.writes
    ledger.begin_attempt("a1", "t1", 2)
    ledger.part_sent("a1", "t1", 1)
    ledger.mark_sent("a1", "t1")
    # Nested in-place mutation would never reach a Faust changelog: each step must write.
    assert store.writes == before + 3
    assert store["a1"]["targets"]["t1"]["parts_sent"] == 2


def test_attempts_and_timestamps(clock) -> None:
    ledger = Ledger({}, clock)
    ledger.record(_alert(), ["t1"])
    assert ledger.begin_attempt("a1", "t1", 1) == 1
    first = ledger.entry("a1", "t1")["first_attempt_at"]
    clock.advance(seconds=30)
    ledger.mark_retry("a1", "t1", "HTTP 500", clock() + timedelta(seconds=4))
    assert ledger.begin_attempt("a1", "t1", 1) == 2
    e = ledger.entry("a1", "t1")
    assert e["first_attempt_at"] == first
    assert e["last_attempt_at"] > first
    assert e["state"] == "pending" and e["error"] == "HTTP 500"


def test_pending_lists_unconfirmed_with_payload_and_drops_payload_when_done(clock) -> None:
    ledger = Ledger({}, clock)
    ledger.record(_alert("a1"), ["t1", "t2"])
    ledger.record(_alert("a2"), ["t1"])
    ledger.begin_attempt("a1", "t1", 1)  # in flight when the worker died
    pending = {(p.alert["alert_id"], p.target_id) for p in ledger.pending()}
    assert pending == {("a1", "t1"), ("a1", "t2"), ("a2", "t1")}
    ledger.mark_sent("a1", "t1")
    ledger.mark_failed("a1", "t2", "HTTP 500")
    assert {(p.alert["alert_id"], p.target_id) for p in ledger.pending()} == {("a2", "t1")}
    # Nothing left to do for a1: its payload is dropped, its verdicts stay.
    assert ledger.store["a1"]["alert"] is None
    assert ledger.state("a1", "t2") == "failed"
    assert ledger.counts() == {"pending": 1, "sent": 1, "failed": 1}


def test_a_new_target_on_replay_is_added(clock) -> None:
    ledger = Ledger({}, clock)
    ledger.record(_alert(), ["t1"])
    ledger.mark_sent("a1", "t1")
    assert ledger.store["a1"]["alert"] is None
    assert ledger.record(_alert(), ["t1", "t3"]) == ["t3"]
    assert ledger.store["a1"]["alert"]["alert_id"] == "a1"


def test_update_of_unknown_entry_names_it(clock) -> None:
    ledger = Ledger({}, clock)
    with pytest.raises(KeyError, match="a9.*t1"):
        ledger.mark_sent("a9", "t1")


def test_prune_forgets_only_finished_and_old(clock) -> None:
    ledger = Ledger({}, clock)
    ledger.record(_alert("old-done"), ["t1"])
    ledger.mark_sent("old-done", "t1")
    ledger.record(_alert("old-pending"), ["t1"])
    clock.advance(days=20)
    ledger.record(_alert("new-done"), ["t1"])
    ledger.mark_sent("new-done", "t1")
    assert ledger.prune(clock() - timedelta(days=14)) == 1
    assert set(ledger.store) == {"old-pending", "new-done"}


# -- the worker's alert tables and durable records --------------------------------------------


def _default_app(tmp_path, monkeypatch):
    """The worker's app and alert parts under the shipped defaults (store rocksdb:// included)."""
    import faust

    from service.alerts.agents import register
    from service.alerts.settings import AlertSettings
    from service.config import load_settings
    from service.stream.app import faust_options

    for name in ("ESCALERT_STORE", "ESCALERT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    subs = tmp_path / "subs.yaml"
    subs.write_text("subscriptions:\n  - name: local\n    urls: [escalertconsole://]\n")
    settings = load_settings(data_dir=tmp_path / "data", alerts=AlertSettings(subscriptions=subs))
    assert settings.store == "rocksdb://"  # the shipped default, not overridden here
    app = faust.App(settings.app_id, **faust_options(settings))
    return app, register(app, settings)


def test_alert_tables_are_in_memory_under_the_default_rocksdb_store(tmp_path, monkeypatch) -> None:
    from faust.stores.memory import Store as MemoryStore

    app, parts = _default_app(tmp_path, monkeypatch)
    assert str(app.conf.store).startswith("rocksdb:")
    for table in (parts.ledger_table, parts.noise_table):
        assert isinstance(table.data, MemoryStore), (table.name, type(table.data))


async def test_alert_table_is_writable_outside_stream_iteration_and_says_when_durable(
    tmp_path, monkeypatch
) -> None:
    app, parts = _default_app(tmp_path, monkeypatch)
    table = parts.ledger_table
    table["al-1"] = {"alert": None, "targets": {}}  # no current event: a timer or a delivery
    assert table["al-1"] == {"alert": None, "targets": {}}
    [(key, fut)] = table.__dict__["_unacked"].items()
    assert key == "al-1" and fut.message.partition in range(table.partitions)
    waiting = asyncio.ensure_future(Ledger(table).persisted("al-1"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()  # the changelog write was not acknowledged yet
    fut.set_result(None)  # what the producer does when Kafka acknowledges it
    assert await asyncio.wait_for(waiting, 10) is True
    assert "al-1" not in table.__dict__["_unacked"]
    assert await Ledger(table).persisted("never-written") is True


async def test_persisted_reports_a_failed_changelog_write_without_raising(clock) -> None:
    class Failing(dict):
        async def persisted(self, key: str) -> None:
            raise ConnectionError("broker gone")

    assert await Ledger({}, clock).persisted("a1") is True
    assert await Ledger(Failing(), clock).persisted("a1") is False


class _Gated(dict):
    """A store whose writes become durable only when the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waits: list[str] = []

    async def persisted(self, key: str) -> None:
        self.waits.append(key)
        await self.gate.wait()


async def test_a_confirmed_send_holds_its_target_slot_until_its_record_is_durable(
    clock, make_signal, t0
) -> None:
    from schemas.alert import Alert
    from service.alerts.delivery import Deliverer, SendResult
    from service.alerts.settings import DeliverySettings

    sent: list[str] = []

    class Sender:
        def limits(self, url: str) -> tuple[int, int]:
            return (0, 0)

        async def send(self, url: str, title: str, body: str, fmt: str, extras=None) -> SendResult:
            sent.append(body)
            return SendResult(True, status=200)

    async def no_dlq(dl) -> None:
        raise AssertionError(f"nothing should be dead-lettered: {dl}")

    store = _Gated()
    deliverer = Deliverer(
        Ledger(store, clock), Sender(), resolve=lambda sub, tid: "json://127.0.0.1:9/hook",
        dlq=no_dlq, settings=DeliverySettings(concurrency_per_target=1), clock=clock,
        renderer=lambda alert, fmt, now: ("t", alert.alert_id),
        splitter=lambda text, limit: [text], profile=lambda url: ("text", None),
    )

    def alert(alert_id: str) -> Alert:
        return Alert(alert_id=alert_id, subscription="ops", kind="alert", group_key="g",
                     severity=4, title="t", signals=[make_signal(1)], signal_count=1,
                     source_count=1, matched=["subscription ops"], status="deliver",
                     created_at=t0, target_ids=["t1"])

    await deliverer.submit(alert("a1"))
    await deliverer.submit(alert("a2"))
    for _ in range(20):
        await asyncio.sleep(0)
    # a1 was accepted, its `sent` record is not durable yet: a1 is still in flight and keeps
    # the target's only slot, so a crash now repeats at most that one send.
    assert sent == ["a1"] and store.waits == ["a1"]
    assert store["a1"]["targets"]["t1"]["state"] == "sent"
    store.gate.set()
    await asyncio.wait_for(deliverer.drain(), 10)
    assert sent == ["a1", "a2"]
    assert Ledger(store, clock).counts() == {"pending": 0, "sent": 2, "failed": 0}
