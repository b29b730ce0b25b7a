"""Routing benchmark: 1,000 subscriptions, signals per second on one core (target >= 10,000/s).

Run: ``.venv/bin/python bench/bench_routing.py [--subs 1000] [--signals 200000] [--seconds 10]``

Measures, on one CPU (the process pins itself to one core where the OS allows):
1. ``Router.match`` alone (the indexed filters), signals/s, and the mean matches per signal;
2. ``NoiseControl.process`` (routing + grouping/throttling/digest buffering over a dict state),
   with ``flush_due`` every simulated second, signals/s and alerts decided.
Both loops are bounded by a signal count and a time limit. Pure CPU: no network, no Kafka.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.common import EventType  # noqa: E402
from schemas.signal import Actor, Actors, ArticleRef, Evidence, Location, Signal  # noqa: E402
from service.alerts.noise import NoiseControl  # noqa: E402
from service.alerts.router import Router  # noqa: E402
from service.alerts.subscriptions import build_set  # noqa: E402

TYPES = [t.value for t in EventType]
CODES = ["RUS", "UKR", "USA", "NATO", "CHN", "TWN", "ISR", "IRN", "PRK", "KOR", "IND", "PAK",
         "POL", "DEU", "FRA", "GBR", "TUR", "SYR", "EU", "UN", "OSCE", "SRB", "ARM", "AZE"]
WORDS = ["troops", "border", "summit", "sanctions", "missile", "drills", "ceasefire", "talks",
         "embargo", "warships", "blockade", "drone"]
T0 = datetime(2024, 4, 14, 12, 0, tzinfo=UTC)


def make_subs(n: int, rng: random.Random, narrow: bool = False):
    """Random filters; ``narrow``: every subscription names 1-2 types and 1-2 actors (a few
    matches per signal, as with real desks), otherwise ~50 of 1,000 match each signal."""
    subs = []
    for i in range(n):
        f: dict = {}
        if narrow:
            f["types"] = rng.sample(TYPES, rng.randint(1, 2))
            f["actors"] = rng.sample(CODES, rng.randint(1, 2))
        elif rng.random() < 0.8:
            f["types"] = rng.sample(TYPES, rng.randint(1, 4))
        if rng.random() < 0.5:
            f["min_severity"] = rng.randint(2, 5)
        if not narrow and rng.random() < 0.6:
            f["actors"] = rng.sample(CODES, rng.randint(1, 3))
        if rng.random() < 0.3:
            f["countries"] = rng.sample(CODES[:16], rng.randint(1, 2))
        if rng.random() < 0.25:
            f["keywords"] = rng.sample(WORDS, rng.randint(1, 2))
        s: dict = {"name": f"sub{i}", "urls": [f"json://127.0.0.1:9/{i}"], "filters": f,
                   "group_wait": rng.choice(["0s", "30s", "5m"])}
        if rng.random() < 0.1:
            s["digest"] = {"every": "hourly"}
        subs.append(s)
    return build_set({"subscriptions": subs}, environ={})


def make_signals(n: int, rng: random.Random) -> list[Signal]:
    out = []
    for i in range(n):
        w = rng.choice(WORDS)
        sentence = f"Officials said {rng.choice(CODES)} moved {w} near the area on Tuesday."
        t = sentence.index(w)
        out.append(Signal(
            signal_id=f"s{i}", article_id=f"a{i // 3}", type=rng.choice(TYPES),
            modality=rng.choice(["asserted", "asserted", "scheduled", "speculative"]),
            actors=Actors(source=[Actor(code=c, text=c) for c in rng.sample(CODES, rng.randint(1, 2))],
                          target=[Actor(code=c, text=c) for c in rng.sample(CODES, 1)]),
            location=Location(name="x", country=rng.choice(CODES[:16])) if rng.random() < 0.7 else None,
            event_date=date(2024, 4, 14) + timedelta(days=rng.randint(0, 5)),
            intensity=-5.0, severity=rng.randint(1, 5), confidence=0.8,
            evidence=Evidence(sentence=sentence, start=0, end=len(sentence), trigger=w,
                              trigger_start=t, trigger_end=t + len(w)),
            article=ArticleRef(id=f"a{i // 3}", title="Headline", source=f"outlet{i % 40}",
                               url=f"https://n.example/{i}", published_at=T0),
            detector_version="bench"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subs", type=int, default=1000)
    ap.add_argument("--signals", type=int, default=200_000, help="upper bound per measurement")
    ap.add_argument("--seconds", type=float, default=10.0, help="time bound per measurement")
    ap.add_argument("--distinct", type=int, default=5000, help="distinct signals, cycled")
    ap.add_argument("--narrow", action="store_true",
                    help="narrow subscriptions (1-2 types and 1-2 actors each)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rng = random.Random(42)
    t = time.perf_counter()
    subs = make_subs(args.subs, rng, args.narrow)
    router = Router(subs)
    print(f"subscriptions: {args.subs}{' narrow' if args.narrow else ''} (index built in {time.perf_counter() - t:.2f} s)")
    signals = make_signals(args.distinct, rng)

    # 1. routing alone
    n = matches = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    while n < args.signals and (n % 256 or time.perf_counter() < deadline):
        matches += len(router.match(signals[n % len(signals)]))
        n += 1
    el = time.perf_counter() - start
    print(f"routing (Router.match): {n} signals in {el:.2f} s = {n / el:,.0f} signals/s on one core; "
          f"{matches / n:.1f} matching subscriptions per signal")

    # 2. routing + noise control, simulated clock (1 signal per ms), flush every simulated second
    nc = NoiseControl(subs, {}, clock=lambda: T0)
    n = alerts = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    now = T0
    while n < args.signals and (n % 256 or time.perf_counter() < deadline):
        s = signals[n % len(signals)]
        s2 = s.model_copy(update={"signal_id": f"{s.signal_id}-{n}"})
        alerts += len(nc.process(s2, now))
        n += 1
        now += timedelta(milliseconds=1)
        if n % 1000 == 0:
            alerts += len(nc.flush_due(now))
    el = time.perf_counter() - start
    print(f"routing + noise control (NoiseControl.process): {n} signals in {el:.2f} s = "
          f"{n / el:,.0f} signals/s ({n * len(nc.stats) and sum(c['matched'] for c in nc.stats.values()) / el:,.0f}"
          f" subscription matches/s); {alerts} alerts decided; {len(nc.state)} state entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
