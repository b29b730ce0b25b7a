"""Benchmark: deliver N alerts to a local webhook (Apprise ``json://``) with rate limits off.

Measures the whole delivery path of the worker (ledger, rendering, per-target concurrency,
Apprise in its worker threads, HTTP on loopback) against a real HTTP server in this process.
Bounded: N alerts (default 1,000), an overall timeout (default 120 s); loopback only.

    .venv/bin/python bench/bench_delivery.py [--alerts 1000] [--concurrency 4] [--targets 1]

The issue's target: 1,000 alerts in under 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.alert import Alert  # noqa: E402
from schemas.signal import Actor, Actors, ArticleRef, Evidence, Location, Signal  # noqa: E402
from service.alerts.delivery import AppriseSender, Deliverer  # noqa: E402
from service.alerts.ledger import Ledger  # noqa: E402
from service.alerts.settings import DeliverySettings  # noqa: E402


class Counter(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with Counter.lock:
            Counter.count += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def make_alert(i: int, target_ids: list[str]) -> Alert:
    sentence = f"Russia has massed troops near Place{i} on the border with Ukraine, officials said."
    t0 = datetime(2024, 4, 14, 12, tzinfo=UTC)
    signal = Signal(
        signal_id=f"b-{i}", article_id=f"a-{i}", type="MOBILIZE", mode="troops",
        modality="asserted",
        actors=Actors(source=[Actor(code="RUS", text="Russia")],
                      target=[Actor(code="UKR", text="Ukraine")]),
        location=Location(name=f"Place{i}", country="UKR"),
        event_date=date(2024, 4, 14) + timedelta(days=i % 30),
        intensity=-7, severity=4, confidence=0.9,
        evidence=Evidence(sentence=sentence, start=0, end=len(sentence), trigger="massed troops",
                          trigger_start=11, trigger_end=24),
        article=ArticleRef(id=f"a-{i}", title=f"Troops near Place{i}", source="Reuters",
                           url=f"https://news.example/{i}", published_at=t0),
        detector_version="bench",
    )
    return Alert(
        alert_id=f"bench-{i}", subscription="bench", kind="alert", group_key=f"g{i}",
        severity=4, title=f"MOBILIZE near Place{i}", signals=[signal], signal_count=1,
        source_count=1, matched=["subscription bench"], status="deliver", created_at=t0,
        target_ids=target_ids,
    )


async def run(n: int, concurrency: int, targets: int, timeout: float) -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    urls = {f"t{k}": f"json://127.0.0.1:{port}/hook{k}" for k in range(targets)}
    settings = DeliverySettings(rate_per_second=0, concurrency_per_target=concurrency,
                                max_attempts=3, backoff_initial=0.1)
    dead: list = []

    async def dlq(dl) -> None:
        dead.append(dl)

    deliverer = Deliverer(Ledger({}), AppriseSender(timeout=10), lambda s, t: urls.get(t), dlq,
                          settings, max_pending=n * targets)
    alerts = [make_alert(i, list(urls)) for i in range(n)]
    # Warm up Apprise (imports, plugin instances) outside the measurement.
    await deliverer.deliver(make_alert(-1, list(urls)))
    Counter.count = 0
    started = time.perf_counter()
    for a in alerts:
        await deliverer.submit(a)
    try:
        await asyncio.wait_for(deliverer.drain(), timeout=timeout)
    except TimeoutError:
        print(f"TIMEOUT after {timeout}s")
    elapsed = time.perf_counter() - started
    server.shutdown()
    sends = n * targets
    counts = deliverer.ledger.counts()
    print(f"alerts={n} targets={targets} concurrency_per_target={concurrency} rate_limit=off")
    print(f"elapsed_s={elapsed:.2f} sends_per_s={sends / elapsed:.0f} "
          f"received={Counter.count} sent={counts['sent']} failed={counts['failed']} "
          f"dead_letters={len(dead)}")
    print(f"target_under_10s={'yes' if elapsed < 10 and Counter.count == sends else 'NO'}")
    return 0 if Counter.count == sends else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--targets", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    if not 1 <= a.alerts <= 100_000:
        ap.error("--alerts must be 1..100000")
    return asyncio.run(run(a.alerts, a.concurrency, a.targets, a.timeout))


if __name__ == "__main__":
    sys.exit(main())
