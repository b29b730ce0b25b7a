"""From an item appearing in a feed to its signals on ``signals``: the worker with
``ESCALERT_INGEST_SOURCES`` against a feed on loopback, items added one at a time.

    .venv/bin/python bench/ingest_latency.py [--items 5] [--interval 10] [--brokers 127.0.0.1:19092]

Prints each item's latency next to the feed's poll interval (the target is interval + 2 s at
most: an item waits for the next poll, then fetch, extraction, Kafka and detection). Needs the
local broker (scripts/kafka.sh start); uses its own app id and topics, deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ingest.fixtures import FixtureServer, page, rss  # noqa: E402

SENTENCES = [
    "Russian troops massed near the border with Ukraine on Sunday, officials in Kyiv said.",
    "Officials from the United States and Russia will meet in Geneva on January 10, a senior official said.",
    "Armed men attacked a police checkpoint in northern Baghlan province on Monday, killing two officers.",
    "Washington imposed sanctions on Friday on four vessels and a Hong Kong-based company.",
    "North Korea fired two ballistic missiles into the sea off its east coast on Tuesday, Seoul said.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=5)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--brokers", default="127.0.0.1:19092")
    args = ap.parse_args()
    from kafka import KafkaConsumer

    run = uuid.uuid4().hex[:8]
    app = f"bench-ingest-{run}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")},
           "PYTHONPATH": str(REPO), "ESCALERT_BROKERS": args.brokers, "ESCALERT_APP_ID": app,
           "ESCALERT_TOPICS__ARTICLES": f"{app}-articles", "ESCALERT_TOPICS__SIGNALS": f"{app}-signals",
           "ESCALERT_TOPICS__ARTICLES_DLQ": f"{app}-dlq", "ESCALERT_TOPICS__INGEST_STATE": f"{app}-state",
           "ESCALERT_TOPICS__INGEST_DLQ": f"{app}-ingest-dlq", "ESCALERT_PARTITIONS": "2",
           "ESCALERT_WEB_PORT": str(_free_port())}
    server = FixtureServer().start()
    items: list[tuple[str, str, str]] = []
    server.routes["/feed.rss"] = (200, {}, rss(server.base, items))
    with tempfile.TemporaryDirectory() as tmp:
        env["ESCALERT_DATA_DIR"] = str(Path(tmp) / "data")
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(f"limits: {{per_host_interval_seconds: 0}}\nsources:\n  - name: bench\n"
                           f"    url: {server.base}/feed.rss\n    interval_seconds: {args.interval}\n")
        env["ESCALERT_INGEST_SOURCES"] = str(sources)
        worker = subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "worker"],
                                  env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        consumer = KafkaConsumer(bootstrap_servers=args.brokers, group_id=None, auto_offset_reset="earliest",
                                 enable_auto_commit=False, consumer_timeout_ms=200)
        try:
            deadline = time.monotonic() + 120
            while f"{app}-signals" not in consumer.topics() and time.monotonic() < deadline:
                time.sleep(0.5)
            consumer.subscribe([f"{app}-signals"])
            time.sleep(args.interval + 5)  # the worker is up and has polled the empty feed once
            print(f"poll interval {args.interval:g} s; item -> first signal on signals:")
            for n in range(args.items):
                path = f"/a/{n}"
                server.routes[path] = (200, {"Content-Type": "text/html"}, page(f"Item {n}", [SENTENCES[n % len(SENTENCES)]] * 2))
                items.append((f"g{n}", path, f"Item {n}: {SENTENCES[n % len(SENTENCES)][:40]}"))
                server.routes["/feed.rss"] = (200, {}, rss(server.base, items))
                t0 = time.monotonic()
                seen = False
                while not seen and time.monotonic() - t0 < 3 * args.interval + 30:
                    for msg in consumer:
                        if json.loads(msg.value)["article"]["title"].startswith(f"Item {n}:"):
                            seen = True
                latency = time.monotonic() - t0
                print(f"  item {n}: {latency:5.1f} s" + ("" if seen else "  (no signal)"))
        finally:
            consumer.close()
            worker.terminate()
            worker.wait(timeout=60)
            server.stop()
            _delete_topics(args.brokers, app)


def _delete_topics(brokers: str, app: str) -> None:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=brokers)
    try:
        doomed = [t for t in admin.list_topics() if t.startswith(app)]
        if doomed:
            admin.delete_topics(doomed)
    finally:
        admin.close()


if __name__ == "__main__":
    main()
