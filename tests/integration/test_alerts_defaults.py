"""Alerts from the real worker (``escalert worker``) on the shipped defaults, to real receivers.

Marker ``kafka``. Nothing is overridden but what isolates a test on the shared broker and
machine (brokers, app id, topic names, web port, data dir, the file root) and the subscriptions file that
turns alerting on, so the tables use the default store (``rocksdb://``) like a deployment.
(The SIGKILL test also shortens the Kafka session: ``FAST_FAILOVER``, reason in conftest.py.)

- The sample set (``seeds/``) through detection, routing and delivery to an SMTP server
  (aiosmtpd), a JSON webhook and a file target; a restart repeats nothing and loses nothing.
- SIGKILL while alerts are being written to a file target: after the restart every alert is
  there, and the repeats are at most the sends in flight (``concurrency_per_target``), the
  bound the delivery guarantee promises (docs/delivery.md).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))
from receivers import HttpReceiver, SmtpReceiver, wait_until  # noqa: E402

from tests.integration.conftest import FAST_FAILOVER, Stream, Worker  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
N_KILL_SIGNALS = 300
N_LOAD_ARTICLES = 30_000


class Follow:
    """Every message of a topic so far, read with one consumer kept open between polls."""

    def __init__(self, stream: Stream, topic: str) -> None:
        from kafka import KafkaConsumer

        self.messages: list[Any] = []
        self._c = KafkaConsumer(
            topic, bootstrap_servers=stream.brokers, group_id=None, auto_offset_reset="earliest",
            enable_auto_commit=False, consumer_timeout_ms=300,
        )

    def poll(self) -> list[Any]:
        for msg in self._c:
            self.messages.append(msg)
        return self.messages

    def close(self) -> None:
        self._c.close()


def _deliverable(alerts: list[Any]) -> Counter:
    """Alert ids with status ``deliver`` on the alerts topic (a replayed alert counts once)."""
    ids = {json.loads(m.value)["alert_id"] for m in alerts if json.loads(m.value)["status"] == "deliver"}
    return Counter(ids)


def _file_lines(path: Path) -> list[dict[str, Any]]:
    """The alerts the file target has written whole. Polled while the worker appends, the file
    can end in a line still being written: only lines ended by a newline are read."""
    if not path.exists():
        return []
    whole = path.read_text(encoding="utf-8").split("\n")[:-1]
    return [json.loads(line) for line in whole if line.strip()]


def _subscriptions(tmp: Path, urls: list[str]) -> Path:
    subs = tmp / "subscriptions.yaml"
    subs.write_text(
        "subscriptions:\n  - name: all\n    group_wait: 0s\n    urls:\n"
        + "".join(f"      - '{u}'\n" for u in urls),
        encoding="utf-8",
    )
    return subs


def _file_root(tmp: Path) -> dict[str, str]:
    """The file target writes under the test's own directory, outside the default root (the
    worker's working directory, the repository): isolation, like the data dir."""
    return {"ESCALERT_ALERTS_FILE_ROOT": str(tmp)}


def _alive(w: Worker) -> None:
    assert w.proc is not None
    if w.proc.poll() is not None:
        raise AssertionError(f"worker {w.name} exited {w.proc.returncode}:\n{w.tail(80)}")


def test_seeds_reach_email_webhook_and_file_once_across_a_restart(make_stream, tmp_path):
    from service.stream.publish import publish_paths

    jsonl = tmp_path / "alerts.jsonl"
    with SmtpReceiver() as smtp, HttpReceiver() as http:
        subs = _subscriptions(tmp_path, [
            f"mailto://127.0.0.1:{smtp.port}?mode=insecure&from=escalert@example.com&to=ops@example.org",
            f"json://{http.address}/hook",
            f"escalertfile://{jsonl}",
        ])
        stream = make_stream(ESCALERT_ALERTS_SUBSCRIPTIONS=str(subs), **_file_root(tmp_path))
        w = stream.worker("w").start()
        w.wait_ready()
        summary = publish_paths(stream.settings(), [str(SEEDS)], progress=False)
        assert summary.sent > 0 and not summary.invalid
        follow = Follow(stream, stream.alerts)
        try:
            def delivered() -> bool:
                _alive(w)
                want = _deliverable(follow.poll())
                got = Counter(line["alert_id"] for line in _file_lines(jsonl))
                return (w.metric("escalert_articles_in_total") >= summary.sent and bool(want)
                        and set(got) == set(want) and len(smtp.messages) >= len(want)
                        and len(http.received("/hook")) >= len(want))

            assert wait_until(delivered, timeout=240, interval=1.0), w.tail(80)
            time.sleep(3)  # room for anything that would arrive twice before the restart
            before = _deliverable(follow.poll())
            assert w.metric("escalert_articles_in_total") == summary.sent  # every seed article

            w.stop()
            assert w.proc.returncode == 0, w.tail(80)
            w2 = stream.worker("w").start()  # the same worker again: same name, same data dir
            w2.wait_ready()
            # The ledger is recovered and scanned for pending work at start and every 5 s
            # (resume_interval): wait through several scans for anything wrongly sent again.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                _alive(w2)
                time.sleep(1)
            want = _deliverable(follow.poll())
        finally:
            follow.close()

        assert want == before, "no alert may appear or vanish across a clean restart"
        lines = _file_lines(jsonl)
        file_ids = Counter(line["alert_id"] for line in lines)
        assert file_ids == want, {"missing": set(want) - set(file_ids),
                                  "repeated": {k: n for k, n in file_ids.items() if n > 1}}
        # Email and webhook carry the rendered title; every alert's title, once each.
        titles = Counter(line["title"] for line in lines)
        assert Counter(m["message"]["Subject"] for m in smtp.messages) == titles
        assert Counter(r.json["message"]["title"] for r in http.received("/hook")) == titles
        assert all(r.status == 200 for r in http.received("/hook"))
        assert w2.metric("escalert_alert_deliveries_total", 'outcome="failed"') == 0


def _signal(i: int) -> dict[str, Any]:
    """A valid MOBILIZE signal about its own place and day: one alert each (no grouping)."""
    sentence = f"Russia has massed troops near Place{i} on the border with Ukraine, officials said."
    trig = "massed troops"
    ts = sentence.index(trig)
    day = f"2024-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}"
    return {
        "schema_version": 1, "signal_id": f"kill-sig-{i}", "article_id": f"kill-art-{i}",
        "type": "MOBILIZE", "mode": "troops", "modality": "asserted",
        "actors": {"source": [{"code": "RUS", "text": "Russia"}],
                   "target": [{"code": "UKR", "text": "Ukraine"}]},
        "location": {"name": f"Place{i}", "country": "UKR"},
        "event_date": day, "intensity": -7.0, "severity": 4, "confidence": 0.9,
        "evidence": {"field": "body", "sentence": sentence, "start": 0, "end": len(sentence),
                     "trigger": trig, "trigger_start": ts, "trigger_end": ts + len(trig)},
        "article": {"id": f"kill-art-{i}", "title": f"Troops massing near Place{i}",
                    "source": "Reuters", "url": f"https://news.example/kill/{i}",
                    "published_at": "2024-04-14T12:00:00Z"},
        "detector_version": "it",
    }


def _quiet_articles(n: int) -> list[tuple[bytes, bytes]]:
    body = "The committee met on Tuesday to discuss the budget for the coming year. " * 12
    return [(f"q-{i}".encode(), json.dumps({"id": f"q-{i}", "title": f"Minutes {i}",
                                            "body": f"[{i}] {body}"}).encode()) for i in range(n)]


def test_sigkill_repeats_at_most_the_sends_in_flight(make_stream, tmp_path):
    from kafka import KafkaProducer

    from service.alerts.settings import DeliverySettings

    in_flight = DeliverySettings().concurrency_per_target  # the documented bound, per target
    jsonl = tmp_path / "alerts.jsonl"
    subs = _subscriptions(tmp_path, [f"escalertfile://{jsonl}"])
    stream = make_stream(ESCALERT_ALERTS_SUBSCRIPTIONS=str(subs), **_file_root(tmp_path), **FAST_FAILOVER)
    # Articles without signals keep detection and the dedupe table busy while alerts go out,
    # like a worker under load: the producer then queues table writes behind many others, so
    # a ledger record lags its send (nothing repeats on an idle worker, whatever the code).
    stream.produce(_quiet_articles(N_LOAD_ARTICLES))
    prod = KafkaProducer(bootstrap_servers=stream.brokers, acks="all", linger_ms=10)
    for i in range(N_KILL_SIGNALS):
        prod.send(stream.signals, key=f"kill-art-{i}".encode(), value=json.dumps(_signal(i)).encode())
    prod.flush(timeout=60)
    prod.close(timeout=10)

    w = stream.worker("w").start()

    def some_written() -> bool:
        _alive(w)
        return len(_file_lines(jsonl)) >= N_KILL_SIGNALS // 3

    assert wait_until(some_written, timeout=180, interval=0.02), w.tail(80)
    w.kill()  # SIGKILL, mid-delivery
    assert w.proc.returncode == -9
    at_kill = len(_file_lines(jsonl))

    w2 = stream.worker("w").start()  # same name, same data dir

    def all_written() -> bool:
        _alive(w2)
        return len({line["alert_id"] for line in _file_lines(jsonl)}) >= N_KILL_SIGNALS

    assert wait_until(all_written, timeout=240, interval=0.5), w2.tail(80)
    time.sleep(8)  # through at least one more resume scan (every 5 s): late repeats show up
    ids = Counter(line["alert_id"] for line in _file_lines(jsonl))
    repeats = sum(n - 1 for n in ids.values())
    report = {"signals": N_KILL_SIGNALS, "load_articles": N_LOAD_ARTICLES, "written_at_kill": at_kill, "alerts": len(ids),
              "repeats": repeats, "bound": in_flight}
    print(f"\nSIGKILL at a file target: {json.dumps(report)}")  # the figures of docs/delivery.md
    assert len(ids) == N_KILL_SIGNALS, "every alert is delivered after the restart"
    assert max(ids.values()) <= 2, {k: n for k, n in ids.items() if n > 2}
    assert repeats <= in_flight, report
