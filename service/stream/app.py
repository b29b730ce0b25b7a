"""The Faust app: built from a :class:`~service.config.Settings` by :func:`create_app`.

Why a factory instead of a module-level app: tests run several workers with their own app id,
topics and group in one machine, and the alert agents attach to whatever app they are given.
Nothing here knows how detection works; ``agents.py`` wires the pure core in ``processing.py``.

Alerts: after the detection agents exist, :func:`create_app` calls
``service.alerts.agents.register(app, settings)`` when alerting is enabled and a subscriptions
file is configured (``ESCALERT_ALERTS_SUBSCRIPTIONS``). Without one, the worker runs detection only.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import faust

from service.config import Settings
from service.stream.metrics import StreamMetrics
from service.stream.security import ssl_context
from service.stream.topics import article_message_limit, dlq_message_limit

log = logging.getLogger(__name__)


@dataclass
class StreamParts:
    """What :func:`create_app` built, for tests, the web views and the alert agents' ``register``."""

    settings: Settings
    metrics: StreamMetrics
    articles: Any  # faust.TopicT
    signals: Any
    articles_dlq: Any
    dedupe: Any  # faust.Table
    agent: Any
    # Filled by agents.register: the detection agent and what the web views read of it.
    detection: Any = None  # agents.DetectionAgent
    intake: Any = None  # intake.Intake
    last_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    update_lag: Callable[[], None] | None = None
    finish: Any = None  # DetectionAgent.finish
    # Filled by web.register and lifecycle.register / lifecycle.Worker.
    state: dict[str, Any] = field(default_factory=dict)
    pages: tuple[str, ...] = ()
    broker: Any = None  # lifecycle.BrokerWatch
    exit_reason: str | None = None
    stop_worker: Callable[[str], None] | None = None


# Faust's own pages, all off: /table/<name>/<key>/ serves table data (the dedupe table, the
# delivery ledger with its target ids) without authentication, /router/ the cluster's worker URLs
# (only @table_route needs it; we have none), / and /graph/ sensor counters and the service
# tree, /performance/ its metrics. The worker's web server keeps only service.stream.web's
# pages (/health/*, /metrics).
BUILTIN_PAGES_OFF: dict[str, bool] = {
    "web_tables_enabled": False,
    "web_router_enabled": False,
    "web_stats_enabled": False,
    "web_graph_enabled": False,
    "web_metrics_enabled": False,
}


def web_bind_problem(settings: Settings) -> str | None:
    """None when the web server can bind ``web_host:web_port``; else one line saying why not.

    Checked by ``escalert worker`` before Faust starts, so a port in use is a configuration
    error (exit 2) instead of a worker crash. The probe sets SO_REUSEADDR as aiohttp does, so a
    port a previous worker left in TIME_WAIT is not reported.
    """
    if not settings.web_enabled:
        return None
    import socket

    where = f"{settings.web_host}:{settings.web_port}"
    try:
        infos = socket.getaddrinfo(settings.web_host, settings.web_port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"ESCALERT_WEB_HOST: cannot bind {where}: {exc.strerror or exc}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            why = "already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            return (f"ESCALERT_WEB_PORT: cannot serve health and metrics on {where}: {why} "
                    "(another worker? set ESCALERT_WEB_PORT, or ESCALERT_WEB_ENABLED=false)")
    return None


def broker_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    """Faust credentials for SASL and/or TLS; None for the local PLAINTEXT broker."""
    sec = settings.security
    ctx = ssl_context(settings)
    if sec.uses_sasl:
        assert sec.sasl_password is not None
        return faust.SASLCredentials(
            username=sec.sasl_username,
            password=sec.sasl_password.get_secret_value(),
            mechanism=sec.sasl_mechanism,
            ssl_context=ctx,
        )
    if ctx is not None:
        return faust.SSLCredentials(ctx)
    return None


def faust_options(settings: Settings) -> dict[str, Any]:
    """The faust.App keyword arguments derived from settings (separate so tests can check them)."""
    return {
        "broker": settings.broker_urls,
        "broker_credentials": broker_credentials(settings),
        "store": settings.store,
        "datadir": str(settings.data_dir / settings.app_id),
        "processing_guarantee": settings.processing_guarantee,
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication,
        # The assignor's leader topic is only needed by apps that use app.leader; we do not.
        "topic_disable_leader": True,
        "broker_session_timeout": settings.session_timeout_seconds,
        "broker_heartbeat_interval": settings.heartbeat_interval_seconds,
        "broker_commit_interval": settings.commit_interval_seconds,
        "consumer_auto_offset_reset": "earliest",
        "consumer_max_fetch_size": article_message_limit(settings),
        "producer_max_request_size": dlq_message_limit(settings),
        "producer_linger": 0.005,
        # We hand aiokafka whole batches (agents.py); room for a few hundred signals each.
        "producer_max_batch_size": 512 * 1024,
        "web_enabled": settings.web_enabled,
        "web_bind": settings.web_host,
        "web_host": settings.web_host,
        "web_port": settings.web_port,
        **BUILTIN_PAGES_OFF,
        "autodiscover": False,
    }


def create_app(settings: Settings, *, detect: Any = None, with_alerts: bool = True) -> faust.App:
    """Build the worker's Faust app: topics, the dedupe table, the detection agent, web views.

    ``detect`` overrides the detector (unit tests); by default it is ``settings.detector``.
    The returned app carries ``app.escalert`` (a :class:`StreamParts`).
    """
    from service.stream import agents, lifecycle, resume, web  # local: agents imports the detector

    resume.install()  # stream partitions fetch only after a rebalance's seek (resume.py)
    app = faust.App(settings.app_id, **faust_options(settings))
    resume.register(app)  # changelog partitions Faust holds paused are not fetched (resume.py)
    metrics = StreamMetrics()
    t = settings.topics
    # Key/value bytes are ours to encode: plain JSON, no Faust envelope on the wire.
    raw = {"key_serializer": "raw", "value_serializer": "raw", "partitions": settings.partitions}
    articles = app.topic(t.articles, **raw)
    signals = app.topic(t.signals, **raw)
    articles_dlq = app.topic(t.articles_dlq, **raw)
    parts = StreamParts(settings, metrics, articles, signals, articles_dlq, None, None)
    agents.register(app, parts, detect=detect)
    web.register(app, parts)
    lifecycle.register(app, parts)
    app.escalert = parts  # type: ignore[attr-defined]
    if with_alerts:
        _maybe_register_alerts(app, settings)
    _maybe_register_events(app, settings)
    if settings.ingest_sources is not None:
        from service.ingest import worker_part

        worker_part.register(app, settings)
    return app


def _maybe_register_events(app: faust.App, settings: Settings) -> bool:
    """Attach the event stage (``service.events.agents``) unless ESCALERT_EVENTS_ENABLED=false;
    after the alert agents, whose ``alerts`` topic its event alerts use."""
    if not settings.events.enabled:
        return False
    if settings.processing_guarantee == "exactly_once":
        # Its sends and table writes are not part of Faust's transactions yet; measured: they
        # made the detection stage's transactional dedupe state go missing after a restart.
        log.warning("event stage off: it runs with ESCALERT_PROCESSING_GUARANTEE=at_least_once only")
        return False
    from service.events import agents  # local: the event stage's imports are its own

    agents.register(app, settings)
    return True


def _maybe_register_alerts(app: faust.App, settings: Settings) -> bool:
    """Attach the alert agents when alerting is on and a subscriptions file is configured."""
    alerts = settings.alerts
    if not alerts.enabled or not alerts.subscriptions:
        return False
    from service.alerts import agents  # local: imports Apprise's plugins

    agents.register(app, settings)
    log.info("alert agents registered (subscriptions: %s)", alerts.subscriptions)
    return True
