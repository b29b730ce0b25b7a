"""kafka-python clients (admin, producer, consumer) configured from :class:`Settings`.

Why kafka-python for the CLI and not Faust/aiokafka: ``publish``, ``topics`` and ``tail`` are
short, synchronous, one-shot tools; kafka-python is simpler there and needs no event loop.
(kafka-python >= 3.0 is required by Kafka 4.x brokers.)
"""

from __future__ import annotations

import socket
from typing import Any

from service.config import Settings
from service.stream.topics import TopicSpec, article_message_limit, topic_specs


class BrokerUnreachable(RuntimeError):
    """No bootstrap server answered; the CLI exits with status 3."""


def client_kwargs(settings: Settings) -> dict[str, Any]:
    """Connection and security options shared by kafka-python's clients."""
    sec = settings.security
    kw: dict[str, Any] = {
        "bootstrap_servers": settings.brokers,
        "security_protocol": sec.protocol,
        "client_id": f"{settings.app_id}-cli",
    }
    if sec.uses_sasl:
        assert sec.sasl_password is not None
        kw.update(
            sasl_mechanism=sec.sasl_mechanism,
            sasl_plain_username=sec.sasl_username,
            sasl_plain_password=sec.sasl_password.get_secret_value(),
        )
    if sec.uses_ssl:
        kw.update(
            ssl_cafile=str(sec.ssl_cafile) if sec.ssl_cafile else None,
            ssl_certfile=str(sec.ssl_certfile) if sec.ssl_certfile else None,
            ssl_keyfile=str(sec.ssl_keyfile) if sec.ssl_keyfile else None,
            ssl_check_hostname=sec.ssl_check_hostname,
        )
    return kw


def check_reachable(settings: Settings, timeout: float = 3.0) -> None:
    """Fail fast (and clearly) when no bootstrap server accepts a TCP connection."""
    errors = []
    for addr in settings.brokers:
        host, _, port = addr.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
                return
        except OSError as exc:
            errors.append(f"{addr}: {exc.strerror or exc}")
    raise BrokerUnreachable(
        "no Kafka broker reachable (ESCALERT_BROKERS): " + "; ".join(errors)
        + " (start the local one with scripts/kafka.sh start)"
    )


def admin(settings: Settings) -> Any:
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError as NoBrokersAvailable

    check_reachable(settings)
    try:
        return KafkaAdminClient(**client_kwargs(settings), request_timeout_ms=15000)
    except NoBrokersAvailable as exc:
        raise BrokerUnreachable(f"no Kafka broker answered at {settings.brokers}: {exc}") from None


def producer(settings: Settings, **extra: Any) -> Any:
    from kafka import KafkaProducer
    from kafka.errors import KafkaError as NoBrokersAvailable

    check_reachable(settings)
    try:
        return KafkaProducer(
            **client_kwargs(settings),
            acks="all",
            linger_ms=20,
            max_request_size=article_message_limit(settings),
            **extra,
        )
    except NoBrokersAvailable as exc:
        raise BrokerUnreachable(f"no Kafka broker answered at {settings.brokers}: {exc}") from None


def consumer(settings: Settings, *topics: str, **extra: Any) -> Any:
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError as NoBrokersAvailable

    check_reachable(settings)
    try:
        return KafkaConsumer(*topics, **client_kwargs(settings), **extra)
    except NoBrokersAvailable as exc:
        raise BrokerUnreachable(f"no Kafka broker answered at {settings.brokers}: {exc}") from None


def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> list[tuple[TopicSpec, str]]:
    """Create missing topics and align the configs of existing ones. Idempotent.

    Returns ``(spec, status)`` with status ``created``, ``exists``, ``updated`` or
    ``exists (N partitions, wanted M)``: partitions are never reduced (Kafka cannot) and never
    silently increased (that would move keys between partitions).
    """
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    specs = specs if specs is not None else topic_specs(settings)
    client = admin(settings)
    try:
        existing = set(client.list_topics())
        statuses: dict[str, str] = {}
        new = [
            NewTopic(sp.name, sp.partitions, sp.replication, topic_configs=dict(sp.config))
            for sp in specs if sp.name not in existing
        ]
        if new:
            try:
                resp = client.create_topics(new)
            except TopicAlreadyExistsError:
                # Another creator (a second instance starting at the same moment) was first; the
                # broker still created the others of the request.
                resp = None
                statuses.update({t.name: "exists" for t in new})
            for t in _topic_results(resp) if resp is not None else []:
                name, code, msg = t
                if code in (0, 36):  # 36: TOPIC_ALREADY_EXISTS (a race with another creator)
                    statuses[name] = "created" if code == 0 else "exists"
                else:
                    raise RuntimeError(f"creating topic {name!r} failed: error {code} {msg or ''}".strip())
        old = [sp for sp in specs if sp.name in existing]
        if old:
            described = {d.get("name") or d.get("topic"): d for d in _describe(client, [sp.name for sp in old])}
            for sp in old:
                d = described.get(sp.name)
                n = len(d.get("partitions", [])) if d else sp.partitions
                if n != sp.partitions:
                    statuses[sp.name] = f"exists ({n} partitions, wanted {sp.partitions})"
                else:
                    statuses[sp.name] = "exists"
            resources = [ConfigResource(ConfigResourceType.TOPIC, sp.name, configs=dict(sp.config))
                         for sp in old if sp.config]
            if resources:
                client.alter_configs(resources)
                for sp in old:
                    if sp.config and statuses[sp.name] == "exists":
                        statuses[sp.name] = "exists (configs applied)"
        return [(sp, statuses.get(sp.name, "exists")) for sp in specs]
    finally:
        client.close()


def _topic_results(resp: Any) -> list[tuple[str, int, str | None]]:
    """kafka-python 3.x returns a dict (or a response object in older versions)."""
    if isinstance(resp, dict):
        return [(t["name"], t.get("error_code", 0), t.get("error_message")) for t in resp.get("topics", [])]
    topics = getattr(resp, "topic_errors", None) or getattr(resp, "topics", [])
    return [(t[0], t[1], t[2] if len(t) > 2 else None) for t in topics]


def _describe(client: Any, names: list[str]) -> list[dict[str, Any]]:
    out = client.describe_topics(names)
    return [d if isinstance(d, dict) else dict(d) for d in out]
