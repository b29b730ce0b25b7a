"""The worker through a broker outage, and a broker that comes back wiped.

A broker of the test's own (scripts/kafka.sh on 127.0.0.1:29092/29093, a temporary home): it is
stopped, started again with its data, then wiped; the shared broker on 19092 is never touched.
The worker runs the shipped defaults (rocksdb:// table store included).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import REPO, free_port
from tests.stream.own_broker import own_broker

OUTAGE_POLLS = 40  # x 0.5 s: the stretch of outage whose log lines are counted
# Lines the worker may log in that stretch: one "waiting" line per 10 s plus the first of each
# kind of aiokafka/faust error. Without the repeat filter it logged ~1,500 lines in 20 s.
MAX_OUTAGE_LINES = 40


class Proc:
    """``escalert worker`` as a subprocess, its log in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.port = int(env["ESCALERT_WEB_PORT"])
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from service.cli import main; main()", "worker"],
            cwd=REPO, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        return self

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def ready(self) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/ready", timeout=3) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")
        except OSError:
            return 0, {}

    def wait_for(self, want: int, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited {self.proc.returncode} waiting for {what}:\n{self.tail()}")
            code, body = self.ready()
            if code == want:
                return body
            time.sleep(0.5)
        raise AssertionError(f"no {what} within {timeout} s:\n{self.tail()}")

    def wait_exit(self, timeout: float) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.lines()[-n:])

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture
def broker(tmp_path):
    b = own_broker(Path("/tmp") / f"escalert-outage-{uuid.uuid4().hex[:8]}", 29092, 29093)
    yield b
    b.run("stop", timeout=60)
    shutil.rmtree(b.home, ignore_errors=True)


def test_outage_is_quiet_and_not_ready_then_a_wiped_broker_makes_the_worker_restart(broker, tmp_path):
    broker.start()
    app_id = f"it-outage-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")},
        "ESCALERT_BROKERS": broker.address,
        "ESCALERT_APP_ID": app_id,
        "ESCALERT_DATA_DIR": str(tmp_path / "data"),
        "ESCALERT_WEB_PORT": str(free_port()),
        "ESCALERT_DETECTOR": "tests.stream.fakes:two_signals",  # the stream's behaviour, not detection
        "PYTHONPATH": str(REPO),
    }
    first = Proc(env, tmp_path / "worker-1.log").start()
    try:
        first.wait_for(200, 120, "readiness")
        _publish(broker.address, 5)

        # The outage: not ready, and a bounded number of log lines.
        broker.stop()
        body = first.wait_for(503, 30, "503 while the broker is down")
        assert body["broker"]["reachable"] is False
        before = len(first.lines())
        for _ in range(OUTAGE_POLLS):
            assert first.ready()[0] == 503
            time.sleep(0.5)
        logged = first.lines()[before:]
        assert len(logged) <= MAX_OUTAGE_LINES, "\n".join(logged[:60])
        assert any("waiting for the Kafka broker at 127.0.0.1:29092 (down for" in line
                   for line in first.lines())

        # Back with its data: ready again, same process.
        broker.start()
        body = first.wait_for(200, 90, "readiness after the broker came back")
        assert body["broker"]["reachable"] is True

        # Back wiped: one line saying why, exit status 3 (for the supervisor to restart it).
        broker.stop()
        assert broker.run("reset").returncode == 0
        broker.start()
        assert first.wait_exit(90) == 3, first.tail()
        reasons = [line for line in first.lines() if "is a new cluster" in line]
        assert len(reasons) == 1 and "data was wiped" in reasons[0]
    finally:
        first.kill()

    # What a supervisor does: start it again. It recreates the topics, drops the old cluster's
    # local tables and becomes ready on the new cluster.
    second = Proc(env, tmp_path / "worker-2.log").start()
    try:
        body = second.wait_for(200, 120, "readiness on the wiped broker")
        assert body["assigned"], body
        assert any("were built from Kafka cluster" in line for line in second.lines())

        # SIGTERM while the broker is down: a clean stop (aiokafka's fetcher used to hang it),
        # well within the grace period, not cut short by the deadline.
        broker.stop()
        second.wait_for(503, 30, "503 while the broker is down")
        assert second.proc is not None
        second.proc.send_signal(signal.SIGTERM)
        code = second.wait_exit(20 + 15)  # ESCALERT_SHUTDOWN_GRACE_SECONDS (20) and some slack
        assert code is not None, "SIGTERM did not stop the worker:\n" + second.tail()
        assert code == 0 and not any("did not stop within" in line for line in second.lines()), second.tail()
    finally:
        second.kill()


def _publish(address: str, n: int) -> None:
    """A few articles, so the dedupe table has state in the cluster that will be wiped."""
    from kafka import KafkaProducer

    prod = KafkaProducer(bootstrap_servers=address, acks="all")
    try:
        for i in range(n):
            prod.send("articles", key=f"o-{i}".encode(),
                      value=json.dumps({"id": f"o-{i}", "body": "Troops massed near the border."}).encode())
        prod.flush(timeout=60)
    finally:
        prod.close(timeout=10)
