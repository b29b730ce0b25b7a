"""Benchmarks of the desk: store ingest (signals/s) and API latency on a large store.

    python bench/desk_bench.py ingest [--count 50000] [--url URL]
    python bench/desk_bench.py api [--count 1000000] [--requests 400] [--url URL] [--only text]

``ingest`` times what the consumer does per message, from the bytes read off Kafka to the
committed transaction: validate the Signal JSON, build the rows, upsert them in batches of 2,000.
``api`` fills a store with ``--count`` signals (kept between runs in --dir, reused when it
already holds them), then times filtered pages of 50 through the API (FastAPI in process, JSON
encoding included): p50, p99 and max per filter. Synthetic signals are the seeds' signals with new
ids, actors from a pool of 40 codes and publication times spread over a year. Prints numbers;
asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CODES = ["RUS", "UKR", "USA", "CHN", "TWN", "NATO", "EU", "UN", "IRN", "ISR", "PSE", "LBN", "SYR",
         "TUR", "SRB", "XKX", "VEN", "GUY", "PRK", "KOR", "JPN", "PHL", "IND", "PAK", "AFG", "SDN",
         "ETH", "ERI", "SOM", "YEM", "SAU", "ARE", "EGY", "LBY", "MLI", "NER", "BFA", "FRA", "DEU",
         "GBR"]
TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
         "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"]


def seed_signals() -> list[dict]:
    from service.detection import detect
    from service.inputs import InputError, read_articles

    out = []
    for item in read_articles([str(REPO / "seeds")]):
        if not isinstance(item, InputError):
            out.extend(s.model_dump(mode="json") for s in detect(item.article))
    return out


def synthetic(seeds: list[dict], n: int, rng: random.Random) -> list[bytes]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        s = copy.deepcopy(seeds[i % len(seeds)])
        s["signal_id"] = f"sig-bench-{i:09d}"
        s["article_id"] = f"bench-{i // 5:08d}"
        s["type"] = rng.choice(TYPES)
        s["severity"] = rng.randint(1, 5)
        a, b = rng.sample(CODES, 2)
        s["actors"] = {"source": [{"code": a, "text": a, "kind": "state"}],
                       "target": [{"code": b, "text": b, "kind": "state"}]}
        if s.get("location"):
            s["location"]["country"] = rng.choice(CODES[:20])
        s["article"]["id"] = s["article_id"]
        s["article"]["published_at"] = (start + timedelta(seconds=rng.randrange(365 * 86400))).isoformat()
        out.append(json.dumps(s).encode())
    return out


def ingest(store, messages: list[bytes], batch: int = 2000, progress: bool = False) -> float:
    from service.desk.rows import signal_rows

    t0 = time.perf_counter()
    for i in range(0, len(messages), batch):
        store.ingest([signal_rows(m) for m in messages[i:i + batch]])
        if progress and (i // batch) % 50 == 0:
            print(f"  {i + batch:,} stored, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return time.perf_counter() - t0


def cmd_ingest(args: argparse.Namespace) -> None:
    from service.desk.store import Store

    rng = random.Random(7)
    msgs = synthetic(seed_signals(), args.count, rng)
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        url = args.url or f"sqlite:///{tmp}/desk.sqlite3"
        store = Store.open(url)
        store.clear()
        secs = ingest(store, msgs)
        print(f"store ingest ({store.dialect}): {args.count:,} signals in {secs:.1f} s = "
              f"{args.count / secs:,.0f} signals/s (validate + rows + upsert, batches of 2,000)")
        again = ingest(store, msgs[: min(len(msgs), 20_000)])
        print(f"re-ingest of {min(len(msgs), 20_000):,} already stored (a replay): "
              f"{min(len(msgs), 20_000) / again:,.0f} signals/s")
        store.close()


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def cmd_api(args: argparse.Namespace) -> None:
    from fastapi.testclient import TestClient

    from service.desk.api import DeskContext, create_app
    from service.desk.store import Store

    Path(args.dir).mkdir(parents=True, exist_ok=True)
    url = args.url or f"sqlite:///{Path(args.dir) / 'desk-1m.sqlite3'}"
    t0 = time.perf_counter()
    store = Store.open(url)
    print(f"store opened in {time.perf_counter() - t0:.1f} s (migrations included: building the "
          f"full-text index of stored rows happens here once)")
    have = store.counts()["signals"]
    if have != args.count:
        print(f"filling the store with {args.count:,} signals ({store.dialect})...", file=sys.stderr)
        store.clear()
        rng = random.Random(11)
        seeds = seed_signals()
        total = 0.0
        for i in range(0, args.count, 100_000):
            msgs = synthetic(seeds, min(100_000, args.count - i), rng)
            msgs = [m.replace(b"sig-bench-", f"sig-b{i // 100_000:03d}-".encode()) for m in msgs]
            total += ingest(store, msgs)
            print(f"  {i + len(msgs):,} stored ({total:.0f} s)", file=sys.stderr)
        print(f"filled: {args.count:,} signals in {total:.0f} s = {args.count / total:,.0f} signals/s")
    ctx = DeskContext(store=store, token="bench")
    rng = random.Random(3)
    queries = {
        "newest 50": lambda: {},
        "actor": lambda: {"actor": rng.choice(CODES)},
        "type + min_severity": lambda: {"type": rng.choice(TYPES), "min_severity": 4},
        "country + 30 days": lambda: {"country": rng.choice(CODES[:20]),
                                      "since": "2025-06-01T00:00:00Z", "until": "2025-07-01T00:00:00Z"},
        "actor + type + 90 days": lambda: {"actor": rng.choice(CODES), "type": rng.choice(TYPES),
                                           "since": "2025-03-01T00:00:00Z", "until": "2025-06-01T00:00:00Z"},
        "text word": lambda: {"q": rng.choice(["troops", "talks", "sanctions", "geneva"])},
        "text phrase": lambda: {"q": rng.choice(['"security guarantees"', '"prisoner swap"',
                                                 '"black sea"'])},
        "text prefix": lambda: {"q": rng.choice(["sanction*", "mobili*", "ceasefir*"])},
        "text, no match": lambda: {"q": rng.choice(["zanzibar", '"talks troops"'])},
        "text + actor + 90 days": lambda: {"q": rng.choice(["troops", "talks", "geneva"]),
                                           "actor": rng.choice(CODES),
                                           "since": "2025-03-01T00:00:00Z", "until": "2025-06-01T00:00:00Z"},
        "text + type + severity": lambda: {"q": rng.choice(["troops", "talks", "geneva"]),
                                           "type": rng.choice(TYPES), "min_severity": 4},
        "page 2 (cursor)": None,
    }
    with TestClient(create_app(ctx)) as client:
        for _ in range(5):
            client.get("/api/signals", params={"limit": 50})
        for name, make in queries.items():
            if args.only and args.only not in name:
                continue
            times = []
            for _ in range(args.requests):
                if make is None:
                    first = client.get("/api/signals", params={"actor": rng.choice(CODES), "limit": 50}).json()
                    params = {"cursor": first["next_cursor"], "limit": 50}
                else:
                    params = {**make(), "limit": 50}
                t0 = time.perf_counter()
                r = client.get("/api/signals", params=params)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
            print(f"GET /api/signals {name:26s} n={len(times):4d}  p50 {statistics.median(times):6.1f} ms"
                  f"  p99 {_percentile(times, 99):6.1f} ms  max {max(times):6.1f} ms")
    print(f"store: {store.counts()['signals']:,} signals ({store.dialect})")
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ingest")
    a.add_argument("--count", type=int, default=50_000)
    a.add_argument("--url", default=None, help="SQLAlchemy URL (default: a temporary SQLite file)")
    b = sub.add_parser("api")
    b.add_argument("--count", type=int, default=1_000_000)
    b.add_argument("--requests", type=int, default=300)
    b.add_argument("--dir", default=str(REPO / ".local" / "bench"))
    b.add_argument("--url", default=None)
    b.add_argument("--only", default=None, help="only the filters whose name contains this, e.g. text")
    args = ap.parse_args()
    {"ingest": cmd_ingest, "api": cmd_api}[args.cmd](args)


if __name__ == "__main__":
    main()
