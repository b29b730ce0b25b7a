"""``escalert demo`` against the shared broker: plain output off a terminal, alerts at INFO in
the worker log, and none of its topics left behind after SIGTERM.

Needs the broker on ESCALERT_TEST_BROKERS (default 127.0.0.1:19092): skipped without it, a
failure with ESCALERT_REQUIRE_KAFKA=1. The demo's own names are unique per run (demo-<run>-*).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

WORKER_LOG = Path(__file__).resolve().parents[2] / ".local" / "demo-worker.log"

REPO = Path(__file__).resolve().parents[2]
BROKERS = os.environ.get("ESCALERT_TEST_BROKERS", "127.0.0.1:19092")
ESC = "\x1b["

pytestmark = pytest.mark.kafka  # a real broker (its own / the shared one)


def _broker_or_skip() -> None:
    host, _, port = BROKERS.split(",")[0].rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        if os.environ.get("ESCALERT_REQUIRE_KAFKA") == "1":
            pytest.fail(f"no Kafka broker at {BROKERS}")
        pytest.skip(f"no Kafka broker at {BROKERS}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pump(stream, tag: str, out: queue.Queue) -> None:
    for raw in iter(stream.readline, b""):
        out.put((tag, raw.decode("utf-8", "replace")))


def _topics() -> set[str]:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=BROKERS, request_timeout_ms=15000)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


@pytest.mark.parametrize("how", [[], ["--ingest"]], ids=["publish", "ingest"])
def test_demo_output_is_plain_alerts_are_info_and_its_topics_are_deleted_on_sigterm(tmp_path, how):
    _broker_or_skip()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("001_korea_talks.txt", "002_sahel_junta.txt", "004_south_china_sea.txt"):
        shutil.copy(REPO / "seeds" / name, seeds / name)
    # Alerts to the console only (the example's file target would write into the repository).
    subs = tmp_path / "subscriptions.yaml"
    subs.write_text("subscriptions:\n  - name: local\n    urls: [escalertconsole://]\n    group_wait: 0s\n")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")},
        "ESCALERT_BROKERS": BROKERS,
        "ESCALERT_WEB_PORT": str(_free_port()),
        "ESCALERT_ALERTS_SUBSCRIPTIONS": str(subs),
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "demo", "--seeds", str(seeds), *how],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: queue.Queue = queue.Queue()
    for stream, tag in ((proc.stdout, "out"), (proc.stderr, "err")):
        threading.Thread(target=_pump, args=(stream, tag, lines), daemon=True).start()
    seen: list[tuple[str, str]] = []
    run = None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not any(t == "out" and "ALERT" in s for t, s in seen):
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                assert proc.poll() is None, "".join(s for _, s in seen)
            match = re.search(r"topics ready: demo-([0-9a-f]+)-articles", seen[-1][1]) if seen else None
            run = run or (match and match.group(1))
        assert run, "".join(s for _, s in seen)
        assert any(t == "out" and "ALERT" in s for t, s in seen), "no alert in 180 s:\n" + "".join(
            s for _, s in seen)
        assert any(f"demo-{run}-" in t for t in _topics())
        # The alert on the topic comes before its delivery to the console: wait for that too.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "mode.redirect" not in WORKER_LOG.read_text(errors="replace"):
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    time.sleep(1)  # let the pump threads drain the pipes
    while not lines.empty():
        seen.append(lines.get())
    text = "".join(s for _, s in seen)
    assert "deleted the demo's" in text, text
    if how:
        assert "ingesting 3 article(s)" in text and "stopping the ingester" in text, text
    left = sorted(t for t in _topics() if f"demo-{run}-" in t)
    assert left == [], left
    assert ESC not in text
    log = WORKER_LOG.read_text(errors="replace")
    assert ESC not in log
    assert re.search(r"\[INFO\] mode\.redirect: .*", log), log[-3000:]
    assert "[WARNING] mode.redirect" not in log
