#!/usr/bin/env python3
"""Event stage benchmark: consolidation signals/s on one core, and signal -> event latency.

    .venv/bin/python bench/bench_events.py throughput [--signals 50000] [--seconds 20]
    .venv/bin/python bench/bench_events.py latency [--rate 200] [--seconds 30] [--warmup 3] [--brokers 127.0.0.1:19092]

``throughput [--reports N] [--batch B]``: :class:`~service.events.consolidate.Consolidator` over (1) a
dict and (2) a dict that JSON-encodes every value written and decodes every value read, as a
Faust table's serializer does (no RocksDB, no changelog), plus Signal validation from JSON bytes
as the agent does, flushing the consolidator's writes every ``B`` signals as the agent does per
batch, with the cyclic garbage collector held off meanwhile as there (default: the agent's
largest batch, reached when signals arrive faster than they are consolidated; ``--batch 1``
writes every signal through). Signals per second of wall clock and of CPU time are printed: on a
shared machine the wall clock also counts the other jobs' turns. Synthetic signals: 8 types, 40 x 40
directed dyads, 10 outlets, a minute apart.

``latency``: a real worker (subprocess, own app id and topics, shipped defaults: rocksdb tables)
on the local broker; signals are produced straight onto its signals topic at ``--rate`` per
second; the time from a signal's send to the first ``events`` version that lists its article is
measured; p50/p95/p99/max printed. Topics are deleted at the end. Prints numbers, asserts nothing.

``worker [--signals 20000] [--reports 1]``: the event stage of a real worker (likewise), on a
backlog: the signals are produced onto the signals topic before the worker starts, then the
worker works them off. Printed: signals per second from the worker's readiness to the last
event version, and per second of the worker's CPU time (user + system, from ``/proc``), which
on a shared machine does not count the other jobs' turns. Both are timed from the first event
version on (the worker's start-up is not counted).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from faust.serializers import codecs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.signal import Signal  # noqa: E402
from service.events.agents import BATCH, gc_paused  # noqa: E402
from service.events.consolidate import Consolidator  # noqa: E402
from service.events.tables import JsonValues  # noqa: E402

TYPES = ["MOBILIZE", "THREATEN", "ASSAULT", "CONSULT", "SANCTION", "ACCUSE", "AID", "PROTEST"]
CODES = ["RUS", "UKR", "USA", "CHN", "TWN", "IRN", "ISR", "PRK", "KOR", "JPN", "IND", "PAK", "TUR",
         "SYR", "IRQ", "SAU", "YEM", "EGY", "ETH", "SDN", "VEN", "GUY", "SRB", "XKX", "ARM", "AZE",
         "GEO", "BLR", "POL", "DEU", "FRA", "GBR", "NATO", "EU", "UN", "MLI", "NER", "BFA", "TCD", "LBN"]
T0 = datetime(2025, 3, 1, tzinfo=UTC)


def signal_doc(i: int, rng: random.Random, t: datetime | None = None, reports: int = 1) -> dict:
    """Signal ``i``; with ``reports`` > 1, runs of that many signals report one story (same type
    and dyad, other outlets), as a story covered by several outlets."""
    story = random.Random(i // reports) if reports > 1 else rng
    kind = story.choice(TYPES)
    src, tgt = story.choice(CODES), story.choice(CODES)
    sentence = f"Report {i}: {src} and {tgt} in a {kind.lower()} event, officials said."
    return {
        "signal_id": f"b-{i}", "article_id": f"b-art-{i}", "type": kind, "mode": None,
        "modality": "asserted",
        "actors": {"source": [{"code": src, "text": src}], "target": [{"code": tgt, "text": tgt}]},
        "location": None, "event_date": None, "intensity": -5.0, "severity": 3, "confidence": 0.8,
        "evidence": {"sentence": sentence, "start": 0, "end": len(sentence), "trigger": "event",
                     "trigger_start": 0, "trigger_end": 5},
        "article": {"id": f"b-art-{i}", "title": "t", "source": f"outlet{i % 10}",
                    "published_at": (t or T0 + timedelta(minutes=i)).isoformat()},
        "detector_version": "bench",
    }


def table_state(codec: str) -> MutableMapping[str, Any]:
    """A dict that pays a table's serializer: values JSON-encoded on write, decoded on read, as
    the consolidation table does (:class:`~service.events.tables.JsonValues`; ``faust``: Faust's
    ``json`` codec, which a table with that value serializer also runs for its changelog)."""
    if codec == "table":
        return JsonValues({})
    json_codec = codecs.get_codec("json")

    class FaustJson(dict):
        def __setitem__(self, key: str, value: Any) -> None:
            super().__setitem__(key, json_codec.dumps(value))

        def __getitem__(self, key: str) -> Any:
            return json_codec.loads(super().__getitem__(key))

        def get(self, key: str, default: Any = None) -> Any:
            return self[key] if key in self else default  # noqa: SIM401 - dict.get skips __getitem__

    return FaustJson()


def throughput(args: argparse.Namespace) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(7)
    raw = [json.dumps(signal_doc(i, rng, reports=args.reports)).encode() for i in range(args.signals)]
    for label, make in (("dict state", dict), ("json-encoded state", lambda: table_state(args.codec))):
        state: MutableMapping[str, Any] = make()  # one at a time: a large heap slows the next run
        c = Consolidator(state, batched=True)
        cpu = time.process_time()
        start = time.perf_counter()
        n = versions = 0
        for first in range(0, len(raw), args.batch):
            if time.perf_counter() - start > args.seconds:
                break
            with gc_paused():  # as the agent does while it consolidates a batch
                for value in raw[first:first + args.batch]:
                    if c.add(Signal.model_validate_json(value)) is not None:
                        versions += 1
                    n += 1
                c.flush()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        events = sum(1 for k in state if k.startswith("e|"))
        del c, state
        gc.collect()
        # CPU time too: on a shared machine the wall clock also counts the other jobs' turns.
        print(f"{label:>20}: {n} signals in {elapsed:.2f} s = {n / elapsed:,.0f} signals/s "
              f"({n / cpu:,.0f} per CPU second; {versions} versions, {events} events, "
              f"batches of {args.batch}) on one core")


def _env(app_id: str, brokers: str, data: Path, port: int) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")},
            "ESCALERT_BROKERS": brokers, "ESCALERT_APP_ID": app_id,
            "ESCALERT_TOPICS__ARTICLES": f"{app_id}-articles", "ESCALERT_TOPICS__SIGNALS": f"{app_id}-signals",
            "ESCALERT_TOPICS__ARTICLES_DLQ": f"{app_id}-dlq", "ESCALERT_EVENTS_TOPIC": f"{app_id}-events",
            "ESCALERT_DATA_DIR": str(data), "ESCALERT_WEB_HOST": "127.0.0.1",
            "ESCALERT_WEB_PORT": str(port), "PYTHONPATH": str(ROOT)}


def percentiles(lat: list[float]) -> str:
    lat = sorted(lat)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

    return f"p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms, max {lat[-1] * 1000:.1f} ms"


class BenchWorker:
    """A worker subprocess with its own app id, topics and data directory on the local broker."""

    def __init__(self, brokers: str) -> None:
        self.brokers = brokers
        self.app_id = f"bench-events-{uuid.uuid4().hex[:8]}"
        self.data = Path(tempfile.mkdtemp(prefix="bench-events-"))
        self.port = 20000 + random.Random().randrange(20000)
        self.env = _env(self.app_id, brokers, self.data, self.port)
        self.process: subprocess.Popen[bytes] | None = None
        subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "topics"],
                       env=self.env, cwd=ROOT, check=True, capture_output=True)

    def start(self) -> None:
        log = (self.data / "worker.log").open("wb")
        self.process = subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "worker"],
                                        env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, seconds: float = 120) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.5)
        return False

    def cpu_seconds(self) -> float:
        """The worker process's user + system CPU time so far (not its children's)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_mb(self) -> float:
        """The worker process's peak resident memory (VmHWM), in MB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        from kafka.admin import KafkaAdminClient

        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        try:
            admin = KafkaAdminClient(bootstrap_servers=self.brokers)
            admin.delete_topics([t for t in admin.list_topics() if t.startswith(self.app_id)])
            admin.close()
        except Exception as exc:  # noqa: BLE001 - tidying the shared broker is best effort
            print(f"(could not delete the bench topics: {exc})")


def worker_stage(args: argparse.Namespace) -> None:
    from kafka import KafkaConsumer, KafkaProducer

    bench = BenchWorker(args.brokers)
    try:
        producer = KafkaProducer(bootstrap_servers=args.brokers, linger_ms=20, acks=1)
        rng = random.Random(11)
        now = datetime.now(UTC)
        ids = set()
        for i in range(args.signals):
            doc = signal_doc(i, rng, now + timedelta(milliseconds=i), reports=args.reports)
            ids.add(doc["article_id"])
            producer.send(f"{bench.app_id}-signals", key=doc["article_id"].encode(), value=json.dumps(doc).encode())
        producer.flush()
        producer.close()
        consumer = KafkaConsumer(f"{bench.app_id}-events", bootstrap_servers=args.brokers,
                                 auto_offset_reset="earliest", consumer_timeout_ms=200)
        bench.start()
        seen: set[str] = set()
        first = last = cpu0 = 0.0
        before_first = 0
        deadline = time.monotonic() + args.timeout
        while len(seen) < len(ids) and time.monotonic() < deadline:
            for msg in consumer:
                if not first:
                    # Timed from the first event version: the worker's start-up is not counted.
                    first, cpu0 = time.monotonic(), bench.cpu_seconds()
                seen.update(a["id"] for a in json.loads(msg.value)["articles"])
                if not before_first:
                    before_first = len(seen)
                last = time.monotonic()
                if len(seen) >= len(ids):
                    break
        cpu = bench.cpu_seconds() - cpu0
        peak = bench.peak_mb()
        consumer.close()
        done, wall = len(seen & ids) - before_first, last - first
        print(f"{len(ids)} signals on the backlog ({args.reports} per story); {len(seen & ids)} reached an "
              f"event version, the last {wall:.1f} s after the first")
        print(f"  {done / max(wall, 1e-9):,.0f} signals/s (wall clock), "
              f"{done / max(cpu, 1e-9):,.0f} per CPU second of the worker ({cpu:.1f} s); "
              f"worker peak memory {peak:.0f} MB (VmHWM)")
    finally:
        bench.stop()


def latency(args: argparse.Namespace) -> None:
    from kafka import KafkaConsumer, KafkaProducer

    bench = BenchWorker(args.brokers)
    app_id, data = bench.app_id, bench.data
    bench.start()
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()
    try:
        bench.wait_ready()
        consumer = KafkaConsumer(f"{app_id}-events", bootstrap_servers=args.brokers,
                                 auto_offset_reset="earliest", consumer_timeout_ms=200)
        # The reader has its partitions and their positions before the first signal is sent:
        # otherwise its own start (metadata, offset lookups) is timed with the first signals.
        ready_by = time.monotonic() + 30
        while not consumer.assignment() and time.monotonic() < ready_by:
            consumer.poll(timeout_ms=100)
        for tp in consumer.assignment():
            consumer.position(tp)

        def read() -> None:
            while not stop.is_set():
                for msg in consumer:
                    now = time.time()
                    for a in json.loads(msg.value)["articles"]:
                        seen.setdefault(a["id"], now)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        producer = KafkaProducer(bootstrap_servers=args.brokers, linger_ms=0, acks=1)
        producer.partitions_for(f"{app_id}-signals")  # its metadata too
        rng = random.Random(11)
        total = int(args.rate * args.seconds)
        start = time.monotonic()
        for i in range(total):
            due = start + i / args.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            doc = signal_doc(i, rng, datetime.now(UTC))
            sent[doc["article_id"]] = time.time()
            producer.send(f"{app_id}-signals", key=doc["article_id"].encode(), value=json.dumps(doc).encode())
        producer.flush()
        wait_until = time.monotonic() + 30
        while time.monotonic() < wait_until and len(seen.keys() & sent.keys()) < len(sent):
            time.sleep(0.2)
        stop.set()
        reader.join(timeout=5)
        timed = sorted((sent[k], seen[k] - sent[k]) for k in sent if k in seen)
        if not timed:
            print("no event versions seen; worker log:", data / "worker.log")
            return
        print(f"{len(sent)} signals at {args.rate}/s for {args.seconds}s; {len(timed)} reached an event version")
        print("signal -> event version: " + percentiles([d for _, d in timed]))
        first = timed[0][0]
        steady = [d for t, d in timed if t - first >= args.warmup]
        early = [d for t, d in timed if t - first < args.warmup]
        if steady and early and args.warmup > 0:
            print(f"  the same after the first {args.warmup:g} s: " + percentiles(steady))
            print(f"  the first {args.warmup:g} s alone: " + percentiles(early))
        slow = [round(t - first, 1) for t, d in timed if d > 0.1]
        if slow:
            print(f"  over 100 ms: {len(slow)} signals, sent between {slow[0]} s and {slow[-1]} s into the run")
    finally:
        stop.set()
        bench.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--signals", type=int, default=50_000)
    t.add_argument("--seconds", type=float, default=20.0)
    t.add_argument("--reports", type=int, default=1, help="outlets per story (1: every signal a new story)")
    t.add_argument("--batch", type=int, default=BATCH, help="signals between flushes (the agent's batch)")
    t.add_argument("--codec", choices=["table", "faust"], default="table",
                   help="table: the consolidation table's encoding; faust: Faust's json codec")
    lat = sub.add_parser("latency")
    lat.add_argument("--rate", type=float, default=200.0)
    lat.add_argument("--seconds", type=float, default=30.0)
    lat.add_argument("--warmup", type=float, default=3.0,
                     help="also report the signals sent after this many seconds (the worker's first seconds pay one-off costs)")
    lat.add_argument("--brokers", default="127.0.0.1:19092")
    w = sub.add_parser("worker")
    w.add_argument("--signals", type=int, default=20_000)
    w.add_argument("--reports", type=int, default=1, help="outlets per story (1: every signal a new story)")
    w.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the last event version")
    w.add_argument("--brokers", default="127.0.0.1:19092")
    args = p.parse_args()
    {"throughput": throughput, "latency": latency, "worker": worker_stage}[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
