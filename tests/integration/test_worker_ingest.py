"""The worker with ``ESCALERT_INGEST_SOURCES``: feeds in, signals out, one process; the shipped
defaults otherwise (rocksdb store, alerts off)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.conftest import Stream


def test_worker_ingests_a_feed_and_detects_the_sample_article(brokers: str, tmp_path: Path) -> None:
    from service.ingest.seedfeed import SeedSite

    site = SeedSite(["seeds/000_7c94694e4128f0a7.txt"]).start()
    stream = Stream(brokers, "wingest", tmp_path, partitions=2)
    sources = site.sources_yaml(tmp_path / "sources.yaml")
    uid = stream.app_id
    stream.env.update({
        "ESCALERT_TOPICS__INGEST_STATE": f"{uid}-ingest-state",
        "ESCALERT_TOPICS__INGEST_DLQ": f"{uid}-ingest-dlq",
    })
    w = stream.worker(ESCALERT_INGEST_SOURCES=str(sources)).start()
    try:
        w.wait_ready()
        msgs = stream.consume(stream.signals, until=lambda out: len(out) >= 10, timeout=120)
        signals = [json.loads(m.value) for m in msgs]
        assert signals, w.tail()
        assert {s["article"]["source"] for s in signals} == {"Seed News"}
        consult = {(s["type"], s["event_date"], (s.get("location") or {}).get("name")) for s in signals}
        assert ("CONSULT", "2025-01-10", "Geneva") in consult, consult
        assert any(s["type"] == "MOBILIZE" and s["actors"]["source"][0]["code"] == "RUS" for s in signals)
    finally:
        stream.stop_all()
        site.stop()


def test_a_bad_sources_file_stops_the_worker_at_start_with_one_line(brokers: str, tmp_path: Path) -> None:
    stream = Stream(brokers, "wingestbad", tmp_path, partitions=1)
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - name: x\n    url: feed.example/rss\n")
    w = stream.worker(ESCALERT_INGEST_SOURCES=str(bad)).start()
    assert w.proc is not None and w.proc.wait(timeout=60) == 2
    text = Path(w.log_path).read_text()
    assert "invalid sources file" in text and "sources.0.url" in text and "Traceback" not in text


