"""``escalert ingest run`` against the real broker and a real HTTP server on loopback: articles
on the topic once each across a SIGKILL mid-poll and a restart; per-source health in the state
topic and in ``escalert ingest status``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.ingest.fixtures import FixtureServer, page, rss, slow
from tests.integration.conftest import REPO, free_port

N_ITEMS = 12


def _env(brokers: str, uid: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")}
    env.update({
        "PYTHONPATH": str(REPO), "ESCALERT_BROKERS": brokers, "ESCALERT_APP_ID": f"it-ingest-{uid}",
        "ESCALERT_TOPICS__ARTICLES": f"it-ingest-{uid}-articles",
        "ESCALERT_TOPICS__INGEST_STATE": f"it-ingest-{uid}-state",
        "ESCALERT_TOPICS__INGEST_DLQ": f"it-ingest-{uid}-dlq",
        "ESCALERT_PARTITIONS": "2",
    })
    return env


def _ingest(env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "ingest", *args],
                            env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)


def _read_committed(brokers: str, topic: str, expect: int, timeout: float = 30.0) -> list[dict]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=brokers, auto_offset_reset="earliest",
                             isolation_level="read_committed", enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=2000)
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for rec in consumer:
                got.append(json.loads(rec.value))
            if len(got) >= expect:
                # one more quiet read so a duplicate arriving late is seen too
                for rec in consumer:
                    got.append(json.loads(rec.value))
                break
    finally:
        consumer.close()
    return got


def test_sigkill_mid_poll_then_restart_publishes_every_item_once(brokers: str, tmp_path: Path) -> None:
    server = FixtureServer().start()
    try:
        b = server.base
        items = [(f"g{n}", f"/a/{n}", f"Story {n}") for n in range(N_ITEMS)]
        half = N_ITEMS // 2
        for n in range(N_ITEMS):
            # ~0.4 s a page, one at a time: a poll of the second half takes ~2.5 s, so the kill
            # lands inside it.
            server.routes[f"/a/{n}"] = slow(0.4, page(f"Story {n}").encode())
        sources = tmp_path / "sources.yaml"
        sources.write_text(f"limits: {{per_host_interval_seconds: 0, timeout_seconds: 10}}\n"
                           f"sources:\n  - name: world\n    url: {b}/feed.rss\n    interval_seconds: 10\n")
        uid = uuid.uuid4().hex[:8]
        env = _env(brokers, uid)
        log = tmp_path / "ingest.log"

        # 1. One complete poll of the first half, committed.
        server.routes["/feed.rss"] = (200, {}, rss(b, items[:half]))
        assert _ingest(env, "run", "--once", "-s", str(sources), log=log).wait(timeout=120) == 0, log.read_text()[-2000:]

        # 2. The feed grows; a new run is killed while it fetches the new pages.
        server.routes["/feed.rss"] = (200, {}, rss(b, items))
        first = _ingest(env, "run", "-s", str(sources), "--web-port", str(free_port()), log=log)
        try:
            deadline = time.monotonic() + 60
            while server.hits.get(f"/a/{half + 2}", 0) == 0 and time.monotonic() < deadline and first.poll() is None:
                time.sleep(0.05)
            assert server.hits.get(f"/a/{half + 2}"), log.read_text()[-2000:]
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        assert server.hits["/a/0"] == 1, "the first half was known: its pages are not fetched again"

        # 3. Restarted: the second half goes out once, the first half is not repeated.
        second = _ingest(env, "run", "-s", str(sources), "--web-port", str(free_port()), log=log)
        try:
            arts = _read_committed(brokers, env["ESCALERT_TOPICS__ARTICLES"], N_ITEMS, timeout=90)
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                code = second.wait(timeout=30)
            except subprocess.TimeoutExpired:
                second.kill()
                raise
        assert code == 0, log.read_text()[-2000:]
        ids = [a["id"] for a in arts]
        assert len(set(ids)) == N_ITEMS, f"lost: {N_ITEMS - len(set(ids))}"
        assert len(ids) == N_ITEMS, f"published twice: {len(ids) - len(set(ids))}"
        assert {a["title"] for a in arts} == {t for _g, _p, t in items}
        assert server.hits["/a/0"] == 1

        # Health survives in the state topic: `ingest status` reads it back.
        status = subprocess.run(
            [sys.executable, "-c", "from service.cli import main; main()", "ingest", "status", "--format", "json"],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=60,
        )
        assert status.returncode == 0, status.stderr
        health = json.loads(status.stdout)["world"]
        assert health["articles_published"] == N_ITEMS and health["consecutive_failures"] == 0
        assert health["last_success"] and health["items_seen"] >= N_ITEMS
    finally:
        server.stop()


def test_bad_sources_file_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text("sources:\n  - name: x\n    url: ftp://x.example/feed\n")
    proc = subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "ingest", "check", "-s", str(bad)],
                          cwd=REPO, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "sources.0.url" in proc.stderr and "Traceback" not in proc.stderr


pytestmark = pytest.mark.kafka


def test_two_instances_split_the_sources_and_poll_each_once(brokers: str, tmp_path: Path) -> None:
    server = FixtureServer().start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        b = server.base
        names = [f"feed-{n}" for n in range(8)]
        for name in names:
            server.routes[f"/{name}.rss"] = (200, {}, rss(b, []))
        sources = tmp_path / "sources.yaml"
        sources.write_text("sources: []\n")
        env = _env(brokers, uuid.uuid4().hex[:8])
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        for i, log in enumerate(logs):
            procs.append(_ingest({**env, "ESCALERT_LOG_LEVEL": "info"}, "run", "-s", str(sources),
                                 "--instance", f"i{i}", "--web-port", str(free_port()), log=log))
        # Both members of the group own a partition of the state topic (2 partitions) ...
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
                "owns state partitions [0]" in log.read_text(errors="replace")
                or "owns state partitions [1]" in log.read_text(errors="replace") for log in logs if log.exists()):
            time.sleep(0.2)
        owned = [log.read_text(errors="replace") for log in logs]
        assert all("owns state partitions [0]" in t or "owns state partitions [1]" in t for t in owned), owned
        # ... then the sources appear (hot reload): every feed is polled, by one instance only.
        sources.write_text("limits: {per_host_interval_seconds: 0}\nsources:\n" + "".join(
            f"  - name: {name}\n    url: {b}/{name}.rss\n    interval_seconds: 3600\n" for name in names))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(server.hits.get(f"/{n}.rss") for n in names):
            time.sleep(0.2)
        time.sleep(3)  # a second poll by the other instance would show up here
        assert {n: server.hits.get(f"/{n}.rss", 0) for n in names} == {n: 1 for n in names}
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.stop()
