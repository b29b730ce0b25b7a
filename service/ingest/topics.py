"""The ingester's topics: ``articles`` (and ``articles.<lang>``), its compacted state, its dead letters."""

from __future__ import annotations

from typing import Any

from service.config import Settings
from service.stream.topics import TopicSpec, article_message_limit, topic_spec


def ingest_topic_specs(settings: Settings, languages: tuple[str, ...] = ()) -> list[TopicSpec]:
    r = settings.retention
    t = settings.topics
    specs = [
        topic_spec(settings, t.articles, "input articles (JSON), key = article id",
              retention_hours=r.articles_hours, max_bytes=article_message_limit(settings)),
        # Compacted: the latest health per source and the latest record per seen article.
        topic_spec(settings, t.ingest_state, "ingest state: seen articles, source health (JSON), compacted"),
        topic_spec(settings, t.ingest_dlq, "items, GDELT files and rows ingest could not use (JSON: url, reason)",
              retention_hours=r.dlq_hours),
    ]
    for lang in languages:
        specs.append(topic_spec(settings, f"{t.articles}.{lang}", f"articles in language {lang!r} (JSON)",
                           retention_hours=r.articles_hours, max_bytes=article_message_limit(settings)))
    return specs


class LanguageTopics:
    """Wraps the writer: creates ``articles.<lang>`` the first time a poll carries an article in
    that language (the broker does not create topics by itself)."""

    def __init__(self, writer: Any, settings: Settings) -> None:
        self.writer = writer
        self.settings = settings
        self.known: set[str] = set()

    def commit(self, messages: list[tuple[str, bytes, bytes]]) -> None:
        from service.stream.clients import ensure_topics

        prefix = self.settings.topics.articles + "."
        new = {t[len(prefix):] for t, _k, _v in messages if t.startswith(prefix)} - self.known
        if new:
            specs = [s for s in ingest_topic_specs(self.settings, tuple(sorted(new))) if s.name.startswith(prefix)]
            ensure_topics(self.settings, specs)
            self.known |= new
        self.writer.commit(messages)
