"""How long from a message acknowledged on Kafka to its card in the desk's page (headless Chromium).

    python bench/desk_live_latency.py [--count 30] [--interval 0.5]

Runs the desk in process (consumer group on fresh topics of the local broker, SQLite store in a
temporary directory, the API and page on a loopback port), opens the live feed in Debian's
chromium through Playwright, then publishes ``--count`` signals one at a time and measures, for
each, the time from the producer's acknowledgement to the card being in the page's DOM: consumer
poll, store transaction, server-sent event, rendering. Prints p50, p95 and max. Signals and events
take the same path (one more topic, the same consumer and feed).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--interval", type=float, default=0.5, help="Seconds between signals.")
    ap.add_argument("--brokers", default=os.environ.get("ESCALERT_TEST_BROKERS", "127.0.0.1:19092"))
    ap.add_argument("--browser", default="/usr/bin/chromium")
    args = ap.parse_args()

    import uvicorn
    from kafka import KafkaProducer
    from playwright.sync_api import sync_playwright

    from bench.desk_bench import seed_signals
    from service.config import load_settings
    from service.desk.commands import build
    from service.desk.settings import DeskSettings
    from service.stream.clients import ensure_topics

    app_id = f"bench-desk-{uuid.uuid4().hex[:8]}"
    settings = load_settings(brokers=[args.brokers], app_id=app_id, partitions=2, topics={
        k: f"{app_id}-{k}" for k in ("articles", "signals", "articles_dlq", "alerts", "alerts_dlq")})
    ensure_topics(settings)
    seed = seed_signals()[0]
    with tempfile.TemporaryDirectory(prefix="desk-latency-") as tmp, socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        desk = DeskSettings(url=f"sqlite:///{tmp}/desk.sqlite3", port=port)
        app, store, consumer = build(settings, desk, token="bench")
        consumer.start()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                               timeout_graceful_shutdown=1))
        threading.Thread(target=server.run, daemon=True).start()
        deadline = time.monotonic() + 30
        while not (server.started and consumer.ready.is_set()) and time.monotonic() < deadline:
            time.sleep(0.05)
        prod = KafkaProducer(bootstrap_servers=args.brokers, acks="all", linger_ms=0)
        lat: list[float] = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.browser, args=ARGS)
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/#/feed?show=signals")
                page.wait_for_selector("#live-state:has-text('Live')")
                for i in range(args.count):
                    sig = copy.deepcopy(seed)
                    sig["signal_id"] = f"sig-lat-{i:04d}-{uuid.uuid4().hex[:6]}"
                    sig["article"]["title"] = f"Latency probe {i}"
                    prod.send(settings.topics.signals, key=b"lat", value=json.dumps(sig).encode()).get(30)
                    t0 = time.perf_counter()
                    page.wait_for_selector(f"li[data-id='{sig['signal_id']}']", timeout=30_000)
                    lat.append((time.perf_counter() - t0) * 1000)
                    time.sleep(args.interval)
                browser.close()
        finally:
            prod.close()
            server.should_exit = True
            consumer.stop()
            store.close()
    lat.sort()
    print(f"topic -> card in the page: n={len(lat)}  p50 {statistics.median(lat):.0f} ms  "
          f"p95 {lat[int(0.95 * (len(lat) - 1))]:.0f} ms  max {lat[-1]:.0f} ms "
          f"(consumer poll_ms {DeskSettings().poll_ms})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
