"""The store's consumer on the real broker: its own group reads signals, alerts and the ledger
changelog into the store; a bad message is skipped and counted; a rebuild from the earliest
offsets gives the same rows; the live feed hears about each batch."""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from pathlib import Path

import pytest

from service.desk.consumer import DeskConsumer
from service.desk.settings import DeskSettings
from service.desk.store import Store

BROKERS = os.environ.get("ESCALERT_TEST_BROKERS", "127.0.0.1:19092")
pytestmark = pytest.mark.kafka


def _broker() -> str:
    host, _, port = BROKERS.split(",")[0].rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        msg = f"no Kafka broker at {BROKERS}"
        if os.environ.get("ESCALERT_REQUIRE_KAFKA") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return BROKERS


def _settings(app_id: str, alerts_path: Path):
    from service.config import load_settings

    # No event stage here (its topics are not created): the desk must cope with a missing
    # events topic, and must not create it.
    env = {"ESCALERT_ALERTS_SUBSCRIPTIONS": str(alerts_path), "ESCALERT_EVENTS_ENABLED": "false",
           "ESCALERT_EVENTS_TOPIC": f"{app_id}-events"}
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("ESCALERT_")}
    os.environ.update(env)
    try:
        return load_settings(brokers=[BROKERS], app_id=app_id, partitions=2, topics={
            "articles": f"{app_id}-articles", "signals": f"{app_id}-signals",
            "articles_dlq": f"{app_id}-dlq", "alerts": f"{app_id}-alerts",
            "alerts_dlq": f"{app_id}-alerts-dlq"})
    finally:
        for k in env:
            os.environ.pop(k, None)
        os.environ.update(saved)


def _wait(cond, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def test_consumer_feeds_the_store_and_a_rebuild_gives_the_same_rows(
        tmp_path, seed_signals, seed_alerts):
    _broker()
    from kafka import KafkaProducer

    from service.stream.clients import ensure_topics
    from service.stream.topics import changelog_name

    subs = tmp_path / "subs.yaml"
    subs.write_text("subscriptions:\n  - name: local\n    urls: ['escalertconsole://']\n")
    app_id = f"it-desk-{uuid.uuid4().hex[:8]}"
    settings = _settings(app_id, subs)
    ensure_topics(settings)
    ledger_topic = changelog_name(settings, settings.alerts.ledger_table)
    prod = KafkaProducer(bootstrap_servers=BROKERS, acks="all")
    for s in seed_signals:
        prod.send(settings.topics.signals, key=s["article_id"].encode(), value=json.dumps(s).encode())
    prod.send(settings.topics.signals, key=b"bad", value=b"{not a signal")
    for a in seed_alerts:
        prod.send(settings.topics.alerts, key=a["subscription"].encode(), value=json.dumps(a).encode())
    a0 = seed_alerts[0]
    ledger = {"alert": None, "created_at": "2025-01-01T00:00:00+00:00",
              "updated_at": "2025-01-01T00:00:01+00:00",
              "targets": {t: {"state": "sent", "attempts": 1} for t in a0["target_ids"]}}
    prod.send(ledger_topic, key=json.dumps(a0["alert_id"]).encode(), value=json.dumps(ledger).encode())
    prod.flush(30)
    prod.close()

    desk = DeskSettings(poll_ms=100)
    store = Store.open(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    heard: list[str] = []
    c = DeskConsumer(settings, desk, store, on_batch=lambda items: heard.extend(i.kind for i in items))
    c.start()
    n_sig = len({s["signal_id"] for s in seed_signals})
    n_alerts = len({a["alert_id"] for a in seed_alerts})
    try:
        assert _wait(lambda: store.counts()["signals"] == n_sig and store.counts()["alerts"] == n_alerts
                     and store.counts()["deliveries"] >= 1), (store.counts(), c.error)
        assert _wait(lambda: c.rejected == 1)
    finally:
        c.stop()
    assert c.error is None
    assert heard.count("signal") >= n_sig and "alert" in heard and "delivery" in heard
    first = _rows(store)

    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=BROKERS)
    assert f"{app_id}-events" not in admin.list_topics()  # the desk never creates a topic
    admin.close()

    # A rebuild with the same group: everything deleted, then read again from the start.
    again = DeskConsumer(settings, desk, store, rebuild=True)
    again.start()
    try:
        assert _wait(lambda: again.ready.is_set())
        assert _wait(lambda: _rows(store) == first and again.stored > 0), store.counts()
    finally:
        again.stop()
    store.close()


def _rows(store: Store) -> dict:
    import sqlalchemy as sa

    from service.desk import tables as T

    with store.engine.connect() as conn:
        return {t.name: sorted(json.dumps([str(v) for v in r]) for r in conn.execute(sa.select(t)))
                for t in T.ALL}


def test_a_failed_write_is_retried_and_nothing_is_lost(tmp_path, seed_signals):
    _broker()
    from kafka import KafkaProducer

    from service.stream.clients import ensure_topics

    subs = tmp_path / "subs.yaml"
    subs.write_text("subscriptions:\n  - name: local\n    urls: ['escalertconsole://']\n")
    settings = _settings(f"it-desk-{uuid.uuid4().hex[:8]}", subs)
    ensure_topics(settings)
    prod = KafkaProducer(bootstrap_servers=BROKERS, acks="all")
    sample = seed_signals[:20]
    for s in sample:
        prod.send(settings.topics.signals, key=s["article_id"].encode(), value=json.dumps(s).encode())
    prod.flush(30)
    prod.close()

    store = Store.open(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    real = store.ingest
    calls = {"n": 0}

    def flaky(batch):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(batch)

    store.ingest = flaky  # type: ignore[method-assign]
    c = DeskConsumer(settings, DeskSettings(poll_ms=100), store)
    c.start()
    try:
        want = len({s["signal_id"] for s in sample})
        assert _wait(lambda: store.counts()["signals"] == want, 90), (store.counts(), c.error)
    finally:
        c.stop()
    assert calls["n"] >= 2 and c.error is None
    store.close()
