"""Detection speed on one core: articles/s, MB/s, peak memory, start-up time, worst case per KB.

    .venv/bin/python bench/bench_detect.py [--n 10000] [--corpus bench/out/corpus.jsonl]
    .venv/bin/python bench/bench_detect.py --worst-case-only
    .venv/bin/python bench/bench_detect.py --compare [--n 2000] [--rounds 3]

--compare measures the compiled detector (mypyc, the default) and pure Python
(``ESCALERT_NATIVE=0``) side by side in one run: each in its own process, alternating for
--rounds rounds on the same articles, best round of each, and the ratio between them.

The worst-case row: µs per KB on 100 KB adversarial bodies (no sentence punctuation, a long list
of names, one trigger over and over, thousands of different events), best of three runs each,
next to the corpus's µs per KB; linear detection keeps them within a small factor of it.

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


_NAMES = ["Russia", "Ukraine", "China", "Iran", "Israel", "Syria", "Turkey", "France", "Japan", "India",
          "Pakistan", "Egypt", "Lebanon", "Iraq", "Qatar", "Sudan", "Kyiv", "Moscow", "Tehran", "NATO"]
_TRIGGERS = ["attacked", "struck", "met with", "sanctioned", "threatened", "deployed troops to", "seized"]


def _repeat(parts: list[str], size: int, sep: str = " ") -> str:
    out, n, i = [], 0, 0
    while n < size:
        out.append(parts[i % len(parts)])
        n += len(out[-1]) + len(sep)
        i += 1
    return sep.join(out)


def worst_case_bodies(size: int = 100_000) -> dict[str, str]:
    """Adversarial bodies of about ``size`` characters (tests/detection/test_linearity.py has more)."""
    mixed = [w for pair in zip(_NAMES, _TRIGGERS * 3, strict=False) for w in pair] + ["near", "and", "in", "by"]
    events = [f"{_NAMES[i % 20]} {_TRIGGERS[i % 7]} {_NAMES[(i * 7 + 3) % 20]} on Monday." for i in range(400)]
    return {
        "unpunctuated": _repeat(mixed, size),
        "list_of_names": "Russia attacked " + _repeat(_NAMES, size, ", "),
        "repeated_trigger": _repeat(["Russia attacked Ukraine near Kyiv."], size),
        "many_events": _repeat(events, size),
    }


def worst_case(detect: object, article_type: object) -> dict[str, float]:
    """µs per KB of each worst-case body, best of three runs."""
    from datetime import UTC, datetime

    out = {}
    for name, body in worst_case_bodies().items():
        article = article_type(id=name, body=body, published_at=datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[operator]
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            detect(article)  # type: ignore[operator]
            best = min(best, time.perf_counter() - t)
        out[name] = round(best * 1e6 / (len(body.encode()) / 1000), 1)
    return out


def speed_only(corpus: Path, n: int) -> dict[str, object]:
    """Articles per second over the first ``n`` articles of ``corpus`` (after a warm-up)."""
    from schemas.article import Article
    from service.detection import BUILD, detect

    raw = [line for _, line in zip(range(n), corpus.open(encoding="utf-8"), strict=False)]
    articles = [Article.model_validate_json(line) for line in raw]
    for a in articles[:200]:
        detect(a)
    signals = 0
    t = time.perf_counter()
    for a in articles:
        signals += len(detect(a))
    elapsed = time.perf_counter() - t
    return {"detector": BUILD, "articles": len(articles), "signals": signals,
            "articles_per_s": round(len(articles) / elapsed), "us_per_article": round(elapsed / len(articles) * 1e6, 1)}


def compare(corpus: Path, n: int, rounds: int) -> dict[str, object]:
    """The compiled and the pure-Python detector on the same articles, alternating, each in a
    process of its own; the best round of each."""
    best: dict[str, dict[str, object]] = {}
    for _ in range(max(1, rounds)):
        for mode, native in (("compiled", "1"), ("pure_python", "0")):
            env = {**os.environ, "ESCALERT_NATIVE": native}
            out = subprocess.run(
                [sys.executable, __file__, "--speed-only", "--n", str(n), "--corpus", str(corpus)],
                check=True, capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800,
            )
            row = json.loads(out.stdout)
            if mode == "compiled" and not str(row["detector"]).startswith("compiled"):
                raise SystemExit(f"the compiled detector is not in use ({row['detector']}): run scripts/build_native.py")
            if mode not in best or int(row["articles_per_s"]) > int(best[mode]["articles_per_s"]):  # type: ignore[call-overload]
                best[mode] = row
    compiled, pure = best["compiled"], best["pure_python"]
    assert compiled["signals"] == pure["signals"], "the two builds disagree"
    return {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "articles": compiled["articles"], "rounds": rounds, **best,
        "compiled_speedup": round(int(compiled["articles_per_s"]) / int(pure["articles_per_s"]), 2),  # type: ignore[call-overload]
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus.jsonl")
    ap.add_argument("--worst-case-only", action="store_true", help="Only the 100 KB worst-case row.")
    ap.add_argument("--compare", action="store_true", help="Compiled and pure Python side by side.")
    ap.add_argument("--rounds", type=int, default=3, help="With --compare: alternating rounds (best of each).")
    ap.add_argument("--speed-only", action="store_true", help=argparse.SUPPRESS)  # one side of --compare
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    if args.speed_only:
        print(json.dumps(speed_only(args.corpus, args.n)))
        return 0
    if args.compare:
        if not args.corpus.exists() or sum(1 for _ in args.corpus.open()) < args.n:
            args.corpus.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), "--n", str(args.n),
                            "--out", str(args.corpus)], check=True)
        print(json.dumps(compare(args.corpus, args.n, args.rounds), indent=2))
        return 0
    if args.worst_case_only:
        from schemas.article import Article
        from service.detection import BUILD, detect

        detect(Article(id="warm", body="Russia attacked Ukraine."))
        print(json.dumps({"detector": BUILD, "worst_case_us_per_kb_100kb": worst_case(detect, Article)}, indent=2))
        return 0

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
        "corpus_us_per_kb": round(elapsed * 1e6 / (total_bytes / 1000), 1),
        "worst_case_us_per_kb_100kb": worst_case(detect, Article),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
