"""Prometheus metrics of the ingester, per source (names in the sources file, never URLs)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from service.ingest.items import Poll
from service.ingest.state import SourceHealth


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.polls = Counter("escalert_ingest_polls_total", "Polls of a source, by outcome.", ["source", "outcome"], registry=r)
        self.articles = Counter("escalert_ingest_articles_total", "Articles published, by kind (new, updated).", ["source", "kind"], registry=r)
        self.languages = Counter("escalert_ingest_articles_by_language_total", "Articles published, by detected language.", ["language"], registry=r)
        self.dead = Counter("escalert_ingest_dead_letters_total", "Items sent to the ingest dead-letter topic.", ["source"], registry=r)
        self.failures = Gauge("escalert_ingest_source_consecutive_failures", "Consecutive failed polls of a source.", ["source"], registry=r)
        self.last_success = Gauge("escalert_ingest_source_last_success_timestamp_seconds", "Time of the last successful poll.", ["source"], registry=r)
        self.items_seen = Gauge("escalert_ingest_source_items_seen", "Feed items or GDELT rows seen from a source.", ["source"], registry=r)

    def observe(self, source: str, health: SourceHealth, poll: Poll) -> None:
        self.polls.labels(source, "error" if health.consecutive_failures else "ok").inc()
        self.articles.labels(source, "new").inc(poll.published)
        self.articles.labels(source, "updated").inc(poll.updated)
        for lang, n in poll.by_language.items():
            self.languages.labels(lang).inc(n)
        self.dead.labels(source).inc(poll.dead)
        self.failures.labels(source).set(health.consecutive_failures)
        if health.last_success:
            self.last_success.labels(source).set(health.last_success)
        self.items_seen.labels(source).set(health.items_seen)
