"""Prometheus metrics of the worker, in a registry of its own.

Why a registry per app instead of the global one: tests (and the alert agents) build several
apps in one process; a global registry would refuse the second set of metric names.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class StreamMetrics:
    """The service's metrics; names are part of the documented interface (docs/stream.md, "Health and metrics")."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.articles_in = Counter(
            "escalert_articles_in", "Article messages consumed from the articles topic.", registry=r
        )
        self.signals_out = Counter(
            "escalert_signals_out", "Signals produced to the signals topic, by PLOVER type.",
            ["type"], registry=r,
        )
        self.dead_letters = Counter(
            "escalert_dead_letters", "Messages sent to the dead-letter topic, by reason.",
            ["reason"], registry=r,
        )
        self.duplicates = Counter(
            "escalert_duplicates", "Articles suppressed as duplicates, by what matched (id, content).",
            ["by"], registry=r,
        )
        self.latency = Histogram(
            "escalert_processing_latency_seconds",
            "From the article message's Kafka timestamp to its signals being acknowledged.",
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.batch_size = Histogram(
            "escalert_batch_size", "Articles per processing batch.",
            buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 5000), registry=r,
        )
        self.lag = Gauge(
            "escalert_consumer_lag", "Messages behind the high watermark, per assigned partition.",
            ["topic", "partition"], registry=r,
        )

        self.batch_intake = Gauge(
            "escalert_batch_intake",
            "1 while the articles topic's messages come in bulk from the fetch loop (batch intake on), "
            "0 while Faust's per-event path delivers them (why: /health/ready, batch_intake).",
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
