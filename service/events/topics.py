"""The event stage's topics, for ``escalert topics`` (``service.stream.topics.topic_specs``)."""

from __future__ import annotations

from typing import Any


def event_topic_specs(settings: Any) -> list[Any]:
    """``events``, the internal ``<app id>-event-keys`` and the changelogs of the event tables."""
    cfg = getattr(settings, "events", None)
    if cfg is None or not cfg.enabled or settings.processing_guarantee == "exactly_once":
        return []  # the stage runs with at_least_once only (service.stream.app)
    from service.stream.topics import changelog_name, topic_spec

    hours = settings.retention.signals_hours
    specs = [
        topic_spec(settings, cfg.topic, "event versions (JSON, schemas/event.py), key = event_id",
              retention_hours=hours),
        topic_spec(settings, f"{settings.app_id}-event-keys",
              "signals keyed by their event type, for consolidation (internal)", retention_hours=hours),
        topic_spec(settings, changelog_name(settings, cfg.table), "event consolidation table changelog (Faust), compacted"),
        topic_spec(settings, changelog_name(settings, cfg.calendar_table), "calendar table changelog (Faust), compacted"),
        topic_spec(settings, f"{settings.app_id}-trajectory-keys",
              "counted event versions keyed by trajectory series (internal)", retention_hours=hours),
        topic_spec(settings, changelog_name(settings, cfg.trajectory_table),
              "trajectory table changelog (Faust), compacted"),
    ]
    alerts = getattr(settings, "alerts", None)
    if alerts is not None and getattr(alerts, "subscriptions", None) is not None:
        specs.append(topic_spec(settings, changelog_name(settings, cfg.alerts_table),
                           "event alert state table changelog (Faust), compacted"))
    return specs
