"""Ingest benchmark: page extraction rate on one core (trafilatura's own cost shown apart), and
polling many feeds in one process from a fixture server on loopback (memory and time).

    .venv/bin/python bench/bench_ingest.py [--pages 500] [--repeat 3] [--feeds 1000] [--items 10]
        [--html-dir DIR] [--extract-only]

Loopback only; every loop is bounded by its count. The Kafka writer is replaced by one that
counts, so the numbers are the ingester's own (Kafka's cost is the stream benchmark's subject).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.ingest import canon  # noqa: E402
from service.ingest.extract import extract_page, without_leading_title  # noqa: E402
from service.ingest.items import Candidate, Poll  # noqa: E402
from service.ingest.runner import Ingester, SourcesReloader  # noqa: E402
from service.ingest.state import StateView  # noqa: E402
from tests.ingest.fixtures import PARAGRAPHS, FixtureServer, furnished_page, rss  # noqa: E402


def _pages(n: int) -> list[bytes]:
    # ~2 KB of article text inside ~46 KB of page furniture (scripts, navigation, related links),
    # about what a news site serves; varied so nothing is cached.
    paras = PARAGRAPHS * 4
    return [furnished_page(f"Story {i}", [f"{p} ({i})" for p in paras]).encode()
            for i in range(n)]


def _trafilatura_plain(html: bytes, url: str) -> object:
    """The reference: trafilatura's own call with the ingester's choices (no comments, no tables,
    fast) and nothing else: no pruning first, options built per call."""
    import trafilatura

    return trafilatura.bare_extraction(html, url=url, include_comments=False, include_tables=False, fast=True)


def _trafilatura_as_called(html: bytes, url: str) -> object:
    """The extractor's own cost inside the ingester: the same call as ``extract_page`` makes."""
    import trafilatura

    from service.ingest.extract import PRUNE_XPATH, extraction_options

    return trafilatura.bare_extraction(html, options=extraction_options(url), prune_xpath=PRUNE_XPATH)


def _whole_path(html: bytes, url: str, view: StateView) -> object:
    """What the ingester does with a fetched page on its CPU: decode and extract (extract_page),
    drop the repeated headline, the canonical id, the language, the content hash, the Article
    JSON and its state records (Poll.add_article)."""
    got = extract_page(html, url=url)
    title = "Story"
    text = without_leading_title(got.text, title) if got else ""
    cand = Candidate("bench", url, url, title, "", None, "Bench")
    poll = Poll("articles", "bench")
    poll.add_article(view, canon.article_id(url), cand, title=title, text=text, text_source="page")
    return poll


def _cpu_per_page(fn, pages: list[bytes]) -> float:  # type: ignore[no-untyped-def]
    t0 = time.process_time()
    for i, html in enumerate(pages):
        fn(html, f"https://x.example/story/{i}?utm_source=rss")
    return (time.process_time() - t0) / len(pages)


def bench_extract(pages: list[bytes], label: str, repeat: int) -> None:
    """CPU time per page (one core) of the three stages, measured in turns within one process
    (pass after pass, median kept) so a load that comes and goes on the machine falls on all
    three alike; the ratio whole path / extractor is the ingester's own cost."""
    from service.ingest.language import detect_language

    detect_language("warm up: the language model loads once per process " * 4)  # ~0.3 s, not per page
    view = StateView()
    stages = {
        "trafilatura, plain call (reference)": _trafilatura_plain,
        "trafilatura as the ingester calls it": _trafilatura_as_called,
        "whole path (extract, ids, language, JSON)": lambda h, u: _whole_path(h, u, view),
    }
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(repeat):
        for name, fn in stages.items():
            times[name].append(_cpu_per_page(fn, pages))
    size = sum(map(len, pages)) / len(pages)
    print(f"extraction: {len(pages)} pages of {size / 1024:.1f} KB HTML ({label}), median of {repeat} passes")
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, t in med.items():
        print(f"  {name:44s} {1 / t:7.0f} pages/s  ({1e3 * t:.2f} ms CPU/page)")
    alone, whole = med["trafilatura as the ingester calls it"], med["whole path (extract, ids, language, JSON)"]
    print(f"  whole path / extractor alone: {whole / alone:.2f} (same run)")


def _html_dir(path: str, limit: int) -> list[bytes]:
    files = sorted(p for p in Path(path).iterdir() if p.suffix in (".html", ".htm"))[:limit]
    return [p.read_bytes() for p in files]


class CountingWriter:
    def __init__(self) -> None:
        self.messages = 0

    def commit(self, messages: list[tuple[str, bytes, bytes]]) -> None:
        self.messages += len(messages)


async def bench_feeds(n_feeds: int, n_items: int) -> None:
    server = FixtureServer().start()
    try:
        b = server.base
        for f in range(n_feeds):
            server.routes[f"/f/{f}.rss"] = (200, {"ETag": f'"{f}"'}, rss(b, [(f"{f}-{i}", f"/p/{f}/{i}", f"Feed {f} item {i}") for i in range(n_items)]))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sources.yaml"
            # Summaries only (full_text: false): this measures polling, the extraction rate is above.
            lines = ["limits: {per_host_concurrency: 64, per_host_interval_seconds: 0, timeout_seconds: 30}", "sources:"]
            lines += [f"  - {{name: f{f}, url: '{b}/f/{f}.rss', full_text: false, interval_seconds: 300}}" for f in range(n_feeds)]
            path.write_text("\n".join(lines) + "\n")
            writer = CountingWriter()
            ing = Ingester(reloader=SourcesReloader(path), view=StateView(), writer=writer, owns=lambda _p: True,
                           partitions=4, articles_topic="articles", state_topic="ingest-state")
            t0 = time.perf_counter()
            await ing.run(asyncio.Event(), once=True)
            first = time.perf_counter() - t0
            for src in ing.reloader.current.sources:  # make every source due again: conditional GETs
                ing.view.sources[src.name].next_due = 0
            t0 = time.perf_counter()
            await ing.run(asyncio.Event(), once=True)
            second = time.perf_counter() - t0
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"feeds: {n_feeds} feeds x {n_items} items from one loopback server (same process)")
        print(f"  first poll of all   {first:6.1f} s  ({n_feeds / first:.0f} feeds/s, {writer.messages} messages)")
        print(f"  second poll (ETag)  {second:6.1f} s  ({n_feeds / second:.0f} feeds/s)")
        print(f"  peak RSS            {rss_mb:6.0f} MB (server, ingester and state of {n_feeds * n_items} articles)")
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3, help="passes over the three extraction stages (median kept)")
    ap.add_argument("--html-dir", help="also measure on the saved pages of this directory (e.g. a corpus of real pages)")
    ap.add_argument("--extract-only", action="store_true", help="skip the feed polling part")
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=10)
    args = ap.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    bench_extract(_pages(args.pages), "synthetic news pages", args.repeat)
    if args.html_dir:
        bench_extract(_html_dir(args.html_dir, args.pages), args.html_dir, args.repeat)
    if not args.extract_only:
        asyncio.run(bench_feeds(args.feeds, args.items))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
