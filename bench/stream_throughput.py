"""Benchmark of the stream worker against the local broker (not a test: it prints numbers).

    scripts/kafka.sh start
    .venv/bin/python bench/stream_throughput.py [--count 10000] [--rate 200] [--seconds 15]

Measures, on ~3 KB articles (the sample article with a varying paragraph, so none is a duplicate):

1. a plain aiokafka consumer that only reads the topic (the ceiling);
2. a Faust agent that does nothing per event (bench/_stream_noop_app.py);
3. one ``escalert worker`` with the real detector: articles/s in and signals/s out;
4. produce-to-signal latency p50/p95/p99 at a steady RATE articles/s for SECONDS;
5. the worker's peak resident memory (VmHWM), alone and with its detection processes;

and prints the worker's configuration (detect processes, batch size) and its CPU time per article
(worker process and detection processes: a figure other jobs on the machine disturb less).

Everything is bounded: COUNT articles, each phase has a time limit, and every process started
here is stopped by its PID. Topics get a unique prefix and are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SEED = REPO / "seeds" / "000_7c94694e4128f0a7.txt"


CORPUS: Path | None = None  # --corpus: articles from bench/make_corpus.py instead of the sample


def articles(n: int, tag: str, start: int = 0) -> list[tuple[bytes, bytes]]:
    from service.inputs import read_articles
    from service.stream.publish import wire_json

    if CORPUS is not None:
        from schemas.article import Article

        out = []
        with CORPUS.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i >= start + n:
                    break
                if i >= start:
                    a = Article.model_validate_json(line).model_copy(update={"id": f"{tag}-{i}"})
                    out.append((a.id.encode(), wire_json(a)))
        if len(out) < n:
            raise SystemExit(f"{CORPUS} has fewer than {start + n} articles")
        return out
    [parsed] = list(read_articles([str(SEED)]))
    base = parsed.article
    out = []
    for i in range(start, start + n):
        a = base.model_copy(update={"id": f"{tag}-{i}", "body": base.body + f"\n\nUpdate {tag}-{i}: officials said more talks were planned."})
        out.append((a.id.encode(), wire_json(a)))
    return out


def produce(brokers: str, topic: str, items: list[tuple[bytes, bytes]]) -> None:
    from kafka import KafkaProducer

    p = KafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=20, batch_size=256 * 1024,
                      compression_type=None)
    for k, v in items:
        p.send(topic, key=k, value=v)
    p.flush(timeout=120)
    p.close()


async def aiokafka_read(brokers: str, topic: str, n: int, limit: float) -> float:
    from aiokafka import AIOKafkaConsumer

    c = AIOKafkaConsumer(topic, bootstrap_servers=brokers, auto_offset_reset="earliest",
                         group_id=f"bench-raw-{uuid.uuid4().hex[:6]}", enable_auto_commit=False)
    await c.start()
    seen, first, deadline = 0, None, time.monotonic() + limit
    try:
        while seen < n and time.monotonic() < deadline:
            batch = await c.getmany(timeout_ms=500, max_records=5000)
            for msgs in batch.values():
                if msgs and first is None:
                    first = time.monotonic()
                seen += len(msgs)
        last = time.monotonic()
    finally:
        await c.stop()
    return seen / (last - first) if first and last > first else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as r:
        body = r.read().decode()
    return sum(float(ln.rsplit(" ", 1)[1]) for ln in body.splitlines()
               if ln.startswith(name) and ln[len(name)] in " {")


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def stop(proc: subprocess.Popen) -> None:
    from service.stream.demo import stop_process

    stop_process(proc)


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmHWM") / 1024


def family(pid: int) -> list[int]:
    """The worker and its children (the detection processes), from /proc."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.append(int(stat.parent.name))
    return pids


def rss_mb(pids: list[int]) -> float:
    return sum(_status_kb(p, "VmRSS") for p in pids) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (less sensitive than rates to other jobs on the machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brokers", default=os.environ.get("ESCALERT_TEST_BROKERS", "127.0.0.1:19092"))
    ap.add_argument("--count", type=int, default=10_000, help="articles per throughput phase (max 100000)")
    ap.add_argument("--rate", type=float, default=200.0, help="articles/s for the latency phase")
    ap.add_argument("--seconds", type=float, default=15.0, help="duration of the latency phase (max 120)")
    ap.add_argument("--limit", type=float, default=180.0, help="time limit of each phase, seconds")
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--processes", type=int, default=None,
                    help="ESCALERT_DETECT_PROCESSES for the worker (default: the setting's default)")
    ap.add_argument("--detector", default="service.detection:detect",
                    help="module:function; tests.stream.fakes:two_signals isolates the stream's own cost")
    ap.add_argument("--worker-only", action="store_true", help="skip the two baselines")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="JSONL corpus (bench/make_corpus.py) instead of copies of the sample article")
    ap.add_argument("--set", action="append", default=[], metavar="ESCALERT_X=V",
                    help="extra worker setting, e.g. --set ESCALERT_DEDUPE_WINDOW_SECONDS=0")
    args = ap.parse_args()
    global CORPUS
    CORPUS = args.corpus
    n = min(args.count, 100_000)
    seconds = min(args.seconds, 120.0)

    from service.config import load_settings
    from service.stream.clients import ensure_topics

    uid = uuid.uuid4().hex[:6]
    app_id = f"bench-{uid}"
    # memory:// for the dedupe table: the do-nothing agent it is compared with keeps no table on
    # disk, and every recorded figure of this benchmark was measured so; `--set
    # ESCALERT_STORE=rocksdb://` measures the shipped default.
    env_topics = {
        "ESCALERT_BROKERS": args.brokers, "ESCALERT_APP_ID": app_id,
        "ESCALERT_TOPICS__ARTICLES": f"{app_id}-articles", "ESCALERT_TOPICS__SIGNALS": f"{app_id}-signals",
        "ESCALERT_TOPICS__ARTICLES_DLQ": f"{app_id}-dlq", "ESCALERT_PARTITIONS": "4",
        "ESCALERT_STORE": "memory://", "ESCALERT_SESSION_TIMEOUT_SECONDS": "6",
        "ESCALERT_HEARTBEAT_INTERVAL_SECONDS": "1", "ESCALERT_LOG_LEVEL": "warning",
        "ESCALERT_BATCH_SIZE": str(args.batch_size), "ESCALERT_DETECTOR": args.detector,
        **({"ESCALERT_DETECT_PROCESSES": str(args.processes)} if args.processes is not None else {}),
        **dict(kv.split("=", 1) for kv in args.set),
    }
    settings = load_settings(
        brokers=args.brokers, app_id=app_id, partitions=4, store="memory://",
        topics={"articles": f"{app_id}-articles", "signals": f"{app_id}-signals", "articles_dlq": f"{app_id}-dlq"},
    )
    worker_settings = _worker_settings(env_topics)
    print(f"worker: detector {worker_settings.detector}, detect processes {worker_settings.detect_process_count} "
          f"(ESCALERT_DETECT_PROCESSES={worker_settings.detect_processes}), "
          f"batch {worker_settings.batch_size} within {worker_settings.batch_within_seconds} s, "
          f"batch intake {'on' if worker_settings.batch_intake else 'off'}, "
          f"{worker_settings.processing_guarantee}, dedupe window {worker_settings.dedupe_window_seconds:g} s, "
          f"store {worker_settings.store}; {os.cpu_count()} CPUs")
    ensure_topics(settings)
    topic = settings.topics.articles
    items = articles(n, "t")
    size = statistics.mean(len(v) for _, v in items)
    print(f"articles: {n} x {size / 1024:.1f} KB, topic {topic} (4 partitions), broker {args.brokers}")
    t0 = time.monotonic()
    produce(args.brokers, topic, items)
    print(f"produced in {time.monotonic() - t0:.1f} s")

    raw = noop_rate = 0.0
    if not args.worker_only:
        raw = asyncio.run(aiokafka_read(args.brokers, topic, n, args.limit))
        print(f"(b) plain aiokafka reader:       {raw:10.0f} articles/s")
        noop_rate = run_noop(args, topic, app_id, n)
        print(f"(a) Faust agent doing nothing:   {noop_rate:10.0f} articles/s")
    tmp = Path(tempfile.mkdtemp(prefix="escalert-bench-"))

    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")}, **env_topics,
           "ESCALERT_WEB_PORT": str(port), "ESCALERT_DATA_DIR": str(tmp / "data"), "PYTHONPATH": str(REPO)}
    worker = subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "worker"],
                              cwd=REPO, env=env, stdout=open(tmp / "worker.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    try:
        deadline = time.monotonic() + args.limit
        first_t = None
        done = 0.0
        peak_family = 0.0
        cpu0: dict[int, float] = {}
        is_ready = False
        while time.monotonic() < deadline and worker.poll() is None:
            pids = family(worker.pid)
            peak_family = max(peak_family, rss_mb(pids))
            is_ready = is_ready or ready(port)  # one request per poll once ready: polls cost the worker too
            if is_ready:
                done = metric(port, "escalert_articles_in_total")
                if done > 0 and first_t is None:
                    first_t, first_n = time.monotonic(), done
                    cpu0 = {p: cpu_seconds(p) for p in pids}
                if done >= n:
                    break
            time.sleep(0.25)
        last_t = time.monotonic()
        pids = family(worker.pid)
        cpu = {p: cpu_seconds(p) - cpu0.get(p, 0.0) for p in pids}
        sig = metric(port, "escalert_signals_out_total")
        rate = (done - first_n) / (last_t - first_t) if first_t and last_t > first_t else 0.0
        sig_rate = rate * sig / done if done else 0.0
        dead = metric(port, "escalert_dead_letters_total")
        print(f"(w) escalert worker ({args.detector}): {rate:6.0f} articles/s in, {sig_rate:.0f} signals/s out "
              f"({sig / max(done, 1):.1f} signals/article, {done:.0f} articles, {dead:.0f} dead letters)")
        if done > first_n:
            counted = done - first_n
            kids = sum(v for p, v in cpu.items() if p != worker.pid)
            print(f"    CPU per article: worker process {cpu.get(worker.pid, 0.0) / counted * 1e6:.0f} us, "
                  f"detection processes {kids / counted * 1e6:.0f} us ({len(pids) - 1} of them)")
        if noop_rate:
            print(f"    ratio worker / do-nothing Faust agent: {rate / noop_rate:.2f}")
        if raw:
            print(f"    ratio worker / plain aiokafka reader: {rate / raw:.2f}; do-nothing agent / reader: {noop_rate / raw:.2f}")

        before = buckets(port)
        lat = latency_phase(args.brokers, settings, args.rate, seconds, args.limit, args.detector,
                            start=n if CORPUS is not None else 0)
        after = buckets(port)
        inside = {le: after.get(le, 0) - before.get(le, 0) for le in after}
        if inside and max(inside.values()) > 0:
            qs = ", ".join(f"p{int(q * 100)} <= {bucket_quantile(inside, q) * 1000:.0f} ms" for q in (0.5, 0.95, 0.99))
            print(f"worker-side latency (message timestamp -> signals acked, histogram buckets): {qs}")
        if lat:
            q = statistics.quantiles(lat, n=100)
            print(f"latency at {args.rate:.0f} articles/s for {seconds:.0f} s ({len(lat)} articles): "
                  f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, "
                  f"max {max(lat) * 1000:.0f} ms")
        pids = family(worker.pid)
        peak_family = max(peak_family, rss_mb(pids))
        hwm = [peak_rss_mb(p) for p in pids]
        print(f"worker peak memory: {hwm[0]:.0f} MB (VmHWM); with its {len(pids) - 1} detection "
              f"process(es): {sum(hwm):.0f} MB (sum of each VmHWM), {peak_family:.0f} MB (largest "
              f"sampled sum of RSS)")
    finally:
        stop(worker)
        _cleanup(args.brokers, app_id)
    return 0


def _worker_settings(env: dict[str, str]) -> Any:
    """The settings the worker will run with (its environment, the defaults for the rest)."""
    from service.config import load_settings

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("ESCALERT_")}
    try:
        os.environ.update(env)
        return load_settings()
    finally:
        for k in env:
            os.environ.pop(k, None)
        os.environ.update(saved)


def buckets(port: int) -> dict[float, float]:
    """Cumulative counts of the worker's latency histogram, by upper bound."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as r:
        body = r.read().decode()
    out = {}
    for ln in body.splitlines():
        if ln.startswith("escalert_processing_latency_seconds_bucket{"):
            le = ln.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(ln.rsplit(" ", 1)[1])
    return out


def bucket_quantile(cum: dict[float, float], q: float) -> float:
    """Upper bound of the bucket holding quantile q (a bound, not an estimate)."""
    total = cum.get(float("inf"), max(cum.values()))
    for le in sorted(cum):
        if cum[le] >= q * total:
            return le
    return float("inf")


def run_noop(args: argparse.Namespace, topic: str, app_id: str, n: int) -> float:
    tmp = Path(tempfile.mkdtemp(prefix="escalert-bench-noop-"))
    out = tmp / "noop.json"
    noop = subprocess.Popen([sys.executable, str(REPO / "bench" / "_stream_noop_app.py"), args.brokers,
                             topic, f"{app_id}-noop", str(n), str(out)], cwd=tmp,
                            stdout=open(tmp / "noop.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    deadline = time.monotonic() + args.limit
    while not out.exists() and noop.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    stop(noop)
    if not out.exists():
        print(f"(do-nothing agent failed: see {tmp / 'noop.log'})")
        return 0.0
    d = json.loads(out.read_text())
    if "cpu" in d and d["n"] > 1:
        print(f"    do-nothing agent CPU per article: {d['cpu'] / (d['n'] - 1) * 1e6:.0f} us")
    return d["n"] / (d["last"] - d["first"])


def _read_signals(brokers: str, topic: str, total: int, seconds: float, out: Any, ready: Any) -> None:
    """In its own process (no GIL shared with the paced producer): first arrival time per article.

    Positioned at the end of the topic before the producer starts, so catching up with older
    signals never counts as latency.
    """
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(bootstrap_servers=brokers, group_id=None, enable_auto_commit=False,
                      consumer_timeout_ms=200, fetch_max_wait_ms=20)
    tps = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic) or ())]
    c.assign(tps)
    c.seek_to_end(*tps)
    for tp in tps:
        c.position(tp)
    ready.set()
    got: dict[str, float] = {}
    deadline = time.monotonic() + seconds
    while len(got) < total and time.monotonic() < deadline:
        for msg in c:
            aid = msg.key.decode() if msg.key else ""
            if aid.startswith("lat-") and aid not in got:
                got[aid] = time.time()
                if len(got) >= total:
                    break
    c.close()
    out.put(got)


def latency_phase(brokers: str, settings: Any, rate: float, seconds: float, limit: float,
                  detector: str, start: int = 0) -> list[float]:
    """Produce at a steady rate; latency = first signal of an article read - its send time.

    Only articles that have signals can be timed this way; which those are is found by running
    the same detector here first, so that the count of articles timed is checked against it
    (an article whose signals never came is reported, not silently left out). ``start``: where
    in the corpus to begin, past the articles the worker has already seen (the same text again
    would be a duplicate: no detection, no signals, a meaningless latency).
    """
    import multiprocessing as mp

    from kafka import KafkaProducer

    from service.inputs import parse_article
    from service.stream.processing import load_detector

    total = int(rate * seconds)
    items = articles(total, "lat", start=start)
    detect = load_detector(detector)
    expected = {k.decode() for k, v in items if detect(parse_article(v))}
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    ready = ctx.Event()
    reader = ctx.Process(target=_read_signals,
                         args=(brokers, settings.topics.signals, len(expected), seconds + min(limit, 60), queue, ready))
    reader.start()
    if not ready.wait(timeout=60):
        print("(latency: the signal reader did not start)")
        reader.terminate()
        return []
    sent: dict[str, float] = {}
    p = KafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=0)
    interval = 1.0 / rate
    start = time.monotonic()
    for i, (k, v) in enumerate(items):
        target = start + i * interval
        now = time.monotonic()
        if target > now:
            time.sleep(target - now)
        sent[k.decode()] = time.time()
        p.send(settings.topics.articles, key=k, value=v)
    p.flush(timeout=60)
    p.close()
    got = queue.get(timeout=seconds + min(limit, 60) + 30)
    reader.join(timeout=10)
    if len(expected) < total:
        print(f"(latency: {total - len(expected)} of {total} articles have no signals and are timed "
              "only by the worker-side histogram)")
    if len(got) < len(expected):
        print(f"(latency: only {len(got)} of the {len(expected)} articles with signals had them within the time limit)")
    return [got[a] - sent[a] for a in got if a in sent]


def _cleanup(brokers: str, app_id: str) -> None:
    try:
        from kafka.admin import KafkaAdminClient

        a = KafkaAdminClient(bootstrap_servers=brokers)
        doomed = [t for t in a.list_topics() if t.startswith(app_id)]
        if doomed:
            a.delete_topics(doomed)
        a.close()
    except Exception as exc:  # noqa: BLE001
        print(f"(cleanup of topics {app_id}-* failed: {exc})")


if __name__ == "__main__":
    sys.exit(main())
