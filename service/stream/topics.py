"""The topics of the service, as data: names, partitions, replication and per-topic configs.

Why a plain list of specs: ``escalert topics`` (kafka-python admin), the Faust app and the tests
all need the same facts, and none of them should re-derive a retention or a size limit.

Message keys (stable partitioning for downstream consumers):

- ``articles``: key = article id (UTF-8); ``escalert publish`` sets it. Unkeyed is accepted.
- ``signals``: key = ``article_id`` of the signal, so all signals of one article land in one
  partition, in order.
- ``articles-dlq``: key = the original message's key (unchanged, possibly null).
- ``<app_id>-dedupe-changelog``: Faust's changelog of the duplicate-suppression table; compacted.
- ``alerts``: key = subscription name, so one subscription's alerts stay in order; only when a
  subscriptions file is configured, with ``alerts-dlq`` and the compacted changelogs of the
  noise-control and delivery-ledger tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.config import Settings

DEDUPE_TABLE = "dedupe"
# Room for the JSON envelope of a dead letter around its payload.
_ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    config: dict[str, str] = field(default_factory=dict)
    purpose: str = ""


def article_message_limit(settings: Settings) -> int:
    """Largest ``articles`` message the broker accepts.

    Twice the article limit: an oversize article must still reach the worker, or it could not be
    dead-lettered (the producer would get an error instead, which is also loud, not silent).
    """
    return 2 * settings.max_article_bytes + _ENVELOPE_BYTES


def dlq_message_limit(settings: Settings) -> int:
    """Largest dead letter: a payload re-encoded as base64 or JSON-escaped text grows."""
    return 4 * settings.max_article_bytes + _ENVELOPE_BYTES


def changelog_name(settings: Settings, table: str = DEDUPE_TABLE) -> str:
    """Faust names a table's changelog ``<app id>-<table>-changelog``."""
    return f"{settings.app_id}-{table}-changelog"


def topic_spec(settings: Settings, name: str, purpose: str, *, retention_hours: int | None = None,
          max_bytes: int | None = None) -> TopicSpec:
    """One topic: deleted after ``retention_hours``, or compacted when no retention is given."""
    config = {"min.insync.replicas": str(max(1, settings.replication - 1))}
    if retention_hours is None:
        config["cleanup.policy"] = "compact"
    else:
        config["cleanup.policy"] = "delete"
        config["retention.ms"] = str(settings.retention_ms(retention_hours))
    if max_bytes is not None:
        config["max.message.bytes"] = str(max_bytes)
    return TopicSpec(name, settings.partitions, settings.replication, config, purpose)


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic the stream service reads or writes, with the configs it should have."""
    r = settings.retention
    t = settings.topics
    return [
        topic_spec(settings, t.articles, "input articles (JSON), key = article id",
              retention_hours=r.articles_hours, max_bytes=article_message_limit(settings)),
        topic_spec(settings, t.signals, "detected signals (JSON, schemas/signal.py), key = article_id",
              retention_hours=r.signals_hours),
        topic_spec(settings, t.articles_dlq, "dead letters (JSON, schemas/deadletter.py), key = original key",
              retention_hours=r.dlq_hours, max_bytes=dlq_message_limit(settings)),
        # Compacted: only the latest first-seen time per key matters; retention by time would
        # forget duplicates early, compaction keeps exactly one record per key.
        topic_spec(settings, changelog_name(settings), "duplicate-suppression table changelog (Faust), compacted"),
        *alert_topic_specs(settings),
        *_event_topic_specs(settings),
    ]


def _event_topic_specs(settings: Settings) -> list[TopicSpec]:
    """The event stage's topics (``service.events``), when it is enabled."""
    from service.events.topics import event_topic_specs

    return event_topic_specs(settings, topic_spec, changelog_name)


def alert_topic_specs(settings: Settings) -> list[TopicSpec]:
    """The alerting topics, created only when alerts are configured."""
    alerts = getattr(settings, "alerts", None)
    if alerts is None or getattr(alerts, "subscriptions", None) is None:
        return []
    from service.alerts.agents import NOISE_TABLE

    r = settings.retention
    t = settings.topics
    return [
        topic_spec(settings, t.alerts, "alerts (JSON, schemas/alert.py), key = subscription name",
              retention_hours=r.signals_hours),
        topic_spec(settings, t.alerts_dlq, "alerts that could not be delivered (JSON, schemas/deadletter.py)",
              retention_hours=r.dlq_hours),
        topic_spec(settings, changelog_name(settings, NOISE_TABLE), "alert noise-control table changelog (Faust), compacted"),
        topic_spec(settings, changelog_name(settings, alerts.ledger_table), "delivery ledger table changelog (Faust), compacted"),
    ]
