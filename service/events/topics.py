"""The event stage's topics, for ``escalert topics`` (``service.stream.topics.topic_specs``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def event_topic_specs(settings: Any, spec: Callable[..., Any], changelog_name: Callable[[Any, str], str]) -> list[Any]:
    """``events``, the internal ``<app id>-event-keys`` and the changelogs of the event tables.

    ``spec`` and ``changelog_name`` are ``service.stream.topics``' (``topic_spec``,
    ``changelog_name``), handed in by its caller there: this package does not import the stream's.
    """
    cfg = getattr(settings, "events", None)
    if cfg is None or not cfg.enabled or settings.processing_guarantee == "exactly_once":
        return []  # the stage runs with at_least_once only (service.stream.app)

    hours = settings.retention.signals_hours
    specs = [
        spec(settings, cfg.topic, "event versions (JSON, schemas/event.py), key = event_id",
              retention_hours=hours),
        spec(settings, f"{settings.app_id}-event-keys",
              "signals keyed by their event type, for consolidation (internal)", retention_hours=hours),
        spec(settings, changelog_name(settings, cfg.table), "event consolidation table changelog (Faust), compacted"),
        spec(settings, changelog_name(settings, cfg.calendar_table), "calendar table changelog (Faust), compacted"),
        spec(settings, f"{settings.app_id}-trajectory-keys",
              "counted event versions keyed by trajectory series (internal)", retention_hours=hours),
        spec(settings, changelog_name(settings, cfg.trajectory_table),
              "trajectory table changelog (Faust), compacted"),
    ]
    alerts = getattr(settings, "alerts", None)
    if alerts is not None and getattr(alerts, "subscriptions", None) is not None:
        specs.append(spec(settings, changelog_name(settings, cfg.alerts_table),
                           "event alert state table changelog (Faust), compacted"))
    return specs
