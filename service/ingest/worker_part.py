"""The ingester inside the worker (``ESCALERT_INGEST_SOURCES``): one process that feeds itself.

The same :class:`~service.ingest.runner.Ingester` as ``escalert ingest run``, as a Faust task of
the worker's app: its Kafka clients (kafka-python, in threads) are its own, so the worker's
consumer group, tables and offsets are untouched; it stops when the worker stops.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

log = logging.getLogger(__name__)


def register(app: Any, settings: Any) -> None:
    """Add the ingest task to ``app``. Raises SourcesError (one line) when the file is invalid,
    before anything starts."""
    from service.ingest.runner import SourcesReloader

    reloader = SourcesReloader(settings.ingest_sources)
    instance = f"{socket.gethostname()}-worker"

    @app.task
    async def ingest() -> None:
        await run_ingester(settings, reloader, instance, asyncio.Event())

    log.info("ingest registered: %d sources from %s", len(reloader.current.sources), settings.ingest_sources)


async def run_ingester(settings: Any, reloader: Any, instance: str, stop: asyncio.Event,
                       *, once: bool = False, metrics: Any = None) -> None:
    """Topics, state, writer, then the polling loop until ``stop`` (or cancellation)."""
    from service.ingest.kafka_state import StateReader, Writer
    from service.ingest.runner import Ingester
    from service.ingest.state import StateView
    from service.ingest.topics import LanguageTopics, ingest_topic_specs
    from service.stream.clients import ensure_topics

    await asyncio.to_thread(ensure_topics, settings, ingest_topic_specs(settings))
    view = StateView()
    reader = await asyncio.to_thread(StateReader, settings, view, group=f"{settings.app_id}-ingest")
    try:
        loaded = await asyncio.to_thread(reader.load)
        writer = await asyncio.to_thread(Writer, settings, transactional_id=f"{settings.app_id}-ingest-{instance}")
        try:
            reader.start()
            ingester = Ingester(
                reloader=reloader, view=view, writer=LanguageTopics(writer, settings),
                owns=(lambda _p: True) if once else reader.owns, partitions=reader.partitions,
                articles_topic=settings.topics.articles, state_topic=settings.topics.ingest_state,
                dlq_topic=settings.topics.ingest_dlq,
                metrics=metrics,
            )
            log.info("ingest: %d sources, %d state records, instance %s",
                     len(reloader.current.sources), loaded, instance)
            await ingester.run(stop, once=once)
        finally:
            writer.close()
    finally:
        reader.close()
