"""Detection speed on one core: articles/s, MB/s, peak memory, start-up time.

    .venv/bin/python bench/bench_detect.py [--n 10000] [--corpus bench/out/corpus.jsonl]

Generates the corpus with bench/make_corpus.py when it is missing. Bounded: it processes at most
--n articles once (plus a 200-article warm-up), and prints its numbers; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STARTUP_SNIPPET = (
    "import time; t=time.perf_counter(); "
    "from service.detection import detect; from service.detection.lexicon import load_lexicon; "
    "load_lexicon(); print(time.perf_counter()-t)"
)


def startup_seconds(runs: int = 5) -> tuple[float, float]:
    """Median (imports + lexicon load) inside the process, and median whole-process wall time."""
    inner, outer = [], []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", STARTUP_SNIPPET], check=True, capture_output=True, text=True, cwd=ROOT)
        outer.append(time.perf_counter() - t)
        inner.append(float(out.stdout.strip()))
    inner.sort()
    outer.sort()
    return inner[len(inner) // 2], outer[len(outer) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus.jsonl")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    if not args.corpus.exists() or sum(1 for _ in args.corpus.open()) < args.n:
        args.corpus.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), "--n", str(args.n), "--out", str(args.corpus)], check=True)

    inner, outer = startup_seconds()

    from schemas.article import Article
    from service.detection import BUILD, detect

    raw = [line for _, line in zip(range(args.n), args.corpus.open(encoding="utf-8"), strict=False)]
    articles = [Article.model_validate_json(line) for line in raw]
    total_bytes = sum(len(a.body.encode()) + len(a.title.encode()) for a in articles)
    for a in articles[:200]:
        detect(a)

    signals = 0
    t = time.perf_counter()
    for a in articles:
        signals += len(detect(a))
    elapsed = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    by_type: dict[str, int] = {}
    for a in articles[:1000]:
        for s in detect(a):
            by_type[s.type.value] = by_type.get(s.type.value, 0) + 1

    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "detector": BUILD,
        "articles": len(articles),
        "avg_article_bytes": round(total_bytes / len(articles)),
        "signals": signals,
        "seconds": round(elapsed, 3),
        "articles_per_s": round(len(articles) / elapsed),
        "mb_per_s": round(total_bytes / elapsed / 1e6, 2),
        "us_per_article": round(elapsed / len(articles) * 1e6, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "startup_imports_and_lexicon_s": round(inner, 3),
        "startup_whole_process_s": round(outer, 3),
        "signals_by_type_first_1000": dict(sorted(by_type.items())),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
