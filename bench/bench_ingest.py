"""Ingest benchmark: page extraction rate on one core (trafilatura's own cost shown apart), and
polling many feeds in one process from a fixture server on loopback (memory and time).

    .venv/bin/python bench/bench_ingest.py [--pages 500] [--feeds 1000] [--items 10]

Loopback only; every loop is bounded by its count. The Kafka writer is replaced by one that
counts, so the numbers are the ingester's own (Kafka's cost is the stream benchmark's subject).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.ingest.extract import extract_page  # noqa: E402
from service.ingest.items import Candidate, Poll  # noqa: E402
from service.ingest.runner import Ingester, SourcesReloader  # noqa: E402
from service.ingest.state import StateView  # noqa: E402
from tests.ingest.fixtures import PARAGRAPHS, FixtureServer, page, rss  # noqa: E402

_FURNITURE = (
    "<script>window.dataLayer=window.dataLayer||[];" + "var x=1;" * 2000 + "</script>"
    + "<nav><ul>" + "".join(f'<li><a href="/section/{k}">Section {k}</a></li>' for k in range(300)) + "</ul></nav>"
    + "<aside><h3>Related</h3><ul>" + "".join(f'<li><a href="/story/{k}">Related story number {k} with a long teaser headline</a></li>' for k in range(200)) + "</ul></aside>"
)


def _pages(n: int) -> list[bytes]:
    # ~3 KB of article text inside ~60 KB of page furniture (scripts, navigation, related links),
    # about what a news site serves; varied so nothing is cached.
    paras = PARAGRAPHS * 4
    return [page(f"Story {i}", [f"{p} ({i})" for p in paras]).replace("</body>", _FURNITURE + "</body>").encode()
            for i in range(n)]


def bench_extract(n: int) -> None:
    from service.ingest.language import detect_language

    pages = _pages(n)
    detect_language("warm up: the language model loads once per process " * 4)  # ~0.3 s, not per page
    t0 = time.process_time()
    for i, html in enumerate(pages):
        extract_page(html, url=f"https://x.example/{i}")
    extract_cpu = time.process_time() - t0
    view = StateView()
    t0 = time.process_time()
    for i, html in enumerate(pages):
        got = extract_page(html, url=f"https://x.example/{i}")
        poll = Poll("articles", "bench")
        cand = Candidate("bench", f"https://x.example/{i}", f"g{i}", f"Story {i}", "", None, "Bench")
        poll.add_article(view, f"url-{i}", cand, title=cand.title, text=got.text if got else "", text_source="page")
    whole_cpu = time.process_time() - t0
    size = sum(map(len, pages)) / n
    print(f"extraction: {n} pages of {size / 1024:.1f} KB HTML")
    print(f"  trafilatura alone      {n / extract_cpu:8.0f} pages/s  ({1e3 * extract_cpu / n:.2f} ms CPU/page)")
    print(f"  + language, ids, JSON  {n / whole_cpu:8.0f} pages/s  ({1e3 * whole_cpu / n:.2f} ms CPU/page)")


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
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=10)
    args = ap.parse_args()
    bench_extract(args.pages)
    asyncio.run(bench_feeds(args.feeds, args.items))


if __name__ == "__main__":
    main()
