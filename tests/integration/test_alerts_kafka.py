"""The alert agents in a real worker against the real local Kafka broker, with a crash.

Marker ``kafka``: needs ``scripts/kafka.sh start`` (broker from ``ESCALERT_TEST_BROKERS``,
default 127.0.0.1:19092). The worker runs as a subprocess with its own app id, topics and group,
and is SIGKILLed between routing and delivery:

- target A answers 200: it gets every alert before the kill;
- target B answers 500 until the kill (so its deliveries are pending, retried, in the ledger);
- target C answers 401 (permanent): every alert is dead-lettered to ``alerts-dlq``.

After the restart (B now answers 200), the documented guarantee must hold exactly: A got each
alert once (confirmed sends are never repeated), B got each alert once it could (pending ones
are not forgotten), C was not tried again (dead-lettered is final), and ``alerts-dlq`` holds
one dead letter per alert for C.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))
from receivers import HttpReceiver, wait_until  # noqa: E402

from tests.integration.conftest import FAST_FAILOVER  # noqa: E402

pytestmark = pytest.mark.kafka

BROKERS = os.environ.get("ESCALERT_TEST_BROKERS", "127.0.0.1:19092")
REPO = Path(__file__).resolve().parents[2]
N_ALERTS = 6

WORKER = """
import faust
from service.config import load_settings
from service.stream.app import faust_options
from service.alerts.agents import register

settings = load_settings()
app = faust.App(settings.app_id, **faust_options(settings))
register(app, settings)
app.main()
"""


def _broker_up() -> bool:
    try:
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=BROKERS, request_timeout_ms=3000)
        admin.close()
        return True
    except Exception:
        return False


def _signal(i: int) -> dict:
    sentence = f"Russia has massed troops near Place{i} on the border with Ukraine, officials said."
    trig = "massed troops"
    ts = sentence.index(trig)
    return {
        "schema_version": 1,
        "signal_id": f"it-sig-{i}",
        "article_id": f"it-art-{i}",
        "type": "MOBILIZE",
        "mode": "troops",
        "modality": "asserted",
        "actors": {"source": [{"code": "RUS", "text": "Russia"}],
                   "target": [{"code": "UKR", "text": "Ukraine"}]},
        "location": {"name": f"Place{i}", "country": "UKR"},
        "event_date": (date(2024, 4, 14) + timedelta(days=i)).isoformat(),
        "intensity": -7.0,
        "severity": 4,
        "confidence": 0.9,
        "evidence": {"field": "body", "sentence": sentence, "start": 0, "end": len(sentence),
                     "trigger": trig, "trigger_start": ts, "trigger_end": ts + len(trig)},
        "article": {"id": f"it-art-{i}", "title": f"Troops massing near Place{i}",
                    "source": "Reuters", "url": f"https://news.example/it/{i}",
                    "published_at": "2024-04-14T12:00:00Z"},
        "detector_version": "it",
    }


def _consume_all(topic: str, expect: int, timeout: float) -> list:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic, bootstrap_servers=BROKERS, auto_offset_reset="earliest",
        enable_auto_commit=False, consumer_timeout_ms=1000, group_id=None,
    )
    out: list = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(out) < expect:
            for msg in consumer:
                out.append(msg)
        # one more short pass: anything beyond `expect` would be a duplicate worth seeing
        for msg in consumer:
            out.append(msg)
    finally:
        consumer.close()
    return out


def _marker(body: bytes) -> str | None:
    """Which signal an alert was about: its place name appears in the message."""
    found = re.search(r"Place(\d+)", body.decode("utf-8", errors="replace"))
    return f"Place{found.group(1)}" if found else None


@pytest.fixture
def setup(tmp_path):
    if not _broker_up():
        pytest.skip(f"no Kafka broker at {BROKERS} (run scripts/kafka.sh start)")
    uid = uuid.uuid4().hex[:8]
    names = {k: f"it-{uid}-{k}" for k in ("signals", "alerts", "alerts-dlq")}
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=BROKERS)
    admin.create_topics([NewTopic(n, num_partitions=2, replication_factor=1) for n in names.values()])
    admin.close()
    with HttpReceiver() as receiver:
        receiver.default_status = 200
        receiver.script("/b", *[(500, {})] * 100_000)  # B fails until the test clears it
        receiver.script("/c", *[(401, {})] * 100_000)  # C refuses for good
        subs = tmp_path / "subs.yaml"
        subs.write_text(
            "subscriptions:\n"
            "  - name: ops\n"
            "    group_wait: 0s\n"
            "    filters: {types: [MOBILIZE]}\n"
            "    urls:\n"
            f"      - json://{receiver.address}/a\n"
            f"      - json://{receiver.address}/b\n"
            f"      - json://{receiver.address}/c\n",
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "ESCALERT_BROKERS": BROKERS,
            "ESCALERT_APP_ID": f"it-alerts-{uid}",
            "ESCALERT_TOPICS__SIGNALS": names["signals"],
            "ESCALERT_TOPICS__ALERTS": names["alerts"],
            "ESCALERT_TOPICS__ALERTS_DLQ": names["alerts-dlq"],
            "ESCALERT_PARTITIONS": "2",  # the topics above were created with 2
            "ESCALERT_DATA_DIR": str(tmp_path / "data"),
            # The worker below runs only the alert agents, without the web server (no port).
            "ESCALERT_WEB_ENABLED": "false",
            **FAST_FAILOVER,  # the test SIGKILLs the worker (reason in conftest.py)
            "ESCALERT_ALERTS_SUBSCRIPTIONS": str(subs),
            # Resume scans every 1 s instead of 5 s and group windows checked every 0.5 s instead
            # of 1 s: the same code paths, sooner.
            "ESCALERT_ALERTS_RESUME_INTERVAL": "1",
            "ESCALERT_ALERTS_FLUSH_INTERVAL": "0.5",
            # B must keep failing (never dead-lettered) until the test lets it succeed, and
            # retry within a second: far more attempts, short fixed backoff.
            "ESCALERT_ALERTS_DELIVERY": json.dumps(
                {"max_attempts": 10_000, "backoff_initial": 0.2, "backoff_max": 0.5, "jitter": 0}
            ),
        }
        yield names, receiver, env, tmp_path
    # Leave the shared broker as we found it: our topics and the worker's changelogs.
    admin = KafkaAdminClient(bootstrap_servers=BROKERS)
    try:
        ours = [t for t in admin.list_topics() if t.startswith((f"it-{uid}-", f"it-alerts-{uid}-"))]
        if ours:
            admin.delete_topics(ours)
    finally:
        admin.close()


def _start(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, "worker", "--without-web", "-l", "info"],
        cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)  # the process group we started, by its id
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_sigkill_between_routing_and_delivery(setup) -> None:
    names, receiver, env, tmp = setup
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=BROKERS)
    for i in range(N_ALERTS):
        producer.send(names["signals"], key=f"it-art-{i}".encode(),
                      value=json.dumps(_signal(i)).encode())
    producer.flush()
    producer.close()

    (tmp / "data").mkdir(exist_ok=True)
    log = tmp / "worker.log"
    first = _start(env, log)
    try:
        def ok_a() -> bool:
            if first.poll() is not None:
                raise AssertionError(f"worker exited; log:\n{log.read_text()[-3000:]}")
            return len(receiver.received("/a", ok_only=True)) >= N_ALERTS

        assert wait_until(ok_a, timeout=120), (
            f"A got {len(receiver.received('/a'))} requests; log:\n{log.read_text()[-3000:]}"
        )
        # Routing done (every alert on the topic), B still failing and retrying, C dead-lettered.
        routed = _consume_all(names["alerts"], N_ALERTS, timeout=30)
        assert len({json.loads(m.value)["alert_id"] for m in routed}) == N_ALERTS
        assert wait_until(lambda: len(receiver.received("/c")) >= N_ALERTS, timeout=30)
        assert len(receiver.received("/b")) >= N_ALERTS  # tried, refused
        time.sleep(3)  # let the ledger's changelog writes reach the broker
    finally:
        _stop(first, signal.SIGKILL)
    a_before = len(receiver.received("/a"))
    c_before = len(receiver.received("/c"))

    receiver.clear_script("/b")  # B recovers
    second = _start(env, log)
    try:
        def ok_b() -> bool:
            if second.poll() is not None:
                raise AssertionError(f"worker exited; log:\n{log.read_text()[-3000:]}")
            return len(receiver.received("/b", ok_only=True)) >= N_ALERTS

        assert wait_until(ok_b, timeout=120), f"log:\n{log.read_text()[-3000:]}"
        time.sleep(4)  # time for any wrong re-send to show up
    finally:
        _stop(second, signal.SIGTERM)

    a = Counter(_marker(r.body) for r in receiver.received("/a", ok_only=True))
    b = Counter(_marker(r.body) for r in receiver.received("/b", ok_only=True))
    expected = {f"Place{i}": 1 for i in range(N_ALERTS)}
    assert dict(a) == expected, "confirmed sends to A must never be repeated"
    assert len(receiver.received("/a")) == a_before
    assert dict(b) == expected, "pending sends to B must each arrive exactly once after restart"
    assert len(receiver.received("/c")) == c_before == N_ALERTS, "dead-lettered is final"

    letters = _consume_all(names["alerts-dlq"], N_ALERTS, timeout=30)
    assert len(letters) == N_ALERTS
    for m in letters:
        dl = json.loads(m.value)
        assert dl["reason"] == "delivery_failed" and "HTTP 401" in dl["error"]
        assert json.loads(dl["payload"])["subscription"] == "ops"
    assert {json.loads(json.loads(m.value)["payload"])["alert_id"] for m in letters} == {
        json.loads(m.value)["alert_id"] for m in routed
    }
