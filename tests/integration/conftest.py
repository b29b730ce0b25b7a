"""Fixtures for tests against the real local Kafka broker (marker ``kafka``).

The broker address comes from ``ESCALERT_TEST_BROKERS`` (default 127.0.0.1:19092; start it with
``scripts/kafka.sh start``). Without a broker these tests are skipped, unless
``ESCALERT_REQUIRE_KAFKA=1`` (CI), where a missing broker is a failure.

Each test gets its own app id, topics, consumer group, data dir and web port, and runs workers
as subprocesses (``escalert worker``), so a test can SIGKILL one like an operator would.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BROKERS = os.environ.get("ESCALERT_TEST_BROKERS", "127.0.0.1:19092")


def _default_partitions() -> int:
    from service.config import Settings

    return int(Settings.model_fields["partitions"].default)


DEFAULT_PARTITIONS = _default_partitions()

# For tests that SIGKILL a worker: its partitions move to the next worker only once its Kafka
# session has expired. 6 s instead of the default 10 s shortens each such test by 4 s and
# changes nothing that the tests check (heartbeats must stay at most a third of the session).
FAST_FAILOVER = {"ESCALERT_SESSION_TIMEOUT_SECONDS": "6", "ESCALERT_HEARTBEAT_INTERVAL_SECONDS": "1"}


def _reachable(addr: str) -> bool:
    host, _, port = addr.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(scope="session")
def brokers() -> str:
    if not _reachable(BROKERS):
        msg = f"no Kafka broker at {BROKERS} (scripts/kafka.sh start, or set ESCALERT_TEST_BROKERS)"
        if os.environ.get("ESCALERT_REQUIRE_KAFKA") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return BROKERS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stream:
    """One isolated deployment: app id, topics, env for workers, and client helpers."""

    def __init__(self, brokers: str, name: str, tmp: Path, partitions: int = 4, **env: str) -> None:
        uid = uuid.uuid4().hex[:8]
        self.app_id = f"it-{name}-{uid}"
        self.tmp = tmp
        self.brokers = brokers
        self.partitions = partitions
        self.articles = f"{self.app_id}-articles"
        self.signals = f"{self.app_id}-signals"
        self.dlq = f"{self.app_id}-dlq"
        self.alerts = f"{self.app_id}-alerts"
        self.alerts_dlq = f"{self.app_id}-alerts-dlq"
        # Only what isolates this deployment on the shared broker (app id = consumer group and
        # changelog prefix, topic names); every other setting is the shipped default unless a
        # test passes its own, with its reason. The worker adds its web port and data dir.
        self.env = {
            "ESCALERT_BROKERS": brokers,
            "ESCALERT_APP_ID": self.app_id,
            "ESCALERT_TOPICS__ARTICLES": self.articles,
            "ESCALERT_TOPICS__SIGNALS": self.signals,
            "ESCALERT_TOPICS__ARTICLES_DLQ": self.dlq,
            "ESCALERT_TOPICS__ALERTS": self.alerts,
            "ESCALERT_TOPICS__ALERTS_DLQ": self.alerts_dlq,
            **({} if partitions == DEFAULT_PARTITIONS else {"ESCALERT_PARTITIONS": str(partitions)}),
            "ESCALERT_EVENTS_TOPIC": f"{self.app_id}-events",
            **env,
        }
        self.workers: list[Worker] = []

    def settings(self, **overrides: Any) -> Any:
        from service.config import load_settings

        saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("ESCALERT_") and k != "ESCALERT_TEST_BROKERS"}
        try:
            os.environ.update(self.env)
            return load_settings(**overrides)
        finally:
            for k in self.env:
                os.environ.pop(k, None)
            os.environ.update(saved)

    def create_topics(self) -> None:
        from service.stream.clients import ensure_topics

        for spec, status in ensure_topics(self.settings()):
            assert status in ("created", "exists", "exists (configs applied)"), (spec.name, status)

    def worker(self, name: str = "w", **env: str) -> Worker:
        w = Worker(self, name, env)
        self.workers.append(w)
        return w

    # -- clients -----------------------------------------------------------------------------------

    def producer(self) -> Any:
        from kafka import KafkaProducer

        return KafkaProducer(bootstrap_servers=self.brokers, acks="all", linger_ms=10,
                             max_request_size=4_000_000)

    def produce(self, items: list[tuple[bytes | None, bytes | None]]) -> list[Any]:
        """Send (key, value) pairs; return their RecordMetadata (topic, partition, offset)."""
        prod = self.producer()
        try:
            futs = [prod.send(self.articles, key=k, value=v) for k, v in items]
            prod.flush(timeout=60)
            return [f.get(timeout=60) for f in futs]
        finally:
            prod.close(timeout=10)

    def consume(self, topic: str, *, until: Any, timeout: float = 60.0, committed_only: bool = True) -> list[Any]:
        """Read ``topic`` from the beginning until ``until(messages)`` is true or ``timeout``."""
        from kafka import KafkaConsumer

        c = KafkaConsumer(
            topic, bootstrap_servers=self.brokers, group_id=None, auto_offset_reset="earliest",
            enable_auto_commit=False, consumer_timeout_ms=500,
            isolation_level="read_committed" if committed_only else "read_uncommitted",
            fetch_max_bytes=16_000_000, max_partition_fetch_bytes=8_000_000,
        )
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                for msg in c:
                    out.append(msg)
                if until(out):
                    break
            return out
        finally:
            c.close()

    def stop_all(self) -> None:
        for w in self.workers:
            w.stop()


class Worker:
    """``escalert worker`` as a subprocess with its own web port and data dir."""

    def __init__(self, stream: Stream, name: str, env: dict[str, str]) -> None:
        self.stream = stream
        self.name = name
        self.port = free_port()
        self.log_path = stream.tmp / f"worker-{name}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")},
            **stream.env,
            "ESCALERT_WEB_PORT": str(self.port),
            "ESCALERT_DATA_DIR": str(stream.tmp / f"data-{name}"),
            "PYTHONPATH": str(REPO),
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from service.cli import main; main()", "worker"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        return self

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=3) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError as e:
            return 0, str(e)

    def ready(self) -> dict[str, Any] | None:
        code, body = self.get("/health/ready")
        return json.loads(body) if code == 200 else None

    def wait_ready(self, timeout: float = 90.0, predicate: Any = None) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"worker {self.name} exited {self.proc.returncode}:\n{self.tail()}")
            state = self.ready()
            if state and (predicate is None or predicate(state)):
                return state
            time.sleep(0.3)
        raise AssertionError(f"worker {self.name} not ready in {timeout}s:\n{self.tail()}")

    def metric(self, name: str, labels: str = "") -> float:
        """Sum of a metric's samples (optionally only those whose label text contains ``labels``)."""
        code, body = self.get("/metrics")
        assert code == 200, body
        total = 0.0
        for line in body.splitlines():
            if line.startswith(name) and (line[len(name)] in " {") and labels in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def children(self) -> list[int]:
        """PIDs of the worker's child processes (its detection processes), from /proc."""
        assert self.proc is not None
        return children_of(self.proc.pid)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def gone(pids: list[int], timeout: float = 20.0) -> bool:
    """True once none of ``pids`` is alive (zombies count as gone), polling up to ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(pid)
        if not alive or time.monotonic() >= deadline:
            return not alive
        time.sleep(0.2)


@pytest.fixture
def make_stream(brokers: str, tmp_path: Path, request: Any) -> Iterator[Any]:
    made: list[Stream] = []

    def factory(partitions: int = 4, **env: str) -> Stream:
        name = request.node.name.split("[")[0].removeprefix("test_")[:20].replace("_", "-")
        s = Stream(brokers, name, tmp_path, partitions, **env)
        s.create_topics()
        made.append(s)
        return s

    yield factory
    for s in made:
        s.stop_all()
    _delete_topics(brokers, made)


def _delete_topics(brokers: str, streams: list[Stream]) -> None:
    """Keep the shared broker tidy; failures here never fail a test."""
    try:
        from kafka.admin import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=brokers)
        names = set(admin.list_topics())
        doomed = [t for s in streams for t in names if t.startswith(s.app_id)]
        if doomed:
            admin.delete_topics(doomed)
        admin.close()
    except Exception:  # noqa: BLE001
        pass
