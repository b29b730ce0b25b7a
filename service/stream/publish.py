"""``escalert publish``: articles from files to the articles topic (kafka-python producer).

Why re-encode instead of sending the file bytes: the plain-text form and ``.json`` lists are not
wire messages; every article goes out as one JSON object (the contract of schemas/article.py),
keyed by its id so that duplicates of one article meet in one partition (see topics.py).
Invalid inputs never reach Kafka: they are reported with file, line and reason.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field

from schemas.article import Article
from service.config import Settings
from service.inputs import InputError, read_articles


@dataclass
class PublishSummary:
    topic: str
    sent: int = 0
    invalid: list[InputError] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def wire_json(article: Article) -> bytes:
    """The article as the worker will read it; an assumed publication time is left out so the
    worker applies (and flags) its own read time, as the contract says."""
    data = article.model_dump(mode="json", exclude={"published_at_assumed"}, exclude_none=True)
    if article.published_at_assumed:
        data.pop("published_at", None)
    if not article.revision:
        data.pop("revision")  # a first publication reads as before revisions existed
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def publish_paths(
    settings: Settings,
    paths: list[str],
    *,
    topic: str | None = None,
    rate: float | None = None,
    progress: bool | None = None,
) -> PublishSummary:
    from tqdm import tqdm

    from service.stream.clients import producer

    topic = topic or settings.topics.articles
    summary = PublishSummary(topic)
    prod = producer(settings)
    pending = []
    interval = 1.0 / rate if rate else 0.0
    next_at = time.monotonic()
    bar = tqdm(
        read_articles(paths, max_bytes=settings.max_article_bytes), unit=" articles",
        disable=(not sys.stderr.isatty()) if progress is None else not progress, file=sys.stderr,
    )
    try:
        for item in bar:
            if isinstance(item, InputError):
                summary.invalid.append(item)
                continue
            if interval:
                now = time.monotonic()
                if next_at > now:
                    time.sleep(next_at - now)
                next_at = max(next_at + interval, time.monotonic() - 1.0)
            fut = prod.send(topic, key=item.article.id.encode("utf-8"), value=wire_json(item.article))
            pending.append((item.origin, fut))
            if len(pending) >= 1000:
                _settle(pending, summary)
        prod.flush(timeout=60)
        _settle(pending, summary)
    finally:
        bar.close()
        prod.close(timeout=10)
    return summary


def _settle(pending: list, summary: PublishSummary) -> None:
    for origin, fut in pending:
        try:
            fut.get(timeout=60)
            summary.sent += 1
        except Exception as exc:  # noqa: BLE001 - every failure is reported, per article
            summary.failed.append((origin, f"{type(exc).__name__}: {exc}"))
    pending.clear()
